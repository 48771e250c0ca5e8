"""The order k of an error that scales as E|err| ~ eps^k, from errors measured at the same
points on a halving ladder of step sizes (the estimator behind `numerics.audit` and the
integrator claims).

`energy_error_order`: the log-log slopes of the mean |err| between consecutive step sizes;
the order is (method "half_grid", the audit's and the integrator claims') the least-squares
slope over the finest `HALF_GRID_POINTS` rungs with the generic truncation bound
`estimators.half_grid_truncation_slack` (one correction term a eps^r, r >= 1; the bound the
order claims use), or (method "richardson") the finest pair slope Richardson-extrapolated
(2 s_fine - s_next, removing an O(eps) drift of the local slope) with a drift estimate as its
systematic, or, for errors whose phase changes erratically with eps, fitted by regression over
the whole ladder (method "fit"); its standard error comes from a paired bootstrap over the points
(`estimators.bootstrap_estimate`), and the remaining truncation error is bounded separately
(``OrderMeasurement.systematic``, with its own SE).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from relu_hmc.numerics.estimators import (Estimate, bootstrap_estimate, half_grid_curvature, half_grid_truncation_slack,
                                          log_slope, richardson)
from relu_hmc.numerics.validation import rng_from

#: Rungs (the finest of the ladder) the "half_grid" method fits. On the audit's ratio-2 ladders
#: the coarse rungs are pre-asymptotic on the quartic (local slopes 2.89, 2.97 at eps >= 0.1
#: against 3.00 below), which a one-correction-term bound over the whole ladder cannot absorb
#: within the 0.1 resolution (tolerances up to 0.21); and at the fine end the paired errors are
#: nearly proportional, so the finest 3 rungs give the smallest SE (largest tolerance over nine
#: seeds and eight integrators 0.086, against 0.15 with the finest 4). All rungs are still
#: measured and reported (pair slopes).
HALF_GRID_POINTS = 3

#: float64 spacing at 1 (2^-52).
ULP = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class OrderMeasurement:
    """Exponent k of E|dH| ~ eps^k.

    ``estimate``: the order by the chosen method of `energy_error_order` (half-grid
    least-squares slope, Richardson-extrapolated finest pair slope, or regression over the
    ladder), with its paired-bootstrap standard error (``se``) and 95% percentile interval;
    ``systematic``: the method's bound on the remaining truncation error of that estimate;
    ``systematic_se``: its own SE (delta method for "half_grid", paired bootstrap otherwise);
    ``allowance`` = systematic + systematic_se, the bound a check adds to z SE;
    ``eps``: the ladder (decreasing); ``mean_abs_error`` / ``mean_abs_error_se``: E|dH| per eps;
    ``pair_slopes``: log-log slopes between consecutive step sizes (coarse to fine);
    ``roundoff_limited``: True if E|dH| at the finest eps is within ``floor`` = 100x the rounding
    error of an energy difference (the slope then measures rounding, not the method).
    """

    estimate: Estimate
    systematic: float
    eps: tuple[float, ...]
    mean_abs_error: tuple[float, ...]
    mean_abs_error_se: tuple[float, ...]
    pair_slopes: tuple[float, ...]
    roundoff_limited: bool = False
    floor: float = math.nan
    systematic_se: float = math.nan

    @property
    def allowance(self) -> float:
        """systematic + its own bootstrap SE: the truncation allowance a check may add to z SE."""
        return self.systematic + self.systematic_se

    @property
    def below_rounding(self) -> bool:
        """E|dH| at rounding level at every eps: the step is exact to rounding on this test."""
        return bool(self.roundoff_limited and max(self.mean_abs_error) <= self.floor)

    @property
    def value(self) -> float:
        return self.estimate.value

    def as_dict(self) -> dict:
        return {
            "order": self.estimate.as_dict(), "systematic": self.systematic, "systematic_se": self.systematic_se,
            "eps": list(self.eps),
            "mean_abs_error": list(self.mean_abs_error), "mean_abs_error_se": list(self.mean_abs_error_se),
            "pair_slopes": list(self.pair_slopes), "roundoff_limited": self.roundoff_limited,
            "below_rounding": self.below_rounding,
        }


def _pair_slopes(mean_abs: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """Log-log slope of each consecutive pair of step sizes (nan where a mean is zero)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.array([log_slope(eps[i:i + 2], mean_abs[i:i + 2]) for i in range(eps.size - 1)])


def _extrapolated_slope(mean_abs: np.ndarray, eps: np.ndarray, shift: int = 0) -> float:
    """The finest pair slope (shift = 0, or `shift` pairs coarser) Richardson-extrapolated
    with the next-coarser one, removing an O(eps) drift of the local slope (on a halving
    ladder: 2 s_k - s_{k-1})."""
    s = _pair_slopes(mean_abs, eps)
    last = s.size - 1 - shift
    pair_eps = np.sqrt(eps[:-1] * eps[1:])  # each pair slope belongs to its pair's geometric mean
    return float(richardson(pair_eps[last - 1:last + 1], s[last - 1:last + 1], [1]).value)


