"""Statistical summaries every measurement reports: means with standard errors, bootstrap
intervals, and power-law (log-log) fits with bootstrap intervals for the exponent.

A measurement is never a bare number: `Estimate` carries its standard error and, where a
bootstrap was run, a percentile interval (Efron & Tibshirani, An Introduction to the
Bootstrap, 1993, ch. 13).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from relu_hmc.numerics.validation import rng_from


@dataclass(frozen=True)
class Estimate:
    """value ± se, with an optional (lo, hi) interval at confidence `level`."""

    value: float
    se: float
    lo: float | None = None
    hi: float | None = None
    level: float | None = None
    n: int | None = None

    def as_dict(self) -> dict:
        return {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in asdict(self).items()}

    def __str__(self) -> str:
        text = f"{self.value:.6g} ± {self.se:.2g}"
        if self.lo is not None:
            text += f" [{self.lo:.6g}, {self.hi:.6g}]"
        return text


def mean_estimate(x) -> Estimate:
    """Sample mean with standard error s / sqrt(n) (independent draws)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.size < 2:
        raise ValueError("a standard error needs at least 2 draws")
    return Estimate(float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size)), n=int(x.size))


def variance_estimate(x) -> Estimate:
    """Unbiased sample variance with its delta-method standard error
    se^2 = (m4 - (n-3)/(n-1) s^4) / n, m4 the fourth central moment."""
    x = np.asarray(x, dtype=np.float64).ravel()
    n = x.size
    if n < 4:
        raise ValueError("a variance standard error needs at least 4 draws")
    centred = x - x.mean()
    s2 = float(centred @ centred / (n - 1))
    m4 = float(np.mean(centred ** 4))
    se2 = max(m4 - (n - 3) / (n - 1) * s2 * s2, 0.0) / n
    return Estimate(s2, float(np.sqrt(se2)), n=n)


def bootstrap_estimate(x, statistic: Callable[[np.ndarray], float], seed, *, n_boot: int = 1000,
                       level: float = 0.95) -> Estimate:
    """statistic(x) with a percentile-bootstrap interval and the bootstrap standard error.

    Resamples the first axis of x (rows are independent units)."""
    x = np.asarray(x)
    if x.shape[0] < 2:
        raise ValueError("a bootstrap needs at least 2 independent units")
    rng = rng_from(seed)
    value = float(statistic(x))
    draws = np.array([statistic(x[rng.integers(0, x.shape[0], x.shape[0])]) for _ in range(n_boot)])
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return Estimate(value, float(draws.std(ddof=1)), float(lo), float(hi), level, int(x.shape[0]))


def fit_power_law(x, y, *, y_samples=None, seed=0, n_boot: int = 1000, level: float = 0.95) -> Estimate:
    """Exponent k of y ≈ C x^k by least squares on (log x, log |y|), with a bootstrap interval.

    With `y_samples` (a list, one array of independent replicate values per x) the
    bootstrap resamples replicates within each x and refits (the interval then reflects the
    Monte Carlo error of every point); the point estimate uses y = mean |replicates| unless
    y is given. Without replicates it resamples the (x, y) pairs.
    """
    x = np.asarray(x, dtype=np.float64)
    if np.any(x <= 0):
        raise ValueError("x must be > 0 for a log-log fit")
    rng = rng_from(seed)
    log_x = np.log(x)

    def slope(values) -> float:
        return float(np.polyfit(log_x, np.log(values), 1)[0])

    if y_samples is not None:
        samples = [np.abs(np.asarray(s, dtype=np.float64).ravel()) for s in y_samples]
        y = np.array([s.mean() for s in samples]) if y is None else np.abs(np.asarray(y, dtype=np.float64))
        value = slope(y)
        draws = np.array([slope([s[rng.integers(0, s.size, s.size)].mean() for s in samples])
                          for _ in range(n_boot)])
        n = sum(s.size for s in samples)
    else:
        y = np.abs(np.asarray(y, dtype=np.float64))
        value = slope(y)
        idx = [rng.integers(0, x.size, x.size) for _ in range(n_boot)]
        draws = np.array([float(np.polyfit(log_x[i], np.log(y[i]), 1)[0]) for i in idx
                          if np.unique(i).size > 1])
        n = int(x.size)
    if np.any(y <= 0):
        raise ValueError("y must be non-zero for a log-log fit")
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return Estimate(value, float(draws.std(ddof=1)), float(lo), float(hi), level, n)
