"""Plain-NumPy samplers for the limit laws of RWM, MALA and L-step HMC (any splitting) on
product targets prod_i pi(x_i), from stationarity, seeded (theory/ is not imported here).

A proposal's log acceptance ratio on a product target is dH = sum_i dh_i with independent
per-coordinate terms dh_i, so every measurement draws per-coordinate terms:

- RWM: y = x + s Z, dh = u(y) - u(x) (Roberts, Gelman & Gilks 1997);
- MALA: one leapfrog step of size eps from (x, p), p ~ N(0, 1), dh = H(end) - H(start); the
  MALA ratio pi(y) q(y, x) / (pi(x) q(x, y)) with y = x - eps^2/2 u'(x) + eps p equals
  exp(-dh) exactly (Roberts & Rosenthal 1998, sec. 1);
- HMC with L steps of a splitting (relu_hmc.splittings), kicks k_j, drifts d_j.

Targets (JSON-able names for the suite's tasks): "gaussian" (u = x^2/2), "laplace" (u = |x|),
"uniform" (u = 0 on [0, 1], hard walls: a move outside is rejected, dh = +inf), or a dict
{"u": callable, "du": callable, "support": (lo, hi) | None, "kinks": [...]} for user potentials.
Acceptance probabilities: numerics.estimators.acceptance_probability (inf -> rejected).
"""
from __future__ import annotations

import math

import numpy as np

from relu_hmc.numerics.estimators import (Estimate, acceptance_probability, bootstrap_estimate, half_grid_slopes,
                                          power_law_exponent)
from relu_hmc.numerics.validation import check_positive, rng_from
from relu_hmc.splittings import resolve

ALGORITHMS = ("rwm", "mala", "hmc")
_CHUNK = 1 << 21  # per-coordinate draws held at once


class Target:
    """u, u' (vectorised), exact stationary sampler, support (lo, hi) or None."""

    def __init__(self, u, du, sample, support=None):
        self.u, self.du, self.sample, self.support = u, du, sample, support

    def outside(self, x):
        if self.support is None:
            return np.zeros(np.shape(x), dtype=bool)
        return (x < self.support[0]) | (x > self.support[1])


def target(spec) -> Target:
    """A Target from a name (module docstring) or a dict of callables."""
    if isinstance(spec, str):
        if spec == "gaussian":
            return Target(lambda x: 0.5 * x * x, lambda x: x, lambda rng, shape: rng.standard_normal(shape))
        if spec == "laplace":
            return Target(np.abs, np.sign, lambda rng, shape: rng.laplace(0.0, 1.0, shape))
        if spec == "uniform":
            return Target(np.zeros_like, np.zeros_like, lambda rng, shape: rng.random(shape), (0.0, 1.0))
        raise ValueError(f"unknown target {spec!r}; known: gaussian, laplace, uniform, or a dict of callables")
    if isinstance(spec, dict) and callable(spec.get("u")) and callable(spec.get("du")):
        from relu_hmc.numerics.potentials import TabulatedSampler

        support = spec.get("support")
        u, du = spec["u"], spec["du"]
        if support is None:
            sampler = TabulatedSampler(u, breakpoints=spec.get("kinks", ()))
        else:  # the density is zero outside: a steep finite level there keeps the table finite
            lo, hi = support
            walled = lambda x: np.where((x < lo) | (x > hi), 1e3, u(np.clip(x, lo, hi)))  # noqa: E731
            sampler = TabulatedSampler(walled, breakpoints=[lo, hi, *spec.get("kinks", ())])
        return Target(u, du, lambda rng, shape: sampler.sample(rng, shape), support)
    raise ValueError(f"target must be a name or a dict with callables u and du, got {spec!r}")


def coordinate_errors(tgt: Target, algorithm: str, x, noise, step: float, *, splitting="leapfrog",
                      n_steps: int = 1) -> np.ndarray:
    """Per-coordinate dh (same shape as x) for one proposal of `algorithm` with step `step`
    (RWM: proposal sd; MALA/HMC: leapfrog/splitting step eps) from x with noise (Z or p)."""
    if algorithm == "rwm":
        y = x + step * noise
        dh = tgt.u(y) - tgt.u(x)
        return np.where(tgt.outside(y), np.inf, dh)
    if algorithm not in ("mala", "hmc"):
        raise ValueError(f"unknown algorithm {algorithm!r}; choose one of {', '.join(ALGORITHMS)}")
    split = resolve("leapfrog" if algorithm == "mala" else splitting)
    kicks, drifts = split.kick_values, split.drift_values
    q, p = np.array(x, dtype=np.float64), np.array(noise, dtype=np.float64)
    for _ in range(1 if algorithm == "mala" else n_steps):
        for i, k in enumerate(kicks):
            if k != 0.0:
                p -= k * step * tgt.du(q)
            if i < len(drifts):
                q += drifts[i] * step * p
    dh = tgt.u(q) + 0.5 * p * p - tgt.u(x) - 0.5 * noise * noise
    return np.where(tgt.outside(q), np.inf, dh)


