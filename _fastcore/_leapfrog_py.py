"""Pure-NumPy twin of ``_fastcore._leapfrog_c``: same public names, same numbers.

Leapfrog (velocity Verlet) on a product target U(q) = sum_j u(q_j), H = U(q) + |p|^2/2:

    p <- p - (eps/2) u'(q);  q <- q + eps p;  p <- p - (eps/2) u'(q)

(Leimkuhler & Reich, Simulating Hamiltonian Dynamics, 2004, sec. 2.2), run as the splitting
with kicks (1/2, 1/2) and drift 1 by the one step loop `integrate` (which
``_splitting_py`` runs with any coefficients). Coordinates are independent, so each runs its
own scalar recursion; the arithmetic is written in the same order as the compiled kernel so
that both give the same floating-point results. Also here: the family terms and the exactly
rounded sum shared by both pure kernels.
"""
from __future__ import annotations

import math

import numpy as np

from relu_hmc._fastcore._families import LOGCOSH, PIECEWISE_QUADRATIC, POWER, QUARTIC, SOFTPLUS_KINK

BACKEND = "numpy"


def _libm(function, x):
    """`function` (a `math` function: the C library's) applied elementwise to a float array.

    NumPy's own SIMD exp/log/tanh/power loops may differ from the C library in the last bit
    (they do for tanh on AVX2, for exp/log/pow on AVX-512); the compiled kernel calls the C
    library, so the twin does too: the same numbers on every CPU, at Python-call speed.
    """
    x = np.asarray(x, dtype=np.float64)
    flat = x.ravel().tolist()
    return np.fromiter(map(function, flat), dtype=np.float64, count=len(flat)).reshape(x.shape)


def _pow_or_inf(base, exponent):
    # C pow(): +inf on overflow (math.pow raises); the bases here are >= 0
    try:
        return math.pow(base, exponent)
    except OverflowError:
        return math.inf


def _power(base, exponent):
    return _libm(lambda b: _pow_or_inf(b, exponent), base)


def _softplus(z):
    # log(1 + e^z) without overflow: max(z, 0) + log1p(e^-|z|)
    return np.maximum(z, 0.0) + _libm(math.log1p, _libm(math.exp, -np.abs(z)))


def _sigmoid(z):
    # 1 / (1 + e^-z) evaluated on the side where the exponential cannot overflow
    e = _libm(math.exp, -np.abs(z))
    return np.where(z >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def _logcosh(z):
    # log cosh z = |z| + log1p(e^{-2|z|}) - log 2
    a = np.abs(z)
    return a + _libm(math.log1p, _libm(math.exp, -2.0 * a)) - math.log(2.0)


def piece_index(kinks, x):
    """Index of the piece holding x: the number of kinks <= x."""
    return np.searchsorted(kinks, x, side="right")


def potential_terms(family, params, kinks, x):
    """u(x) elementwise for a built-in family (see ``_fastcore._families``)."""
    x = np.asarray(x, dtype=np.float64)
    if family == PIECEWISE_QUADRATIC:
        n = kinks.shape[0] + 1
        i = piece_index(kinks, x)
        curv, slope, offset = params[:n][i], params[n:2 * n][i], params[2 * n:3 * n][i]
        return 0.5 * curv * x * x + slope * x + offset
    if family == POWER:
        alpha, scale = params[0], params[1]
        return _power(np.abs(x - kinks[0]) / scale, alpha)
    if family == SOFTPLUS_KINK:
        slope_left, slope_right, width, curv = params[0], params[1], params[2], params[3]
        y = x - kinks[0]
        return (0.5 * curv * x * x + slope_left * y
                + (slope_right - slope_left) * width * _softplus(y / width))
    if family == LOGCOSH:
        width = params[0]
        return width * _logcosh((x - kinks[0]) / width)
    if family == QUARTIC:
        a2, a4 = params[0], params[1]
        x2 = x * x
        return 0.5 * a2 * x2 + 0.25 * a4 * x2 * x2
    raise ValueError(f"unknown potential family code {family}")


def gradient_terms(family, params, kinks, x):
    """u'(x) elementwise (the right-hand derivative at a kink)."""
    x = np.asarray(x, dtype=np.float64)
    if family == PIECEWISE_QUADRATIC:
        n = kinks.shape[0] + 1
        i = piece_index(kinks, x)
        return params[:n][i] * x + params[n:2 * n][i]
    if family == POWER:
        alpha, scale = params[0], params[1]
        y = x - kinks[0]
        return (alpha / scale) * _power(np.abs(y) / scale, alpha - 1.0) * np.sign(y)
    if family == SOFTPLUS_KINK:
        slope_left, slope_right, width, curv = params[0], params[1], params[2], params[3]
        return curv * x + slope_left + (slope_right - slope_left) * _sigmoid((x - kinks[0]) / width)
    if family == LOGCOSH:
        return _libm(math.tanh, (x - kinks[0]) / params[0])
    if family == QUARTIC:
        a2, a4 = params[0], params[1]
        return a2 * x + a4 * x * x * x
    raise ValueError(f"unknown potential family code {family}")


def exact_sum(values) -> float:
    """math.fsum (Shewchuk's exactly rounded sum), total on non-finite input: nan for
    -inf + inf and for an intermediate overflow (where fsum raises), otherwise the sum of the
    non-finite terms. The compiled kernel implements the same algorithm and the same rules."""
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):
        return math.nan


