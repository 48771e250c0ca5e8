"""Acceptance asymptotics for product targets pi(x) = prod_i pi_1(x_i) in dimension d.

With eps = l d^(-gamma) and T fixed, dH = sum_i dH_i -> N(Sigma/2, Sigma) and the
acceptance E min(1, e^{-dH}) -> a(l) = 2 Phi(-sqrt(Sigma)/2)  (`acceptance_limit`;
Beskos, Pillai, Roberts, Sanz-Serna, Stuart, Bernoulli 19 (2013), arXiv 1001.4460).
The mean Sigma/2 is forced by E[e^{-dH}] = 1 (leapfrog is volume preserving and reversible).

Sigma = Sigma_0 l^(2k):
* Gaussian coordinate U = q^2/(2 sigma^2): the leapfrog map is linear, dH_i is a quadratic
  form of Gaussian (q, p) and its mean and variance are traces (`gaussian_energy_error_moments`,
  exact at any eps and L). Leading terms (`gaussian_sigma0`): Var dH_i = eps^4 sin^2(T/sigma)
  / (16 sigma^4) + O(eps^6), mean = half of it.
* smooth U (k = 2, gamma = 1/4): dH_i = eps^2 [S(x_0) - S(x_T)] + O(eps^4) with the shadow
  term S = p^2 U''/12 - U'^2/24 and x_T the EXACT flow at time T from a stationary x_0, so
  Sigma_0 = E[(S(x_0) - S(x_T))^2]  (`sigma0_smooth`: T-dependent, NOT the decorrelated
  2 Var(S): in 1D each coordinate conserves its own energy, and the part of S that is a
  function of H never decorrelates; for the Gaussian 2 Var S = 5/144 while the time
  average of sin^2(T)/16 is 1/32).
* kinked U (k = 1, gamma = 1/2): Sigma_0 = T sum_b J_b^2 pi(b) E|p|^3 / 12 (theory.kink).
* Hoelder U (k = alpha, gamma = 1/(2 alpha)): theory.holder.
"""
from __future__ import annotations

import functools
import math

import mpmath
import sympy as sp

from relu_hmc.theory.errors import PotentialError
from relu_hmc.theory.holder import sigma0_holder  # noqa: F401  (re-exported: acceptance API)
from relu_hmc.theory.kink import sigma0_kinked_from_kinks
from relu_hmc.theory.parse import Q


def acceptance_limit(sigma):
    """a = 2 Phi(-sqrt(Sigma)/2) = erfc(sqrt(Sigma) / (2 sqrt 2)) (mpf)."""
    sigma = mpmath.mpf(sigma)
    if sigma < 0 or not mpmath.isfinite(sigma):
        raise ValueError(f"Sigma must be finite and >= 0, got {sigma}")
    return 2 * mpmath.ncdf(-mpmath.sqrt(sigma) / 2)


# --------------------------------------------------------------------------------------------
# Gaussian coordinate: exact


def gaussian_leapfrog_matrix(eps, sigma=1):
    """One-step matrix M of leapfrog for U = q^2/(2 sigma^2), acting on (q, p):

        q1 = (1 - eps^2/(2 sigma^2)) q + eps p
        p1 = -(eps/sigma^2)(1 - eps^2/(4 sigma^2)) q + (1 - eps^2/(2 sigma^2)) p
    Works for mpmath numbers and SymPy symbols alike (returns a list of rows).
    """
    a = 1 - eps**2 / (2 * sigma**2)
    return [[a, eps], [-(eps / sigma**2) * (1 - eps**2 / (4 * sigma**2)), a]]


def gaussian_energy_error_moments(eps, n_steps: int, sigma=1, dps: int = 30) -> dict:
    """Exact mean and variance of dH = H(M^L x) - H(x), x = (q, p) ~ N(0, diag(sigma^2, 1)).

    H(x) = x^T A x / 2, A = diag(1/sigma^2, 1); dH = x^T B x / 2, B = (M^L)^T A M^L - A;
    with C = Cov(x): E dH = tr(B C)/2, Var dH = tr(B C B C)/2 (Gaussian quadratic forms).
    Also returns the eps -> 0 leading terms at T = eps L (`gaussian_sigma0`):
    leading_variance = eps^4 sin^2(T/sigma)/(16 sigma^4), leading_mean = leading_variance/2.
    All values are mpf with ``dps`` digits.
    """
    if not isinstance(n_steps, int) or n_steps < 1:
        raise ValueError(f"n_steps must be a positive integer, got {n_steps!r}")
    with mpmath.workdps(dps + 10):
        eps, sigma = mpmath.mpf(eps), mpmath.mpf(sigma)
        if not (eps > 0 and sigma > 0):
            raise ValueError("eps and sigma must be positive")
        M = mpmath.matrix(gaussian_leapfrog_matrix(eps, sigma))
        ML = M**n_steps
        A = mpmath.diag([1 / sigma**2, 1])
        C = mpmath.diag([sigma**2, 1])
        Bm = ML.T * A * ML - A
        BC = Bm * C
        mean = sum(BC[i, i] for i in range(2)) / 2
        BCBC = BC * BC
        var = sum(BCBC[i, i] for i in range(2)) / 2
        T = eps * n_steps
        lead_var = eps**4 * gaussian_sigma0(T, sigma, numeric=True)
    with mpmath.workdps(dps):
        return {
            "mean": +mean,
            "variance": +var,
            "T": +T,
            "leading_mean": +(lead_var / 2),
            "leading_variance": +lead_var,
        }


