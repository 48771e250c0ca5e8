"""The estimators every measurement uses, each written once.

- `Estimate`: value ± standard error, with an optional bootstrap interval; a measurement is
  never a bare number (Efron & Tibshirani, An Introduction to the Bootstrap, 1993, ch. 13).
- `mean_estimate`, `variance_estimate`, `bootstrap_estimate`: summaries of i.i.d. draws.
- `log_slope`: THE least-squares slope of log|y| on log x (optionally with correction terms
  x^p); every unweighted slope here and in the callers is this one.
- `column_means_bootstrap`: a paired bootstrap of any statistic of column means.
- `power_law_exponent`: the slope k of log E|Y(x)| ~ log C + k log x with a bootstrap
  interval, for paired draws (the same draws at every x) or independent draws per x;
  `weighted_log_slope` for points that already carry standard errors;
  `half_grid_slopes`: the slopes over the fine and coarse halves of the grid (their
  difference shows the finite-x curvature); `half_grid_curvature`: that difference with its
  delta-method SE (independent or paired means); `half_grid_truncation_slack`: the bound it
  implies on |full-grid slope - exponent| under one correction term a x^r, with its own SE.
- `richardson`: Richardson extrapolation to h -> 0 over any grid and any list of error
  powers, with a remainder bound that carries its own error estimate; `richardson_weights`:
  the linear weights it applies (to propagate standard errors).
- `acceptance_probability`: min(1, exp(-dH)) with one rule for non-finite dH (a diverged
  trajectory is rejected).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
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


# --------------------------------------------------------------------------------------------
# log-log slopes


def log_slope(x, y, corrections=()) -> np.ndarray | float:
    """Least-squares slope k of log|y| = c + k log x + sum_j b_j x^(p_j), p_j in
    ``corrections`` (none: the plain log-log slope; e.g. (1,) absorbs an O(x) relative
    correction y = A x^k (1 + B x + ...)). y is (n_x,) or (n_x, m): one slope per column."""
    x = np.asarray(x, dtype=np.float64)
    log_y = np.log(np.abs(np.asarray(y, dtype=np.float64)))
    if x.ndim != 1 or log_y.shape[:1] != x.shape or x.size < 2 + len(corrections) or np.any(x <= 0):
        raise ValueError(f"a log-log slope needs >= {2 + len(corrections)} x > 0, one value (row) per x")
    log_x = np.log(x)
    if not corrections:
        xc = log_x - log_x.mean()
        slope = (xc @ (log_y - log_y.mean(axis=0))) / (xc @ xc)
    else:
        design = np.column_stack([np.ones_like(log_x), log_x] + [x ** float(p) for p in corrections])
        slope = np.linalg.lstsq(design, log_y, rcond=None)[0][1]
    return float(slope) if np.ndim(slope) == 0 else slope


def column_means_bootstrap(draws, statistic: Callable[[np.ndarray], np.ndarray], seed, *, n_boot: int = 1000,
                           level: float = 0.95) -> Estimate:
    """statistic(column means of draws) with a paired bootstrap: rows (independent units, the
    same unit in every column) are resampled jointly by multinomial weights, which keeps the
    correlation between columns. ``statistic`` maps means of shape (n_cols,) to a number
    and (n_cols, n_boot) to n_boot numbers. Percentile interval at ``level``; se = bootstrap
    standard deviation (Efron & Tibshirani 1993, ch. 6 and 13)."""
    draws = np.asarray(draws, dtype=np.float64)
    if draws.ndim != 2 or draws.shape[0] < 2:
        raise ValueError(f"paired draws must have shape (n >= 2, n_cols), got {draws.shape}")
    n = draws.shape[0]
    weights = rng_from(seed).multinomial(n, np.full(n, 1.0 / n), size=n_boot) / n  # (n_boot, n)
    values = np.asarray(statistic((weights @ draws).T), dtype=np.float64)
    lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return Estimate(float(statistic(draws.mean(axis=0))), float(values.std(ddof=1)), float(lo), float(hi),
                    level, int(n))


def power_law_exponent(x, draws, seed, *, n_boot: int = 1000, level: float = 0.95) -> Estimate:
    """Exponent k of E|Y(x)| ≈ C x^k: least squares on (log x, log mean|Y|), bootstrap interval.

    ``draws`` is either a 2D array (n_draws, len(x)) of paired draws (the same random
    starts at every x: rows are resampled jointly, which keeps the strong positive
    correlation between the points and so the small slope error), or a sequence of 1D arrays,
    one per x, of independent draws (each resampled on its own). The standard error is the
    bootstrap standard deviation, the interval the percentile interval at ``level``.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size < 2 or np.any(x <= 0) or np.unique(x).size != x.size:
        raise ValueError("a power-law exponent needs at least 2 distinct x > 0")
    tiny = np.finfo(float).tiny

    def slope_of_means(means):
        return log_slope(x, np.maximum(means, tiny))

    if isinstance(draws, np.ndarray) and draws.ndim == 2:
        absolute = np.abs(np.asarray(draws, dtype=np.float64))
        if absolute.shape[1] != x.size or absolute.shape[0] < 2:
            raise ValueError(f"paired draws must have shape (n >= 2, {x.size}), got {absolute.shape}")
        if np.any(absolute.mean(axis=0) <= 0):
            raise ValueError("mean |Y| is zero at some x: no power law to fit")
        return column_means_bootstrap(absolute, slope_of_means, seed, n_boot=n_boot, level=level)
    samples = [np.abs(np.asarray(s, dtype=np.float64).ravel()) for s in draws]
    if len(samples) != x.size or min(s.size for s in samples) < 2:
        raise ValueError(f"need {x.size} arrays of at least 2 independent draws, one per x")
    mean = np.array([s.mean() for s in samples])
    if np.any(mean <= 0):
        raise ValueError("mean |Y| is zero at some x: no power law to fit")
    rng = rng_from(seed)
    boot_means = np.array([[s[rng.integers(0, s.size, s.size)].mean() for _ in range(n_boot)] for s in samples])
    slopes = slope_of_means(boot_means)
    lo, hi = np.quantile(slopes, [(1 - level) / 2, (1 + level) / 2])
    return Estimate(slope_of_means(mean), float(slopes.std(ddof=1)), float(lo), float(hi), level,
                    int(sum(s.size for s in samples)))


