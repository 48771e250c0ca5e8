"""Leapfrog (velocity Verlet) versus the exact Hamiltonian flow for smooth potentials.

Hamiltonian H(q, p) = U(q) + |p|^2 / 2 in d dimensions. One leapfrog step of size eps
(kick - drift - kick, the DESIGN's convention)::

    p_half = p - (eps/2) grad U(q)
    q1     = q + eps p_half
    p1     = p_half - (eps/2) grad U(q1)

Everything here is a truncated power series in ``EPS`` whose coefficients are SymPy
expressions in q, p and the derivatives of U. U may be a concrete expression or, by
default, an undefined function ``U(q)`` / ``U(q1, ..., qd)`` so that the coefficients come
out in terms of U', U'', ... (``Derivative`` objects).

* The exact flow is the Lie series  F(phi_eps(x)) = sum_n eps^n / n! L^n F(x),  with the
  Liouville operator  L F = p . grad_q F - grad U . grad_p F  (Hairer, Lubich, Wanner,
  *Geometric Numerical Integration*, 2nd ed., 2006, ch. III and IX).
* The leapfrog map is expanded by the multivariate Taylor formula
  U(q + delta) = sum_k (delta . grad)^k U(q) / k!, delta = O(eps).

Result (checked by tests/test_theory_smooth.py, derived in proofs_notes/smooth_local_error.md):
local errors in q, p and H are O(eps^3); in 1D

    q1 - q(eps) = eps^3 p U'' / 6 + O(eps^4)
    p1 - p(eps) = eps^3 (U' U'' - p^2 U''') / 12 + O(eps^4)
    H(q1, p1) - H(q, p) = eps^3 (p U' U'' / 4 - p^3 U''' / 12) + O(eps^4).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

import sympy as sp

#: The step size symbol.
EPS = sp.Symbol("epsilon", positive=True)


# --------------------------------------------------------------------------------------------
# coordinates and potentials


def phase_space(dim: int = 1) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
    """Real position and momentum symbols: (q,), (p,) in 1D; (q1..qd), (p1..pd) otherwise."""
    if not isinstance(dim, int) or dim < 1:
        raise ValueError(f"dimension must be a positive integer, got {dim!r}")
    if dim == 1:
        return (sp.Symbol("q", real=True),), (sp.Symbol("p", real=True),)
    qs = tuple(sp.Symbol(f"q{i}", real=True) for i in range(1, dim + 1))
    ps = tuple(sp.Symbol(f"p{i}", real=True) for i in range(1, dim + 1))
    return qs, ps


def generic_potential(dim: int = 1) -> tuple[sp.Expr, tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
    """An undefined smooth potential U(q) (or U(q1, ..., qd)) and its phase-space symbols."""
    qs, ps = phase_space(dim)
    return sp.Function("U")(*qs), qs, ps


def _coords(U, qs, ps):
    """Resolve (U, qs, ps). U=None is the undefined U(q) (or U(q1..qd) when qs is given);
    qs default to the 1D q; ps default to the matching momenta."""
    qs = phase_space(1)[0] if qs is None else tuple(qs)
    ps = phase_space(len(qs))[1] if ps is None else tuple(ps)
    if len(ps) != len(qs):
        raise ValueError("qs and ps must have the same length")
    if U is None:
        return sp.Function("U")(*qs), qs, ps
    U = sp.sympify(U)
    free = U.free_symbols - set(qs)
    if free:
        raise ValueError(f"potential has symbols {sorted(map(str, free))} besides {[str(x) for x in qs]}")
    return U, qs, ps


def hamiltonian(U, qs, ps) -> sp.Expr:
    """H(q, p) = U(q) + |p|^2 / 2."""
    return U + sum(p**2 for p in ps) / 2


def gradient(U, qs) -> tuple[sp.Expr, ...]:
    return tuple(sp.diff(U, x) for x in qs)


# --------------------------------------------------------------------------------------------
# truncated series in EPS


def truncate(expr: sp.Expr, order: int) -> sp.Expr:
    """The polynomial part of degree <= order in EPS of an expression polynomial in EPS."""
    expanded = sp.expand(expr)
    return sp.Add(*[expanded.coeff(EPS, k) * EPS**k for k in range(order + 1)])


def leading_term(series: sp.Expr, max_order: int) -> tuple[int | None, sp.Expr]:
    """(n, c) with series = c eps^n + O(eps^(n+1)), c != 0; (None, 0) if zero to max_order."""
    expanded = sp.expand(series)
    for k in range(max_order + 1):
        c = sp.simplify(expanded.coeff(EPS, k))
        if c != 0:
            return k, c
    return None, sp.Integer(0)


def taylor_shift(F: sp.Expr, qs: Sequence[sp.Symbol], deltas: Sequence[sp.Expr], order: int,
                 substitutions: dict | None = None) -> sp.Expr:
    """F(q + delta) truncated at EPS^order, for shifts delta = O(EPS).

    F(q + delta) = sum_{k<=order} (delta . grad_q)^k F(q) / k!  (multivariate Taylor formula),
    computed with placeholder constants d_i for delta: each term is a polynomial in the d_i
    (and in the keys of ``substitutions``, e.g. p -> p1, applied at the same time), and every
    monomial is replaced by the product of cached, EPS-truncated powers of the values.
    """
    placeholders = [sp.Dummy(f"d{i}") for i in range(len(qs))]
    substitutions = dict(substitutions or {})
    gens = placeholders + list(substitutions)
    values = [sp.expand(d) for d in deltas] + [sp.expand(v) for v in substitutions.values()]
    cache: dict[tuple[int, int], sp.Expr] = {}

    def power(i: int, e: int) -> sp.Expr:
        if e == 0:
            return sp.Integer(1)
        if (i, e) not in cache:
            cache[(i, e)] = truncate(power(i, e - 1) * values[i], order)
        return cache[(i, e)]

    term = F
    total = sp.Integer(0)
    for k in range(order + 1):
        if k:
            term = sp.expand(sum(d * sp.diff(term, x) for d, x in zip(placeholders, qs)) / k)
        if term == 0:
            break
        for monomial, coeff in sp.Poly(term, *gens).terms():
            product = coeff
            for i, e in enumerate(monomial):
                if e:
                    product = truncate(product * power(i, e), order)
            total += product
    return truncate(total, order)


# --------------------------------------------------------------------------------------------
# the two maps


def leapfrog_step_series(U=None, order: int = 4, qs=None, ps=None):
    """One velocity-Verlet step as series in EPS: returns (q1, p1), tuples truncated at EPS^order.

    p_half = p - eps/2 grad U(q); q1 = q + eps p_half (exact, degree 2 in eps);
    p1 = p_half - eps/2 grad U(q1) with grad U(q1) Taylor-expanded about q.
    """
    U, qs, ps = _coords(U, qs, ps)
    grad = gradient(U, qs)
    p_half = tuple(p - EPS / 2 * g for p, g in zip(ps, grad))
    q1 = tuple(sp.expand(x + EPS * ph) for x, ph in zip(qs, p_half))
    deltas = tuple(EPS * ph for ph in p_half)
    p1 = tuple(
        truncate(ph - EPS / 2 * taylor_shift(g, qs, deltas, order - 1), order) for ph, g in zip(p_half, grad)
    )
    return tuple(truncate(x, order) for x in q1), p1


def liouville(F: sp.Expr, U, qs, ps) -> sp.Expr:
    """L F = p . grad_q F - grad U . grad_p F  (time derivative of F along the exact flow)."""
    return sum(p * sp.diff(F, x) for x, p in zip(qs, ps)) - sum(
        sp.diff(U, x) * sp.diff(F, p) for x, p in zip(qs, ps)
    )


def lie_series(F: sp.Expr, U, qs, ps, order: int) -> sp.Expr:
    """F(phi_eps(q, p)) = sum_{n<=order} eps^n / n! L^n F(q, p): the exact flow's Taylor series."""
    term = F
    total = F
    for n in range(1, order + 1):
        term = sp.expand(liouville(term, U, qs, ps))
        total = total + EPS**n / sp.factorial(n) * term
    return total


