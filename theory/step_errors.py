"""Stationary moments of a splitting's energy error on a 1D product coordinate (the constants
Sigma_0 of the limit laws in theory.limit_laws). Derivations: proofs_notes/limit_laws.md.

* Smooth U, one step (MALA, fixed-steps HMC): H(step) - H = C(q, p) eps^r + O(eps^(r+1)) with C
  the leading coefficient of theory.splitting.local_energy_error; `one_step_sigma0` is
  E[C^2] over q ~ pi = exp(-U)/Z, p ~ N(0, 1) (p-moments exact, q by quadrature). For leapfrog
  it equals E[(5 U'''^2 + 3 U''^3)/48] (`mala_sigma0_rr98`, Roberts & Rosenthal 1998, with
  g = -U), by two integrations by parts.
* Smooth U, fixed time T: H~ = H + eps^(r-1) S + ... is conserved to O(eps^r) locally, so
  C = -dS/dt (`shadow_term` solves this for S on a graded monomial ansatz; leapfrog:
  S = p^2 U''/12 - U'^2/24) and dH over time T = eps^(r-1) (S(x_0) - S(x_T)) + o;
  `fixed_time_sigma0` = E[(S(x_0) - S(x_T))^2] over x_0 stationary and the exact flow.
* Piecewise-linear crossings: one step from phase theta = (b - q)/(eps p) errs by
  eps J |p| c(theta) (theory.splitting.crossing_phase_function); step j of a trajectory sees
  the phase theta - j, so a trajectory of L steps errs by eps J |p| sum_j c(theta - j) and
  the constant is int (sum_{j<L} c(theta - j))^2 dtheta = sum_{j,j'<L} R(j - j') with
  R(n) = int c(theta) c(theta + n) dtheta (`crossing_autocorrelation`). R(n) = 0 for |n| >= 1
  when c lives on [0, 1] (leapfrog, position Verlet, two-stage) but not for Yoshida's triple
  jump, whose stage positions leave [0, 1].
"""
from __future__ import annotations

import functools
import math

import mpmath
import sympy as sp

from relu_hmc.splittings import resolve
from relu_hmc.theory.errors import PotentialError
from relu_hmc.theory.kink import P, Q, THETA
from relu_hmc.theory.splitting import JET, crossing_phase_constant, crossing_phase_function, local_energy_error


# --------------------------------------------------------------------------------------------
# crossing phase constants (exact)


@functools.lru_cache(maxsize=64)
def _pieces(splitting) -> tuple:
    """(left, right, polynomial) pieces of c(theta); c = 0 outside them."""
    pw = crossing_phase_function(splitting)
    args = pw.args
    out, left = [], args[0][1].rhs  # first branch: (0, theta < left_0)
    for value, cond in args[1:-1]:
        out.append((left, cond.rhs, sp.expand(value)))
        left = cond.rhs
    return tuple(out)


def crossing_autocorrelation(splitting, n: int) -> sp.Expr:
    """R(n) = int c(theta) c(theta + n) dtheta, exactly (c piecewise polynomial)."""
    pieces = _pieces(resolve(splitting))
    total = sp.Integer(0)
    for a1, b1, f in pieces:
        for a2, b2, g in pieces:  # c(theta + n) on (a2 - n, b2 - n)
            lo, hi = sp.Max(a1, a2 - n), sp.Min(b1, b2 - n)
            if sp.N(hi - lo, 30) <= 0:
                continue
            F = sp.Poly(sp.expand(f * g.subs(THETA, THETA + n)), THETA).integrate().as_expr()
            total += F.subs(THETA, hi) - F.subs(THETA, lo)
    return sp.nsimplify(sp.expand(total)) if total.is_Rational else sp.expand(total)


def _support_width(splitting) -> int:
    pieces = _pieces(resolve(splitting))
    return math.ceil(float(pieces[-1][1] - pieces[0][0]))


def crossing_constant_fixed_time(splitting) -> sp.Expr:
    """K with Var per kink per unit time = eps^2 J^2 pi(b) E|p|^3 K (fixed T, L = T/eps -> oo):
    the periodised phase constant theory.splitting.crossing_phase_constant, which equals
    sum over all n of R(n) (the autocorrelations below; tests check the two routes agree)."""
    return crossing_phase_constant(splitting)