def energy_error_order(errors: np.ndarray, eps, seed, *, energy_scale: float = 1.0, method: str = "richardson",
                       n_boot: int = 400) -> OrderMeasurement:
    """The order k of E|dH| ~ eps^k from errors (n_points, n_eps) on a halving ladder eps
    (n_eps >= 5; the same points at every eps). Every method's k carries a paired-bootstrap SE
    over the points (`estimators.bootstrap_estimate`), and a truncation bound ``systematic``
    with its own SE ``systematic_se`` (``OrderMeasurement.allowance`` = their sum).

    method "half_grid" (the audit's and the integrator global-order claims'): k = the least-squares
    slope of log E|dH| on log eps over the finest `HALF_GRID_POINTS` rungs; systematic =
    `estimators.half_grid_truncation_slack` of those rungs, a bound on |k - asymptotic order|
    if log E|dH| = log C + k log eps + a eps^r with one correction term, r >= 1 (|curvature|
    x max(1, f(1)), 1.5 on 3 rungs of ratio 2), with its delta-method SE from the paired
    half-grid curvature (`estimators.half_grid_curvature` with the draws).
    method "richardson" (errors that are smooth functions of eps: smooth potentials, crossing
    steps at a fixed phase): k = 2 s_fine - s_next from the finest pair slopes; systematic =
    max(|k - k_next|, |s_fine - s_next|): k_next is the same extrapolation one pair coarser
    (an O(eps^2) remainder shrinks 4x per halving, so asymptotically k's error is a third of
    that difference), and the correction the extrapolation applies, |k - s_fine| =
    |s_fine - s_next|, bounds its error when the slope converges monotonically but not like
    a power series (E|dH| over points where the eps^3 coefficient changes sign has
    non-analytic eps^2 log eps terms: on the Gaussian the first difference alone is exceeded).
    method "fit" (global errors on kinked potentials: sums of crossing terms whose phases
    change erratically with eps, so pair slopes are noisy): k from the regression
    log E|dH| = c + k log eps + b eps over the whole ladder (the b term absorbs an O(eps)
    relative correction, E|dH| = A eps^k (1 + (B/A) eps + ...)); systematic = the change of k when
    the coarsest step size is dropped (it contains noise as well, so it errs on the wide side).
    For these two methods systematic_se is the paired-bootstrap SE of the systematic (the same
    statistic on resampled rows). If a mean |err| is zero the order is nan (roundoff_limited).
    """
    if method not in ("richardson", "fit", "half_grid"):
        raise ValueError(f"method must be 'richardson', 'fit' or 'half_grid', got {method!r}")
    errors = np.abs(np.asarray(errors, dtype=np.float64))
    eps = np.asarray(eps, dtype=np.float64)
    if errors.ndim != 2 or errors.shape[1] != eps.size or eps.size < 5:
        raise ValueError("an order needs errors of shape (n_points, n_eps) with n_eps >= 5")
    order = np.argsort(-eps)  # coarse to fine
    errors, eps = errors[:, order], eps[order]
    mean_abs = errors.mean(axis=0)
    se_abs = errors.std(axis=0, ddof=1) / math.sqrt(errors.shape[0])
    floor = 100.0 * ULP * max(energy_scale, 1.0)
    roundoff_limited = bool(mean_abs[-1] <= floor)
    if np.any(mean_abs <= 0.0):
        nan = Estimate(math.nan, math.nan)
        return OrderMeasurement(nan, math.nan, tuple(eps), tuple(mean_abs), tuple(se_abs),
                                tuple(_pair_slopes(mean_abs, eps)), True, floor)

    if method == "half_grid":
        fine = slice(eps.size - HALF_GRID_POINTS, None)
        m = _half_grid_order(errors[:, fine], eps[fine], rng_from(seed), n_boot)
        return OrderMeasurement(m.estimate, m.systematic, tuple(eps), tuple(mean_abs), tuple(se_abs),
                                tuple(float(s) for s in _pair_slopes(mean_abs, eps)), roundoff_limited, floor,
                                m.systematic_se)
    if method == "richardson":
        def slope(m):
            return _extrapolated_slope(m, eps)

        def truncation(m):
            pairs = _pair_slopes(m, eps)
            return max(abs(slope(m) - _extrapolated_slope(m, eps, 1)), abs(pairs[-1] - pairs[-2]))
    else:
        def slope(m):
            return log_slope(eps, m, corrections=(1,))

        def truncation(m):
            return abs(slope(m) - log_slope(eps[1:], m[1:], corrections=(1,)))

    def of_means(function):
        def statistic(rows: np.ndarray) -> float:
            m = rows.mean(axis=0)
            return function(m) if np.all(m > 0) else math.nan
        return statistic

    rng = rng_from(seed)
    estimate = bootstrap_estimate(errors, of_means(slope), rng, n_boot=n_boot)
    # the systematic estimate's own error: its bootstrap SE over the same rows (a spawned
    # stream, so the caller's generator advances exactly as before)
    systematic = bootstrap_estimate(errors, of_means(truncation), rng.spawn(1)[0], n_boot=n_boot)
    return OrderMeasurement(estimate, systematic.value, tuple(eps), tuple(mean_abs), tuple(se_abs),
                            tuple(float(s) for s in _pair_slopes(mean_abs, eps)), roundoff_limited, floor,
                            systematic.se)


def _half_grid_order(errors, eps, rng, n_boot) -> OrderMeasurement:
    """k = the least-squares slope of log E|dH| on log eps over these rungs (paired bootstrap SE);
    systematic = `estimators.half_grid_truncation_slack` (one correction term a eps^r with r >= 1,
    the weakest power of an eps series: the bound the order claims use), with its own
    delta-method SE from the paired half-grid curvature."""
    def slope(rows: np.ndarray) -> float:
        m = rows.mean(axis=0)
        return log_slope(eps, m) if np.all(m > 0) else math.nan

    mean_abs = errors.mean(axis=0)
    estimate = bootstrap_estimate(errors, slope, rng, n_boot=n_boot)
    slack = half_grid_truncation_slack(eps, half_grid_curvature(eps, mean_abs, draws=errors), 1.0)
    return OrderMeasurement(estimate, slack.value, tuple(eps), tuple(mean_abs), (), (), False, math.nan, slack.se)