def weighted_log_slope(x, values, ses) -> Estimate:
    """Slope of log v against log x by weighted least squares, weights (v / se)^2 (the inverse
    variances of log v by the delta method), with the slope's standard error
    1 / sqrt(sum w (log x - mean_w log x)^2) (independent points)."""
    x, v, se = (np.asarray(a, dtype=np.float64) for a in (x, values, ses))
    if x.size < 2 or np.any(x <= 0) or np.any(v <= 0) or np.any(se <= 0):
        raise ValueError("a weighted log-log slope needs at least 2 points with x > 0, v > 0, se > 0")
    w = (v / se) ** 2
    lx, ly = np.log(x), np.log(v)
    mx = np.sum(w * lx) / np.sum(w)
    sxx = np.sum(w * (lx - mx) ** 2)
    slope = float(np.sum(w * (lx - mx) * ly) / sxx)
    return Estimate(slope, float(1.0 / np.sqrt(sxx)), n=int(x.size))


def half_grid_slopes(x, y) -> tuple[float, float]:
    """(slope over the smaller-x half, slope over the larger-x half) of log|y| against log x;
    the halves share the middle point when the count is odd. Their difference is the
    curvature of log|y| in log x on the grid: zero for an exact power law."""
    x, y = np.asarray(x, dtype=np.float64), np.abs(np.asarray(y, dtype=np.float64))
    if x.size < 3:
        raise ValueError("half-grid slopes need at least 3 points")
    order = np.argsort(x)
    half = (x.size + 1) // 2
    small, large = order[:half], order[-half:]
    return log_slope(x[small], y[small]), log_slope(x[large], y[large])


