"""Measurement tasks shared by the claim modules: thin glue over numerics/, JSON results.

Every function takes JSON-able arguments and a ``seed`` (the suite derives it), calls
numerics/ for the numbers and returns a dict in which every estimate carries its standard
error. Potentials are given as specs ``{"family": name, **params}`` naming a constructor
of `numerics.potentials`, normally a registered test system's ``spec`` (relu_hmc.systems).
No theory/ import here: predictions reach the comparison separately.
"""
from __future__ import annotations

import numpy as np

from relu_hmc.numerics.potentials import from_spec
from relu_hmc.numerics.leapfrog import leapfrog_trajectory
from relu_hmc.numerics.estimators import (half_grid_curvature, half_grid_slopes, half_grid_truncation_slack,
                                          log_slope, mean_estimate, weighted_log_slope)
from relu_hmc.numerics.orders import order_summary

def paired_slope(eps, values: np.ndarray, seed, n_boot: int = 400) -> dict:
    """`numerics.orders.order_summary` of values (n_draws, n_eps), the same draws at every eps
    (paired bootstrap over draws), with the exponent as slope / slope_se."""
    summary = order_summary(eps, np.asarray(values), seed, n_boot=n_boot)
    return {"slope": summary.pop("value"), "slope_se": summary.pop("se"), "n_draws": summary.pop("n"), **summary}


def one_step_energy_errors(potential: dict, eps: list, n: int, seed) -> dict:
    """|H(one leapfrog step) - H(start)| from n stationary starts, at each eps (same starts)."""
    pot = from_spec(potential)
    rng = np.random.default_rng(seed)
    q0 = pot.sample(rng, (n, 1))
    p0 = rng.standard_normal((n, 1))
    dh = np.column_stack([leapfrog_trajectory(pot, q0, p0, e, 1).energy_error for e in eps])
    return {"eps": list(eps), **paired_slope(eps, dh, rng)}


def trajectory_energy_errors(potential: dict, eps: list, time: float, n: int, seed,
                             shadow_terms: bool = False) -> dict:
    """|dH| over a fixed time T = n_steps * eps from n stationary starts, at each eps (same starts).

    With ``shadow_terms`` the result also holds, per eps, the start and end states of the
    first 300 trajectories (for the comparison to evaluate theory's shadow term S2)."""
    pot = from_spec(potential)
    rng = np.random.default_rng(seed)
    q0 = pot.sample(rng, (n, 1))
    p0 = rng.standard_normal((n, 1))
    columns, states = [], []
    for e in eps:
        steps = int(round(time / e))
        if abs(steps * e - time) > 1e-9 * time:
            raise ValueError(f"T = {time} is not a whole number of steps of size {e}")
        tr = leapfrog_trajectory(pot, q0, p0, e, steps)
        columns.append(tr.energy_error)
        if shadow_terms:
            k = min(n, 300)
            states.append({"q0": q0[:k, 0].tolist(), "p0": p0[:k, 0].tolist(), "q1": tr.q[:k, 0].tolist(),
                           "p1": tr.p[:k, 0].tolist(), "dH": tr.energy_error[:k].tolist()})
    out = {"eps": list(eps), "time": time, **paired_slope(eps, np.column_stack(columns), rng)}
    if shadow_terms:
        out["states"] = states
    return out


def crossing_step_energy_errors(potential: dict, eps: list, n: int, seed, window: float = 3.0) -> dict:
    """|dH| of single leapfrog steps that cross the potential's first kink b, at each eps.

    Starts: stationary (q, p) draws kept when |q - b| < window * eps (the only starts that
    can cross in one step with |p| < window), i.e. the stationary law conditioned on the
    neighbourhood of the kink; then only steps with a crossing are kept. The slope of
    log mean|dH| against log eps is the crossing-step order. Also returns up to 200
    (q, p, dH) of left-to-right crossings at the smallest eps for the exact-formula check.
    """
    pot = from_spec(potential)
    b = float(pot.kinks[0])
    rng = np.random.default_rng(seed)
    means, ses, kept, sample = [], [], [], None
    for e in eps:
        qs, ps = [], []
        while sum(x.size for x in qs) < n:
            q = pot.sample(rng, (1 << 18,))
            p = rng.standard_normal(1 << 18)
            near = np.abs(q - b) < window * e
            qs.append(q[near])
            ps.append(p[near])
        q0 = np.concatenate(qs)[:n, None]
        p0 = np.concatenate(ps)[:n, None]
        tr = leapfrog_trajectory(pot, q0, p0, e, 1)
        crossed = tr.crossings > 0
        dh = tr.energy_error[crossed]
        est = mean_estimate(np.abs(dh))
        means.append(est.value)
        ses.append(est.se)
        kept.append(int(crossed.sum()))
        if sample is None:
            right = crossed & (q0[:, 0] < b) & (tr.q[:, 0] > b)
            idx = np.nonzero(right)[0][:200]
            sample = {"eps": e, "q": q0[idx, 0].tolist(), "p": p0[idx, 0].tolist(),
                      "dH": tr.energy_error[idx].tolist(), "q1": tr.q[idx, 0].tolist()}
    # independent draws at each eps: weighted least squares with the delta-method SE
    fit = weighted_log_slope(eps, means, ses)
    small, large = half_grid_slopes(eps, means)
    curvature = half_grid_curvature(eps, means, ses=ses)
    slack = half_grid_truncation_slack(eps, curvature, 1.0)  # one correction a eps^r, r >= 1
    return {"eps": list(eps), "kink": b, "mean_abs": means, "mean_abs_se": ses, "crossing_steps": kept,
            "slope": fit.value, "slope_se": fit.se, "slope_small_eps": small, "slope_large_eps": large,
            "curvature": curvature.value, "curvature_se": curvature.se,
            "truncation_slack": slack.value, "truncation_slack_se": slack.se, "sample": sample}


