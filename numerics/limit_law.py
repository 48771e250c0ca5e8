"""The d -> infinity limit law of a proposal's log acceptance ratio on a product target, measured
in one dimension, and the optimal acceptance it implies. Derivation and error budget:
proofs_notes/optimal_acceptance.md, section "Measuring the limit law in 1D".

On a product target with iid stationary coordinates a d-dimensional proposal's log acceptance
ratio is dH = sum_i dh_i, the dh_i iid per-coordinate increments (numerics.limit_samplers:
RWM per-coordinate ratio, MALA one leapfrog step, HMC independent 1D trajectories; a hard wall
gives dh = +inf when the coordinate leaves the support). At step eps = l d^(-gamma):

- finite dh (Lindeberg CLT; Beskos et al., Bernoulli 19 (2013), Thm 3.6): dH -> N(mu(l), s2(l)),
  mu(l) = lim d kappa_1(eps), s2(l) = lim d kappa_2(eps). With kappa_2(eps) ~ C eps^p the limit
  is finite for gamma = 1/p and then s2(l) = C l^p, mu(l) = r s2(l), r = lim kappa_1/kappa_2;
- walls (Neal, Roberts & Yuen, AAP 22 (2012)): the number of exits -> Poisson(lambda l^p),
  P(exit) ~ lambda eps^p.

So everything the limit needs is a property of ONE coordinate as eps -> 0: the exponent p (the
limit of the local log-log slope of kappa_2, or of P(exit), between neighbouring eps of a
geometric ladder), the ratio r, and the constants C, lambda. Each is measured on the ladder
and extrapolated to eps -> 0 with `estimators.richardson` (remainder + its own error is the
allowance). The acceptance of N(mu, s2) is E min(1, e^-X) = Phi(-mu/s) + e^(s2/2 - mu) Phi(mu/s - s);
the optimum is the argmax over l of l^m a(l) (m = 1: HMC at fixed T, cost ~ 1/eps; m = 2:
RWM/MALA, squared jump ~ eps^2), which depends on (p, r) only (on p for walls: a* = e^(-m/p)).
Nothing here assumes p = 2k or r = 1/2: the measured optimum tests both.

kappa_1 is measured with the zero-mean control variate 1 - e^(-dh): E e^(-dh) = 1 per coordinate
for a volume-preserving reversible proposal (or a symmetric RWM proposal) from stationarity, the
identity that makes Metropolis correct, so E[dh - 1 + e^(-dh)] = kappa_1 with a variance
~ kappa_2^2 / 2 instead of kappa_2. What the measured r then tests is that the higher cumulants
vanish relative to kappa_2 (r = 1/2 - kappa_3/(6 kappa_2) + ...). Standard errors: delete-one-group
jackknife over independent groups of draws (common random numbers across the ladder, so the
ladder's points are correlated and the jackknife keeps that).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.stats import norm

from relu_hmc.numerics.estimators import richardson
from relu_hmc.numerics.limit_samplers import coordinate_errors, target
from relu_hmc.numerics.validation import check_count, rng_from

_CHUNK = 1 << 20  # per-coordinate draws held at once


def coordinate_ladder(target_spec, algorithm: str, steps, n: int, seed, *, n_steps=None, splitting: str = "leapfrog",
                      n_groups: int = 20) -> dict:
    """Per-group sums of the per-coordinate increments dh at each step of a ladder (common random
    numbers: the same stationary start and noise at every step). n_steps: the number of
    integration steps at each step (HMC at fixed T: T / eps); default 1.
    Returns, as (n_groups, len(steps)) lists: count, s1 = sum dh, s2 = sum dh^2,
    cv = sum (dh - 1 + e^(-dh)) over finite dh, exits = number of dh = +inf."""
    steps = [float(s) for s in steps]
    if len(steps) < 3 or any(s <= 0 for s in steps) or any(b >= a for a, b in zip(steps, steps[1:])):
        raise ValueError(f"the ladder needs at least 3 decreasing positive steps, got {steps}")
    n_steps = [1] * len(steps) if n_steps is None else [check_count("n_steps", L) for L in n_steps]
    if len(n_steps) != len(steps):
        raise ValueError(f"n_steps needs one entry per step ({len(steps)}), got {len(n_steps)}")
    n, n_groups = check_count("n", n), check_count("n_groups", n_groups)
    if n < 2 * n_groups:
        raise ValueError(f"n = {n} draws cannot fill {n_groups} groups of at least 2")
    tgt = target(target_spec)
    rng = rng_from(seed)
    sums = np.zeros((5, n_groups, len(steps)))
    bounds = np.linspace(0, n, n_groups + 1).astype(int)
    for g in range(n_groups):
        for start in range(bounds[g], bounds[g + 1], _CHUNK):
            rows = min(_CHUNK, bounds[g + 1] - start)
            x = tgt.sample(rng, (rows,))
            noise = rng.standard_normal(rows)
            for j, (eps, L) in enumerate(zip(steps, n_steps)):
                dh = coordinate_errors(tgt, algorithm, x, noise, eps, splitting=splitting, n_steps=L)
                finite = np.isfinite(dh)
                f = dh[finite]
                sums[:, g, j] += (f.size, f.sum(), f @ f, np.sum(f + np.expm1(-f)), rows - f.size)
    keys = ("count", "s1", "s2", "cv", "exits")
    return {"target": target_spec if isinstance(target_spec, str) else "custom", "algorithm": algorithm,
            "steps": steps, "n_steps": n_steps, "n": n, "n_groups": n_groups,
            **{k: sums[i].tolist() for i, k in enumerate(keys)}}


# --- the limit law from pooled sums ------------------------------------------------------------

def _moments(sums: dict) -> dict:
    """kappa_1 (control-variated), kappa_2, P(exit) at each step from pooled sums."""
    total = sums["count"] + sums["exits"]
    count = np.maximum(sums["count"], 1.0)
    k1 = sums["cv"] / count
    raw_mean = sums["s1"] / count
    k2 = sums["s2"] / count - raw_mean ** 2
    return {"k1": k1, "k2": k2, "exit": sums["exits"] / total}


def local_slopes(steps, values):
    """(h_i, slope_i): log-log slopes between neighbouring ladder points, at their geometric mean step."""
    steps, values = np.asarray(steps, float), np.asarray(values, float)
    h = np.sqrt(steps[:-1] * steps[1:])
    return h, np.log(values[:-1] / values[1:]) / np.log(steps[:-1] / steps[1:])


def gaussian_limit_acceptance(mu, s2):
    """E min(1, e^-X), X ~ N(mu, s2): Phi(-mu/s) + e^(s2/2 - mu) Phi(mu/s - s) (elementwise)."""
    mu, s2 = np.asarray(mu, float), np.asarray(s2, float)
    s = np.sqrt(s2)
    return norm.cdf(-mu / s) + np.exp(norm.logcdf(mu / s - s) + s2 / 2 - mu)


def gaussian_optimum(p: float, r: float, m: float) -> float:
    """Acceptance at the argmax over l of l^m a(l), a(l) the acceptance of N(r C l^p, C l^p): with
    t = log s2, l^m ~ e^(m t / p), so maximise (m/p) t + log a (C drops out)."""
    if not (p > 0 and r > 0):
        raise ValueError(f"the measured limit law has exponent {p:.3g} and ratio {r:.3g}: no optimum")
    res = minimize_scalar(lambda t: -(m / p) * t - math.log(float(gaussian_limit_acceptance(r * math.exp(t),
                                                                                             math.exp(t)))),
                          bounds=(-12.0, 8.0), method="bounded", options={"xatol": 1e-10})
    return float(gaussian_limit_acceptance(r * math.exp(res.x), math.exp(res.x)))


def _extrapolate(h, values, powers):
    """Richardson to h -> 0 (estimators.richardson): (value, bound)."""
    ex = richardson(np.asarray(h), np.asarray(values), powers)
    return float(ex.value), float(ex.bound)


def _law(sums: dict, steps, m: float, gamma: float, slope_powers, ratio_powers, level_powers, l_values):
    """The limit law's numbers from one set of pooled sums: exponent p, ratio r (Gaussian) or
    exit rate (walls), the optimum, and a(l) at l_values (eps = l d^-gamma); values and bounds."""
    mom = _moments(sums)
    steps = np.asarray(steps, float)
    walls = bool(np.all(mom["exit"] > 0))
    stat = mom["exit"] if walls else mom["k2"]
    h, slopes = local_slopes(steps, stat)
    p, p_bound = _extrapolate(h, slopes, slope_powers)
    local = {"h": h.tolist(), "slopes": slopes.tolist()}
    scale = steps ** (1.0 / gamma)
    if walls:
        if np.any(mom["k2"] > 1e-12 * np.maximum(mom["exit"], 1e-300)):
            raise ValueError("walls with a non-constant density inside: the compound law is not measured here")
        rate, rate_bound = _extrapolate(steps, stat / scale, level_powers)
        out = {"local": local, "kind": "walls", "p": p, "p_bound": p_bound, "rate": rate, "rate_bound": rate_bound,
               "optimum": math.exp(-m / p)}
        out["acceptance"] = [math.exp(-rate * l ** (1.0 / gamma)) for l in l_values]
        return out
    r, r_bound = _extrapolate(steps, mom["k1"] / mom["k2"], ratio_powers)
    mean, mean_bound = _extrapolate(steps, mom["k1"] / scale, level_powers)
    var, var_bound = _extrapolate(steps, mom["k2"] / scale, level_powers)
    out = {"local": local, "kind": "gaussian", "p": p, "p_bound": p_bound, "r": r, "r_bound": r_bound, "mean": mean,
           "mean_bound": mean_bound, "sigma": var, "sigma_bound": var_bound, "optimum": gaussian_optimum(p, r, m)}
    out["acceptance"] = [float(gaussian_limit_acceptance(mean * l ** (1.0 / gamma), var * l ** (1.0 / gamma)))
                         for l in l_values]
    return out


def _bound_through(f, x0: dict, bounds: dict) -> float:
    """sum_k |df/dx_k| bound_k: a Richardson bound on each input carried to f (central differences)."""
    total = 0.0
    for key, b in bounds.items():
        if b == 0:
            continue
        hi, lo = dict(x0), dict(x0)
        hi[key] += b
        lo[key] -= b
        total += 0.5 * abs(f(hi) - f(lo))
    return total


def limit_law(ladder: dict, *, m: float, gamma: float, slope_powers=(1,), ratio_powers=(1,), level_powers=(1,),
              l_values=()) -> dict:
    """The limit law and its optimum from `coordinate_ladder` output, each number with a
    jackknife SE (delete one group) and a Richardson bound (remainder + its own error, carried
    to the optimum and to a(l) linearly). *_powers: the error powers of the local slope, of
    kappa_1/kappa_2 and of kappa/eps^(1/gamma) in eps, eliminated in order."""
    groups = {k: np.asarray(ladder[k], float) for k in ("count", "s1", "s2", "cv", "exits")}
    steps, l_values = ladder["steps"], [float(v) for v in l_values]
    args = (steps, m, gamma, tuple(slope_powers), tuple(ratio_powers), tuple(level_powers), l_values)
    pooled = {k: v.sum(axis=0) for k, v in groups.items()}
    full = _law(pooled, *args)
    G = next(iter(groups.values())).shape[0]
    reps = [_law({k: pooled[k] - v[g] for k, v in groups.items()}, *args) for g in range(G)]

    def jackknife(values):
        values = np.asarray(values, float)
        return float(math.sqrt((G - 1) / G * np.sum((values - values.mean(axis=0)) ** 2, axis=0)))

    def se_of(key):
        return jackknife([rep[key] for rep in reps])

    keys = ["p", "rate"] if full["kind"] == "walls" else ["p", "r", "mean", "sigma"]
    out = {"kind": full["kind"], "m": m, "gamma": gamma, "steps": list(steps), "n": ladder["n"], "n_groups": G,
           "powers": {"slope": list(slope_powers), "ratio": list(ratio_powers), "level": list(level_powers)}}
    for key in keys:
        out[key] = {"value": full[key], "se": se_of(key), "bound": full[f"{key}_bound"]}
    if full["kind"] == "walls":
        opt_bound = _bound_through(lambda x: math.exp(-m / x["p"]), {"p": full["p"]}, {"p": full["p_bound"]})
    else:
        opt_bound = _bound_through(lambda x: gaussian_optimum(x["p"], x["r"], m), {"p": full["p"], "r": full["r"]},
                                   {"p": full["p_bound"], "r": full["r_bound"]})
    out["optimum"] = {"value": full["optimum"], "se": se_of("optimum"), "bound": opt_bound}
    curve = []
    for i, l in enumerate(l_values):
        se = jackknife([rep["acceptance"][i] for rep in reps])
        if full["kind"] == "walls":
            bound = _bound_through(lambda x: math.exp(-x["rate"] * l ** (1 / gamma)), {"rate": full["rate"]},
                                   {"rate": full["rate_bound"]})
        else:
            bound = _bound_through(
                lambda x: float(gaussian_limit_acceptance(x["mean"] * l ** (1 / gamma), x["sigma"] * l ** (1 / gamma))),
                {"mean": full["mean"], "sigma": full["sigma"]},
                {"mean": full["mean_bound"], "sigma": full["sigma_bound"]})
        curve.append({"l": l, "value": full["acceptance"][i], "se": se, "bound": bound})
    out["acceptance"] = curve
    slope_se = [jackknife([rep["local"]["slopes"][i] for rep in reps]) for i in range(len(full["local"]["h"]))]
    out["local_slopes"] = [{"h": h, "value": v, "se": se}
                           for h, v, se in zip(full["local"]["h"], full["local"]["slopes"], slope_se)]
    mom = _moments(pooled)
    out["ladder"] = {"k1": mom["k1"].tolist(), "k2": mom["k2"].tolist(), "exit": mom["exit"].tolist()}
    return out


def measure_limit_law(target_spec, algorithm: str, steps, n: int, seed, *, m: float, gamma: float, n_steps=None,
                      splitting: str = "leapfrog", n_groups: int = 20, slope_powers=(1,), ratio_powers=(1,),
                      level_powers=(1,), l_values=()) -> dict:
    """`coordinate_ladder` then `limit_law` (one task of the suite)."""
    ladder = coordinate_ladder(target_spec, algorithm, steps, n, seed, n_steps=n_steps, splitting=splitting,
                               n_groups=n_groups)
    return limit_law(ladder, m=m, gamma=gamma, slope_powers=slope_powers, ratio_powers=ratio_powers,
                     level_powers=level_powers, l_values=l_values)


__all__ = ["coordinate_ladder", "limit_law", "measure_limit_law", "gaussian_limit_acceptance", "gaussian_optimum",
           "local_slopes"]
