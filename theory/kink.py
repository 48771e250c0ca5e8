"""Energy error of a leapfrog step that crosses a kink of U (1D, exact).

U = U_left(q) for q < b, U_right(q) for q > b, continuous at b. One leapfrog step from
(q, p) with q < b < q1 (a left-to-right crossing; the force is evaluated at q on the left and
at q1 on the right)::

    p_half = p - eps/2 U_left'(q),  q1 = q + eps p_half,  p1 = p_half - eps/2 U_right'(q1)
    dH = U_right(q1) - U_left(q) + (p1^2 - p^2) / 2                         (exact)

Piecewise linear (slopes g_minus, g_plus, jump J = g_plus - g_minus, q_rel = q - b)::

    dH = J (q_rel + eps p / 2) + eps^2 J^2 / 8                               (exact)

valid exactly when q < b < q1, i.e. -eps p_half < q_rel < 0 with p_half = p - eps g_minus/2
(so p_half > 0). With the crossing phase theta defined by q = b - theta eps p:

    dH = eps J p (1/2 - theta) + eps^2 J^2 / 8,   theta in (0, 1 - eps g_minus / (2 p)).

For polynomial (any smooth) pieces the same phase gives dH = eps J(b) p (1/2 - theta) + O(eps^2).
Over a uniform phase: E[1/2 - theta] = 0, E[(1/2 - theta)^2] = 1/12, so the leading
coefficient has mean 0 and second moment J^2 p^2 / 12.
Source: derived here from the map (proofs_notes/kink_crossing.md); the Omega(eps) local
error is Dinh, Ho, Nguyen, NeurIPS 2024, arXiv 2410.22065.
"""
from __future__ import annotations

import functools

import sympy as sp

from relu_hmc.theory.smooth import EPS, truncate

Q = sp.Symbol("q", real=True)
P = sp.Symbol("p", real=True)
THETA = sp.Symbol("theta", real=True)
B = sp.Symbol("b", real=True)
G_MINUS, G_PLUS = sp.symbols("g_minus g_plus", real=True)
J = sp.Symbol("J", real=True)


def crossing_step_map(U_left, U_right, q=Q, p=P, eps=EPS):
    """(p_half, q1, p1) of one leapfrog step with the force of U_left at q and U_right at q1."""
    p_half = p - eps / 2 * sp.diff(U_left, Q).subs(Q, q)
    q1 = q + eps * p_half
    p1 = p_half - eps / 2 * sp.diff(U_right, Q).subs(Q, q1)
    return p_half, q1, p1


def crossing_step_energy_error(U_left, U_right, q=Q, p=P, eps=EPS) -> sp.Expr:
    """Exact dH = U_right(q1) - U_left(q) + (p1^2 - p^2)/2 of a step crossing the kink.

    U_left, U_right: SymPy expressions in q (the symbol ``q``, real). Valid when the start
    q is left of the kink and q1 right of it (`crossing_conditions`); U continuous at b.
    """
    _, q1, p1 = crossing_step_map(U_left, U_right, q, p, eps)
    return sp.expand(U_right.subs(Q, q1) - U_left.subs(Q, q) + (p1**2 - p**2) / 2)


def crossing_conditions(U_left, kink, q=Q, p=P, eps=EPS) -> sp.Basic:
    """q < b < q1 (exactly one left-to-right crossing of b in the drift)."""
    _, q1, _ = crossing_step_map(U_left, U_left, q, p, eps)
    return sp.And(sp.Lt(q, kink), sp.Gt(q1, kink))


def piecewise_linear_pieces(g_minus=G_MINUS, g_plus=G_PLUS, kink=B):
    """(U_left, U_right) = (g_minus (q - b), g_plus (q - b)): continuous, U(b) = 0."""
    return g_minus * (Q - kink), g_plus * (Q - kink)


def piecewise_linear_crossing_error(g_minus=G_MINUS, g_plus=G_PLUS, kink=B) -> sp.Expr:
    """dH of a crossing step for piecewise linear U, simplified from the exact map.

    Returns an expression equal to J (q - b + eps p / 2) + eps^2 J^2 / 8, J = g_plus - g_minus
    (tested as a symbolic identity against `crossing_step_energy_error`).
    """
    U_left, U_right = piecewise_linear_pieces(g_minus, g_plus, kink)
    return sp.factor_terms(sp.expand(crossing_step_energy_error(U_left, U_right)))