def _chunks(n: int, width: int):
    rows = max(1, _CHUNK // max(width, 1))
    for start in range(0, n, rows):
        yield min(rows, n - start)


def acceptance_matrix(tgt: Target, algorithm: str, d: int, steps, n: int, seed, **kwargs) -> np.ndarray:
    """(n, len(steps)) acceptance probabilities min(1, exp(-sum_i dh_i)) of n stationary
    proposals in dimension d, with common random numbers across the steps."""
    rng = rng_from(seed)
    out = []
    for rows in _chunks(n, d):
        x = tgt.sample(rng, (rows, d))
        noise = rng.standard_normal((rows, d))
        out.append(np.column_stack([acceptance_probability(coordinate_errors(tgt, algorithm, x, noise, s, **kwargs)
                                                           .sum(axis=1)) for s in steps]))
    return np.vstack(out)


def _optimum(l, means, m):
    """(l*, a(l*)): argmax of l^m a(l) on the grid, refined by a parabola in log l through the
    best point and its neighbours; a(l*) by linear interpolation in log l."""
    log_l = np.log(l)
    eff = m * log_l + np.log(np.maximum(means, 1e-300))
    i = int(np.clip(np.argmax(eff), 1, len(l) - 2))
    x0, x1, x2 = log_l[i - 1:i + 2]
    y0, y1, y2 = eff[i - 1:i + 2]
    denom = (x0 - x1) * (x0 - x2) * (x1 - x2)
    a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / denom
    b = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / denom
    x_star = float(np.clip(-b / (2 * a), x0, x2)) if a < 0 else float(log_l[i])
    return math.exp(x_star), float(np.interp(x_star, log_l, means))


def acceptance_curve(target_spec, algorithm: str, d: int, l_values, gamma: float, n: int, seed, *,
                     m: int = 2, splitting: str = "leapfrog", n_steps: int = 1, n_boot: int = 400) -> dict:
    """Acceptance at step = l d^(-gamma) for each l (mean ± SE over n stationary proposals) and
    the measured optimum: the l maximising l^m a(l) on the grid (`_optimum`) and the acceptance
    there, with bootstrap SEs over proposals (rows resampled jointly: the curve is paired)."""
    d = int(d)
    gamma = check_positive("gamma", gamma)
    l = np.asarray(l_values, dtype=np.float64)
    if l.ndim != 1 or l.size < 3 or np.any(l <= 0) or np.any(np.diff(l) <= 0):
        raise ValueError("l_values must be at least 3 increasing positive numbers")
    tgt = target(target_spec)
    A = acceptance_matrix(tgt, algorithm, d, l * d ** (-gamma), n, seed, splitting=splitting, n_steps=n_steps)
    means = A.mean(axis=0)
    ses = A.std(axis=0, ddof=1) / math.sqrt(A.shape[0])
    boot_seed = rng_from(seed).integers(2**31) if isinstance(seed, (int, np.integer)) else seed
    l_star = bootstrap_estimate(A, lambda rows: _optimum(l, rows.mean(axis=0), m)[0], boot_seed, n_boot=n_boot)
    a_star = bootstrap_estimate(A, lambda rows: _optimum(l, rows.mean(axis=0), m)[1], boot_seed, n_boot=n_boot)
    return {"d": d, "gamma": gamma, "m": m, "algorithm": algorithm, "l": l.tolist(),
            "acceptance": [{"value": float(v), "se": float(s)} for v, s in zip(means, ses)],
            "optimal_l": l_star.as_dict(), "optimal_acceptance": a_star.as_dict(), "n": int(A.shape[0])}


def error_exponent(target_spec, algorithm: str, steps, n: int, seed, *, statistic: str = "square",
                   splitting: str = "leapfrog", n_steps: int = 1, n_boot: int = 200) -> dict:
    """Exponent of E[dh^2] ("square": 2k, Var(dh) ~ step^(2k)) or of P(dh = inf) ("exit": walls)
    in the step, from n paired stationary per-coordinate draws (numerics.estimators.power_law_exponent),
    with the half-grid slopes (their difference: curvature of the log-log curve on the grid)."""
    steps = np.asarray(steps, dtype=np.float64)
    tgt = target(target_spec)
    rng = rng_from(seed)
    x = tgt.sample(rng, (n,))
    noise = rng.standard_normal(n)
    columns = []
    for s in steps:
        dh = coordinate_errors(tgt, algorithm, x, noise, float(s), splitting=splitting, n_steps=n_steps)
        columns.append(np.isinf(dh).astype(np.float64) if statistic == "exit" else np.where(np.isfinite(dh), dh, 0.0) ** 2)
    draws = np.column_stack(columns)
    exponent: Estimate = power_law_exponent(steps, draws, rng.integers(2**31), n_boot=n_boot)
    means = draws.mean(axis=0)
    small, large = half_grid_slopes(steps, means)
    return {"steps": steps.tolist(), "statistic": statistic, "exponent": exponent.as_dict(),
            "means": means.tolist(), "mean_ses": (draws.std(axis=0, ddof=1) / math.sqrt(n)).tolist(),
            "half_grid_slopes": [small, large], "n": int(n)}


__all__ = ["target", "coordinate_errors", "acceptance_matrix", "acceptance_curve", "error_exponent"]
