"""Shallow against deep ReLU networks at equal parameter count (the paper's Fig. 3 finding:
shallow networks accept less), measured by numerics.bnn_networks.depth_point; settings in
numerics.bnn_config.NETWORK_BUDGETS (depth_*).

- bnn-network/shallow-vs-deep (observation): one and two hidden layers with about the same
  number of parameters d, at one eps and L (T = 0.02). Reported per d: acceptance of each
  (mean over chains ± SE) and the difference shallow - deep, crossings per trajectory, the
  variance of the crossing part C of dH and of the rest dH - C, and eps sqrt(lambda_max).
  The candidate explanation "shallow crosses more" cannot be told from the other one,
  "shallow is stiffer", by acceptance and crossing counts alone: at equal d the shallow network has d / 3 units in
  one layer and the deep one about 2 sqrt(d), so the shallow one has both more kink surfaces
  AND a larger lambda_max (the Gauss-Newton block of the output weights grows with the width,
  numerics.bnn_stiffness). The split of Var(dH) tells them apart, and it REFUTES the crossing
  explanation here. Measured while writing (full budget as it was then: 16 chains x 60
  proposals, seed 0, eps = 5e-4, L = 40; shallow vs deep):
      d = 100: acceptance 0.980 ± 0.003 vs 0.977 ± 0.003, crossings 53 vs 28, Var(C) 0.0010 vs
               0.0043, Var(dH - C) 0.0028 vs 0.0020, eps sqrt(lambda_max) 0.50 vs 0.34;
      d = 200: 0.976 ± 0.003 vs 0.967 ± 0.004, crossings 111 vs 47, Var(C) 0.0004 vs 0.013,
               Var(dH - C) 0.005 vs 0.006, 0.66 vs 0.49;
      d = 400: 0.949 ± 0.008 vs 0.959 ± 0.006, crossings 244 vs 86, Var(C) 0.0004 vs 0.008,
               Var(dH - C) 0.028 vs 0.009, 0.98 vs 0.55;
      d = 800: 0.873 ± 0.014 vs 0.954 ± 0.006, crossings 534 vs 137, Var(C) 0.0004 vs 0.010,
               Var(dH - C) 0.26 vs 0.010, 1.29 vs 0.59.
  The shallow network does accept less once d >= 400 (-0.081 ± 0.015 at d = 800, the paper's
  sign), and it does cross 2-4x more often, but its crossing part is 4-30x SMALLER than the deep
  network's (each crossing's signal r = (f - y) w_out / s^2 is small in a wide layer, as in
  bnn-network/relu-step-size-law); what grows is the rest dH - C, with eps sqrt(lambda_max)
  passing 1. At these settings the shallow network's lower acceptance is stiffness, not kinks.
  It stays an observation: no theory here predicts the size of the difference. (The full
  budget now runs d = 100, 400, 800 with 8 chains x 50 proposals, to stay inside its time.)
"""
from __future__ import annotations

import math

import numpy as np

from relu_hmc.claims.base import Claim, Task, Verdict, register


def _tasks(budget):
    from relu_hmc.numerics import bnn_config

    cfg = bnn_config.NETWORK_BUDGETS[budget]
    return [Task("relu_hmc.numerics.bnn_networks:depth_point", {"layers": layers, "parameters": d, "budget": budget},
                 f"layers{layers}-d{d}")
            for d in cfg["depth_params"] for layers in (1, 2)]


def _mean_se(values) -> tuple[float, float]:
    x = np.asarray(values, dtype=float)
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def _pairs(measurements):
    """[(shallow, deep), ...] by target parameter count, in increasing d."""
    by_label = {}
    for label, m in measurements.items():
        target = int(label.split("-d")[1])
        by_label.setdefault(target, {})[m["layers"]] = m
    return [(v[1], v[2]) for _, v in sorted(by_label.items())]


def compare_depth(prediction, measurements):
    rows, diffs = [], []
    for shallow, deep in _pairs(measurements):
        (a1, s1), (a2, s2) = _mean_se(shallow["chain_acceptance"]), _mean_se(deep["chain_acceptance"])
        diff, se = a1 - a2, math.hypot(s1, s2)
        diffs.append((diff, se))
        n1, n2 = _mean_se(shallow["chain_crossings"])[0], _mean_se(deep["chain_crossings"])[0]
        c1, c2 = (float(np.mean(m["chain_var_crossing"])) for m in (shallow, deep))
        r1, r2 = (float(np.mean(m["chain_var_rest"])) for m in (shallow, deep))
        rows.append(f"d = {shallow['d']} / {deep['d']} (widths {shallow['width']} / {deep['width']}x2): acceptance "
                    f"{a1:.3f} ± {s1:.2g} vs {a2:.3f} ± {s2:.2g}, shallow - deep {diff:+.3f} ± {se:.2g}; crossings "
                    f"per trajectory {n1:.0f} vs {n2:.0f}; Var(C) {c1:.2g} vs {c2:.2g}; Var(dH - C) {r1:.2g} vs {r2:.2g}; "
                    f"eps sqrt(lambda_max) {shallow['stability_number_median']:.2f} vs "
                    f"{deep['stability_number_median']:.2f}")
    first = next(iter(measurements.values()))
    diff, se = diffs[-1]
    return Verdict(True, math.nan, diff, se, math.inf,
                   f"observation (cannot fail): shallow vs deep ReLU at eps = {first['eps']:g}, "
                   f"L = {first['n_steps']}: " + "; ".join(rows)
                   + " (which part of dH carries the difference, crossings C or the rest: module doc)",
                   "acceptance(one hidden layer) - acceptance(two hidden layers) at equal d, largest d")


def plot_depth(ax, prediction, measurements):
    """Observation: acceptance (± SE) against d for one and two hidden layers, crossings per
    trajectory in the legend; no theory curve (no size of the difference is predicted)."""
    from relu_hmc import plots

    pairs = _pairs(measurements)
    for k, (name, color) in enumerate((("one hidden layer", "tab:red"), ("two hidden layers", "tab:blue"))):
        pts = [p[k] for p in pairs]
        stats = [_mean_se(m["chain_acceptance"]) for m in pts]
        crossings = ", ".join(f"{_mean_se(m['chain_crossings'])[0]:.0f}" for m in pts)
        ax.errorbar([m["d"] for m in pts], [s[0] for s in stats], yerr=[s[1] for s in stats], fmt="o-", ms=4,
                    capsize=2.5, color=color, label=f"{name}: acceptance (± SE); crossings per trajectory {crossings}")
    ax.plot([], [], " ", label="observation: no predicted curve (kinks and stiffness confounded)")
    ax.set_xscale("log")
    ax.set_xlabel(plots.axis_label("parameters", "d"))
    ax.set_ylabel("acceptance probability (dimensionless)")
    ax.legend(fontsize=6)


def predict_nothing() -> dict:
    """An observation: no quantitative prediction (module doc)."""
    return {}


register(Claim(
    id="bnn-network/shallow-vs-deep",
    statement="At equal parameter count and equal eps, L: acceptance and crossings per trajectory of one- against "
              "two-hidden-layer ReLU networks (the paper's Fig. 3 finding, shallow accepts less).",
    source="Dinh, Ho, Nguyen, NeurIPS 2024 (arXiv 2410.22065), Fig. 3; numerics.bnn_networks.depth_point",
    family="bnn-acceptance",
    prediction=Task("relu_hmc.claims.bnn_depth:predict_nothing"),
    measurements=_tasks,
    compare=compare_depth,
    plot=plot_depth,
    kind="observation",
))
