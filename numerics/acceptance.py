"""Acceptance asymptotics of HMC on product targets: the law of the energy error dH of a
proposal started in stationarity, as the dimension d grows with eps = l d^(-gamma).

Public API
----------
- ``energy_error_point(potential, d, *, eps=None, n_steps=None, l=None, gamma=None, T=1.0,
  n_proposals, seed=0, jobs=2) -> AcceptancePoint``: one (d, eps, n_steps) point.
- ``acceptance_sweep(potential, *, gammas=(1/4, 1/3, 1/2), l=1.0, T=1.0, dims=None,
  budget="quick", seed=0, progress=False, jobs=2) -> AcceptanceSweep``: points for every
  gamma and d (quick: d = 10..1e4, full: 10..1e6).
- ``l_curve(potential, d, gamma, T=1.0, *, ls=None, budget, seed, ...) -> LCurve``: a(l).
The exponents of Var(dH) in d and eps and Sigma_0 are in numerics.variance_scaling.
Common keywords: ``progress`` (one stderr line per point), ``jobs`` (threads; the kernel
releases the GIL, and results do not depend on jobs: every batch has its own spawned seed),
``work`` (coordinate-steps per point, overriding the budget).
All results have ``.as_dict()`` (JSON-serialisable).

Estimators
----------
T is held exactly: n_steps = max(1, round(T d^gamma / l)), eps = T / n_steps, and the
effective l_eff = eps d^gamma (|l_eff/l - 1| <= 1/(2 n_steps)) is what Sigma_0 divides by.
Each proposal draws q ~ pi^d exactly and p ~ N(0, I_d) and runs n_steps leapfrog steps.
- mean_dH, var_dH: sample mean and variance of the n proposal energy errors dH (SE of the
  variance by the delta method, numerics.estimators.variance_estimate).
- var_dH_pooled = d Var(dh_1): on a product target dH = sum_j dh_j over independent,
  identically distributed coordinate errors, so Var(dH) = d Var(dh_1) exactly; Var(dh_1) is
  estimated from all n d coordinate errors (moments accumulated per batch), with a
  delta-method SE. It estimates the same quantity as var_dH with far smaller error, and is
  used for Sigma_0 and for the exponent in eps. (It cannot be used for the exponent in d,
  which it would make 1 by construction: that one uses var_dH.)
- acceptance: E min(1, exp(-dH)), the expected Metropolis acceptance probability, estimated
  by its conditional expectation given |dH|, the mean of 2 / (1 + e^|dH|)
  (`estimators.stationary_acceptance_estimate`: exact for stationary starts by the
  fluctuation relation of dH; about 1.7x smaller SE than the mean of min(1, e^-dH) on the
  Hoelder ladder, which is itself smaller than that of 0/1 accept indicators).
Asymptotics (Beskos, Pillai, Roberts, Sanz-Serna, Stuart, Bernoulli 19(5A) 2013, arXiv
1001.4460, Thm 3.6 and sec. 3): dH -> N(Sigma/2, Sigma), a(l) = 2 Phi(-sqrt(Sigma)/2), Sigma
= Sigma_0 l^4 with gamma = 1/4 for smooth targets; for kinked targets Sigma = Sigma_0 l^2 with
gamma = 1/2 and Sigma_0 = T sum_b J_b^2 pi(b) E|p|^3 / 12 (the crossing-phase argument of
docs DESIGN sec. 3; Dinh, Ho, Nguyen, NeurIPS 2024, arXiv 2410.22065, for the Omega(eps)
crossing error). These are the predictions the suite compares with; here they are only
quoted, never computed.
"""
from __future__ import annotations

import math
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np

from relu_hmc.numerics.leapfrog import leapfrog_trajectory
from relu_hmc.numerics.orders import _jsonable
from relu_hmc.numerics.estimators import Estimate, mean_estimate, stationary_acceptance_estimate, variance_estimate
from relu_hmc.numerics.validation import check_budget, check_count, check_positive, check_step_size, rng_from

_BATCH_COORDS = 1 << 19  # coordinates per batch (memory and thread granularity)


def _check_gamma(gamma) -> float:
    try:
        gamma = float(gamma)
    except (TypeError, ValueError):
        raise ValueError(f"gamma must be a number in (0, 1], got {gamma!r}") from None
    if not (0.0 < gamma <= 1.0):
        raise ValueError(f"gamma must be in (0, 1], got {gamma}")
    return gamma


def _check_jobs(jobs) -> int:
    return check_count("jobs", jobs)


def steps_for(d: int, l: float, gamma: float, T: float) -> tuple[int, float]:
    """(n_steps, eps) with n_steps eps = T exactly and eps as close to l d^-gamma as that allows."""
    n_steps = max(1, int(round(T * d ** gamma / l)))
    return n_steps, T / n_steps


