"""Empirical error orders of leapfrog: one-step (local) errors in q, p and H against an exact
reference, separately for steps that cross a kink and steps that do not, and the energy
error over a fixed time T (global order).

Public API
----------
- ``local_error_orders(potential, *, kind="auto", eps_grid=None, n_states=None,
  budget="quick", seed=0, progress=False, mp_du=None, dps=30) -> LocalErrorResult``
  kind: "smooth" (q ~ pi, p ~ N(0,1), smooth potential), "crossing" (states whose leapfrog
  step crosses a kink with uniform phase), "noncrossing" (q ~ pi, p ~ N(0,1) on a kinked
  potential, keeping the states that cross no kink at any eps, exactly or in leapfrog);
  "auto" = "smooth" for a smooth potential, "crossing" for a kinked one.
- ``global_energy_order(potential, T=1.0, *, n_steps_grid=None, n_states=None,
  budget="quick", seed=0, progress=False) -> GlobalErrorResult``
- ``OrderFit``: per quantity, the fitted exponent (`order`, an Estimate with a 95%
  paired-bootstrap interval), the integer order `nominal` = round(order) used for the
  coefficient, the Richardson-extrapolated leading coefficient `coefficient` =
  lim_{eps->0} E|err| / eps^nominal, the per-eps means `mean_abs` (Estimates), the ratios
  `ratio` = E|err|/eps^nominal per eps, and `curvature` = slope(coarse half of the grid) -
  slope(fine half), the size of the finite-eps truncation in the fitted slope, with its paired
  delta-method SE `curvature_se` (`estimators.half_grid_curvature`), and `truncation_slack`,
  the bound it implies on |fitted slope - asymptotic order| under one correction term
  C eps^k exp(a eps^r), r >= j = richardson_power (`estimators.half_grid_truncation_slack`),
  with `truncation_slack_se`, the curvature's SE through the same factor: the allowance is
  truncation_slack + truncation_slack_se.
- Results have ``.as_dict()`` (JSON-serialisable; raw per-state signed errors included
  unless ``raw=False``).

Estimators
----------
For each eps on a geometric grid the same n random states are stepped once (paired design)
and the signed errors e = (leapfrog end) - (exact end) are recorded for q and p, and
dH = H(leapfrog end) - H(start) for the energy (the exact flow conserves H). The order is the
least-squares slope of log mean|e| against log eps; its interval is the 95% percentile
bootstrap over states (the same resampled states at every eps, so the pairing is kept;
Efron & Tibshirani 1993, ch. 13). The coefficient uses c(eps) = mean|e|/eps^k =
C + C1 eps^j + ..., extrapolated from the two smallest eps (ratio r) as
C = (r^j c(eps_1) - c(eps_2)) / (r^j - 1) (Richardson), j = 1 for local errors (a one-step
error has all powers) and j = 2 for the global energy error of a symmetric integrator
(Hairer, Lubich, Wanner, Geometric Numerical Integration, 2006, ch. II.3 and IX); its SE
is the bootstrap SE.

Crossing states: a kink b is chosen uniformly, the half-step momentum p_h ~ N(0,1) and the
phase theta ~ U(0,1) are drawn, q = b - theta eps p_h and p = p_h + (eps/2) u'(q), so the
leapfrog position update q + eps p_h crosses b at exactly the fraction theta of the step.
For a piecewise-linear u the one-step energy error is then dH = J eps |p_h| (1/2 - theta) +
eps^2 J^2/8 (Dinh, Ho, Nguyen, NeurIPS 2024, arXiv 2410.22065: Omega(eps) local error of
leapfrog on ReLU-type potentials; J = u'(b+) - u'(b-), the sign of J flips for a right-to-left
crossing, hence |p_h|), so E|dH|/eps -> |J| E|p_h| E|1/2 - theta| =
|J| sqrt(2/pi)/4. Expected orders: smooth q, p, H all 3 (local) and H 2 (global);
crossing steps p and H 1, q 2; global energy error on a kinked potential 1.
"""
from __future__ import annotations