def _half_grid_weights(x: np.ndarray) -> np.ndarray:
    """w with slope(larger-x half) - slope(smaller-x half) = w @ log|y| (both slopes are linear
    in log|y|; the shared middle point of an odd grid gets both of its coefficients)."""
    order = np.argsort(x)
    half = (x.size + 1) // 2
    w = np.zeros(x.size)
    for sign, idx in ((-1.0, order[:half]), (1.0, order[-half:])):
        lx = np.log(x[idx])
        xc = lx - lx.mean()
        w[idx] += sign * xc / (xc @ xc)
    return w


def half_grid_curvature(x, means, *, ses=None, draws=None) -> Estimate:
    """curvature = slope(larger-x half) - slope(smaller-x half) of log|mean| against log x
    (`half_grid_slopes`), with its delta-method standard error.

    curvature = w @ log m is linear in log m, so Var = w^T C w with C_ij = Cov(m_i, m_j) /
    (m_i m_j): from ``ses`` (independent means at each x, C diagonal, C_ii = (se_i/m_i)^2), or
    from ``draws`` (n, n_x), the same draws at every x (paired), where C_ij =
    cov(|d_i|, |d_j|) / (n m_i m_j) keeps the positive correlation that makes the paired
    curvature much sharper than independent points would be."""
    x = np.asarray(x, dtype=np.float64)
    m = np.abs(np.asarray(means, dtype=np.float64))
    if x.ndim != 1 or x.size < 3 or m.shape != x.shape or np.any(x <= 0) or np.any(m <= 0):
        raise ValueError("a half-grid curvature needs >= 3 x > 0 and one positive mean per x")
    if (ses is None) == (draws is None):
        raise ValueError("give exactly one of ses (independent means) or draws (paired, (n, n_x))")
    w = _half_grid_weights(x)
    if ses is not None:
        se = np.asarray(ses, dtype=np.float64)
        if se.shape != x.shape or np.any(se < 0):
            raise ValueError("ses must be one non-negative standard error per x")
        variance, n = float(np.sum((w * se / m) ** 2)), int(x.size)
    else:
        absolute = np.abs(np.asarray(draws, dtype=np.float64))
        if absolute.ndim != 2 or absolute.shape[1] != x.size or absolute.shape[0] < 2:
            raise ValueError(f"draws must be (n >= 2, {x.size}): the same draws at every x")
        n = int(absolute.shape[0])
        g = w / m
        variance = float(g @ np.cov(absolute, rowvar=False) @ g) / n
    return Estimate(float(w @ np.log(m)), float(np.sqrt(max(variance, 0.0))), n=n)


def half_grid_truncation_slack(x, curvature: Estimate, correction_power: float = 1.0) -> Estimate:
    """Bound on |full-grid log-log slope - asymptotic exponent| from the half-grid curvature
    (`half_grid_curvature`), with its SE: slack = |curvature| F, SE = curvature SE x F.

    Model: log mean(x) = log C + k log x + a x^r, one correction term with r >= correction_power
    > 0. Every least-squares slope of log mean on log x is then k + a s, s = the LS slope of x^r
    on log x over the same points, so exactly bias(full grid) = a s_full and curvature =
    a (s_large - s_small): |bias| = |curvature| f(r), f(r) = s_full / (s_large - s_small). f
    decreases in r on a geometric grid (a larger r moves the correction into the coarse half),
    so F = max(1, f(correction_power)) bounds f(r) for every r >= correction_power; the max
    with 1 keeps at least the bare curvature (f(1) = 0.55 on 6 points of ratio 2, 1.5 on 3)."""
    x = np.asarray(x, dtype=np.float64)
    if not correction_power > 0:
        raise ValueError(f"correction_power must be > 0, got {correction_power}")
    if x.ndim != 1 or x.size < 3 or np.any(x <= 0):
        raise ValueError("a truncation slack needs >= 3 grid points x > 0")

    def slope_of_power(idx):  # LS slope of x^r (not its log) on log x over the points idx
        lx = np.log(x[idx])
        lc = lx - lx.mean()
        return float(lc @ x[idx] ** float(correction_power) / (lc @ lc))

    order = np.argsort(x)
    half = (x.size + 1) // 2
    spread = slope_of_power(order[-half:]) - slope_of_power(order[:half])
    factor = max(1.0, slope_of_power(order) / spread)
    return Estimate(abs(curvature.value) * factor, curvature.se * factor, n=curvature.n)