@dataclass(frozen=True)
class _Moments:
    """Raw power sums of coordinate errors (for the pooled variance)."""

    n: int
    s1: float
    s2: float
    s3: float
    s4: float

    def __add__(self, other):
        return _Moments(self.n + other.n, self.s1 + other.s1, self.s2 + other.s2, self.s3 + other.s3,
                        self.s4 + other.s4)

    def variance(self) -> Estimate:
        """Var(x) with the delta-method SE sqrt((m4 - m2^2)/n) (central moments m2, m4)."""
        n = self.n
        mu = self.s1 / n
        m2 = self.s2 / n - mu * mu
        m4 = self.s4 / n - 4 * mu * self.s3 / n + 6 * mu * mu * self.s2 / n - 3 * mu ** 4
        var = m2 * n / (n - 1)
        return Estimate(float(var), float(math.sqrt(max(m4 - m2 * m2, 0.0) / n)), n=int(n))


def _batch(potential, d, m, eps, n_steps, rng):
    q0 = potential.sample(rng, (m, d))
    p0 = rng.standard_normal((m, d))
    traj = leapfrog_trajectory(potential, q0, p0, eps, n_steps)
    per_coord = (potential.u(traj.q) - potential.u(q0)) + 0.5 * (traj.p * traj.p - p0 * p0)
    x = per_coord.ravel()
    x2 = x * x
    moments = _Moments(x.size, float(x.sum()), float(x2.sum()), float((x2 * x).sum()), float((x2 * x2).sum()))
    if not np.all(np.isfinite(traj.energy_error)):
        raise ValueError("the potential produced non-finite energies (check u and its gradient)")
    return traj.energy_error, traj.crossings, moments


