"""How Var(dH) of a stationary HMC proposal scales on product targets: its exponent in d at
fixed eps, its exponent 2k in eps at fixed d (hence the step-size exponent gamma = 1/(2k)),
and Sigma_0 = Var(dH) / l^(2k) along eps = l d^(-gamma) with a check that it is stable in d.

Public API
----------
- ``variance_exponent_in_d(potential, *, eps=0.1, T=1.0, dims=None, budget, seed, ...)
  -> ExponentResult``: slope of log Var(dH) against log d at fixed eps (expected 1).
- ``variance_exponent_in_eps(potential, *, d=1000, T=1.0, eps_grid=None, budget, seed, ...)
  -> ExponentResult``: slope 2k of log Var(dH) against log eps at fixed d and T.
- ``measure_sigma0(potential, gamma, T=1.0, *, l=1.0, dims=None, budget, seed, ...)
  -> Sigma0Result``: Sigma_0 at each d (`per_d`), the value at the largest d (`sigma0`), its
  eps -> 0 extrapolation (`extrapolated`), and a stability check across d
  (`residual_exponent`, `drift`, `chi2`, `p_value`, `stable`).
Every point is a `numerics.acceptance.energy_error_point`; its estimators (direct and pooled
Var(dH)) are described there. Keywords ``progress``, ``jobs``, ``work`` as in
numerics.acceptance.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats as sps

from relu_hmc.numerics.acceptance import (_check_dims, _check_gamma, _progress, _proposals, energy_error_point,
                                          steps_for)
from relu_hmc.numerics.estimators import (Estimate, half_grid_curvature, half_grid_truncation_slack,
                                          weighted_log_slope)
from relu_hmc.numerics.orders import _jsonable
from relu_hmc.numerics.validation import check_budget, check_count, check_positive, check_step_size, rng_from


@dataclass(frozen=True)
class ExponentResult:
    """Slope of log Var(dH) against log x (x = d or eps) with a parametric-bootstrap interval
    (each point's variance redrawn from a normal with its SE, refitted) and the points.

    truncation_slack: the bound on |full-grid slope - asymptotic exponent| from the drift
    |slope on the upper half of x - slope on the lower half| of the local slope across the
    grid (`estimators.half_grid_truncation_slack`), under one correction term: Var = d eps^(2k)
    S exp(a eps^r), r >= 1, for x = eps, and Var = d S exp(a d^(-r)), r >= 1, for x = d (the
    same bound on the grid 1/d). truncation_slack_se: its own SE (delta method from the points'
    SEs, through the same factor). Their sum is to be added to the interval when comparing
    with an asymptotic exponent; 0 with fewer than 3 points."""

    variable: str
    exponent: Estimate
    truncation_slack: float
    truncation_slack_se: float
    x: list
    var: list  # Estimates
    points: list  # AcceptancePoint dicts

    def as_dict(self) -> dict:
        return _jsonable(asdict(self))


def _fit_exponent(variable, x, estimates, points, seed, n_boot=2000, level=0.95) -> ExponentResult:
    """`weighted_log_slope` of the variances on x; interval by a parametric bootstrap (each
    variance redrawn from a normal with its SE, refitted); slack from `half_grid_truncation_slack`."""
    x = np.asarray(x, dtype=np.float64)
    values = np.array([e.value for e in estimates])
    ses = np.maximum(np.array([e.se for e in estimates]), 1e-300)
    if np.any(values <= 0):
        raise ValueError(f"Var(dH) is not positive at every {variable}: cannot fit an exponent")
    value = weighted_log_slope(x, values, ses).value
    rng = rng_from(seed)
    draws = []
    for _ in range(n_boot):
        v = values + ses * rng.standard_normal(values.size)
        if np.all(v > 0):
            draws.append(weighted_log_slope(x, v, ses * v / values).value)  # the weights of the fit
    draws = np.array(draws)
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    slack = Estimate(0.0, 0.0)
    if x.size >= 3:
        curvature = half_grid_curvature(x, values, ses=ses)
        # corrections vanish as eps -> 0 but as d -> infinity: the same bound on the grid 1/d
        slack = half_grid_truncation_slack(x if variable == "eps" else 1.0 / x, curvature, 1.0)
    return ExponentResult(variable, Estimate(value, float(draws.std(ddof=1)), float(lo), float(hi), level,
                                             int(x.size)), slack.value, slack.se,
                          x.tolist(), list(estimates), [p.as_dict() for p in points])


_D_EXPONENT = {"quick": ((100, 1000, 10_000), 1e7, 4000), "full": ((100, 1000, 10_000, 100_000, 1_000_000), 2e9, 40000)}


def variance_exponent_in_d(potential, *, eps: float = 0.1, T: float = 1.0, dims=None, budget: str = "quick",
                           seed=0, progress: bool = False, jobs: int = 2) -> ExponentResult:
    """Exponent of Var(dH) in d at fixed eps and T (the direct estimator var_dH: expected 1,
    since dH is a sum of d independent coordinate errors)."""
    check_budget(budget)
    eps, T = check_step_size(eps), check_positive("T", T)
    default_dims, work, cap = _D_EXPONENT[budget]
    dims = _check_dims(default_dims if dims is None else dims)
    if len(dims) < 2:
        raise ValueError("an exponent in d needs at least 2 dimensions")
    n_steps = max(1, int(round(T / eps)))
    eps = T / n_steps
    children = rng_from(seed).spawn(len(dims) + 1)
    points = []
    for d, child in zip(dims, children):
        points.append(energy_error_point(potential, d, eps=eps, n_steps=n_steps,
                                         n_proposals=_proposals(d, n_steps, work, cap, floor=200),
                                         seed=child, jobs=jobs))
        _progress(progress, f"Var(dH) at fixed eps={eps:.4g}: d={d} -> {points[-1].var_dH}")
    return _fit_exponent("d", dims, [p.var_dH for p in points], points, children[-1])


_EPS_EXPONENT = {"quick": (np.array([0.2, 0.1, 0.05, 0.025, 0.0125]), 1e7),
                 "full": (np.array([0.2, 0.1, 0.05, 0.025, 0.0125, 0.00625]), 1e9)}


def variance_exponent_in_eps(potential, *, d: int = 1000, T: float = 1.0, eps_grid=None, budget: str = "quick",
                             seed=0, progress: bool = False, jobs: int = 2,
                             work: float | None = None) -> ExponentResult:
    """Exponent 2k of Var(dH) in eps at fixed d and T (pooled estimator): Var ~ d eps^(2k), so
    Var stays O(1) at eps ~ d^(-1/(2k)), i.e. gamma = 1/(2k)."""
    check_budget(budget)
    d, T = check_count("d", d), check_positive("T", T)
    default_grid, default_work = _EPS_EXPONENT[budget]
    work = default_work if work is None else check_positive("work", work)
    grid = np.sort(np.array([check_step_size(e) for e in (default_grid if eps_grid is None else eps_grid)]))
    if grid.size < 3:
        raise ValueError("an exponent in eps needs at least 3 step sizes")
    steps = np.maximum(1, np.round(T / grid)).astype(int)
    grid = T / steps
    children = rng_from(seed).spawn(grid.size + 1)
    points = []
    for e, n, child in zip(grid, steps, children):
        points.append(energy_error_point(potential, d, eps=float(e), n_steps=int(n),
                                         n_proposals=_proposals(d, int(n), work, 4000, floor=8),
                                         seed=child, jobs=jobs))
        _progress(progress, f"Var(dH) at d={d}: eps={e:.4g} -> {points[-1].var_dH_pooled}")
    return _fit_exponent("eps", grid, [p.var_dH_pooled for p in points], points, children[-1])


@dataclass(frozen=True)
class Sigma0Result:
    """Sigma_0 = Var(dH)/l_eff^(2k) (k = 1/(2 gamma)) at each d, pooled estimator.

    sigma0: the estimate at the largest d (smallest eps, least finite-eps bias).
    weighted: inverse-variance weighted mean over all d.
    extrapolated: intercept of a weighted linear fit of Sigma_0(d) against eps_d^j
    (j = correction_power: 2 for gamma <= 1/4, where the smooth error expansion is in eps^2,
    else 1), i.e. the eps -> 0 limit; None with fewer than 3 dimensions.
    drift: slope of Sigma_0(d) against log10 d (Estimate, weighted least squares); zero when
    the scaling eps ~ d^-gamma is the right one, 1 - 2 k_true gamma per decade-log otherwise.
    residual_exponent: slope of log Sigma_0(d) against log d (Estimate, weighted least
    squares): Var(dH) ~ d^(1 - 2 k_true gamma) along eps = l d^-gamma, so it is 0 for the
    right gamma up to finite-eps corrections that shrink with d, and 1 - 2 k_true gamma
    (e.g. 1/3 for a kinked target run at gamma = 1/3) for a wrong one.
    chi2, dof, p_value: consistency of the per-d values with one constant.
    stable: p_value > 0.01 (the per-d values agree within their errors). A strict test: the
    pooled estimator is precise enough to detect the O(eps^2) finite-eps drift of a smooth
    target at large budgets; judge the scaling by residual_exponent and extrapolated.
    """

    potential: dict
    gamma: float
    k: float
    T: float
    l: float
    dims: list
    per_d: list  # Estimates of Sigma_0 at each d
    sigma0: Estimate
    weighted: Estimate
    extrapolated: Estimate | None
    correction_power: int
    drift: Estimate
    residual_exponent: Estimate
    chi2: float
    dof: int
    p_value: float
    stable: bool
    points: list

    def as_dict(self) -> dict:
        return _jsonable(asdict(self))


_SIGMA0 = {"quick": ((100, 1000, 10_000), 1e7, 1000), "full": ((100, 1000, 10_000, 100_000, 1_000_000), 2e9, 10000)}


def measure_sigma0(potential, gamma: float, T: float = 1.0, *, l: float = 1.0, dims=None, budget: str = "quick",
                   seed=0, progress: bool = False, jobs: int = 2, work: float | None = None) -> Sigma0Result:
    """Sigma_0 with its SE at each d and a check that it is stable across d."""
    check_budget(budget)
    gamma, T, l = _check_gamma(gamma), check_positive("T", T), check_positive("l", l)
    default_dims, default_work, cap = _SIGMA0[budget]
    dims = _check_dims(default_dims if dims is None else dims)
    work = default_work if work is None else check_positive("work", work)
    two_k = 1.0 / gamma
    children = rng_from(seed).spawn(len(dims))
    points, per_d = [], []
    for d, child in zip(dims, children):
        n_steps, _ = steps_for(d, l, gamma, T)
        point = energy_error_point(potential, d, l=l, gamma=gamma, T=T,
                                   n_proposals=_proposals(d, n_steps, work, cap, floor=8), seed=child, jobs=jobs)
        scale = point.l_eff ** two_k
        per_d.append(Estimate(point.var_dH_pooled.value / scale, point.var_dH_pooled.se / scale,
                              n=point.var_dH_pooled.n))
        points.append(point)
        _progress(progress, f"Sigma_0 gamma={gamma:.4g} d={d}: {per_d[-1]}")
    values = np.array([e.value for e in per_d])
    ses = np.maximum(np.array([e.se for e in per_d]), 1e-300)
    w = 1.0 / ses ** 2
    mean = float(np.sum(w * values) / np.sum(w))
    weighted = Estimate(mean, float(1.0 / math.sqrt(np.sum(w))), n=int(sum(e.n for e in per_d)))
    chi2 = float(np.sum(w * (values - mean) ** 2))
    dof = len(dims) - 1
    p_value = float(sps.chi2.sf(chi2, dof)) if dof > 0 else 1.0
    if len(dims) >= 2:
        x = np.log10(np.array(dims, dtype=float))
        xm = np.sum(w * x) / np.sum(w)
        sxx = float(np.sum(w * (x - xm) ** 2))
        slope = float(np.sum(w * (x - xm) * (values - mean)) / sxx)
        drift = Estimate(slope, float(1.0 / math.sqrt(sxx)), n=len(dims))
        residual = weighted_log_slope(dims, values, ses)
    else:
        drift = Estimate(0.0, float("inf"), n=1)
        residual = Estimate(0.0, float("inf"), n=1)
    power = 2 if gamma <= 0.25 else 1
    extrapolated = None
    if len(dims) >= 3:
        z = np.array([p.eps for p in points]) ** power
        design = np.stack([np.ones_like(z), z], axis=1)
        cov = np.linalg.inv(design.T @ (w[:, None] * design))
        coef = cov @ design.T @ (w * values)
        extrapolated = Estimate(float(coef[0]), float(math.sqrt(cov[0, 0])), n=weighted.n)
    return Sigma0Result(potential.config(), gamma, two_k / 2.0, T, l, dims, per_d, per_d[-1], weighted,
                        extrapolated, power, drift, residual, chi2, dof, p_value, bool(p_value > 0.01),
                        [p.as_dict() for p in points])
