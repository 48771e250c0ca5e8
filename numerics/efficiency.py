"""Efficiency of HMC on product targets: effective sample size per gradient evaluation over a
grid of step-size constants l, and the empirically optimal acceptance rate.

Public API
----------
- ``autocovariance(x) -> ndarray``: per-chain autocovariances (FFT), x of shape (chains, draws).
- ``ess(x) -> float``: multi-chain effective sample size with Geyer's initial monotone
  sequence estimator (x of shape (chains, draws), or (draws,) for one chain).
- ``efficiency_curve(potential, *, d=None, gamma=None, T=1.0, ls=None, budget="quick",
  seed=0, progress=False, n_chains=None, n_proposals=None, n_keep=None, n_boot=None,
  jobs=2) -> EfficiencyCurve``: per l the acceptance rate, ESS per gradient of x_1 and of x_1^2,
  and the expected squared jump distance (ESJD) per gradient, each with a bootstrap SE;
  the optimal acceptance (argmax of a fitted efficiency-vs-acceptance curve) with a
  bootstrap interval, for each efficiency measure.
All results have ``.as_dict()`` (JSON-serialisable).

Estimators
----------
ESS (Geyer, "Practical Markov chain Monte Carlo", Statistical Science 7, 1992, sec. 3.3;
multi-chain form of Vehtari, Gelman, Simpson, Carpenter, Buerkner, Bayesian Analysis 16,
2021, eq. 10-11): with M chains of N draws, per-chain autocovariances c_m(t), W =
mean_m c_m(0) N/(N-1), var+ = W (N-1)/N + var_m(chain means), rho(t) = 1 - (W - mean_m
c_m(t)) / var+. Pair sums P_j = rho(2j) + rho(2j+1) are kept while positive (initial
positive sequence), made non-increasing (initial monotone sequence), and tau = -1 +
2 sum_j P_j; ESS = M N / tau.

Efficiency at a step-size constant l: eps = T / n_steps, n_steps = round(T d^gamma / l);
ESS per gradient = ESS / (M N n_steps) for one coordinate (each of the n_keep kept
coordinates of each chain is a pseudo-chain: the coordinates are iid, so the per-coordinate
efficiency is what is estimated, with M = n_chains n_keep). ESJD per gradient =
mean (x_{i+1} - x_i)^2 / n_steps. SEs and intervals: bootstrap over chains (the independent
units; a chain's kept coordinates share its accept/reject decisions, so they are resampled
together), recomputing every statistic from resampled per-chain autocovariances.

Optimal acceptance: a quadratic (cubic with >= 7 points) least-squares fit of efficiency
against acceptance rate, maximised on the measured acceptance range; the bootstrap refits
it on every resample and reports the percentile interval of the argmax. At the boundary of
the range the optimum is flagged (`at_boundary`).
Asymptotics (Beskos, Pillai, Roberts, Sanz-Serna, Stuart, Bernoulli 19(5A) 2013, arXiv
1001.4460, sec. 4): maximising l a(l) with a(l) = 2 Phi(-sqrt(Sigma_0) l^k / 2) gives the
acceptance 0.651 for smooth targets (k = 2); the same argument with k = 1 gives 0.452 for
kinked targets (Dinh, Ho, Nguyen, NeurIPS 2024, arXiv 2410.22065, for the Omega(eps) error
that makes k = 1). l a(l) is a proxy: it is proportional to ESJD per gradient when the
accepted jump size does not depend on acceptance, but ESS of a given statistic need not be
maximised at the same l (at fixed T an accepted move only partly decorrelates), so the ESS
optima are reported separately and may sit at a different acceptance even as d -> infinity.
"""
from __future__ import annotations

import math
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np

from relu_hmc.numerics.acceptance import _check_gamma, energy_error_point, steps_for
from relu_hmc.numerics.hmc import run_hmc
from relu_hmc.numerics.orders import _jsonable
from relu_hmc.numerics.validation import check_budget, check_positive
from relu_hmc.numerics.estimators import Estimate
from relu_hmc.numerics.validation import check_count, rng_from


