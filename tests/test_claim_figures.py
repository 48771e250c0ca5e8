"""Claim figures draw the prediction from the prediction dict (never from the measurement), the
measurement with its error bars, and say so when a measurement has no SE."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from relu_hmc import plots  # noqa: E402
from relu_hmc.claims import all_claims  # noqa: E402
from relu_hmc.claims.bnn import plot_orders  # noqa: E402


def _slope(line) -> float:
    x, y = (np.asarray(v, float) for v in line.get_data())
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def _fit(eps, slope):
    y = 0.3 * np.asarray(eps) ** slope
    return {"value": slope, "se": 0.05, "mean_abs": list(y), "mean_abs_se": list(0.05 * y),
            "slope_small_eps": slope, "slope_large_eps": slope}


def test_network_orders_figure_draws_the_predicted_orders_not_the_rounded_measured_slopes():
    eps = [0.1, 0.05, 0.025, 0.0125]
    # measured slopes 1.4 and 2.4 round to 1 and 2; the prediction says 1 and 3
    measurements = {"relu": {"crossing_step_order": _fit(eps, 1.4), "one_step_order_no_crossing": _fit(eps, 2.4),
                             "crossing_eps_grid": eps, "one_step_eps_grid": eps},
                    "softplus": {"one_step_order_no_crossing": None, "one_step_eps_grid": eps},
                    "sigmoid": {"one_step_order_no_crossing": _fit(eps, 2.4), "one_step_eps_grid": eps}}
    prediction = {"crossing_step_order": 1, "smooth_step_order": 3}
    fig, ax = plt.subplots()
    plot_orders(ax, prediction, measurements)
    theory = {line.get_label(): _slope(line) for line in ax.get_lines() if line.get_label().startswith("theory")}
    plt.close(fig)
    assert sorted(theory) == ["theory: order 1", "theory: order 3"]
    assert abs(theory["theory: order 1"] - 1) < 1e-9 and abs(theory["theory: order 3"] - 3) < 1e-9
    labels = ax.get_legend_handles_labels()[1]
    assert any("softplus" in label and "not measured" in label for label in labels)


def test_a_value_without_se_is_labelled_so_and_drawn_without_an_invented_bar():
    fig, ax = plt.subplots()
    plots.predicted_value(ax, 2.9, None, 3.0, ylabel="order (dimensionless)")
    labels = ax.get_legend_handles_labels()[1]
    plt.close(fig)
    assert "measured (no SE)" in labels and "theory: 3" in labels


def test_every_claim_with_figures_in_the_report_has_a_plot_including_the_closed_form_ones():
    by_id = {c.id: c for c in all_claims()}
    for claim_id in ("gaussian-dh/mean", "gaussian-dh/variance", "local-order/smooth-q", "local-order/smooth-p",
                     "crossing-step/exact-formula"):
        assert by_id[claim_id].plot is not None, claim_id