def gaussian_energy_error_moments_symbolic(n_steps: int, eps=None, sigma=None) -> tuple[sp.Expr, sp.Expr]:
    """(E dH, Var dH) as exact rational functions of eps (and sigma) for a fixed integer L."""
    eps = sp.Symbol("epsilon", positive=True) if eps is None else eps
    sigma = sp.Integer(1) if sigma is None else sigma
    M = sp.Matrix(gaussian_leapfrog_matrix(eps, sigma))
    ML = M**n_steps
    A = sp.diag(1 / sigma**2, 1)
    C = sp.diag(sigma**2, 1)
    BC = (ML.T * A * ML - A) * C
    return sp.expand(BC.trace() / 2), sp.expand((BC * BC).trace() / 2)


def _gaussian_expectation(poly: sp.Expr, q, p, sigma) -> sp.Expr:
    """E[poly(q, p)] for independent q ~ N(0, sigma^2), p ~ N(0, 1) (moment substitution)."""
    P = sp.Poly(sp.expand(poly), q, p)
    total = sp.Integer(0)
    for (i, j), c in P.terms():
        if i % 2 or j % 2:
            continue
        total += c * sigma**i * sp.factorial2(i - 1) * sp.factorial2(j - 1)
    return sp.simplify(total)


@functools.lru_cache(maxsize=4)
def _gaussian_sigma0_expression():
    q, p = sp.symbols("q p", real=True)
    T, sigma = sp.symbols("T sigma", positive=True)
    U = q**2 / (2 * sigma**2)
    shadow = p**2 * sp.diff(U, q, 2) / 12 - sp.diff(U, q) ** 2 / 24
    S = lambda qq, pp: shadow.subs({q: qq, p: pp}, simultaneous=True)  # noqa: E731
    w = 1 / sigma  # exact flow: rotation with frequency 1/sigma
    qT = q * sp.cos(w * T) + sigma * p * sp.sin(w * T)
    pT = p * sp.cos(w * T) - q / sigma * sp.sin(w * T)
    diff = S(q, p) - S(qT, pT)
    return sp.simplify(sp.trigsimp(sp.expand_trig(_gaussian_expectation(diff**2, q, p, sigma)))), T, sigma


def gaussian_sigma0(T, sigma=1, numeric: bool = False):
    """Sigma_0(T) for U = q^2/(2 sigma^2): E[(S(x_0) - S(x_T))^2] = sin^2(T/sigma)/(16 sigma^4).

    Derived symbolically from the shadow term and the exact (rotation) flow; SymPy
    expression unless ``numeric`` (then mpf).
    """
    expr, T_sym, s_sym = _gaussian_sigma0_expression()
    value = expr.subs({T_sym: T, s_sym: sigma})
    if numeric:
        return mpmath.mpf(sp.N(value, 40))
    return sp.simplify(value)


# --------------------------------------------------------------------------------------------
# general smooth U: T-dependent Sigma_0 by quadrature over the stationary law, exact flow


def _flow_rk4(force, q, p, T, n):
    h = T / n
    for _ in range(n):
        k1q, k1p = p, force(q)
        k2q, k2p = p + h / 2 * k1p, force(q + h / 2 * k1q)
        k3q, k3p = p + h / 2 * k2p, force(q + h / 2 * k2q)
        k4q, k4p = p + h * k3p, force(q + h * k3q)
        q = q + h / 6 * (k1q + 2 * k2q + 2 * k3q + k4q)
        p = p + h / 6 * (k1p + 2 * k2p + 2 * k3p + k4p)
    return q, p


