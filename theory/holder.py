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


def variance_remainder_powers(alpha) -> tuple:
    """Powers of eps in V(eps) - Sigma_0, V = Var(dH_1)/eps^(2 alpha) at fixed T, for one Hoelder
    point of order alpha (1 < alpha < 2), in increasing order, up to (excluding) eps^alpha
    (proofs_notes/holder_interpolation.md, "Remainder"):

    - the shadow part eps^2 (S_2(x_T) - S_2(x_0)), S_2 = p^2 U''/12 - U'^2/24, U'' ~ |q|^(alpha-2):
      its variance eps^4 E[U''^2 p^4]/72 over |q| > eps |p| is eps^4 (A + B eps^(2 alpha - 3)),
      i.e. relative eps^(4 - 2 alpha) and eps; at alpha = 3/2 the two meet in A' eps log(1/eps) + B' eps;
    - starts or ends within O(eps) of the point (probability O(eps)) change a passage by O(1)
      relative: relative eps;
    - inside a passage the momentum changes by eps^alpha relative: eps^alpha, not eliminated.

    Returns (1, 1) at alpha = 3/2 (a repeated power removes eps log eps) and the sorted pair
    (min(1, 4 - 2 alpha), max(...)) otherwise. Refuses alpha outside (1, 2)."""
    alpha = mpmath.mpf(alpha)
    if not (1 < alpha < 2):
        raise ValueError(f"the Hoelder remainder needs 1 < alpha < 2, got {alpha}")
    other = 4 - 2 * alpha
    if other == 1:
        return (1.0, 1.0)
    return tuple(sorted((1.0, float(other))))


# --------------------------------------------------------------------------------------------
# any palindromic splitting, fixed time or fixed steps (MALA = leapfrog, one step)
#
# One step of the splitting with kicks k_i at drift positions D_i (D_0 = 0, D_i = d_1 + ... + d_i,
# D_m = 1) from q_0 = b + Delta x, Delta = eps p (p > 0), through U(b + s) = U(b) + U'(b) s +
# c_+- |s|^alpha: with F(s) = alpha c_+ s^(alpha-1) (s > 0), -alpha c_- |s|^(alpha-1) (s < 0) and
# Phi(s) = c_+- |s|^alpha, Delta U = Delta^alpha [Phi(x+1) - Phi(x)] + U'(b) Delta and
# Delta K = -eps p sum_i k_i U'(q_i) = -Delta U'(b) - Delta^alpha sum_i k_i F(x + D_i), up to
# O(eps^2 Delta^(2 alpha - 2)) = o(Delta^alpha) (the momentum hardly changes near b). So one step
# errs by Delta^alpha g(x) with the splitting's quadrature error of F over the cell,
#     g(x) = Phi(x + 1) - Phi(x) - sum_i k_i F(x + D_i)
# (proofs_notes/holder_interpolation.md, "Other splittings, MALA and fixed steps").


def _stages(splitting):
    """(kicks k_i, drift positions D_i) of a relu_hmc.splittings splitting, as mpmath numbers."""
    from relu_hmc.splittings import resolve

    split = resolve(splitting)
    kicks = [mpmath.mpf(k) for k in split.kick_values]
    positions, total = [mpmath.mpf(0)], mpmath.mpf(0)
    for d in split.drift_values:
        total += mpmath.mpf(d)
        positions.append(total)
    return kicks, positions


def _F(s, alpha, c_minus, c_plus):
    if s > 0:
        return alpha * c_plus * s ** (alpha - 1)
    if s < 0:
        return -alpha * c_minus * (-s) ** (alpha - 1)
    return mpmath.mpf(0)


def _Phi(s, alpha, c_minus, c_plus):
    return c_plus * s ** alpha if s >= 0 else c_minus * (-s) ** alpha


def splitting_step_function(x, alpha, splitting="leapfrog", c_minus=1, c_plus=1):
    """g(x) = Phi(x+1) - Phi(x) - sum_i k_i F(x + D_i): one step from q_0 = b + eps p x errs by
    (eps |p|)^alpha g(x) (p > 0). Leapfrog, alpha = 1, c = J/2: J (x + 1/2) on (-1, 0), else 0."""
    alpha = _check_alpha(alpha)
    x = mpmath.mpf(x)
    c_minus, c_plus = mpmath.mpf(c_minus), mpmath.mpf(c_plus)
    kicks, positions = _stages(splitting)
    return (_Phi(x + 1, alpha, c_minus, c_plus) - _Phi(x, alpha, c_minus, c_plus)
            - sum(k * _F(x + D, alpha, c_minus, c_plus) for k, D in zip(kicks, positions)))


def splitting_phase_function(theta, alpha, splitting="leapfrog", c_minus=1, c_plus=1):
    """G(theta) = sum_n g(n - theta) regularised = -alpha sum_i k_i [c_+ zeta(1-alpha, a_i) -
    c_- zeta(1-alpha, 1 - a_i)], a_i = (D_i - theta) mod 1: the nodes of kick i sit at b + Delta (a_i + n)
    (n >= 0) and b - Delta (1 - a_i + n), and the regularised sum of x^(alpha-1) on a + N is
    zeta(1 - alpha, a). Leapfrog: `holder_phase_function` (tested)."""
    alpha = _check_alpha(alpha)
    theta = mpmath.mpf(theta)
    c_minus, c_plus = mpmath.mpf(c_minus), mpmath.mpf(c_plus)
    kicks, positions = _stages(splitting)
    s = 1 - alpha
    total = mpmath.mpf(0)
    for k, D in zip(kicks, positions):
        a = (D - theta) % 1
        if a == 0:  # a node exactly at b: F(b) = 0 there, the rest is the lattice 1 + N on both sides
            total += k * (c_plus * mpmath.zeta(s, 1) - c_minus * mpmath.zeta(s, 1))
        else:
            total += k * (c_plus * mpmath.zeta(s, a) - c_minus * mpmath.zeta(s, 1 - a))
    return -alpha * total


