"""Figures of the Bayesian-network experiments (matplotlib, Agg backend).

`make_bnn_figures(results, out_dir)` takes the dict of `numerics.bnn_experiments.run_all`
(or any subset of its keys) and writes one figure per kind it has data for, as PNG, PDF and
SVG (`relu_hmc.plots.save`); error bars are one standard error (across independent chains).
These figures are observations (no claim judges them), so their titles carry no verdict.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from relu_hmc.plots import DPI, FIGSIZE, save  # noqa: E402

_COLORS = {"relu": "tab:red", "leaky_relu": "tab:orange", "gelu": "tab:purple", "sigmoid": "tab:blue",
           "tanh": "tab:green", "softplus": "tab:cyan"}


def _curve(ax, rows, x_key, label, color=None):
    rows = [r for r in rows if r is not None]
    if not rows:
        return
    x = [r[x_key] for r in rows]
    y = [r["acceptance"]["value"] for r in rows]
    se = [r["acceptance"]["se"] for r in rows]
    ax.errorbar(x, y, yerr=se, marker="o", ms=3, capsize=2, label=label, color=color)


def _save(fig, ax, path: Path, title: str, xlabel: str, ylabel: str = "acceptance probability (dimensionless)",
          logx: bool = False) -> Path:
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logx:
        ax.set_xscale("log")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save(fig, path)


def _by_activation(path: Path, data: dict, x_key: str, title: str, xlabel: str, logx=False) -> Path:
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI)
    for act, rows in data.items():
        _curve(ax, rows, x_key, act, _COLORS.get(act))
    ax.set_ylim(-0.02, 1.02)
    return _save(fig, ax, path, title, xlabel, logx=logx)


def make_bnn_figures(results: dict, out_dir) -> list[Path]:
    """Write the BNN figures present in `results` into out_dir; returns the PNG paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    sweeps = results.get("sweeps")
    if sweeps:
        paths.append(_by_activation(out / "bnn_acceptance_vs_eps.png", sweeps["vs_eps"], "eps",
                                    f"acceptance vs step size (L = {sweeps['steps']}, synthetic data)", "step size eps"))
        paths.append(_by_activation(out / "bnn_acceptance_vs_width.png", sweeps["vs_width"], "width",
                                    "acceptance vs hidden width (synthetic data)", "hidden width (neurons per layer)", logx=True))
    fig1 = results.get("fig1")
    if fig1:
        paths.append(_by_activation(out / "bnn_fig1_acceptance_vs_L.png", fig1["vs_steps"], "n_steps",
                                    f"Fig. 1a: acceptance vs L (eps = {fig1['eps']:g})", "leapfrog steps L", logx=True))
        paths.append(_by_activation(out / "bnn_fig1_acceptance_vs_eps.png", fig1["vs_eps"], "eps",
                                    f"Fig. 1b: acceptance vs eps (L = {fig1['steps']})", "step size eps"))
    fig2 = results.get("fig2")
    if fig2:
        fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI)
        for act, entry in fig2.items():
            if not isinstance(entry, dict) or "rows" not in entry:
                continue
            rows = entry["rows"]
            ax.errorbar([r["acceptance"]["value"] for r in rows],
                        [r["esjd_per_gradient"]["value"] for r in rows],
                        xerr=[r["acceptance"]["se"] for r in rows],
                        yerr=[r["esjd_per_gradient"]["se"] for r in rows],
                        marker="o", ms=3, capsize=2, label=act, color=_COLORS.get(act))
        paths.append(_save(fig, ax, out / "bnn_fig2_efficiency_vs_acceptance.png",
                           f"Fig. 2: efficiency vs acceptance (T = {fig2['T']:g})", "acceptance probability (dimensionless)",
                           ylabel="squared jump distance per gradient evaluation"))
    fig3 = results.get("fig3")
    if fig3:
        fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI)
        for key, label in (("layers_1", "1 hidden layer"), ("layers_2", "2 hidden layers")):
            _curve(ax, fig3.get(key, []), "d", label)
        ax.set_ylim(-0.02, 1.02)
        paths.append(_save(fig, ax, out / "bnn_fig3_acceptance_vs_parameters.png",
                           "Fig. 3: ReLU acceptance vs number of parameters", "number of parameters d", logx=True))
    orders = results.get("orders")
    if orders:
        fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI)
        for act, o in orders.items():
            for key, style, text in (("one_step_order_crossing", "o-", "one crossing"),
                                     ("one_step_order_no_crossing", "s--", "no crossing")):
                fit = o.get(key)
                if fit:
                    ax.errorbar(o["one_step_eps_grid"], fit["mean_abs"], yerr=fit["mean_abs_se"], fmt=style, ms=3,
                                color=_COLORS.get(act),
                                label=f"{act}, {text}: slope {fit['value']:.2f} ± {fit['se']:.2f}")
        ax.set_yscale("log")
        paths.append(_save(fig, ax, out / "bnn_one_step_orders.png", "one-step energy error on a network",
                           "step size eps", ylabel="mean |dH| per step (energy units)", logx=True))
    return paths