def _run(potential, d, eps, n_steps, n_proposals, seed, jobs):
    """dH (n,), crossings (n,), pooled coordinate moments; deterministic for a seed whatever jobs."""
    per_batch = max(1, min(n_proposals, _BATCH_COORDS // d))
    sizes = [min(per_batch, n_proposals - s) for s in range(0, n_proposals, per_batch)]
    children = rng_from(seed).spawn(len(sizes))
    if jobs > 1 and len(sizes) > 1:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            parts = list(pool.map(lambda a: _batch(potential, d, a[0], eps, n_steps, a[1]), zip(sizes, children)))
    else:
        parts = [_batch(potential, d, m, eps, n_steps, r) for m, r in zip(sizes, children)]
    dh = np.concatenate([p[0] for p in parts])
    crossings = np.concatenate([p[1] for p in parts])
    moments = parts[0][2]
    for p in parts[1:]:
        moments = moments + p[2]
    return dh, crossings, moments


@dataclass(frozen=True)
class AcceptancePoint:
    """Energy-error statistics at one (d, eps, n_steps); see the module docstring."""

    d: int
    eps: float
    n_steps: int
    T: float
    l: float | None
    l_eff: float | None
    gamma: float | None
    n_proposals: int
    mean_dH: Estimate
    var_dH: Estimate
    var_dH_pooled: Estimate
    acceptance: Estimate
    crossings_per_coordinate: Estimate

    def as_dict(self) -> dict:
        return _jsonable(asdict(self))


def energy_error_point(potential, d: int, *, eps=None, n_steps=None, l=None, gamma=None, T: float = 1.0,
                       n_proposals: int = 1000, seed=0, jobs: int = 2) -> AcceptancePoint:
    """dH statistics at one point: give (eps, n_steps), or (l, gamma, T) (then eps = T/n_steps)."""
    d = check_count("d", d)
    n_proposals = check_count("n_proposals", n_proposals, 4)
    jobs = _check_jobs(jobs)
    if eps is not None:
        eps = check_step_size(eps)
        n_steps = check_count("n_steps", n_steps)
        l_eff = eps * d ** gamma if gamma is not None else None
    else:
        if l is None or gamma is None:
            raise ValueError("give either eps and n_steps, or l and gamma")
        l, gamma, T = check_positive("l", l), _check_gamma(gamma), check_positive("T", T)
        n_steps, eps = steps_for(d, l, gamma, T)
        l_eff = eps * d ** gamma
    dh, crossings, moments = _run(potential, d, eps, n_steps, n_proposals, seed, jobs)
    pooled = moments.variance()
    return AcceptancePoint(
        d, float(eps), int(n_steps), float(eps * n_steps), None if l is None else float(l),
        None if l_eff is None else float(l_eff), None if gamma is None else float(gamma), int(dh.size),
        mean_estimate(dh), variance_estimate(dh), Estimate(d * pooled.value, d * pooled.se, n=pooled.n),
        stationary_acceptance_estimate(dh), mean_estimate(crossings / d))


# --- budgets ---------------------------------------------------------------------------------
# work = proposals x d x (n_steps + 30) per point: the compiled kernel does ~1e8 coordinate-
# steps/s/core, and an exact stationary draw plus the energy bookkeeping cost about 30 steps.
_OVERHEAD_STEPS = 30
_SWEEP = {"quick": ((10, 100, 1000, 10_000), 1.5e7, 2000),
          "full": ((10, 100, 1000, 10_000, 100_000, 1_000_000), 3e9, 20000)}


def _proposals(d, n_steps, work, cap, floor=20) -> int:
    return int(max(floor, min(cap, work // (d * (n_steps + _OVERHEAD_STEPS)))))


def _progress(progress, text):
    if progress:
        print(f"  {text}", file=sys.stderr, flush=True)


def _check_dims(dims) -> list[int]:
    dims = [check_count("d", d) for d in dims]
    if len(dims) < 1:
        raise ValueError("dims must hold at least one dimension")
    return sorted(set(dims))


@dataclass(frozen=True)
class AcceptanceSweep:
    potential: dict
    T: float
    l: float
    points: dict  # gamma (str) -> list[AcceptancePoint]
    seed: int | None

    def as_dict(self) -> dict:
        return {"potential": self.potential, "T": self.T, "l": self.l, "seed": self.seed,
                "points": {g: [p.as_dict() for p in pts] for g, pts in self.points.items()}}


def _seed_int(seed):
    return int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None


def acceptance_sweep(potential, *, gammas=(0.25, 1 / 3, 0.5), l: float = 1.0, T: float = 1.0, dims=None,
                     budget: str = "quick", seed=0, progress: bool = False, jobs: int = 2,
                     work: float | None = None) -> AcceptanceSweep:
    """dH statistics and acceptance for each gamma and d, at eps ~ l d^-gamma, fixed T."""
    check_budget(budget)
    default_dims, default_work, cap = _SWEEP[budget]
    dims = _check_dims(default_dims if dims is None else dims)
    gammas = [_check_gamma(g) for g in gammas]
    l, T = check_positive("l", l), check_positive("T", T)
    work = default_work if work is None else check_positive("work", work)
    children = rng_from(seed).spawn(len(gammas) * len(dims))
    points = {}
    for gi, gamma in enumerate(gammas):
        row = []
        for di, d in enumerate(dims):
            n_steps, _ = steps_for(d, l, gamma, T)
            n = _proposals(d, n_steps, work, cap)
            point = energy_error_point(potential, d, l=l, gamma=gamma, T=T, n_proposals=n,
                                       seed=children[gi * len(dims) + di], jobs=jobs)
            row.append(point)
            _progress(progress, f"acceptance gamma={gamma:.4g} d={d}: Var(dH)={point.var_dH}, "
                                f"a={point.acceptance}")
        points[f"{gamma:.6g}"] = row
    return AcceptanceSweep(potential.config(), T, l, points, _seed_int(seed))


@dataclass(frozen=True)
class LCurve:
    """Acceptance a(l) (and Var(dH)) at fixed d, gamma, T over a grid of l."""

    potential: dict
    d: int
    gamma: float
    T: float
    l: list
    acceptance: list  # Estimates
    var_dH: list  # Estimates (pooled)
    points: list

    def as_dict(self) -> dict:
        return _jsonable(asdict(self))


_LCURVE = {"quick": (1000, (0.5, 1.0, 1.5, 2.0, 3.0), 1e7, 2000), "full": (100_000, (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0), 3e9, 20000)}


def l_curve(potential, d: int | None = None, gamma: float = 0.5, T: float = 1.0, *, ls=None, budget: str = "quick",
            seed=0, progress: bool = False, jobs: int = 2) -> LCurve:
    """a(l) = E min(1, exp(-dH)) at eps = T/round(T d^gamma / l)."""
    check_budget(budget)
    default_d, default_ls, work, cap = _LCURVE[budget]
    d = check_count("d", default_d if d is None else d)
    gamma, T = _check_gamma(gamma), check_positive("T", T)
    ls = [check_positive("l", v) for v in (default_ls if ls is None else ls)]
    children = rng_from(seed).spawn(len(ls))
    points = []
    for v, child in zip(ls, children):
        n_steps, _ = steps_for(d, v, gamma, T)
        points.append(energy_error_point(potential, d, l=v, gamma=gamma, T=T,
                                         n_proposals=_proposals(d, n_steps, work, cap, floor=100),
                                         seed=child, jobs=jobs))
        _progress(progress, f"a(l) at d={d}: l={v} -> {points[-1].acceptance}")
    return LCurve(potential.config(), d, gamma, T, [p.l_eff for p in points], [p.acceptance for p in points],
                  [p.var_dH_pooled for p in points], [p.as_dict() for p in points])