def row_sums(terms):
    """Per-row exactly rounded sums (`exact_sum`), so the order of summation cannot matter."""
    return np.array([exact_sum(row) for row in np.asarray(terms, dtype=np.float64).tolist()], dtype=np.float64)


#: leapfrog as a splitting: kicks k_0, k_1 and drift d_1 (relu_hmc.splittings "leapfrog")
LEAPFROG_KICKS = (0.5, 0.5)
LEAPFROG_DRIFTS = (1.0,)


def integrate(potential, gradient, piece, q0, p0, eps, n_steps, kicks=LEAPFROG_KICKS, drifts=LEAPFROG_DRIFTS):
    """The one pure step loop: n_steps steps of the splitting (kicks k_0..k_m, drifts d_1..d_m)

        p <- p - (k_0 eps) grad U(q);  q <- q + (d_1 eps) p;  ...;  p <- p - (k_m eps) grad U(q)

    for vectorised callables (leapfrog by default: (0.5 eps) grad U and (1.0 eps) p are
    velocity Verlet's half step and eps to the bit). A zero kick is skipped and the gradient is
    evaluated only before a kick that follows a drift, as in the compiled kernel
    (``_splitting_kernel.pxi``). The engine behind `trajectory`, ``_splitting_py.trajectory``
    and the general path (``_fastcore.integrate_callables``).

    potential(q) gives either per-coordinate terms u(q_j) (shape (n_chains, d): a product
    target) or per-chain totals U(q) (shape (n_chains,)); gradient(q) gives grad U (n_chains, d);
    piece(q), if not None, gives integer labels (n_chains, m) of the smooth region holding
    q (kink pieces, activation patterns), and every change of a label in a drift counts
    |new - old| crossings.

    Returns (q, p, energy_error, crossings): energy_error[c] = H(end) - H(start) of chain c,
    summed exactly (`exact_sum`) over coordinates, crossings[c] the crossings of chain c.
    A trajectory that blows up (a step size beyond the stability limit) ends in inf/nan
    silently, as in the compiled kernel: the non-finite energy error says so.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return _integrate(potential, gradient, piece, q0, p0, eps, n_steps, kicks, drifts)


def _integrate(potential, gradient, piece, q0, p0, eps, n_steps, kicks, drifts):
    kick_steps = [float(k) * eps for k in kicks]    # the compiled kernel's k_i * eps, in doubles
    drift_steps = [float(d) * eps for d in drifts]
    q = np.array(q0, dtype=np.float64, copy=True)
    p = np.array(p0, dtype=np.float64, copy=True)
    u_start = np.array(potential(q), dtype=np.float64, copy=True)  # q is updated in place below
    g = gradient(q)
    fresh = True  # g is the gradient at the current q
    crossings = np.zeros(q.shape[0], dtype=np.int64)
    labels = piece(q) if piece is not None else None
    for _ in range(n_steps):
        for i, a in enumerate(kick_steps):
            if a != 0.0:
                if not fresh:
                    g = gradient(q)
                    fresh = True
                p -= a * g
            if i < len(drift_steps):
                q += drift_steps[i] * p
                if piece is not None:
                    new_labels = piece(q)
                    crossings += np.abs(new_labels - labels).reshape(q.shape[0], -1).sum(axis=1)
                    labels = new_labels
                fresh = False
    kinetic_change = 0.5 * (p * p - p0 * p0)
    u_end = potential(q)
    if np.ndim(u_end) == 1:  # per-chain totals: a general (non-product) potential
        return q, p, (u_end - u_start) + row_sums(kinetic_change), crossings
    return q, p, row_sums((u_end - u_start) + kinetic_change), crossings


def trajectory(family, params, kinks, q0, p0, eps, n_steps):
    """n_steps leapfrog steps of size eps for every chain (row) of q0, p0 (n_chains, d).

    Inputs are validated by ``numerics.leapfrog``; here they are trusted C-contiguous
    float64 arrays. Returns (q, p, energy_error, crossings); inputs are not modified.
    """
    return integrate(
        lambda x: potential_terms(family, params, kinks, x),
        lambda x: gradient_terms(family, params, kinks, x),
        lambda x: piece_index(kinks, x), q0, p0, eps, n_steps,
    )
