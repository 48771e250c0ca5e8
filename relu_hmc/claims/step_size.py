"""Step-size exponent gamma: at eps = l d^(-gamma) Var(dH) is stable in d at the right gamma
and grows (the acceptance collapses) at the wrong one; at fixed eps Var(dH) is linear in d.

Tolerances are ``z * SE + b`` (relu_hmc.claims.base), ``b`` itself a bound:

- step-size-exponent/{kinked,smooth}-*: at eps = l d^(-g), Var(dH) = d Var(dH_1(eps)) =
  l^(2k) d^(1 - 2k g) V(eps) exactly (iid coordinates), V(eps) = Var(dH_1)/eps^(2k) =
  Sigma_0 + c eps^2 + ... (claims.sigma0 derives the eps^2). So the local slope of log Var(dH)
  on log d between successive d of a geometric grid is (1 - 2k g) + O(eps^2) with eps the
  pair's step: the pair slopes are extrapolated eps -> 0 by `estimators.richardson` (power 2).
  SE: the slopes are linear in log Var (SE se/Var each, independent runs), propagated through
  the Richardson weights; b = the remainder estimate + its error (2 x remainder with no spare
  pair). The predicted exponent 0 (right gamma) has no relative resolution: the tolerance is
  the absolute resolution of the exponent. Where it is positive the acceptance must also
  collapse: a(d_max) + z SE < a(d_min) (one-sided). The acceptance limit at the right gamma is
  judged by acceptance-limit/*.
- step-size-exponent/variance-linear-in-d (an observation): at FIXED eps, Var(dH) = d Var(dh_1)
  exactly for iid coordinates, so it holds by construction whatever the theory says; b = 0.
"""
from __future__ import annotations

import math

import numpy as np

from relu_hmc import plots
from relu_hmc.claims._predict import predict_scaling_law
from relu_hmc.claims.base import Claim, Task, all_of, at_most, register, within
from relu_hmc.numerics.estimators import richardson, richardson_weights
from relu_hmc.systems import SYSTEMS

LAPLACE, GAUSSIAN = SYSTEMS["laplace"], SYSTEMS["gaussian"]


def predict_variance_pair() -> dict:
    """Scaling laws of the Laplace (kinked) and Gaussian (smooth) targets, keyed by regime."""
    return {"kinked": predict_scaling_law(LAPLACE.expression), "smooth": predict_scaling_law(GAUSSIAN.expression)}


def _exponent_part(prediction, m) -> tuple:
    """Exponent of Var(dH) in d against 1 - 2k g: pair slopes extrapolated eps -> 0 (module docstring)."""
    g = m["gamma"]
    predicted = 1.0 - prediction["sigma_exponent"] * g
    pts = m["points"]
    log_d = np.log([p["d"] for p in pts])
    var = np.array([p["variance"]["value"] for p in pts])
    rel_se = np.array([p["variance"]["se"] for p in pts]) / var
    pair_eps = np.array([p["eps"] for p in pts[1:]])
    # slope_i = (log V_{i+1} - log V_i) / (log d_{i+1} - log d_i): rows of a linear map of log V
    slope_map = np.zeros((len(pts) - 1, len(pts)))
    for i in range(len(pts) - 1):
        slope_map[i, [i, i + 1]] = np.array([-1.0, 1.0]) / (log_d[i + 1] - log_d[i])
    slopes = slope_map @ np.log(var)
    limit = richardson(pair_eps, slopes, [2])
    se = float(np.sqrt(np.sum((richardson_weights(pair_eps, [2]) @ slope_map * rel_se) ** 2)))
    spare = np.isfinite(limit.remainder_error)
    reason = (f"Richardson remainder {limit.remainder:.2g} + its error {limit.remainder_error:.2g}" if spare else
              f"2 x Richardson remainder {limit.remainder:.2g} (no spare pair)") + " (eps^2 eliminated)"
    v = within(predicted, float(limit.value), se,
               quantity=f"exponent of Var(dH) in d at eps = l d^-{g:g} (theory 1 - 2k gamma), eps -> 0",
               bias=float(limit.bound) or 0.0, bias_reason=reason,
               note=f"d = {[p['d'] for p in pts]}, pooled Var; pair slopes {', '.join(f'{x:.4f}' for x in slopes)} "
                    f"at eps {', '.join(f'{e:.3g}' for e in pair_eps)}; SE through the Richardson weights")
    return predicted, v