def measure_local_orders(potential: dict, budget: str, n_states: int, seed) -> dict:
    """numerics.orders.local_error_orders (kind "smooth", exact reference flow) without raw errors."""
    from relu_hmc.numerics.orders import local_error_orders

    result = local_error_orders(from_spec(potential), kind="smooth", budget=budget, n_states=n_states, seed=seed)
    return result.as_dict(raw=False)


def variance_exponent(x, estimates) -> dict:
    """`weighted_log_slope` of the values on x, and the drift of the local slope |slope(first
    pair) - slope(last pair)| with its delta-method SE (a linear combination of the log values,
    each with SE se / value)."""
    x = np.asarray(x, dtype=float)
    v = np.array([e["value"] for e in estimates])
    se = np.array([e["se"] for e in estimates])
    fit = weighted_log_slope(x, v, se)
    drift, drift_se = 0.0, 0.0
    if x.size >= 3:
        drift = abs(log_slope(x[:2], v[:2]) - log_slope(x[-2:], v[-2:]))
        lx = np.log(x)
        coef = np.zeros(x.size)  # d drift / d log v
        coef[[0, 1]] += np.array([-1.0, 1.0]) / (lx[1] - lx[0])
        coef[[-2, -1]] -= np.array([-1.0, 1.0]) / (lx[-1] - lx[-2])
        drift_se = float(np.sqrt(np.sum((coef * se / v) ** 2)))
    return {"slope": fit.value, "slope_se": fit.se, "drift": float(drift), "drift_se": drift_se}


def measure_sweep(potential: dict, gamma: float, l: float, T: float, dims: list, n_proposals: list, seed) -> dict:
    """dH statistics at eps = T/round(T d^gamma / l) for each d (numerics.acceptance.energy_error_point),
    and the exponent of the pooled Var(dH) in d (`variance_exponent`)."""
    from relu_hmc.numerics.acceptance import energy_error_point
    from relu_hmc.numerics.validation import rng_from

    pot = from_spec(potential)
    children = rng_from(seed).spawn(len(dims))
    points = []
    for d, n, child in zip(dims, n_proposals, children):
        p = energy_error_point(pot, int(d), l=l, gamma=gamma, T=T, n_proposals=int(n), seed=child, jobs=1)
        points.append({"d": p.d, "n_steps": p.n_steps, "eps": p.eps, "l_eff": p.l_eff, "n": p.n_proposals,
                       "variance": p.var_dH_pooled.as_dict(), "variance_direct": p.var_dH.as_dict(),
                       "mean": p.mean_dH.as_dict(), "acceptance": p.acceptance.as_dict(),
                       "crossings_per_coordinate": p.crossings_per_coordinate.as_dict()})
    out = {"gamma": gamma, "l": l, "T": T, "points": points}
    if len(points) >= 2:
        out["exponent"] = variance_exponent([p["d"] for p in points], [p["variance"] for p in points])
    return out


def measure_variance_in_d(potential: dict, eps: float, budget: str, seed) -> dict:
    """numerics.variance_scaling.variance_exponent_in_d (direct Var(dH) at fixed eps and T = 1)."""
    from relu_hmc.numerics.variance_scaling import variance_exponent_in_d

    result = variance_exponent_in_d(from_spec(potential), eps=eps, budget=budget, seed=seed, jobs=1).as_dict()
    result.pop("points", None)
    return result


def measure_efficiency(potential: dict, d: int, T: float, n_chains: int, n_proposals: int, n_keep: int, n_boot: int,
                       seed) -> dict:
    """numerics.efficiency.efficiency_curve at dimension d and time T (l grid: numerics' pilot)."""
    from relu_hmc.numerics.efficiency import efficiency_curve

    curve = efficiency_curve(from_spec(potential), d=d, T=T, n_chains=n_chains, n_proposals=n_proposals,
                             n_keep=n_keep, n_boot=n_boot, seed=seed, jobs=1)
    return curve.as_dict()