def autocovariance(x) -> np.ndarray:
    """Biased (divide by N) autocovariances of each row of x, lags 0..N-1, by FFT."""
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    n = x.shape[-1]
    centred = x - x.mean(axis=-1, keepdims=True)
    size = 1 << int(math.ceil(math.log2(2 * n)))
    f = np.fft.rfft(centred, n=size, axis=-1)
    return np.fft.irfft(f * np.conj(f), n=size, axis=-1)[..., :n] / n


def _ess_from_moments(acov_mean: np.ndarray, chain_means: np.ndarray, n_chains_total: float, n: int,
                      weights: np.ndarray | None = None) -> float:
    """ESS from the (weighted) mean per-chain autocovariance and the chain means."""
    w_var = acov_mean[0] * n / (n - 1.0)
    var_plus = w_var * (n - 1.0) / n
    if chain_means.size > 1:
        if weights is None:
            var_plus += float(np.var(chain_means, ddof=1))
        else:
            mu = np.sum(weights * chain_means) / np.sum(weights)
            m_eff = np.sum(weights)
            var_plus += float(np.sum(weights * (chain_means - mu) ** 2) / max(m_eff - 1.0, 1e-12))
    if not var_plus > 0.0:
        return float("nan")
    rho = 1.0 - (w_var - acov_mean) / var_plus
    rho[0] = 1.0
    n_pairs = (n - 1) // 2
    pairs = rho[0:2 * n_pairs:2] + rho[1:2 * n_pairs:2]
    negative = np.nonzero(pairs <= 0.0)[0]
    stop = negative[0] if negative.size else n_pairs
    positive = np.minimum.accumulate(pairs[:max(stop, 1)])
    tau = -1.0 + 2.0 * float(np.sum(positive))
    total = n_chains_total * n
    tau = max(tau, 1.0 / math.log10(total)) if total > 10 else max(tau, 1e-12)
    return total / tau


