"""The real-data table (issue 15, item e), an observation: per activation, the average acceptance,
the test MSE and the test MSE at the most efficient step size of HMC on a width-10 network
fitted to the bundled diabetes set (numerics.bnn_real_data states every definition; settings in
numerics.bnn_config.REAL_DATA_BUDGETS).

Why an observation: theory predicts no acceptance level or test error for these posteriors. The
product-target optima (0.452 kinked, 0.651 smooth; theory.tuning) are printed next to the
acceptance at the most efficient step as context only: on a ladder of a few step sizes the
acceptance at the best ladder point is not an estimate of the optimum (the step-size ladder is
coarse and the efficiency measured is ESJD in parameter space), so no comparison is made. The
efficiency-optimal acceptance itself is measured in relu_hmc.claims.bnn_efficiency.

Measured (quick budget, seeds 0-9; ranges over seeds, SEs of single runs 0.002-0.01 in MSE):
average acceptance over the ladder relu 0.29-0.34, leaky_relu 0.27-0.33, sigmoid 0.71-0.73, tanh
0.72-0.74; test MSE over the ladder 0.459-0.471, 0.454-0.477, 0.414-0.417, 0.434-0.442; the most
efficient eps 0.014 for relu and leaky_relu on every seed (acceptance there 0.67-0.79, test MSE
0.427-0.454), 0.04 for tanh (0.56-0.67, 0.419-0.432), 0.028 or 0.04 for sigmoid (0.47-0.90: its
efficiency is nearly flat there, bootstrap stability down to 0.56; MSE 0.407-0.415). Sigmoid's test
MSE is the lowest on every seed; the kinked networks tolerate step sizes about 3x smaller.
"""
from __future__ import annotations

import math

from relu_hmc.claims.base import Claim, Task, Verdict, register

_TABLE_COLUMNS = ("activation", "average acceptance", "test MSE (ladder average)", "best eps (share of resamples)",
                  "acceptance at best eps", "test MSE at best eps", "pooled test MSE at best eps")


def predict_product_target_optima() -> dict:
    """The optimal acceptance of HMC on product targets (theory.tuning.optimal_acceptance, m = 1):
    kinked (k = 1) 0.452, smooth (k = 2) 0.651; context for network measurements."""
    from relu_hmc.theory.tuning import optimal_acceptance

    return {"kinked": float(optimal_acceptance(1, 1)), "smooth": float(optimal_acceptance(2, 1))}


def draw_product_target_optima(ax, prediction) -> None:
    """The product-target optima of `predict_product_target_optima` as vertical context lines on an
    acceptance axis (kinked dotted, smooth dashed), and the axis limits of an acceptance probability."""
    for key, style in (("kinked", ":"), ("smooth", "--")):
        ax.axvline(prediction[key], color="black", ls=style, lw=0.8,
                   label=f"product-target optimum, {key} ({prediction[key]:.3f}): context")
    ax.set_xlim(-0.02, 1.02)


def measure_activation(activation: str, budget: str, seed) -> dict:
    from relu_hmc.numerics import bnn_real_data

    return bnn_real_data.summarise(bnn_real_data.real_data_point(activation, budget, seed), seed=0)


def _tasks(budget: str) -> list[Task]:
    from relu_hmc.numerics import bnn_config

    return [Task("relu_hmc.claims.bnn_real_data:measure_activation", {"activation": a, "budget": budget}, a)
            for a in bnn_config.REAL_DATA_BUDGETS[budget]["activations"]]


def _pm(e: dict, digits: int = 3) -> str:
    return f"{e['value']:.{digits}f} ± {e['se']:.1g}"


def table_rows(measurements: dict) -> list[tuple[str, ...]]:
    """One row of strings per activation, columns `_TABLE_COLUMNS` (± one SE across chains)."""
    rows = []
    for act, m in measurements.items():
        rows.append((act, _pm(m["average_acceptance"]), _pm(m["average_test_mse"], 4),
                     f"{m['best_eps']:g} ({m['best_eps_stability']:.2f})", _pm(m["acceptance_at_best"]),
                     _pm(m["test_mse_at_best"], 4), _pm(m["pooled_test_mse_at_best"], 4)))
    return rows