def crossing_constant_fixed_steps(splitting, n_steps: int) -> sp.Expr:
    """K_L with Var per kink = eps^3 J^2 pi(b) E|p|^3 K_L for a trajectory of L steps:
    K_L = sum_{j, j' < L} R(j - j') = L R(0) + 2 sum_{n=1}^{L-1} (L - n) R(n)."""
    width = _support_width(splitting)
    return sp.expand(n_steps * crossing_autocorrelation(splitting, 0)
                     + 2 * sum((n_steps - n) * crossing_autocorrelation(splitting, n)
                               for n in range(1, min(width, n_steps - 1) + 1)))


# --------------------------------------------------------------------------------------------
# smooth U: shadow term and stationary expectations


def _normal_moment(j: int) -> sp.Expr:
    return sp.Integer(0) if j % 2 else sp.factorial2(j - 1) if j else sp.Integer(1)


def _p_expectation(poly: sp.Expr) -> sp.Expr:
    """E over p ~ N(0, 1) of a polynomial in p (coefficients in the jet)."""
    terms = sp.Poly(sp.expand(poly), P).terms()
    return sp.expand(sum(coeff * _normal_moment(j) for (j,), coeff in terms))


def _time_derivative(F: sp.Expr) -> sp.Expr:
    """dF/dt along dq/dt = p, dp/dt = -U1 for F polynomial in p and the jet (dU_j/dq = U_(j+1))."""
    dq = sum(sp.diff(F, JET[j]) * JET[j + 1] for j in range(len(JET) - 1))
    return sp.expand(P * dq - JET[0] * sp.diff(F, P))


def _partitions(total: int, parts: int, smallest: int = 1):
    if parts == 0:
        if total == 0:
            yield ()
        return
    for first in range(smallest, total + 1):
        for rest in _partitions(total - first, parts - 1, first):
            yield (first,) + rest


@functools.lru_cache(maxsize=16)
def _shadow_term(splitting) -> sp.Expr:
    result = local_energy_error(splitting, 7)
    r, C = result.order, result.coefficient
    # grading (dimensions of q, t): a monomial p^a U_j1 ... U_js of S needs a + 2s = r + 1 and
    # j1 + ... + js = r - 1; S is even in p (a palindromic splitting is symmetric)
    monomials = []
    for s in range(0, r + 2):
        a = r + 1 - 2 * s
        if a < 0 or a % 2:
            continue
        for js in _partitions(r - 1, s):
            monomials.append(P**a * sp.Mul(*[JET[j - 1] for j in js]))
    unknowns = sp.symbols(f"s0:{len(monomials)}")
    S = sum(u * mono for u, mono in zip(unknowns, monomials))
    residual = sp.expand(_time_derivative(S) + C)
    equations = sp.Poly(residual, P, *JET).coeffs()
    solution = sp.solve(equations, unknowns, dict=True)
    if not solution:
        raise PotentialError(f"no shadow term S with C = -dS/dt for {splitting.name} (not a symmetric splitting?)")
    return sp.expand(S.subs(solution[0]).subs({u: 0 for u in unknowns}))


def shadow_term(splitting) -> sp.Expr:
    """S (polynomial in p and the jet U1, U2, ...) with local energy error C = -dS/dt, i.e. the
    leading term of the modified Hamiltonian H + eps^(r-1) S of the splitting (leapfrog:
    p^2 U2/12 - U1^2/24; HLW 2006 sec. IX)."""
    return _shadow_term(resolve(splitting))


class _StationaryRule:
    """Quadrature for E over q ~ pi = exp(-U)/Z (composite Gauss-Legendre on panels of width
    <= 1 over theory.classify's window, split at U's classified points) and p ~ N(0, 1)
    (Gauss-Hermite)."""

    def __init__(self, info, q_nodes: int = 8, p_nodes: int = 24):
        if info.window is None:
            raise PotentialError("exp(-U) has heavy tails: the quadrature over the stationary law is not supported")
        lo, hi = info.window
        n_panels = max(16, math.ceil(hi - lo))
        if n_panels > 400:
            raise PotentialError(f"the target is too wide for the quadrature (|q| up to {max(-lo, hi):g}); rescale q")
        Uc = sp.lambdify(Q, info.centered, modules="mpmath")
        gx, gw = mpmath.gauss_quadrature(q_nodes, "legendre")
        hx, hw = mpmath.gauss_quadrature(p_nodes, "hermite")
        # panel edges: a uniform grid plus every classified point (kinks), so each panel is smooth
        edges = sorted({lo + (hi - lo) * k / n_panels for k in range(n_panels + 1)}
                       | {float(pt.location) for pt in info.points if lo < float(pt.location) < hi})
        self.q = []
        for a, b in zip(edges[:-1], edges[1:]):
            for x, w in zip(gx, gw):
                q = a + (float(x) + 1) * (b - a) / 2
                weight = float(w) * (b - a) / 2 * float(mpmath.exp(-Uc(q) - info.log_normaliser_centered))
                if weight > 1e-300:
                    self.q.append((q, weight))
        self.p = [(math.sqrt(2) * float(x), float(w) / math.sqrt(math.pi)) for x, w in zip(hx, hw)]

    def expect_q(self, f) -> float:
        return math.fsum(w * f(q) for q, w in self.q)


