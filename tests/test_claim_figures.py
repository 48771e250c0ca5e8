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
                     "crossing-step/exact-formula", "integrator/leapfrog/global-order",
                     "integrator/yoshida4/kinked-sigma0",
                     "integrator/two-stage/kinked-optimum-b", "cross-check/rwm-optimal-acceptance",
                     "step-size-exponent/variance-linear-in-d"):
        assert by_id[claim_id].plot is not None, claim_id


# --- the verdict strip: every claim figure shows the verdict it is judged by --------------------

def _strip(verdict, **kwargs):
    from relu_hmc import plots_verdict

    fig, ax = plt.subplots()
    plots_verdict.draw(ax, verdict, **kwargs)
    texts = [t for t in ax.texts]
    points = [line for line in ax.get_lines() if line.get_marker() == "o"]
    arrows = [line for line in ax.get_lines() if line.get_marker() in (">", "<")]
    bars = [c for c in ax.collections if c.__class__.__name__ == "LineCollection"]
    band = [p for p in ax.patches]
    plt.close(fig)
    return texts, points, arrows, bars, band


def test_strip_has_one_row_per_part_with_the_standardised_deviation_and_the_z_se_bar():
    from relu_hmc.claims.base import Z, all_of, at_most, within

    two_sided = within(0.5, 0.52, 0.004, quantity="exponent", bias=0.01, bias_reason="Richardson remainder")
    one_sided = at_most(0.8, 0.3, 0.02, quantity="acceptance collapses")
    wrong = within(1.0, 1.5, 0.01, quantity="a wrong prediction")
    verdict = all_of([two_sided, one_sided, wrong], quantity="composite").as_dict()
    texts, points, arrows, bars, band = _strip(verdict)
    assert len(texts) == 3 + 2  # a label per part, and the value of each of the two arrows off the axis
    labels = [t.get_text() for t in texts if "\n" in t.get_text()]
    assert [label.split("\n")[0] for label in labels] == ["PASS exponent", "PASS acceptance collapses",
                                                          "FAIL a wrong prediction"]
    assert "resolution 5.2%" in labels[0] and "pass: left of band" in labels[1]
    # the in-range part: x = (measured - predicted) / tolerance, bar = z SE / tolerance
    (point,) = points
    tol = Z * 0.004 + 0.01
    assert abs(point.get_xdata()[0] - 0.02 / tol) < 1e-12
    segment = bars[0].get_segments()[0]
    assert abs((segment[1][0] - segment[0][0]) / 2 - Z * 0.004 / tol) < 1e-12
    # the one-sided part passes left of the band, the wrong one fails right of it: arrows at the edges
    assert sorted(a.get_marker() for a in arrows) == ["<", ">"]
    assert [a.get_color() for a in arrows if a.get_marker() == ">"] == ["#b00000"]
    # the band is predicted ± tolerance: -1..1 in tolerances
    (span,) = band
    assert (span.get_x(), span.get_x() + span.get_width()) == (-1.0, 1.0)


def test_strip_of_an_observation_says_observed_and_an_exact_check_draws_no_invented_bar():
    from relu_hmc.claims.base import Verdict

    exact = Verdict(True, 3.0, 3.0, 0.0, 0.0, "exact count", "number of kinks").as_dict()
    texts, points, arrows, bars, _ = _strip(exact, observation=True)
    assert texts[0].get_text().startswith("OBSERVED number of kinks") and "exact check" in texts[0].get_text()
    assert not points and not arrows and not bars


def test_render_puts_the_strip_under_the_figure_and_the_verdict_in_the_title(tmp_path):
    from relu_hmc.claims.base import Claim, Task, all_of, within

    verdict = all_of([within(2.0, 2.01, 0.01, quantity="slope"), within(1.0, 1.0, 0.02, quantity="level")],
                     quantity="slope and level").as_dict()
    drawn = {}

    def plot(ax, prediction, measurements):
        ax.plot([1, 2], [1, 4], label="theory")
        drawn["figure"] = ax.figure

    claim = Claim("toy/figure", "a toy", "here", "toy", Task("m:f"), lambda budget: [], lambda p, m: None, plot)
    assert plots.render(claim, {}, {"m": {}}, tmp_path / "toy.png", verdict=verdict)
    axes = drawn["figure"].axes
    assert len(axes) == 2 and axes[1].get_xlabel().startswith("(measured − predicted) / tolerance")
    assert axes[0].get_title() == "toy/figure: PASS\nslope and level"
    assert {t.get_text().split("\n")[0] for t in axes[1].texts} == {"PASS slope", "PASS level"}
    assert all((tmp_path / f"toy.{fmt}").is_file() for fmt in plots.FORMATS)


def test_kinked_step_size_figures_draw_both_regimes_each_with_its_prediction():
    from relu_hmc.claims.step_size import _plot_sweep, predict_variance_pair
    from relu_hmc.theory.acceptance import acceptance_limit

    prediction = predict_variance_pair()["kinked"]  # Laplace: gamma = 1/2, 2k = 2

    def sweep(gamma, dims, variance, acceptance):
        return {"gamma": gamma, "l": 1.0, "T": 1.0,
                "points": [{"d": d, "variance": {"value": v, "se": 0.05 * v}, "acceptance": {"value": a, "se": 0.01}}
                           for d, v, a in zip(dims, variance, acceptance)]}

    measurements = {"sweep": sweep(0.25, [81, 1296, 20736], [0.5, 2.0, 8.0], [0.7, 0.4, 0.1]),
                    "contrast": sweep(0.5, [100, 900, 8100], [0.5, 0.5, 0.5], [0.75, 0.74, 0.74])}
    fig, (var_ax, acc_ax) = plt.subplots(1, 2)
    _plot_sweep((var_ax, acc_ax), prediction, measurements)
    theory = {line.get_label(): _slope(line) for line in var_ax.get_lines() if line.get_label().startswith("theory")}
    levels = [line.get_ydata()[0] for line in acc_ax.get_lines() if line.get_label().startswith("theory a(l)")]
    labels = var_ax.get_legend_handles_labels()[1] + [t.get_text() for t in acc_ax.texts]
    plt.close(fig)
    assert abs(theory["theory: d^0.5"] - 0.5) < 1e-9 and abs(theory["theory: d^0"]) < 1e-9
    # the predicted limit a(l) at the theory's gamma = 1/2, from Sigma_0 of the prediction dict
    assert levels == [float(acceptance_limit(prediction["sigma0"]))]
    assert any("gamma = 0.25 (this claim)" in label for label in labels)
    assert any("gamma = 0.5 (contrast)" in label for label in labels)
    assert "theory: → 0 as d → ∞" in labels