# --------------------------------------------------------------------------------------------
# Richardson extrapolation


@dataclass(frozen=True)
class Extrapolation:
    """lim_{h -> 0} A(h) from a Richardson table (`richardson`).

    value: the top entry of the table. remainder: |top - finest entry of the previous column|,
    the standard estimate of the truncation error left in the top entry (it is the size of
    the last term eliminated, so it over-estimates the top entry's error once the expansion
    is asymptotic). remainder_error: how far that estimate is from its own asymptotic
    prediction (the same estimate one level coarser, scaled by (h_fine / h_coarse)^p with p
    the last eliminated power); nan when the grid has no spare point. bound = remainder +
    remainder_error (2 x remainder without a spare point): the allowance a check may use.
    Arrays when A(h) is an array (extrapolated elementwise)."""

    value: np.ndarray | float
    remainder: np.ndarray | float
    remainder_error: np.ndarray | float
    bound: np.ndarray | float
    table: tuple = field(repr=False, default=())


def _richardson_table(h: np.ndarray, values: np.ndarray, powers) -> list[np.ndarray]:
    """Columns of the Richardson table on a geometric grid h (coarse to fine): column j removes
    h^powers[j-1] from column j-1, entry i from entries i and i + 1 of column j - 1.

    On a geometric grid the error left in entry i of column j - 1 is K h_i^p with the same K
    for every i, so c h^p cancels between a coarse A_a (step h_a) and a fine A_b (h_b) as
    (h_a^p A_b - h_b^p A_a) / (h_a^p - h_b^p)."""
    table = [values]
    shape = (-1,) + (1,) * (values.ndim - 1)
    for p in powers:
        prev = table[-1]
        ha = (h[: prev.shape[0] - 1] ** p).reshape(shape)
        hb = (h[1: prev.shape[0]] ** p).reshape(shape)
        table.append((ha * prev[1:] - hb * prev[:-1]) / (ha - hb))
    return table