import math
import sys
from dataclasses import asdict, dataclass, field

import numpy as np

from relu_hmc.numerics.leapfrog import leapfrog_trajectory
from relu_hmc.numerics.reference import exact_flow, mp_gradient, piecewise_pieces
from relu_hmc.numerics.estimators import (Estimate, column_means_bootstrap, half_grid_curvature, half_grid_slopes,
                                          half_grid_truncation_slack, power_law_exponent, richardson)
from relu_hmc.numerics.validation import check_budget, check_count, check_step_size, rng_from

_KINDS = ("auto", "smooth", "crossing", "noncrossing")


def _jsonable(value):
    if isinstance(value, Estimate):
        return value.as_dict()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class OrderFit:
    """Order and leading coefficient of one error quantity (see the module docstring)."""

    quantity: str
    order: Estimate
    nominal: int
    coefficient: Estimate
    mean_abs: list
    ratio: list
    curvature: float
    curvature_se: float
    truncation_slack: float
    truncation_slack_se: float
    richardson_power: int

    def as_dict(self) -> dict:
        return _jsonable(asdict(self))


def _bootstrap_seed(rng) -> int:
    """One seed for every bootstrap of a result, so q, p and H (and each order with its
    coefficient) are resampled with the same states."""
    return int(rng.integers(2**63 - 1))


def fit_order(quantity: str, eps: np.ndarray, errors: np.ndarray, seed, *, n_boot: int = 1000,
              richardson_power: int = 1, level: float = 0.95) -> OrderFit:
    """Fit mean|errors| ~ C eps^k; errors (n_eps, n_states) paired across eps."""
    eps = np.asarray(eps, dtype=np.float64)
    absolute = np.abs(errors)
    n = absolute.shape[1]
    mean = absolute.mean(axis=1)
    if np.any(mean <= 0.0):
        raise ValueError(f"{quantity}: an error is exactly zero at some eps (no order to fit)")
    order = power_law_exponent(eps, absolute.T, seed, n_boot=n_boot, level=level)
    k = int(round(order.value))
    two_finest = np.argsort(eps)[:2]

    def extrapolated_ratio(means):
        # c(eps) = mean|err| / eps^k = C + C1 eps^j + ...: Richardson on the two finest eps
        ratios = means[two_finest] / (eps[two_finest] ** k).reshape((2,) + (1,) * (means.ndim - 1))
        return richardson(eps[two_finest], ratios, [richardson_power]).value

    coefficient = column_means_bootstrap(absolute.T, extrapolated_ratio, seed, n_boot=n_boot, level=level)
    se = absolute.std(axis=1, ddof=1) / math.sqrt(n)
    mean_abs = [Estimate(float(m), float(s), n=int(n)) for m, s in zip(mean, se)]
    ratio = [Estimate(float(m / e ** k), float(s / e ** k), n=int(n)) for m, s, e in zip(mean, se, eps)]
    curvature = half_grid_curvature(eps, mean, draws=absolute.T)
    # one correction term a eps^r, r >= j = richardson_power: the bound on the full-grid bias
    slack = half_grid_truncation_slack(eps, curvature, richardson_power)
    return OrderFit(quantity, order, k, coefficient, mean_abs, ratio, curvature.value, curvature.se,
                    slack.value, slack.se, richardson_power)


