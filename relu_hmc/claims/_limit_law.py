"""Comparisons and the figure shared by the claims judged on the MEASURED d -> infinity limit law
(numerics.limit_law: per-coordinate increments on a ladder of steps, extrapolated to step -> 0).

Every tolerance here is Z SE (delete-one-group jackknife over independent groups of draws)
+ the Richardson bound of the extrapolation (remainder + its own error, carried linearly to the
compared number); no finite-d drift enters: the measurement IS the limit, so there is no
finite-d correction to allow for. Registers no claim (helpers for optimal_acceptance.py and
literature.py).
"""
from __future__ import annotations

import math

from relu_hmc import plots
from relu_hmc.claims.base import Verdict, all_of, within


def _bound_reason(what: str, law: dict) -> str:
    p = law["powers"]
    return (f"Richardson bound of the step -> 0 extrapolation carried to {what} (remainder + its own error; "
            f"powers eliminated: slope {p['slope']}, ratio {p['ratio']}, level {p['level']})")


def _law_note(law: dict) -> str:
    p = law["p"]
    text = f"measured exponent p = {p['value']:.4f} ± {p['se']:.2g} (bound {p['bound']:.2g})"
    if law["kind"] == "gaussian":
        r = law["r"]
        text += f", mean/variance r = {r['value']:.5f} ± {r['se']:.2g} (bound {r['bound']:.2g}; theory 1/2)"
    else:
        text += f", exit rate {law['rate']['value']:.4g} ± {law['rate']['se']:.2g}"
    return text + f"; ladder of {len(law['steps'])} steps {law['steps'][0]:.3g}..{law['steps'][-1]:.3g}, n = {law['n']}"


def compare_limit_optimum(prediction: dict, measurements: dict) -> Verdict:
    """The acceptance at the argmax of l^m a(l) of the measured limit law against theory's."""
    law = measurements["limit"]
    opt = law["optimum"]
    return within(prediction["optimal_acceptance"], opt["value"], opt["se"],
                  quantity=f"acceptance at the argmax of l^{law['m']:g} a(l) of the measured d -> infinity law",
                  bias=opt["bound"], bias_reason=_bound_reason("the optimum", law), note=_law_note(law))


def compare_limit_acceptance(prediction: dict, measurements: dict, checked) -> Verdict:
    """a(l) of the measured limit law at the checked grid points against theory's a(l)."""
    law = measurements["limit"]
    parts = []
    for i in checked:
        point = law["acceptance"][i]
        if abs(point["l"] - prediction["l"][i]) > 1e-12 * point["l"]:
            raise ValueError(f"measured at l = {point['l']}, predicted at l = {prediction['l'][i]}")
        parts.append(within(prediction["acceptance"][i], point["value"], point["se"],
                            quantity=f"limit a(l = {point['l']:.3g})", bias=point["bound"],
                            bias_reason=_bound_reason("a(l)", law)))
    return all_of(parts, quantity="acceptance of the measured d -> infinity law", detail=_law_note(law))


def compare_limit_exponent(prediction: dict, measurements: dict) -> Verdict:
    """The extrapolated local log-log slope of Var(dh) (or P(exit)) in the step against theory's exponent."""
    law = measurements["limit"]
    p = law["p"]
    what = "P(exit)" if law["kind"] == "walls" else "Var(dh)"
    return within(prediction["step_exponent"], p["value"], p["se"],
                  quantity=f"exponent of the per-coordinate {what} in the step (step -> 0)", bias=p["bound"],
                  bias_reason=_bound_reason("the exponent", law),
                  note=f"it fixes gamma = 1/p = {1 / prediction['step_exponent']:.4g}; " + _law_note(law))


def plot_limit_law(ax, prediction: dict, measurements: dict) -> None:
    """The measured limit acceptance a(l) (± SE) against theory's limit curve, finite-d direct
    measurements where the claim has them, and the optimal acceptance: measured (± SE, band) and
    theory's (horizontal lines)."""
    law = measurements["limit"]
    colors = plots.color_cycle()
    l = [pt["l"] for pt in law["acceptance"]]
    ax.errorbar(l, [pt["value"] for pt in law["acceptance"]], yerr=[pt["se"] for pt in law["acceptance"]],
                fmt="o", ms=4, capsize=2.5, color=colors[0], label="measured limit a(l), step -> 0 (± SE)")
    if prediction.get("acceptance"):
        ax.plot(prediction["l"], prediction["acceptance"], "-", color=plots.THEORY_COLOR, lw=1.2,
                label="theory: limit a(l)")
    for i, (label, m) in enumerate(sorted((k, v) for k, v in measurements.items() if k != "limit")):
        ax.errorbar(m["l"], [a["value"] for a in m["acceptance"]], yerr=[a["se"] for a in m["acceptance"]],
                    fmt="s", ms=3, capsize=2, color=colors[(i + 1) % len(colors)], alpha=0.7,
                    label=f"direct, d = {m['d']} (± SE)")
        if "optimal_acceptance" in m:
            ax.axhline(m["optimal_acceptance"]["value"], color=colors[(i + 1) % len(colors)], ls=":", lw=1.0,
                       label=f"direct optimum, d = {m['d']}: {m['optimal_acceptance']['value']:.4f} "
                             f"± {m['optimal_acceptance']['se']:.2g}")
    opt = law["optimum"]
    ax.axhspan(opt["value"] - opt["se"], opt["value"] + opt["se"], color=colors[0], alpha=0.25)
    ax.axhline(opt["value"], color=colors[0], lw=1.0,
               label=f"measured optimal acceptance {opt['value']:.4f} ± {opt['se']:.2g}")
    ax.axhline(prediction["optimal_acceptance"], color=plots.THEORY_COLOR, ls="--", lw=1.2,
               label=f"theory optimal acceptance {prediction['optimal_acceptance']:.4f}")
    ax.set_xlabel(plots.axis_label("scaled step", "l") + " (dimensionless)")
    ax.set_ylabel("acceptance probability (dimensionless)")
    ax.legend(fontsize=6)


def limit_curve_l(centre: float, count: int = 13, half_width: float = 0.6) -> list:
    """l = centre e^u, u on an even grid over [-half_width, half_width]."""
    return [centre * math.exp(-half_width + 2 * half_width * i / (count - 1)) for i in range(count)]



def plot_limit_exponent(ax, prediction: dict, measurements: dict) -> None:
    """Local log-log slopes of Var(dh) (P(exit) for walls) between neighbouring steps of the ladder
    (± jackknife SE) against the step, the extrapolated exponent (± SE) at step 0, and theory's exponent."""
    law = measurements["limit"]
    local = law["local_slopes"]
    ax.errorbar([pt["h"] for pt in local], [pt["value"] for pt in local], yerr=[pt["se"] for pt in local], fmt="o",
                ms=4, capsize=2.5, label="measured local slope between neighbouring steps (± SE)")
    p = law["p"]
    ax.errorbar([0.0], [p["value"]], yerr=[p["se"]], fmt="D", ms=5, capsize=3,
                label=f"extrapolated to step 0: {p['value']:.4f} ± {p['se']:.2g}")
    ax.axhline(prediction["step_exponent"], color=plots.THEORY_COLOR, ls="--", lw=1.2,
               label=f"theory exponent {prediction['step_exponent']:g}")
    what = "P(exit)" if law["kind"] == "walls" else "Var(dh)"
    ax.set_xlabel(plots.axis_label("step (geometric mean of the pair)", "eps") + " (dimensionless)")
    ax.set_ylabel(f"local slope of log {what} in log step")
    ax.legend(fontsize=6)