def sigma0_smooth(U, T: float = 1.0, q_nodes: int = 8, p_nodes: int = 24, max_flow_step: float = 0.02) -> float:
    """Sigma_0 = E_pi[(S(x_0) - S(x_T))^2], S = p^2 U''/12 - U'^2/24, x_T = exact flow at T.

    Smooth product target, eps = l d^(-1/4): Sigma = Sigma_0 l^4 (BPRSS 2013). The expectation
    over x_0 = (q_0, p_0) ~ pi(q) phi(p) is a deterministic quadrature: Gauss-Hermite in p
    (``p_nodes``), composite Gauss-Legendre in q on panels of width <= 1 (``q_nodes`` per
    panel) over the window where U - min U < 100 (theory.normaliser); the exact flow is classical RK4 with step
    <= ``max_flow_step`` (global error O(h^4) ~ 1e-7). Deterministic, no sampling.
    For U = q^2/2 this reproduces sin^2(T)/16 (tested).
    """
    from relu_hmc.theory.classify import analyse_potential
    from relu_hmc.theory.normaliser import MAX_WINDOW

    if not (T > 0 and math.isfinite(T)):
        raise ValueError(f"integration time T must be positive and finite, got {T}")
    U = sp.sympify(U)
    info = analyse_potential(U)
    irregular = [pt for pt in info.points if pt.kind != "smooth"]
    if irregular:
        raise PotentialError(
            f"sigma0_smooth needs U in C^2 with bounded U'' near every point; {irregular[0].kind} at q = {irregular[0].location}"
        )
    if info.window is None:
        raise PotentialError(f"sigma0_smooth: exp(-U) has heavy tails (mass beyond |q| = {MAX_WINDOW:g}); not supported")

    def derivative(k):  # U^(k) away from the (measure-zero) points where Abs/sign are not smooth
        return sp.diff(U, Q, k).replace(sp.DiracDelta, lambda *args: sp.Integer(0))

    Uc = sp.lambdify(Q, info.centered, modules="math")
    force = sp.lambdify(Q, -derivative(1), modules="math")
    dUf = sp.lambdify(Q, derivative(1), modules="math")
    d2Uf = sp.lambdify(Q, derivative(2), modules="math")
    S = lambda q, p: p * p * d2Uf(q) / 12 - dUf(q) ** 2 / 24  # noqa: E731
    lo, hi = info.window
    n_panels = max(16, math.ceil(hi - lo))
    if n_panels > 400:
        raise PotentialError(f"sigma0_smooth: the target is too wide for the quadrature (|q| up to {max(-lo, hi):g}); rescale q")
    gx, gw = mpmath.gauss_quadrature(q_nodes, "legendre")
    hx, hw = mpmath.gauss_quadrature(p_nodes, "hermite")
    width = (hi - lo) / n_panels
    q_rule = []
    for k in range(n_panels):
        a = lo + k * width
        for x, w in zip(gx, gw):
            q = a + (float(x) + 1) * width / 2
            q_rule.append((q, float(w) * width / 2 * math.exp(-Uc(q) - info.log_normaliser_centered)))
    p_rule = [(math.sqrt(2) * float(x), float(w) / math.sqrt(math.pi)) for x, w in zip(hx, hw)]
    # RK4 step: at most max_flow_step, and at most 0.02 / omega with omega^2 = max |U''| on the nodes
    omega = math.sqrt(max([abs(d2Uf(q)) for q, w in q_rule if w > 1e-300] + [1.0]))
    n_flow = max(1, math.ceil(T / min(max_flow_step, 0.02 / omega)))
    if n_flow * len(q_rule) * len(p_rule) > 5e7:
        raise PotentialError("sigma0_smooth: potential too stiff for the deterministic quadrature at this T")
    total = 0.0
    for q0, wq in q_rule:
        if wq < 1e-300:
            continue
        for p0, wp in p_rule:
            qT, pT = _flow_rk4(force, q0, p0, T, n_flow)
            total += wq * wp * (S(q0, p0) - S(qT, pT)) ** 2
    return total


def sigma0_kinked(U, T: float = 1.0) -> float:
    """Sigma_0 = T sum_b J_b^2 pi(b) E|p|^3 / 12 over the kinks of U (theory.kink derivation)."""
    from relu_hmc.theory.classify import analyse_potential

    if not (T > 0 and math.isfinite(T)):
        raise ValueError(f"integration time T must be positive and finite, got {T}")
    if isinstance(U, str):  # user text goes through the whitelist parser, never sympify
        from relu_hmc.theory.parse import parse_potential

        U = parse_potential(U)
    info = analyse_potential(sp.sympify(U))
    if not info.kinks:
        raise PotentialError(f"U = {U} has no kink (gradient jump)")
    return sigma0_kinked_from_kinks([(pt.jump, info.density(pt.location)) for pt in info.kinks], T)