def order_summary(eps, draws, seed, *, n_boot: int = 400) -> dict:
    """The exponent of mean|draws| in eps (`power_law_exponent`: paired draws (n, n_eps) or one
    array of independent draws per eps) as a dict (value, se, lo, hi, level, n), with the
    slopes on the small- and large-eps halves of the grid, their difference `curvature` =
    slope_large_eps - slope_small_eps (the finite-eps curvature) with its delta-method SE
    `curvature_se` (paired for an array, independent per eps for a list), the bound it implies
    on |exponent - asymptotic order| `truncation_slack` (one correction term a eps^r, r >= 1)
    with its SE `truncation_slack_se`, and mean |draws| per eps with its SE."""
    samples = [np.abs(np.asarray(s, dtype=np.float64)) for s in (draws.T if isinstance(draws, np.ndarray) else draws)]
    means = np.array([s.mean() for s in samples])
    out = power_law_exponent(eps, draws, seed, n_boot=n_boot).as_dict()
    out["slope_small_eps"], out["slope_large_eps"] = half_grid_slopes(eps, means)
    out["mean_abs"] = means.tolist()
    out["mean_abs_se"] = [float(s.std(ddof=1) / math.sqrt(s.size)) for s in samples]
    curvature = (half_grid_curvature(eps, means, draws=draws) if isinstance(draws, np.ndarray)
                 else half_grid_curvature(eps, means, ses=out["mean_abs_se"]))
    # one correction term a eps^r with r >= 1 (the weakest power of an eps series)
    slack = half_grid_truncation_slack(eps, curvature, 1.0)
    out["curvature"], out["curvature_se"] = curvature.value, curvature.se
    out["truncation_slack"], out["truncation_slack_se"] = slack.value, slack.se
    return out


@dataclass(frozen=True)
class LocalErrorResult:
    """One-step errors of leapfrog against the exact flow on an eps grid.

    q, p, H: OrderFit of the position, momentum and energy errors. raw: signed errors
    (n_eps, n_states) per quantity and the start states (q0, p0 at each eps for crossing
    states; theta and kink index for crossing states). reference: how the exact flow was
    computed. crossing_fraction: fraction of steps in which the exact flow crossed a kink.
    """

    potential: dict
    kind: str
    eps: list
    n_states: int
    q: OrderFit
    p: OrderFit
    H: OrderFit
    reference: str
    reference_error_bound: float
    crossing_fraction: float
    seed: int | None
    raw: dict = field(repr=False, default_factory=dict)

    def as_dict(self, raw: bool = True) -> dict:
        out = {k: _jsonable(getattr(self, k)) for k in ("potential", "kind", "eps", "n_states", "reference",
                                                           "reference_error_bound", "crossing_fraction", "seed")}
        out.update({k: getattr(self, k).as_dict() for k in ("q", "p", "H")})
        if raw:
            out["raw"] = _jsonable(self.raw)
        return out


_LOCAL_BUDGET = {  # (eps grid, analytic states, mpmath states)
    "smooth": {"quick": (np.geomspace(0.01, 0.16, 5), 400, 12), "full": (np.geomspace(0.005, 0.16, 6), 4000, 60)},
    "crossing": {"quick": (np.geomspace(0.004, 0.064, 5), 2000, 0), "full": (np.geomspace(0.002, 0.064, 6), 20000, 0)},
    "noncrossing": {"quick": (np.geomspace(0.01, 0.16, 5), 1000, 0), "full": (np.geomspace(0.005, 0.16, 6), 10000, 0)},
}


def _check_grid(eps_grid) -> np.ndarray:
    grid = np.asarray([check_step_size(e) for e in np.atleast_1d(eps_grid)], dtype=np.float64)
    if grid.size < 3 or np.unique(grid).size != grid.size:
        raise ValueError(f"eps_grid needs at least 3 distinct step sizes, got {grid.tolist()}")
    return np.sort(grid)


def _seed_value(seed):
    return int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None