def _derivatives(U: sp.Expr, upto: int):
    """U', ..., U^(upto) as math-module functions (away from measure-zero non-smooth points)."""
    out = []
    for k in range(1, upto + 1):
        dk = sp.diff(U, Q, k).replace(sp.DiracDelta, lambda *args: sp.Integer(0))
        out.append(sp.lambdify(Q, dk, modules="math"))
    return out


def _jet_function(expr: sp.Expr):
    """A function of q evaluating a jet polynomial (no p) with the derivatives of U."""
    used = sorted((s for s in expr.free_symbols if s in JET), key=JET.index)
    return used, sp.lambdify(used, expr, modules="math")


def one_step_sigma0(info, splitting="leapfrog") -> float:
    """E[C(q, p)^2], q ~ pi, p ~ N(0, 1): Var(dH) of one step = E[C^2] eps^(2r) + o (smooth U)."""
    result = local_energy_error(resolve(splitting), 7)
    moment = _p_expectation(result.coefficient**2)
    used, f = _jet_function(moment)
    derivs = _derivatives(info.U, max(JET.index(s) for s in used) + 1)
    return info_expect(info, lambda q: f(*[derivs[JET.index(s)](q) for s in used]))


def info_expect(info, f) -> float:
    """E_pi[f(q)] by the stationary quadrature."""
    return _StationaryRule(info).expect_q(f)


def mala_sigma0_rr98(info) -> float:
    """E[(5 U'''^2 + 3 U''^3)/48] (Roberts & Rosenthal 1998, Thm 1: K^2 = E[(5 g'''^2 - 3 g''^3)/48], g = log pi)."""
    d2, d3 = _derivatives(info.U, 3)[1:]
    return info_expect(info, lambda q: (5 * d3(q) ** 2 + 3 * d2(q) ** 3) / 48)


def rwm_sigma0(info) -> float:
    """I = E_pi[U'(X)^2] (Roberts, Gelman & Gilks 1997: a(l) = 2 Phi(-l sqrt(I)/2))."""
    (d1,) = _derivatives(info.U, 1)
    return info_expect(info, lambda q: d1(q) ** 2)


def fixed_time_sigma0(info, splitting, T: float, max_flow_step: float = 0.02) -> float:
    """E[(S(x_0) - S(x_T))^2], x_0 ~ pi x N(0, 1), x_T the exact flow (classical RK4, step
    <= max_flow_step and <= 0.02/omega): Sigma_0 of the splitting at eps = l d^(-1/(2(r-1)))."""
    from relu_hmc.theory.acceptance import _flow_rk4  # the one RK4 flow of the exact dynamics

    S = shadow_term(splitting)
    used = sorted((s for s in S.free_symbols if s in JET), key=JET.index)
    S_fn = sp.lambdify([P] + used, S, modules="math")
    derivs = _derivatives(info.U, max(JET.index(s) for s in used) + 2)
    force = lambda q: -derivs[0](q)  # noqa: E731
    S_at = lambda q, p: S_fn(p, *[derivs[JET.index(s)](q) for s in used])  # noqa: E731
    rule = _StationaryRule(info)
    omega = math.sqrt(max([abs(derivs[1](q)) for q, _ in rule.q] + [1.0]))
    n_flow = max(1, math.ceil(T / min(max_flow_step, 0.02 / omega)))
    if n_flow * len(rule.q) * len(rule.p) > 5e7:
        raise PotentialError("the potential is too stiff for the deterministic quadrature at this T")
    total = 0.0
    for q0, wq in rule.q:
        for p0, wp in rule.p:
            qT, pT = _flow_rk4(force, q0, p0, T, n_flow)
            total += wq * wp * (S_at(q0, p0) - S_at(qT, pT)) ** 2
    return total


__all__ = ["crossing_autocorrelation", "crossing_constant_fixed_time", "crossing_constant_fixed_steps",
           "shadow_term", "one_step_sigma0", "mala_sigma0_rr98", "rwm_sigma0", "fixed_time_sigma0", "info_expect"]