def richardson(h, values, powers) -> Extrapolation:
    """Extrapolate A(h) = A + c_1 h^p_1 + c_2 h^p_2 + ... to h = 0 (Richardson, Phil. Trans.
    R. Soc. A 226, 1927; the general-ratio table as in Stoer & Bulirsch, Introduction to
    Numerical Analysis, sec. 3.5).

    h: distinct step sizes forming a geometric sequence (any order; sorted coarse to fine
    here; a single eliminated power allows any grid); values: A(h) along axis 0 (extra axes
    are extrapolated elementwise); powers: the exponents p_1 <= p_2 <= ... to eliminate, in
    order. A power given r times eliminates h^p, h^p log h, ..., h^p log^(r-1) h (on a
    geometric grid, where log h_i is linear in i: the confluent case of the table). Needs len(h) >= len(powers) + 1; one more point gives the remainder its own error
    estimate (see `Extrapolation`)."""
    h = np.asarray(h, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    powers = [float(p) for p in powers]
    if h.ndim != 1 or values.shape[:1] != h.shape:
        raise ValueError(f"values must have len(h) = {h.size} rows along axis 0, got shape {values.shape}")
    if not powers or np.any(np.diff(powers) < 0) or powers[0] <= 0:
        raise ValueError(f"powers must be increasing (non-decreasing) and > 0, got {powers}")
    if np.any(h <= 0) or np.unique(h).size != h.size:
        raise ValueError("step sizes must be distinct and > 0")
    if h.size < len(powers) + 1:
        raise ValueError(f"eliminating {len(powers)} powers needs at least {len(powers) + 1} step sizes, got {h.size}")
    order = np.argsort(-h)
    h, values = h[order], values[order]
    ratios = h[:-1] / h[1:]
    if len(powers) > 1 and not np.allclose(ratios, ratios[0], rtol=1e-9):
        raise ValueError(f"eliminating several powers needs a geometric grid (constant ratio), got {h.tolist()}")
    table = _richardson_table(h, values, powers)
    top, sub = table[-1], table[-2]
    value = top[-1]
    remainder = np.abs(top[-1] - sub[-1])
    if top.shape[0] >= 2:
        shrink = (h[-1] / h[-2]) ** powers[-1]
        remainder_error = np.abs(remainder - shrink * np.abs(top[-2] - sub[-2]))
        bound = remainder + remainder_error
    else:
        remainder_error = np.full_like(remainder, np.nan)
        bound = 2.0 * remainder
    scalar = values.ndim == 1
    pick = (lambda a: float(a)) if scalar else (lambda a: a)
    return Extrapolation(pick(value), pick(remainder), pick(remainder_error), pick(bound), tuple(table))


# --------------------------------------------------------------------------------------------
# Metropolis acceptance


def acceptance_probability(energy_error) -> np.ndarray:
    """min(1, exp(-dH)), the Metropolis-Hastings acceptance probability of a proposal with
    energy error dH (Duane, Kennedy, Pendleton & Roweth, Phys. Lett. B 195, 1987).

    One rule for non-finite dH: a trajectory whose dH is nan or +-inf diverged (overflow,
    a step beyond the stability limit) and is rejected, probability 0."""
    dh = np.asarray(energy_error, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(np.isfinite(dh), np.exp(-np.maximum(dh, 0.0)), 0.0)


def richardson_weights(h, powers) -> np.ndarray:
    """The weights w with richardson(h, values, powers).value == w @ values, in the order of h.

    The extrapolation is linear in the values, so w is the extrapolation of the unit vectors:
    the SE of the extrapolated value of independent estimates is sqrt(sum w_j^2 se_j^2), and if
    every A(h_j) is off by at most delta_j (round-off) the value is off by at most sum |w_j| delta_j."""
    h = np.asarray(h, dtype=np.float64)
    return np.asarray(richardson(h, np.eye(h.size), powers).value)


def stationary_acceptance_estimate(energy_error) -> Estimate:
    """E min(1, e^-dH) of proposals started in stationarity, by its conditional expectation
    given |dH|: the mean of 2 / (1 + e^|dH|), with SE s / sqrt(n) (independent proposals).

    For a proposal map that is volume preserving and reversible under a momentum flip F with
    H o F = H (leapfrog HMC, MALA, RWM with a symmetric increment), started from (q, p) ~
    e^-H exactly, the law of dH obeys the fluctuation relation p(-x) = e^-x p(x) (Crooks,
    J. Stat. Phys. 90, 1998; for HMC: Neal, Handbook of MCMC, 2011, sec. 5.3.2: E e^-dH = 1).
    Given |dH| = u, dH = u with probability 1 / (1 + e^-u) and -u with e^-u / (1 + e^-u), so
    E[min(1, e^-dH) | |dH| = u] = 2 e^-u / (1 + e^-u) = 2 / (1 + e^u): the same mean as
    `acceptance_probability`, with a smaller variance (Rao-Blackwell; about 4x smaller when dH
    is small). Not valid for non-stationary starts. Non-finite dH counts as rejected (0), the
    rule of `acceptance_probability`."""
    dh = np.asarray(energy_error, dtype=np.float64).ravel()
    with np.errstate(over="ignore", invalid="ignore"):
        conditional = np.where(np.isfinite(dh), 2.0 / (1.0 + np.exp(np.abs(dh))), 0.0)
    return mean_estimate(conditional)
