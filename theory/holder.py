"""Hoelder-gradient points: U(b + s) - U(b) - U'(b) s ~ c_{+-} |s|^alpha, 1 < alpha < 2.

The toolkit's own derivation (proofs_notes/holder_interpolation.md). Exact identity for one
1D leapfrog step (f = U', f_n = f(q_n), eps p_half = q_{n+1} - q_n):

    H_{n+1} - H_n = -[ (q_{n+1} - q_n)(f_n + f_{n+1})/2 - int_{q_n}^{q_{n+1}} f ]
                    + eps^2 (f_{n+1}^2 - f_n^2) / 8,

i.e. minus the trapezoid-rule error of the cell plus a telescoping term. Through the O(eps)
neighbourhood of b the grid is q_n ~ b + (n - theta) Delta, Delta = eps |p|, theta in (0,1)
the phase (fraction of the crossing drift before b), and with f(b + s) - f(b) =
alpha c_+ s^(alpha-1) (s > 0), -alpha c_- |s|^(alpha-1) (s < 0), rescaled s = Delta x, the
passage's energy error is Delta^alpha G(theta) + o(Delta^alpha) with

    G(theta) = -alpha [ c_+ zeta(1 - alpha, 1 - theta) - c_- zeta(1 - alpha, theta) ],

zeta the Hurwitz zeta function: sum_{n=0}^{N} (n+a)^s - (N+a)^(s+1)/(s+1) - (N+a)^s/2 ->
zeta(-s, a) (0 < s < 1) is the regularised trapezoid sum of x^s on the grid a + n.
At alpha = 1 (zeta(0, a) = 1/2 - a) this is (c_+ + c_-)(1/2 - theta) = J (1/2 - theta),
the kink result. int_0^1 G = 0 since int_0^1 zeta(s, a) da = 0.

Sigma_0 (crossings at rate pi(b) |p| phi(p), eps = l d^(-1/(2 alpha))):
    Sigma_0 = T pi(b) E|p|^(2 alpha + 1) int_0^1 G(theta)^2 dtheta,  Sigma = Sigma_0 l^(2 alpha).
"""
from __future__ import annotations

import mpmath


def _check_alpha(alpha):
    alpha = mpmath.mpf(alpha)
    if not (1 <= alpha < 2):
        raise ValueError(f"Hoelder exponent alpha must satisfy 1 <= alpha < 2, got {alpha}")
    return alpha


def holder_phase_function(theta, alpha, c_minus=1, c_plus=1):
    """G(theta) = -alpha [c_+ zeta(1-alpha, 1-theta) - c_- zeta(1-alpha, theta)] (mpmath).

    Energy error of one passage of the Hoelder point = (eps |p|)^alpha G(theta) + o(...).
    For alpha = 1, c_- = c_+ = c: G = 2c(1/2 - theta) = J (1/2 - theta).
    """
    alpha = _check_alpha(alpha)
    theta = mpmath.mpf(theta)
    if not (0 < theta < 1):
        raise ValueError(f"phase theta must lie in (0, 1), got {theta}")
    s = 1 - alpha
    return -alpha * (c_plus * mpmath.zeta(s, 1 - theta) - c_minus * mpmath.zeta(s, theta))


def holder_phase_moments(alpha, c_minus=1, c_plus=1, dps: int = 20):
    """(int_0^1 G, int_0^1 G^2) by mpmath quadrature."""
    with mpmath.workdps(dps):
        g = lambda t: holder_phase_function(t, alpha, c_minus, c_plus)  # noqa: E731
        mean = mpmath.quad(g, [0, 0.5, 1])
        second = mpmath.quad(lambda t: g(t) ** 2, [0, 0.5, 1])
    return mean, second


def normal_abs_moment(power):
    """E|p|^power, p ~ N(0,1): 2^(power/2) Gamma((power+1)/2) / sqrt(pi)."""
    power = mpmath.mpf(power)
    return 2 ** (power / 2) * mpmath.gamma((power + 1) / 2) / mpmath.sqrt(mpmath.pi)


def sigma0_holder(alpha, T: float = 1.0, density_at_point: float = 1.0, c_minus=1, c_plus=1) -> float:
    """Sigma_0 = T pi(b) E|p|^(2 alpha+1) int_0^1 G_alpha(theta)^2 dtheta (Sigma = Sigma_0 l^(2 alpha)).

    ``density_at_point`` is pi(b). At alpha = 1 with c_- = c_+ = J/2 this equals the kink
    value T J^2 pi(b) E|p|^3 / 12 (tested).
    """
    if not (T > 0):
        raise ValueError(f"integration time T must be positive, got {T}")
    _, second = holder_phase_moments(alpha, c_minus, c_plus)
    return float(T * density_at_point * normal_abs_moment(2 * mpmath.mpf(alpha) + 1) * second)
