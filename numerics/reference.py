"""Exact and high-precision Hamiltonian flows of a 1D potential: the references that the
leapfrog's local errors are measured against.

Public API
----------
- ``piecewise_quadratic_flow(kinks, curvatures, slopes, q, p, t) -> (q_t, p_t, crossings)``
  exact flow of q'' = -u'(q) with u'(x) = c_i x + s_i on piece i, vectorised over states.
- ``piecewise_pieces(potential) -> (kinks, curvatures, slopes) | None``: the piece data of a
  built-in piecewise family (gaussian, laplace, piecewise_linear, piecewise_quadratic).
- ``mp_gradient(potential) -> callable | None``: u' in mpmath arithmetic for the smooth
  built-in families (quartic, logcosh, softplus_kink, power with integer alpha >= 2).
- ``mpmath_flow(du_mp, q0, p0, times, dps=30) -> ndarray (len(times), 2)``: the flow of one
  state at several times, by mpmath's Taylor-series ODE solver at `dps` digits.
- ``rk4_flow(du, q, p, t, n_sub) -> (q_t, p_t)``: vectorised float64 classical RK4 with
  `n_sub` substeps, the fallback for user callables without an mpmath derivative.
- ``exact_flow(potential, q, p, t, *, mp_du=None, dps=30) -> FlowResult``: dispatches to the
  analytic piecewise flow, the mpmath flow or the RK4 fallback, and says which it used.

Method
------
On a piece where u'(x) = c x + s the flow is closed form: for c > 0 a harmonic motion about
x* = -s/c with frequency w = sqrt(c), x(t) - x* = R cos(w t - phi); for c = 0 a uniformly
accelerated motion x(t) = x + p t - s t^2/2. The time at which the motion reaches a piece
edge L is a root of cos(w t - phi) = (L - x*)/R, or of -s t^2/2 + p t + (x - L) = 0 (solved
with the cancellation-free quadratic formula); the state is advanced to the earliest root,
snapped onto the edge, moved to the neighbouring piece, and the flow continues there
(event location, Hairer, Norsett, Wanner, Solving ODEs I, sec. II.6, done here in closed
form). Smooth potentials use mpmath.odefun (a Taylor-series method with error control at
the working precision; Johansson et al., mpmath 1.3 documentation, "Ordinary differential
equations").
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import mpmath
import numpy as np

from relu_hmc._fastcore import _families
from relu_hmc.numerics.potentials import CallablePotential, Potential

_TINY_TIME = 1e-13  # roots below this (relative to the remaining time) are the edge we stand on


def piecewise_pieces(potential) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(kinks, curvatures, slopes) of a built-in piecewise-quadratic family, else None."""
    if isinstance(potential, Potential) and potential.family == _families.PIECEWISE_QUADRATIC:
        n = potential.kinks.size + 1
        return potential.kinks.copy(), potential.params[:n].copy(), potential.params[n:2 * n].copy()
    return None