def exact_flow_series(U=None, order: int = 4, qs=None, ps=None):
    """The exact flow (q(eps), p(eps)) as Lie series truncated at EPS^order."""
    U, qs, ps = _coords(U, qs, ps)
    return (
        tuple(lie_series(x, U, qs, ps, order) for x in qs),
        tuple(lie_series(p, U, qs, ps, order) for p in ps),
    )


def compose_with_step(F: sp.Expr, U, qs, ps, order: int, step=None) -> sp.Expr:
    """F(Psi_eps(q, p)) truncated at EPS^order, Psi_eps the leapfrog step (F polynomial in p)."""
    q1, p1 = step if step is not None else leapfrog_step_series(U, order, qs, ps)
    deltas = tuple(sp.expand(a - x) for a, x in zip(q1, qs))
    return taylor_shift(F, qs, deltas, order, substitutions=dict(zip(ps, p1)))


# --------------------------------------------------------------------------------------------
# local errors


@dataclass(frozen=True)
class LocalErrorSeries:
    """Local (one-step) errors of leapfrog against the exact flow, as series in EPS.

    ``q_error[i] = q1_i - q_i(eps)``, ``p_error[i] = p1_i - p_i(eps)``,
    ``energy_error = H(q1, p1) - H(q, p)`` (the exact flow conserves H), each truncated at
    EPS^order; ``*_order`` is the leading power and ``*_coefficient`` its coefficient
    (for vectors: the smallest leading power over components, coefficients per component).
    """

    order: int
    q_error: tuple
    p_error: tuple
    energy_error: sp.Expr
    q_order: int | None
    p_order: int | None
    energy_order: int | None
    q_coefficient: tuple
    p_coefficient: tuple
    energy_coefficient: sp.Expr