def local_error_orders(potential, *, kind: str = "auto", eps_grid=None, n_states: int | None = None,
                       budget: str = "quick", seed=0, progress: bool = False, mp_du=None,
                       dps: int = 30, n_boot: int = 1000) -> LocalErrorResult:
    """One-step error orders of leapfrog on a 1D potential (see the module docstring)."""
    check_budget(budget)
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
    kinked = bool(getattr(potential, "is_kinked", False))
    if kind == "auto":
        kind = "crossing" if kinked else "smooth"
    if kind in ("crossing", "noncrossing") and piecewise_pieces(potential) is None:
        raise ValueError(f"kind={kind!r} needs a piecewise linear/quadratic potential with kinks "
                         "(the exact reference across a kink is analytic only there)")
    if kind in ("crossing", "noncrossing") and potential.kinks.size == 0:
        raise ValueError(f"kind={kind!r} needs a potential with at least one kink")
    if kind == "smooth" and kinked:
        raise ValueError("kind='smooth' needs a smooth potential; use 'noncrossing' on a kinked one")
    default_grid, n_analytic, n_mp = _LOCAL_BUDGET[kind][budget]
    grid = _check_grid(default_grid if eps_grid is None else eps_grid)
    analytic = piecewise_pieces(potential) is not None
    if n_states is None:  # the mpmath reference costs ~0.1 s per state: fewer states
        uses_mpmath = not analytic and (mp_du is not None or mp_gradient(potential) is not None)
        n_states = n_mp if uses_mpmath else n_analytic
    n_states = check_count("n_states", n_states, 4)
    rng = rng_from(seed)
    seed_value = _seed_value(seed)
    n_eps = grid.size

    if kind == "crossing":
        kinks = potential.kinks
        which = rng.integers(0, kinks.size, n_states)
        p_half = rng.standard_normal(n_states)
        theta = rng.random(n_states)
        q0 = kinks[which][None, :] - theta[None, :] * grid[:, None] * p_half[None, :]
        p0 = p_half[None, :] + 0.5 * grid[:, None] * potential.grad(q0)
        extra = {"theta": theta, "p_half": p_half, "kink_index": which}
    else:
        n_draw = n_states if kind == "smooth" else 4 * n_states
        q0 = np.broadcast_to(potential.sample(rng, (n_draw,)), (n_eps, n_draw)).copy()
        p0 = np.broadcast_to(rng.standard_normal(n_draw), (n_eps, n_draw)).copy()
        extra = {}

    q_err, p_err, h_err, crossed, exact_crossed = [], [], [], [], []
    method, bound = "", 0.0
    for i, eps in enumerate(grid):
        traj = leapfrog_trajectory(potential, q0[i][:, None], p0[i][:, None], eps, 1)
        if kind == "smooth" and not analytic:
            flow = None  # one mpmath solve per state for all eps: done once below
            q_err.append(traj.q[:, 0]), p_err.append(traj.p[:, 0])
        else:
            flow = exact_flow(potential, q0[i], p0[i], [eps])
            method, bound = flow.method, flow.error_bound
            q_err.append(traj.q[:, 0] - flow.q[0]), p_err.append(traj.p[:, 0] - flow.p[0])
            exact_crossed.append(flow.crossings[0] if flow.crossings is not None else np.zeros(q0.shape[1], int))
        h_err.append(traj.energy_error)
        crossed.append(traj.crossings)
        if progress:
            print(f"  local errors ({kind}): eps={eps:.4g} done", file=sys.stderr, flush=True)
    q_err, p_err, h_err = np.array(q_err), np.array(p_err), np.array(h_err)
    crossed = np.array(crossed)
    if kind == "smooth" and not analytic:
        flow = exact_flow(potential, q0[0], p0[0], grid, mp_du=mp_du, dps=dps)
        method, bound = flow.method, flow.error_bound
        q_err, p_err = q_err - flow.q, p_err - flow.p
        exact_crossed = np.zeros_like(crossed)
    exact_crossed = np.array(exact_crossed)
    if kind == "noncrossing":
        keep = np.all((crossed == 0) & (exact_crossed == 0), axis=0)
        idx = np.nonzero(keep)[0][:n_states]
        if idx.size < 4:
            raise ValueError("too few non-crossing states; use a smaller eps grid")
        q_err, p_err, h_err, q0, p0, exact_crossed = (a[:, idx] for a in (q_err, p_err, h_err, q0, p0, exact_crossed))
    n = q_err.shape[1]
    boot_seed = _bootstrap_seed(rng)
    fits = {name: fit_order(name, grid, err, boot_seed, n_boot=n_boot) for name, err in (("q", q_err), ("p", p_err), ("H", h_err))}
    raw = {"q_error": q_err, "p_error": p_err, "H_error": h_err, "q0": q0, "p0": p0} | extra
    return LocalErrorResult(potential.config(), kind, grid.tolist(), int(n), fits["q"], fits["p"], fits["H"],
                            method, float(bound), float(np.mean(exact_crossed > 0)), seed_value, raw)


