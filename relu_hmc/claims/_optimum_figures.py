"""Figures of the optimal-acceptance/* claims and observations (relu_hmc.claims.optimal_acceptance):
efficiency curves against acceptance with each measured optimum (± SE) and theory's optimum as a
line. Registered as ``plot=`` of each claim; no registrations here. (The limit-law figure of
optimal-acceptance/{kinked,smooth} is relu_hmc.claims._limit_law.plot_limit_law.)
"""
from __future__ import annotations

import math

import numpy as np

from relu_hmc import plots


def plot_cost_optimum(ax, prediction, measurements):
    """l a(l) (± SE, relative to its maximum) against acceptance (± SE) at each d, each d's
    measured optimum (± SE) on top, and the predicted d -> infinity optimum as a line."""
    colors = plots.color_cycle()
    for i, m in enumerate(sorted(measurements.values(), key=lambda m: m["d"])):
        acc = np.array([a["value"] for a in m["acceptance"]])
        acc_se = np.array([a["se"] for a in m["acceptance"]])
        l = np.array(m["l"], float)
        color = colors[i % len(colors)]
        plots.efficiency_curve(ax, acc, acc * l, acc_se * l, acceptance_se=acc_se, label=f"l a(l), d = {m['d']}",
                               color=color, ylabel="cost-normalised efficiency l a(l)")
        opt = m.get("optimum")
        if opt is not None:
            ax.errorbar([opt["value"]], [1.04 + 0.03 * i], xerr=[opt["se"]], fmt="v", ms=5, capsize=2.5,
                        color=color, label=f"measured optimum, d = {m['d']} (± SE)")
    ax.axvline(prediction["optimal_acceptance"], color=plots.THEORY_COLOR, ls="--", lw=1.2,
               label=f"theory optimum (d -> inf) {prediction['optimal_acceptance']:.3f}")
    legend_above_data(ax)


def legend_above_data(ax) -> None:
    """The legend in two columns in a band added above the data: the efficiency curves fill the
    axes up to the optimum markers (relative efficiency ~1.04-1.07), so any placement inside the
    data range covers points (rows of ~0.075 of the axes height each at fontsize 6)."""
    lo, hi = ax.get_ylim()
    rows = math.ceil(len(ax.get_legend_handles_labels()[0]) / 2)
    band = min(0.6, 0.075 * rows + 0.06)  # fraction of the new axes height the legend takes
    ax.set_ylim(lo, hi + (hi - lo) * band / (1.0 - band))
    for line in ax.lines:  # vertical theory lines (axvline) stop below the band
        if line.get_transform() == ax.get_xaxis_transform():
            line.set_ydata([0.0, 1.0 - band])
    ax.legend(fontsize=6, ncol=2, loc="upper center", borderaxespad=0.3)


def plot_esjd_optimum(ax, prediction, measurements):
    """ESJD per gradient (± SE, relative to its maximum) against acceptance (± SE) at both d,
    each d's measured optimum (± SE) on top; the prediction: the asymptotic optimum as a line
    and, where theory has finite-d curves (prediction["table"], the Gaussian), those curves."""
    colors = plots.color_cycle()
    table = prediction.get("table") or {}
    for i, label in enumerate(("d-small", "d-large")):
        c = measurements[label]
        color = colors[i % len(colors)]
        acc = [p["acceptance"]["value"] for p in c["points"]]
        acc_se = [p["acceptance"]["se"] for p in c["points"]]
        eff = [p["esjd_per_grad"]["value"] for p in c["points"]]
        eff_se = [p["esjd_per_grad"]["se"] for p in c["points"]]
        plots.efficiency_curve(ax, acc, eff, eff_se, acceptance_se=acc_se, label=f"measured, d = {c['d']}",
                               color=color)
        rows = sorted(table.get(str(c["d"]), []), key=lambda r: r["acceptance"])
        if rows:
            theory_eff = np.array([r["esjd_per_grad"] for r in rows])
            ax.plot([r["acceptance"] for r in rows], theory_eff / theory_eff.max(), "-", lw=1.0, color=color,
                    alpha=0.7, label=f"theory at finite d = {c['d']}")
        opt = c["optima"]["esjd"]["acceptance"]
        ax.errorbar([opt["value"]], [1.04 + 0.03 * i], xerr=[opt["se"]], fmt="v", ms=5, capsize=2.5, color=color,
                    label=f"measured optimum, d = {c['d']} (± SE)")
    ax.axvline(prediction["optimal_acceptance"], color=plots.THEORY_COLOR, ls="--", lw=1.2,
               label=f"theory optimum (d -> inf) {prediction['optimal_acceptance']:.3f}")
    legend_above_data(ax)


def plot_optimum_pair(ax, prediction, measurements):
    """ESJD per gradient (± SE, relative to its maximum) against acceptance (± SE) for the kinked and
    the smooth target at the same d, each measured optimum (± SE) on top, and theory's two d -> infinity
    optima as lines (the observation: the kinked optimum lies below the smooth one)."""
    colors = plots.color_cycle()
    for i, label in enumerate(("kinked", "smooth")):
        c = measurements[label]
        color = colors[i % len(colors)]
        plots.efficiency_curve(ax, [p["acceptance"]["value"] for p in c["points"]],
                               [p["esjd_per_grad"]["value"] for p in c["points"]],
                               [p["esjd_per_grad"]["se"] for p in c["points"]],
                               acceptance_se=[p["acceptance"]["se"] for p in c["points"]],
                               label=f"measured {label}, d = {c['d']}", color=color)
        opt = c["optima"]["esjd"]["acceptance"]
        ax.errorbar([opt["value"]], [1.04 + 0.03 * i], xerr=[opt["se"]], fmt="v", ms=5, capsize=2.5, color=color,
                    label=f"measured {label} optimum (± SE)")
        ax.axvline(prediction[label], color=color, ls="--", lw=1.2,
                   label=f"theory {label} optimum (d -> inf) {prediction[label]:.3f}")
    legend_above_data(ax)