def _vector_leading(components, order):
    leads = [leading_term(c, order) for c in components]
    orders = [n for n, _ in leads if n is not None]
    n = min(orders) if orders else None
    coeffs = tuple(sp.expand(c).coeff(EPS, n) if n is not None else sp.Integer(0) for c in components)
    return n, tuple(sp.simplify(c) for c in coeffs)


def local_error_series(U=None, order: int = 4, qs=None, ps=None) -> LocalErrorSeries:
    """Local errors of one leapfrog step in q, p and H as series in eps up to EPS^order.

    Leapfrog from `leapfrog_step_series`, the exact flow from `exact_flow_series` (Lie series);
    H(q1, p1) by Taylor expansion of U about q. Expected (and tested): all three start at
    eps^3, i.e. the method is second order (Hairer-Lubich-Wanner 2006, sec. II.3 / XIII.2).
    U=None uses the generic U(q) (1D) so coefficients are in terms of U', U'', U'''.
    """
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"order must be a positive integer, got {order!r}")
    return _local_error_series_cached(*_coords(U, qs, ps), order)


@functools.lru_cache(maxsize=32)
def _local_error_series_cached(U, qs, ps, order):
    step = leapfrog_step_series(U, order, qs, ps)
    flow = exact_flow_series(U, order, qs, ps)
    q_err = tuple(truncate(a - b, order) for a, b in zip(step[0], flow[0]))
    p_err = tuple(truncate(a - b, order) for a, b in zip(step[1], flow[1]))
    H = hamiltonian(U, qs, ps)
    e_err = truncate(compose_with_step(H, U, qs, ps, order, step=step) - H, order)
    qn, qc = _vector_leading(q_err, order)
    pn, pc = _vector_leading(p_err, order)
    en, ec = leading_term(e_err, order)
    return LocalErrorSeries(order, q_err, p_err, e_err, qn, pn, en, qc, pc, ec)


def energy_error_leading_coefficient(U=None, qs=None, ps=None) -> sp.Expr:
    """C(q, p) with H(Psi_eps(q, p)) - H(q, p) = C(q, p) eps^3 + O(eps^4) for one leapfrog step.

    In 1D: C = p U'(q) U''(q) / 4 - p^3 U'''(q) / 12  (= -L S with S the eps^2 shadow term
    p^2 U''/12 - U'^2/24, see theory.shadow). Multi-d: from the series. Numerics can compare
    (H(Psi_eps) - H) / eps^3 -> C(q, p) as eps -> 0.
    """
    U_resolved, qs_resolved, ps_resolved = _coords(U, qs, ps)
    if U is not None and len(qs_resolved) == 1:
        # Expanding a concrete U through the series is slow (minutes for transcendental U);
        # the generic coefficient is a polynomial in p and the first three derivatives of U:
        # substitute the concrete derivatives into it.
        (q,), (p,) = qs_resolved, ps_resolved
        generic = local_error_series(None, 3).energy_error.coeff(EPS, 3)
        Ugen, (qg,), (pg,) = _coords(None, None, None)
        subs = [(sp.diff(Ugen, qg, k), sp.diff(U_resolved, q, k)) for k in range(3, 0, -1)]
        return sp.expand(generic.subs(pg, p).subs(subs).subs(qg, q))
    return local_error_series(U, 3, qs, ps).energy_error.coeff(EPS, 3)