def _breakpoints(positions, shifts):
    return sorted({-(D + j) for D in positions for j in shifts} | {-mpmath.mpf(j) for j in shifts}
                  | {-mpmath.mpf(j) - 1 for j in shifts})


def holder_phase_constant(alpha, splitting="leapfrog", c_minus=1, c_plus=1, dps: int = 15):
    """int_0^1 G(theta)^2 dtheta for `splitting_phase_function` (fixed time T)."""
    with mpmath.workdps(dps):
        _, positions = _stages(splitting)
        cuts = sorted({mpmath.mpf(0), mpmath.mpf(1)} | {D % 1 for D in positions})
        return mpmath.quad(lambda t: splitting_phase_function(t, alpha, splitting, c_minus, c_plus) ** 2, cuts)


#: largest L for which the fixed-steps constant is computed (L autocorrelation integrals)
MAX_HOLDER_STEPS = 64


def holder_steps_constant(alpha, n_steps: int, splitting="leapfrog", c_minus=1, c_plus=1, dps: int = 15):
    """int_R (sum_{j<L} g(x + j))^2 dx = sum_{j,j'<L} R(j - j'), R(n) = int_R g(x) g(x + n) dx.

    For |x| > M the step function is its Taylor tail g ~ C_2 F''(x), C_2 = 1/6 - sum_i k_i D_i^2 / 2
    (a palindromic splitting integrates linear F exactly: sum_i k_i D_i = 1/2), so R's tails are
    C_2^2 int_M^oo F''^2 = C_2^2 (alpha (alpha-1) (alpha-2) c_+-)^2 M^(2 alpha - 5) / (5 - 2 alpha) to
    relative O(L / M); the integrals converge for alpha < 5/2. g is evaluated at dps + 20 digits
    (Phi(x + 1) - Phi(x) cancels ~ 1.5 log10 M digits)."""
    n_steps = int(n_steps)
    if not 1 <= n_steps <= MAX_HOLDER_STEPS:
        raise ValueError(f"the fixed-steps Hoelder constant is computed for 1 <= L <= {MAX_HOLDER_STEPS}, got {n_steps}")
    alpha = _check_alpha(alpha)
    with mpmath.workdps(dps + 20):
        kicks, positions = _stages(splitting)
        c_minus, c_plus = mpmath.mpf(c_minus), mpmath.mpf(c_plus)
        g = lambda x: splitting_step_function(x, alpha, splitting, c_minus, c_plus)  # noqa: E731
        M = mpmath.mpf(1000) + n_steps
        c2 = mpmath.mpf(1) / 6 - sum(k * D ** 2 for k, D in zip(kicks, positions)) / 2
        tail = (c2 * alpha * (alpha - 1) * (alpha - 2)) ** 2 * M ** (2 * alpha - 5) / (5 - 2 * alpha)
        tails = tail * (c_minus ** 2 + c_plus ** 2)

        def R(n):
            cuts = _breakpoints(positions, (0, n))
            inner = [-M, *[c for c in cuts if -M < c < M], M]
            return mpmath.quad(lambda x: g(x) * g(x + n), inner) + tails
        total = n_steps * R(0) + 2 * sum((n_steps - n) * R(n) for n in range(1, n_steps))
    return +total


def sigma0_holder_splitting(alpha, *, splitting="leapfrog", T=None, n_steps=None, density_at_point=1.0,
                            c_minus=1, c_plus=1) -> float:
    """Sigma_0 of one Hoelder point for any splitting (proofs_notes/holder_interpolation.md).

    Fixed T (n_steps None): passages at rate pi(b) |p| per unit time, each (eps |p|)^alpha G(theta),
    theta uniform: Sigma_0 = T pi(b) E|p|^(2 alpha + 1) int_0^1 G^2, Sigma = Sigma_0 l^(2 alpha).
    L steps (T None): a stationary start sits at x = (q_0 - b)/(eps p) with density pi(b) eps |p| dx,
    the L steps err by (eps |p|)^alpha sum_{j<L} g(x + j): Sigma_0 = pi(b) E|p|^(2 alpha + 1)
    int_R (sum_{j<L} g(x + j))^2 dx, Sigma = Sigma_0 l^(2 alpha + 1) (MALA: leapfrog, L = 1).
    A palindromic splitting is symmetric under p -> -p (c_- and c_+ swap with theta -> 1 - theta),
    so p > 0 stands for both signs."""
    if (T is None) == (n_steps is None):
        raise ValueError("give either a fixed integration time T or a fixed number of steps L")
    moment = normal_abs_moment(2 * mpmath.mpf(alpha) + 1)
    if n_steps is None:
        if not (T > 0):
            raise ValueError(f"integration time T must be positive, got {T}")
        return float(T * density_at_point * moment * holder_phase_constant(alpha, splitting, c_minus, c_plus))
    return float(density_at_point * moment * holder_steps_constant(alpha, n_steps, splitting, c_minus, c_plus))