def ess(x) -> float:
    """Effective sample size of x (chains, draws) or (draws,) by Geyer's initial monotone
    sequence on the multi-chain autocorrelation (see the module docstring)."""
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    if x.ndim != 2 or x.shape[1] < 4:
        raise ValueError(f"ess needs an array (chains, draws) with at least 4 draws, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("ess needs finite draws")
    acov = autocovariance(x)
    return _ess_from_moments(acov.mean(axis=0), x.mean(axis=1), x.shape[0], x.shape[1])


@dataclass(frozen=True)
class EfficiencyPoint:
    l: float
    l_eff: float
    eps: float
    n_steps: int
    acceptance: Estimate
    ess_per_grad_x: Estimate
    ess_per_grad_x2: Estimate
    esjd_per_grad: Estimate


@dataclass(frozen=True)
class Optimum:
    """argmax of the fitted efficiency-vs-acceptance curve with its bootstrap interval."""

    measure: str
    acceptance: Estimate
    l: Estimate
    at_boundary: bool


@dataclass(frozen=True)
class EfficiencyCurve:
    potential: dict
    d: int
    gamma: float
    T: float
    n_chains: int
    n_proposals: int
    n_keep: int
    points: list  # EfficiencyPoint
    optima: dict  # measure -> Optimum
    seed: int | None

    def as_dict(self) -> dict:
        return _jsonable(asdict(self))


# (d, T, chains, proposals, kept coordinates, bootstrap resamples) by budget and smoothness.
# n_steps = T d^gamma / l is an integer, so d and T must make it large near the optimum for
# the l grid to be resolved: kinked (gamma = 1/2) at d = 400, T = 1.5 gives n_steps ~ 12 there;
# smooth (gamma = 1/4) needs a longer T: 5 pi/2 (for the standard Gaussian the exact flow then
# maps q to p, a fully decorrelating move) gives n_steps ~ 18 at d = 400.
_BUDGET = {
    ("quick", True): (400, 1.5, 10, 500, 8, 200),
    ("quick", False): (400, 2.5 * math.pi, 10, 500, 8, 200),
    ("full", True): (2500, 1.5, 16, 3000, 16, 1000),
    ("full", False): (2500, 2.5 * math.pi, 16, 3000, 16, 1000),
}


class _Chains:
    """Per-chain summaries that a chain bootstrap reweights without recomputing FFTs."""

    def __init__(self, samples: np.ndarray, accept_prob: np.ndarray):
        n, m, k = samples.shape  # proposals, chains, kept coordinates
        self.n, self.m, self.k = n, m, k
        series = np.moveaxis(samples, 0, -1)  # (m, k, n)
        self.acov = {}
        self.means = {}
        for name, f in (("x", series), ("x2", series ** 2)):
            ac = autocovariance(f.reshape(m * k, n)).reshape(m, k, n)
            self.acov[name] = ac.mean(axis=1)  # (m, n): per chain, averaged over its coordinates
            self.means[name] = f.mean(axis=2)  # (m, k)
        self.jump = (np.diff(series, axis=2) ** 2).mean(axis=(1, 2))  # (m,)
        self.accept = accept_prob.mean(axis=0)  # (m,)

    def stats(self, counts: np.ndarray | None = None) -> tuple[float, float, float, float]:
        """(acceptance, ESS/draw for x, for x^2, ESJD) with chains weighted by `counts`."""
        w = np.ones(self.m) if counts is None else counts.astype(float)
        tot = w.sum()
        out = [float(np.sum(w * self.accept) / tot)]
        for name in ("x", "x2"):
            acov_mean = (w @ self.acov[name]) / tot
            means = self.means[name].ravel()
            wk = np.repeat(w, self.k)
            keep = wk > 0
            e = _ess_from_moments(acov_mean, means[keep], float(np.sum(wk)), self.n,
                                  weights=wk[keep])
            out.append(e / (np.sum(wk) * self.n))
        out.append(float(np.sum(w * self.jump) / tot))
        return tuple(out)


def fit_argmax(acceptance, efficiency) -> tuple[float, bool]:
    """The acceptance maximising a measured efficiency curve: a least-squares polynomial (cubic
    with >= 7 points, else quadratic) of efficiency / max efficiency against acceptance,
    maximised on a 2001-point grid over the measured acceptance range. Returns (argmax,
    whether it sits at an end of the range, i.e. is not resolved)."""
    acc, eff = np.asarray(acceptance, dtype=float), np.asarray(efficiency, dtype=float)
    coef = np.polyfit(acc, eff / eff.max(), 3 if acc.size >= 7 else 2)
    grid = np.linspace(acc.min(), acc.max(), 2001)
    i = int(np.argmax(np.polyval(coef, grid)))
    return float(grid[i]), i in (0, grid.size - 1)


def _fit_argmax(acc: np.ndarray, eff: np.ndarray, ls: np.ndarray):
    a_star, edge = fit_argmax(acc, eff)
    # l at the optimum by interpolating log l against acceptance (acceptance decreases in l)
    order = np.argsort(acc)
    l_star = float(np.exp(np.interp(a_star, acc[order], np.log(ls[order]))))
    return a_star, l_star, edge


def efficiency_curve(potential, *, d: int | None = None, gamma: float | None = None, T: float | None = None,
                     ls=None, budget: str = "quick", seed=0, progress: bool = False, n_chains: int | None = None,
                     n_proposals: int | None = None, n_keep: int | None = None,
                     n_boot: int | None = None, jobs: int = 2) -> EfficiencyCurve:
    """HMC efficiency over a grid of l and the empirical optimal acceptance (module docstring).

    gamma defaults to 1/2 for a kinked potential and 1/4 for a smooth one; d and T to the
    budget's values (see _BUDGET). ls defaults to 7 values chosen by a pilot run so that the
    asymptotic acceptance 2 Phi(-sqrt(Sigma_0) l^k / 2) spans about 0.9..0.08; each l is
    rounded to a distinct integer n_steps and the effective l_eff = T d^gamma / n_steps is
    what is reported and fitted.
    """
    check_budget(budget)
    kinked = bool(getattr(potential, "is_kinked", False))
    d0, t0, m0, n0, k0, b0 = _BUDGET[(budget, kinked)]
    d = check_count("d", d0 if d is None else d)
    T = check_positive("T", t0 if T is None else T)
    n_chains = check_count("n_chains", m0 if n_chains is None else n_chains, 2)
    n_proposals = check_count("n_proposals", n0 if n_proposals is None else n_proposals, 20)
    n_keep = min(check_count("n_keep", k0 if n_keep is None else n_keep), d)
    n_boot = check_count("n_boot", b0 if n_boot is None else n_boot, 10)
    gamma = _check_gamma((0.5 if kinked else 0.25) if gamma is None else gamma)
    jobs = check_count("jobs", jobs)
    rng = rng_from(seed)
    pilot_rng, boot_seed, runs_rng = rng.spawn(3)
    if ls is None:
        # pilot: Var(dH) at l = 1 gives sqrt(Sigma_0); pick l with sqrt(Sigma) = 0.4 .. 3.2
        # (asymptotic acceptance 0.84 .. 0.11; both optima, 0.651 and 0.452, inside)
        pilot = energy_error_point(potential, d, l=1.0, gamma=gamma, T=T, n_proposals=400, seed=pilot_rng,
                                   jobs=jobs)
        k = 1.0 / (2.0 * gamma)
        s0 = math.sqrt(max(pilot.var_dH_pooled.value, 1e-12)) / pilot.l_eff ** k
        ls = np.geomspace((0.4 / s0) ** (1 / k), (3.2 / s0) ** (1 / k), 7)
    ls = np.array([check_positive("l", v) for v in ls])
    steps = sorted({steps_for(d, float(l), gamma, T)[0] for l in ls}, reverse=True)
    if len(steps) < 3:
        raise ValueError(f"the l grid gives fewer than 3 distinct n_steps ({steps}) at d={d}, T={T}: "
                         "increase d or T")
    ls = np.array([T * d ** gamma / n for n in steps])
    run_rngs = runs_rng.spawn(len(steps))
    points = []

    def one(i):
        n_steps = steps[i]
        run = run_hmc(potential, d, T / n_steps, n_steps, n_proposals, run_rngs[i], n_chains=n_chains,
                      n_keep=n_keep)
        c = _Chains(run.samples, run.accept_prob)
        if progress:
            print(f"  efficiency l={ls[i]:.3g} (n_steps={n_steps}): acceptance {c.stats()[0]:.3f}",
                  file=sys.stderr, flush=True)
        return c, n_steps

    if jobs > 1:  # the leapfrog kernel releases the GIL; each l has its own seed
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            chains = list(pool.map(one, range(len(steps))))
    else:
        chains = [one(i) for i in range(len(steps))]
    boot_rng = boot_seed
    boots = []  # (n_boot, n_l, 4)
    counts = boot_rng.multinomial(n_chains, np.full(n_chains, 1.0 / n_chains), size=(n_boot, ls.size))
    for b in range(n_boot):
        boots.append([np.array(c.stats(counts[b, j])) / np.array([1.0, n, n, n])
                      for j, (c, n) in enumerate(chains)])
    boots = np.array(boots)
    values = np.array([np.array(c.stats()) / np.array([1.0, n, n, n]) for c, n in chains])
    ses = np.nanstd(boots, axis=0, ddof=1)
    for j, (c, n) in enumerate(chains):
        l_eff = T / n * d ** gamma
        points.append(EfficiencyPoint(float(ls[j]), float(l_eff), float(T / n), int(n),
                                      *(Estimate(float(values[j, q]), float(ses[j, q]), n=n_chains) for q in range(4))))
    optima = {}
    for q, name in ((1, "ess_x"), (2, "ess_x2"), (3, "esjd")):
        a_star, l_star, edge = _fit_argmax(values[:, 0], values[:, q], ls)
        draws = np.array([_fit_argmax(boots[b, :, 0], boots[b, :, q], ls)[:2] for b in range(n_boot)
                          if np.all(np.isfinite(boots[b, :, q]))])
        lo, hi = np.quantile(draws[:, 0], [0.025, 0.975])
        llo, lhi = np.quantile(draws[:, 1], [0.025, 0.975])
        optima[name] = Optimum(name, Estimate(a_star, float(draws[:, 0].std(ddof=1)), float(lo), float(hi), 0.95,
                                              n_chains),
                               Estimate(l_star, float(draws[:, 1].std(ddof=1)), float(llo), float(lhi), 0.95,
                                        n_chains), bool(edge))
    seed_value = int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None
    return EfficiencyCurve(potential.config(), d, gamma, T, n_chains, n_proposals, n_keep, points, optima, seed_value)