def crossing_error_in_phase(U_left, U_right, kink, order: int | None = None) -> sp.Expr:
    """dH with the start written as q = b - theta eps p (theta = crossing phase).

    Exact when ``order`` is None, else truncated at EPS^order (series in eps at fixed theta).
    """
    dH = crossing_step_energy_error(U_left, U_right, q=kink - THETA * EPS * P)
    dH = sp.expand(dH)
    if order is None:
        return dH
    series = sp.series(dH, EPS, 0, order + 1).removeO()
    return truncate(series, order)


def leading_crossing_term(U_left, U_right, kink) -> tuple[int, sp.Expr]:
    """(n, c): dH = c eps^n + O(eps^(n+1)) at fixed phase; n = 1, c = J(b) p (1/2 - theta)."""
    series = sp.expand(crossing_error_in_phase(U_left, U_right, kink, order=3))
    for n in range(0, 4):
        c = sp.factor(sp.simplify(series.coeff(EPS, n)))
        if c != 0:
            return n, c
    return 4, sp.Integer(0)


def uniform_phase_moments(expr: sp.Expr, theta=THETA) -> tuple[sp.Expr, sp.Expr]:
    """(E[expr], E[expr^2]) for theta ~ Uniform(0, 1)."""
    mean = sp.integrate(expr, (theta, 0, 1))
    second = sp.integrate(sp.expand(expr**2), (theta, 0, 1))
    return sp.simplify(mean), sp.simplify(second)


@functools.lru_cache(maxsize=1)
def phase_variance() -> sp.Expr:
    """Var of (1/2 - theta), theta ~ U(0,1): 1/12."""
    return uniform_phase_moments(sp.Rational(1, 2) - THETA)[1]


def standard_normal_abs_moment(power) -> sp.Expr:
    """E|p|^power for p ~ N(0, 1), by integration: 2^(power/2) Gamma((power+1)/2) / sqrt(pi)."""
    x = sp.Symbol("x", positive=True)
    return sp.simplify(2 * sp.integrate(x**power * sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi), (x, 0, sp.oo)))


@functools.lru_cache(maxsize=1)
def kinked_sigma0_expression() -> sp.Expr:
    """Sigma_0 per kink, derived: T J^2 pi(b) E|p|^3 / 12 (as a SymPy expression).

    Derivation (product target, coordinate i): each crossing of b with momentum p adds
    eps J p (1/2 - theta) to dH_i, theta ~ U(0,1) asymptotically, so a crossing contributes
    variance eps^2 J^2 p^2 Var(1/2 - theta). Crossings of b with momentum in dp occur at
    rate pi(b) |p| phi(p) dp per unit time (Rice formula for the stationary flow), so over
    time T: Var(dH_i) = eps^2 J^2 T pi(b) int |p| p^2 phi(p) dp * Var(1/2 - theta).
    Summing d coordinates with eps = l d^(-1/2): Sigma = l^2 * (this / eps^2).
    """
    T, pi_b, p = sp.symbols("T pi_b p", positive=True)
    per_crossing_variance = (J * p) ** 2 * phase_variance()  # / eps^2
    flux = pi_b * p * sp.exp(-p**2 / 2) / sp.sqrt(2 * sp.pi)  # one direction, p > 0
    both_directions = 2  # p < 0 crosses right-to-left; by symmetry same contribution
    total = T * both_directions * sp.integrate(per_crossing_variance * flux, (p, 0, sp.oo))
    return sp.simplify(total)


def sigma0_kinked_from_kinks(kinks, T: float = 1.0) -> float:
    """Sigma_0 = T sum_b J_b^2 pi(b) E|p|^3 / 12 for ((J_b, pi(b)), ...) pairs."""
    expr = kinked_sigma0_expression()
    T_sym, pi_b = sp.symbols("T pi_b", positive=True)
    total = 0.0
    for jump, density in kinks:
        total += float(expr.subs({J: jump, pi_b: density, T_sym: T}))
    return total