@dataclass(frozen=True)
class GlobalErrorResult:
    """Energy error H(T) - H(0) after n = T/eps leapfrog steps, on a grid of n.

    H: OrderFit of |dH| against eps (Richardson power 2 for a smooth potential: the error
    expansion of a symmetric method is in eps^2; 1 for a kinked one); crossings_mean: mean
    kink crossings per trajectory at each eps.
    """

    potential: dict
    T: float
    eps: list
    n_steps: list
    n_states: int
    H: OrderFit
    crossings_mean: list
    seed: int | None
    raw: dict = field(repr=False, default_factory=dict)

    def as_dict(self, raw: bool = True) -> dict:
        out = {k: _jsonable(getattr(self, k)) for k in ("potential", "T", "eps", "n_steps", "n_states",
                                                           "crossings_mean", "seed")}
        out["H"] = self.H.as_dict()
        if raw:
            out["raw"] = _jsonable(self.raw)
        return out


_GLOBAL_BUDGET = {"quick": ((8, 16, 32, 64, 128), 1000), "full": ((8, 16, 32, 64, 128, 256, 512), 10000)}


def global_energy_order(potential, T: float = 1.0, *, n_steps_grid=None, n_states: int | None = None,
                        budget: str = "quick", seed=0, progress: bool = False,
                        n_boot: int = 1000) -> GlobalErrorResult:
    """Order of the energy error over a fixed time T (eps = T/n, n on a grid), stationary
    starts q ~ pi, p ~ N(0,1) shared by every n (paired)."""
    check_budget(budget)
    T = check_step_size(T)
    default_n, default_states = _GLOBAL_BUDGET[budget]
    steps = np.array([check_count("n_steps", int(n) if isinstance(n, (int, np.integer)) else n)
                      for n in (default_n if n_steps_grid is None else n_steps_grid)])
    if np.unique(steps).size < 3:
        raise ValueError("n_steps_grid needs at least 3 distinct step counts")
    steps = np.sort(steps)[::-1]
    n_states = check_count("n_states", default_states if n_states is None else n_states, 4)
    rng = rng_from(seed)
    q0 = potential.sample(rng, (n_states, 1))
    p0 = rng.standard_normal((n_states, 1))
    eps = T / steps
    errors, crossings = [], []
    for e, n in zip(eps, steps):
        traj = leapfrog_trajectory(potential, q0, p0, e, int(n))
        errors.append(traj.energy_error)
        crossings.append(float(traj.crossings.mean()))
        if progress:
            print(f"  global energy error: n_steps={n} done", file=sys.stderr, flush=True)
    errors = np.array(errors)
    power = 1 if getattr(potential, "is_kinked", False) else 2
    fit = fit_order("H", eps, errors, _bootstrap_seed(rng), n_boot=n_boot, richardson_power=power)
    return GlobalErrorResult(potential.config(), T, eps.tolist(), steps.tolist(), n_states, fit, crossings,
                             _seed_value(seed), {"H_error": errors, "q0": q0[:, 0], "p0": p0[:, 0]})