def compare_sweep(prediction, measurements):
    m = measurements["sweep"]
    predicted, exponent = _exponent_part(prediction, m)
    pts = m["points"]
    a = [p["acceptance"] for p in pts]
    lo, hi = pts[0]["d"], pts[-1]["d"]
    if predicted <= 0:
        return exponent
    se = math.hypot(a[0]["se"], a[-1]["se"])
    accept = at_most(a[0]["value"], a[-1]["value"], se, quantity=f"acceptance collapses: a(d={hi}) below a(d={lo})",
                     note=f"theory: Var(dH) grows like d^{predicted:.3g}; SE of the difference combines both points")
    accs = ", ".join(f"d={p['d']}: {p['acceptance']['value']:.3g}±{p['acceptance']['se']:.2g}" for p in pts)
    return all_of([exponent, accept],
                  quantity=f"gamma = {m['gamma']:g} on {prediction['potential']} (theory gamma = "
                           f"{prediction['step_size_exponent']:g})",
                  detail=f"acceptance {accs}")


def compare_variance_in_d(prediction, measurements):
    parts = []
    for label in sorted(measurements):
        m = measurements[label]
        e = m["exponent"]
        parts.append(within(prediction[label]["d_exponent_fixed_eps"], e["value"], e["se"],
                            quantity=f"exponent of Var(dH) in d at fixed eps ({label})",
                            note=f"d = {m['x']}, no deterministic allowance: Var(dH) = d Var(dh_1) exactly "
                                 f"for iid coordinates; SE by parametric bootstrap"))
    return all_of(parts, quantity="Var(dH) proportional to d at fixed eps")


def _sweep_series(prediction, sweep, role: str) -> dict:
    """One sweep as a plotted series: Var(dH) and acceptance (± SE) against d, its predicted
    exponent 1 - 2k gamma and, at the theory's gamma, the predicted acceptance limit a(l)."""
    from relu_hmc.theory.acceptance import acceptance_limit

    pts = sweep["points"]
    g = sweep["gamma"]
    theory_gamma = prediction["step_size_exponent"]
    limit = None
    if math.isclose(g, theory_gamma):  # eps = l d^-gamma at the right gamma: acceptance -> a(l)
        limit = float(acceptance_limit(prediction["sigma0"] * sweep["l"] ** prediction["sigma_exponent"]))
    return {"d": [p["d"] for p in pts], "variance": [p["variance"]["value"] for p in pts],
            "variance_se": [p["variance"]["se"] for p in pts], "acceptance": [p["acceptance"]["value"] for p in pts],
            "acceptance_se": [p["acceptance"]["se"] for p in pts], "gamma": g,
            "exponent": 1.0 - prediction["sigma_exponent"] * g, "limit": limit,
            "label": f"gamma = {g:g} ({role})", "heads_to": "1" if g > theory_gamma else "0"}


def _plot_sweep(axes, prediction, measurements):
    """Left: Var(dH) (± SE) against d along eps = l d^-gamma with a line of the predicted exponent
    1 - 2k gamma through the points; right: the acceptance (± SE) with the predicted limit a(l)
    at the theory's gamma (Beskos et al. 2013; derived here for kinks) and, at a smaller gamma,
    the collapse to 0. A kinked claim also draws the contrasting gamma's sweep ("contrast"): the
    stable gamma = 1/2 and the collapsing gamma = 1/4 side by side."""
    var_ax, acc_ax = axes
    series = [_sweep_series(prediction, measurements["sweep"], "this claim")]
    if measurements.get("contrast") is not None:
        series.append(_sweep_series(prediction, measurements["contrast"], "contrast"))
    colors = plots.color_cycle()
    for s, color in zip(series, colors):
        plots.loglog_with_slope(var_ax, s["d"], s["variance"], s["variance_se"], slope=s["exponent"], color=color,
                                label=s["label"], theory_label=f"theory: d^{s['exponent']:.3g}",
                                xlabel=plots.axis_label("dimension", "d"), ylabel="Var(dH) (energy units squared)")
        acc_ax.errorbar(s["d"], s["acceptance"], yerr=s["acceptance_se"], color=color, label=s["label"],
                        **plots.MEASURED_STYLE)
        if s["limit"] is not None:
            acc_ax.axhline(s["limit"], color=color, ls="--", lw=1.2,
                           label=f"theory a(l) = {s['limit']:.3f} (d → ∞)")
        else:
            acc_ax.annotate(f"theory: → {s['heads_to']} as d → ∞", (s["d"][-1], s["acceptance"][-1]),
                            xytext=(-6, 10 if s["heads_to"] == "0" else -14), textcoords="offset points",
                            fontsize=6.5, color=color, ha="right")
    var_ax.legend(fontsize=6)
    acc_ax.set_xscale("log")
    acc_ax.set_ylim(0.0, 1.05)
    acc_ax.set_xlabel(plots.axis_label("dimension", "d"))
    acc_ax.set_ylabel("acceptance probability (dimensionless)")
    acc_ax.legend(fontsize=6, loc="best")


_plot_sweep.panels = 2  # relu_hmc.plots.render: two axes side by side