def _smallest_positive(*candidates: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Elementwise smallest candidate > floor (inf where none)."""
    best = np.full(np.shape(candidates[0]), np.inf)
    for c in candidates:
        c = np.where(np.isfinite(c) & (c > floor), c, np.inf)
        best = np.minimum(best, c)
    return best


def _linear_hit(x, v, s, level, floor):
    """Earliest t > floor with x + v t - s t^2/2 = level (inf if never)."""
    a, b, c = -0.5 * s, v, x - level
    with np.errstate(divide="ignore", invalid="ignore"):
        disc = b * b - 4.0 * a * c
        root = np.sqrt(np.where(disc >= 0.0, disc, np.nan))
        qq = -0.5 * (b + np.where(b >= 0.0, root, -root))
        r1 = np.where(a != 0.0, qq / a, -c / b)
        r2 = np.where(qq != 0.0, c / qq, np.nan)
    return _smallest_positive(r1, r2, floor=floor)


def _harmonic_hit(y, v, w, level, floor):
    """Earliest t > floor with y cos(w t) + (v/w) sin(w t) = level (inf if never)."""
    radius = np.hypot(y, v / w)
    phase = np.arctan2(v / w, y)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = level / radius
        angle = np.arccos(np.where(np.abs(ratio) <= 1.0, ratio, np.nan))
    two_pi = 2.0 * math.pi
    out = []
    for sign in (1.0, -1.0):
        base = np.mod(phase + sign * angle, two_pi) / w
        out.append(base)
        out.append(base + two_pi / w)
    return _smallest_positive(*out, floor=floor)


def _advance(x, v, c, s, t):
    """Closed-form flow on one piece for time t (arrays)."""
    x_new = np.empty_like(x)
    v_new = np.empty_like(v)
    harm = c > 0.0
    if np.any(harm):
        w = np.sqrt(c[harm])
        centre = -s[harm] / c[harm]
        y, vv, tt = x[harm] - centre, v[harm], t[harm]
        cs, sn = np.cos(w * tt), np.sin(w * tt)
        x_new[harm] = centre + y * cs + (vv / w) * sn
        v_new[harm] = -y * w * sn + vv * cs
    lin = ~harm
    if np.any(lin):
        tt, ss = t[lin], s[lin]
        x_new[lin] = x[lin] + v[lin] * tt - 0.5 * ss * tt * tt
        v_new[lin] = v[lin] - ss * tt
    return x_new, v_new


def piecewise_quadratic_flow(kinks, curvatures, slopes, q, p, t, *, max_events: int = 10_000):
    """Exact flow for time t >= 0 of H = u(q) + p^2/2 with u' = c_i q + s_i on piece i.

    q, p: 1D arrays of starting states (any shape, flattened); t: scalar or array of the same
    shape. Piece i holds the x with i kinks <= x (the kernels' convention). Returns
    (q_t, p_t, crossings) with crossings the number of kinks the exact path crossed.
    """
    kinks = np.asarray(kinks, dtype=np.float64)
    curv = np.asarray(curvatures, dtype=np.float64)
    slope = np.asarray(slopes, dtype=np.float64)
    q = np.array(q, dtype=np.float64, copy=True)
    shape = q.shape
    x = q.ravel()
    v = np.array(p, dtype=np.float64).ravel().copy()
    remaining = np.broadcast_to(np.asarray(t, dtype=np.float64), shape).ravel().copy()
    if np.any(remaining < 0.0) or not np.all(np.isfinite(remaining)):
        raise ValueError("flow time t must be finite and >= 0")
    edges = np.concatenate([[-np.inf], kinks, [np.inf]])
    piece = np.searchsorted(kinks, x, side="right")
    crossings = np.zeros(x.size, dtype=np.int64)
    active = np.nonzero(remaining > 0.0)[0]
    for _ in range(max_events):
        if active.size == 0:
            break
        xi, vi, ri, pi_ = x[active], v[active], remaining[active], piece[active]
        c, s = curv[pi_], slope[pi_]
        lo, hi = edges[pi_], edges[pi_ + 1]
        floor = _TINY_TIME * np.maximum(ri, 1.0)
        harm = c > 0.0
        t_lo = np.full(xi.size, np.inf)
        t_hi = np.full(xi.size, np.inf)
        # a state on an edge moving outward leaves at once
        out_lo = (xi <= lo) & (vi < 0.0)
        out_hi = (xi >= hi) & (vi > 0.0)
        if np.any(harm):
            w = np.sqrt(c[harm])
            centre = -s[harm] / c[harm]
            y = xi[harm] - centre
            fl = floor[harm]
            t_lo[harm] = np.where(np.isfinite(lo[harm]), _harmonic_hit(y, vi[harm], w, lo[harm] - centre, fl), np.inf)
            t_hi[harm] = np.where(np.isfinite(hi[harm]), _harmonic_hit(y, vi[harm], w, hi[harm] - centre, fl), np.inf)
        lin = ~harm
        if np.any(lin):
            fl = floor[lin]
            with np.errstate(invalid="ignore"):
                t_lo[lin] = np.where(np.isfinite(lo[lin]), _linear_hit(xi[lin], vi[lin], s[lin], lo[lin], fl), np.inf)
                t_hi[lin] = np.where(np.isfinite(hi[lin]), _linear_hit(xi[lin], vi[lin], s[lin], hi[lin], fl), np.inf)
        t_lo[out_lo] = 0.0
        t_hi[out_hi] = 0.0
        t_exit = np.minimum(t_lo, t_hi)
        leaves = t_exit <= ri
        step = np.where(leaves, t_exit, ri)
        xn, vn = _advance(xi, vi, c, s, step)
        # snap onto the edge that was reached and move to the neighbouring piece
        to_lo = leaves & (t_lo <= t_hi)
        to_hi = leaves & ~to_lo
        xn[to_lo] = lo[to_lo]
        xn[to_hi] = hi[to_hi]
        pi_ = pi_ - to_lo + to_hi
        x[active], v[active] = xn, vn
        piece[active] = pi_
        crossings[active] += leaves
        remaining[active] = np.where(leaves, ri - step, 0.0)
        active = active[leaves & (remaining[active] > 0.0)]
    else:
        raise ValueError(f"exact flow needed more than {max_events} kink crossings")
    return x.reshape(shape), v.reshape(shape), crossings.reshape(shape)


# --- smooth potentials: mpmath reference ---------------------------------------------------

def mp_gradient(potential) -> Callable | None:
    """u'(x) in mpmath arithmetic for a smooth built-in family, else None."""
    if not isinstance(potential, Potential):
        return None
    prm = [mpmath.mpf(float(v)) for v in potential.params]
    centre = mpmath.mpf(float(potential.kinks[0])) if potential.kinks.size else mpmath.mpf(0)
    fam = potential.family
    if fam == _families.QUARTIC:
        a2, a4 = prm
        return lambda x: a2 * x + a4 * x ** 3
    if fam == _families.LOGCOSH:
        (w,) = prm
        return lambda x: mpmath.tanh((x - centre) / w)
    if fam == _families.SOFTPLUS_KINK:
        sl, sr, w, c = prm
        return lambda x: c * x + sl + (sr - sl) / (1 + mpmath.exp(-(x - centre) / w))
    if fam == _families.POWER:
        alpha, scale = potential.params
        if alpha >= 2.0 and float(alpha).is_integer():
            a, sc = int(alpha), prm[1]
            return lambda x: (a / sc) * ((x - centre) / sc) ** (a - 1) * (1 if a % 2 == 0 else mpmath.sign(x - centre))
        return None
    if fam == _families.PIECEWISE_QUADRATIC and potential.kinks.size == 0:
        c, s = prm[0], prm[1]
        return lambda x: c * x + s
    return None


def mpmath_flow(du_mp: Callable, q0: float, p0: float, times, *, dps: int = 30) -> np.ndarray:
    """(q(t), p(t)) for each t in `times` (>= 0) from (q0, p0), rounded to float64.

    One Taylor-series solve per state (mpmath.odefun caches the solution, so all times cost
    one integration to max(times)), at `dps` significant digits.
    """
    with mpmath.workdps(dps):
        solution = mpmath.odefun(lambda _t, y: [y[1], -du_mp(y[0])], 0,
                                 [mpmath.mpf(float(q0)), mpmath.mpf(float(p0))])
        out = np.empty((len(times), 2))
        for i, t in enumerate(times):
            y = solution(mpmath.mpf(float(t)))
            out[i] = float(y[0]), float(y[1])
    return out


def rk4_flow(du: Callable, q, p, t, n_sub: int = 512):
    """Classical RK4 with n_sub equal substeps (float64, vectorised); error O((t/n_sub)^4 t)."""
    x = np.array(q, dtype=np.float64, copy=True)
    v = np.array(p, dtype=np.float64, copy=True)
    h = np.asarray(t, dtype=np.float64) / n_sub
    for _ in range(n_sub):
        k1x, k1v = v, -du(x)
        k2x, k2v = v + 0.5 * h * k1v, -du(x + 0.5 * h * k1x)
        k3x, k3v = v + 0.5 * h * k2v, -du(x + 0.5 * h * k2x)
        k4x, k4v = v + h * k3v, -du(x + h * k3x)
        x = x + h / 6.0 * (k1x + 2 * k2x + 2 * k3x + k4x)
        v = v + h / 6.0 * (k1v + 2 * k2v + 2 * k3v + k4v)
    return x, v


@dataclass(frozen=True)
class FlowResult:
    """Reference end states; `method` is "analytic", "mpmath-<dps>" or "rk4-float64";
    `error_bound` is an estimate of the reference's own error (0 for analytic up to rounding)."""

    q: np.ndarray
    p: np.ndarray
    crossings: np.ndarray | None
    method: str
    error_bound: float


def exact_flow(potential, q, p, times, *, mp_du: Callable | None = None, dps: int = 30) -> FlowResult:
    """Reference flow of every state (q[j], p[j]) (1D arrays) at every time in `times`.

    Returns arrays of shape (len(times), n). Piecewise-quadratic families: the analytic
    flow with event location. Smooth built-ins (or callables given `mp_du`): mpmath at `dps`
    digits. Other callables: RK4 in float64 with step doubling to estimate its error.
    """
    q = np.asarray(q, dtype=np.float64).ravel()
    p = np.asarray(p, dtype=np.float64).ravel()
    times = np.asarray(times, dtype=np.float64).ravel()
    pieces = piecewise_pieces(potential)
    if pieces is not None:
        qs, ps, cs = [], [], []
        for t in times:
            a, b, c = piecewise_quadratic_flow(*pieces, q, p, t)
            qs.append(a), ps.append(b), cs.append(c)
        return FlowResult(np.array(qs), np.array(ps), np.array(cs), "analytic", 0.0)
    if getattr(potential, "is_kinked", False) or (isinstance(potential, CallablePotential) and potential.kinks.size):
        raise ValueError("an exact reference across a kink needs a piecewise linear/quadratic potential")
    du = mp_du or mp_gradient(potential)
    if du is not None:
        out = np.array([mpmath_flow(du, a, b, times, dps=dps) for a, b in zip(q, p)])  # (n, nt, 2)
        return FlowResult(out[:, :, 0].T.copy(), out[:, :, 1].T.copy(), None, f"mpmath-{dps}", 10.0 ** (1 - dps))
    qs, ps, bound = [], [], 0.0
    for t in times:
        a, b = rk4_flow(potential.grad, q, p, t, 256)
        a2, b2 = rk4_flow(potential.grad, q, p, t, 512)
        bound = max(bound, float(np.max(np.abs(a2 - a))), float(np.max(np.abs(b2 - b))))
        qs.append(a2), ps.append(b2)
    return FlowResult(np.array(qs), np.array(ps), None, "rk4-float64", bound / 15.0)