def compare_table(prediction, measurements):
    """An observation: one part per activation, measured = the test MSE at the most efficient eps,
    its quantity naming the other cells (± SE); the whole table in the detail. It cannot fail on
    the numbers; a non-finite entry is an error."""
    parts = []
    for act, m in measurements.items():
        if not all(math.isfinite(m[k]["value"]) for k in ("average_acceptance", "average_test_mse",
                                                          "acceptance_at_best", "test_mse_at_best")):
            raise ValueError(f"{act}: a table entry is not finite")
        edge = "; at the end of the ladder: not bracketed" if m["best_eps"] in (m["eps_grid"][0], m["eps_grid"][-1]) else ""
        parts.append(Verdict(
            True, math.nan, m["test_mse_at_best"]["value"], m["test_mse_at_best"]["se"], math.inf,
            f"observation: SE across independent chains; most efficient eps chosen in "
            f"{m['best_eps_stability']:.0%} of chain-bootstrap resamples{edge}; pooled (ensemble) test MSE there "
            f"{_pm(m['pooled_test_mse_at_best'], 4)}",
            f"{act}: test MSE at the most efficient eps {m['best_eps']:g} (acceptance there "
            f"{_pm(m['acceptance_at_best'], 2)}); over the ladder: acceptance {_pm(m['average_acceptance'], 2)}, "
            f"test MSE {_pm(m['average_test_mse'])}"))
    first = next(iter(measurements.values()))
    table = "; ".join(" | ".join(r) for r in table_rows(measurements))
    detail = (f"observation (cannot fail): {first['data']} data, width {first['width']} (d = {first['d']}), "
              f"L = {first['steps']}, eps ladder {first['eps_grid']}, {first['chains']} chains x "
              f"{first['proposals']} proposals per eps and activation; most efficient eps = the ladder point of "
              f"largest ESJD per gradient evaluation; SE across independent chains. Columns: "
              f"{' | '.join(_TABLE_COLUMNS)}. Rows: {table}. Product-target optima for context (no comparison "
              f"made): kinked {prediction['kinked']:.3f}, smooth {prediction['smooth']:.3f}")
    return Verdict(True, math.nan, parts[0].measured, parts[0].se, math.inf, detail,
                   "test MSE at the most efficient eps (first activation; all in the parts)", tuple(parts))


def plot_table(ax, prediction, measurements):
    """Test MSE (± SE) against acceptance along the eps ladder, one curve per activation, the
    most efficient eps marked with a star; the product-target optima as vertical lines. The legend
    carries the table's cells (± SE), so every report format shows the table with the figure."""
    from relu_hmc import plots

    for (act, m), color in zip(measurements.items(), plots.color_cycle()):
        acc = [e["value"] for e in m["acceptance_by_eps"]]
        mse = [e["value"] for e in m["test_mse_by_eps"]]
        ax.errorbar(acc, mse, xerr=[e["se"] for e in m["acceptance_by_eps"]],
                    yerr=[e["se"] for e in m["test_mse_by_eps"]], fmt="o-", ms=3, lw=1, capsize=2, color=color,
                    label=f"{act}: mean acc. {_pm(m['average_acceptance'], 2)}, MSE {_pm(m['average_test_mse'])}; "
                          f"at eps {m['best_eps']:g}: acc. {_pm(m['acceptance_at_best'], 2)}, "
                          f"MSE {_pm(m['test_mse_at_best'])}")
        ax.plot([m["acceptance_at_best"]["value"]], [m["test_mse_at_best"]["value"]], "*", ms=11, color=color,
                markeredgecolor="black")
    ax.plot([], [], "*", ms=9, color="grey", markeredgecolor="black", label="most efficient eps (ESJD per gradient)")
    draw_product_target_optima(ax, prediction)
    # headroom above the data for the legend (it carries the table: one line per activation)
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + (0.25 + 0.1 * len(measurements)) * (high - low))
    ax.set_xlabel("acceptance probability (dimensionless)")
    ax.set_ylabel("test MSE (standardised target units squared)")
    ax.legend(fontsize=5.5, loc="upper center", framealpha=0.9)


register(Claim(
    id="bnn-real-data/table",
    statement="Real-data table (diabetes, width 10): per activation the average acceptance over an eps ladder, "
              "the test MSE, and the test MSE at the most efficient eps.",
    source="Dinh, Ho, Nguyen, NeurIPS 2024 (arXiv 2410.22065), real-data table (UTKFace there; scikit-learn's "
           "diabetes here); numerics.bnn_real_data",
    family="bnn-acceptance",
    prediction=Task("relu_hmc.claims.bnn_real_data:predict_product_target_optima"),
    measurements=_tasks,
    compare=compare_table,
    plot=plot_table,
    kind="observation",
))