def _plot_variance_in_d(ax, prediction, measurements):
    """Var(dH) (± SE) against d at fixed eps for the kinked and the smooth target, each with a
    line of its predicted exponent 2k gamma (= 1) through its points."""
    for label, color in zip(sorted(measurements), plots.color_cycle()):
        m = measurements[label]
        plots.loglog_with_slope(ax, m["x"], [v["value"] for v in m["var"]], [v["se"] for v in m["var"]],
                                slope=prediction[label]["d_exponent_fixed_eps"], color=color,
                                label=f"Var(dH), {label} target",
                                theory_label=f"theory ({label}): d^{prediction[label]['d_exponent_fixed_eps']:g}",
                                xlabel=plots.axis_label("dimension", "d"),
                                ylabel="Var(dH) at fixed eps (energy units squared)")


# --- budgets and registration -------------------------------------------------------------------

# Whole numbers of steps at T = l = 1: d = n^2 for gamma = 1/2, d = n^4 for gamma = 1/4.
_SWEEPS = {
    "kinked-stable": (LAPLACE, 0.5, (100, 900, 8100),
                      {"quick": (2000, 600, 100), "full": (20000, 6000, 1000)},
                      "Laplace product target at eps = l d^(-1/2): Var(dH) does not grow with d (exponent "
                      "1 - 2k gamma = 0 in the eps -> 0 limit)."),
    # d = 81 (3 steps) is cheap: 10x its proposals sets the resolution of the collapse a(81) - a(20736)
    "kinked-collapse": (LAPLACE, 0.25, (81, 1296, 20736),
                        {"quick": (20000, 400, 60), "full": (200000, 4000, 600)},
                        "Laplace product target at the smooth scaling eps = l d^(-1/4): Var(dH) grows like "
                        "d^(1/2) and the acceptance collapses as d grows."),
    "smooth-stable": (GAUSSIAN, 0.25, (81, 1296, 20736),
                      {"quick": (2000, 600, 100), "full": (20000, 6000, 1000)},
                      "Gaussian product target at eps = l d^(-1/4): Var(dH) does not grow with d (exponent "
                      "1 - 2k gamma = 0 in the eps -> 0 limit)."),
}

#: The kinked claims' figures also draw the other kinked sweep (the contrasting regime). The task
#: is that claim's own task (same config, so a run computes it once); compare never reads it.
_CONTRAST = {"kinked-stable": "kinked-collapse", "kinked-collapse": "kinked-stable"}


def _sweep_task(key: str, budget: str, label: str) -> Task:
    system, gamma, dims, n, _ = _SWEEPS[key]
    return Task("relu_hmc.claims._measure:measure_sweep",
                {"potential": system.spec, "gamma": gamma, "l": 1.0, "T": 1.0, "dims": list(dims),
                 "n_proposals": list(n[budget])}, label)


def _sweep_tasks(key: str, budget: str) -> list[Task]:
    return [_sweep_task(key, budget, "sweep")] + (
        [_sweep_task(_CONTRAST[key], budget, "contrast")] if key in _CONTRAST else [])


for _key, (_system, _gamma, _dims, _n, _statement) in _SWEEPS.items():
    register(Claim(
        id=f"step-size-exponent/{_key}",
        statement=_statement,
        source="Beskos, Pillai, Roberts, Sanz-Serna, Stuart, Bernoulli 19 (2013) (smooth, gamma = 1/4); "
               "theory.derive (kinked gamma = 1/2, derived here); DESIGN.md item 3",
        family="step-size-exponent",
        prediction=Task("relu_hmc.claims._predict:predict_scaling_law", {"potential": _system.expression}),
        measurements=lambda budget, _key=_key: _sweep_tasks(_key, budget),
        compare=compare_sweep,
        plot=_plot_sweep,
    ))

register(Claim(
    id="step-size-exponent/variance-linear-in-d",
    statement="At fixed eps and T, Var(dH) grows like d^1 (theory: Var = Sigma_0 d^(2k gamma) eps^(2k) with "
              "2k gamma = 1), for a kinked (Laplace) and a smooth (Gaussian) product target.",
    source="DESIGN.md item 3 (dH is a sum of d iid coordinate errors); theory.derive (2k, gamma)",
    family="step-size-exponent",
    prediction=Task("relu_hmc.claims.step_size:predict_variance_pair", {}),
    measurements=lambda budget: [Task("relu_hmc.claims._measure:measure_variance_in_d",
                                      {"potential": system.spec, "eps": 0.1, "budget": budget}, label)
                                 for label, system in (("kinked", LAPLACE), ("smooth", GAUSSIAN))],
    compare=compare_variance_in_d,
    plot=_plot_variance_in_d,
    # Var(dH) = d Var(dH_1) holds by construction for iid coordinates: it checks the sampler,
    # not the theory (the theory's exponents are judged at eps = l d^-gamma above)
    kind="observation",
))
