"""The real-data table (numerics.bnn_real_data, claim bnn-real-data/table) and the efficiency-optimal
acceptance on networks (numerics.bnn_efficiency, observation bnn-network/efficiency-optimal-acceptance):
the estimators on inputs with known answers, the predictive draws they read, and one small real run."""
from __future__ import annotations

import math

import numpy as np
import pytest

from relu_hmc.claims import all_claims
from relu_hmc.claims import bnn_efficiency as eff_claim
from relu_hmc.claims import bnn_real_data as table_claim
from relu_hmc.numerics import bnn, bnn_data, bnn_efficiency, bnn_hmc, bnn_real_data


# -- the table -------------------------------------------------------------------------------------
def _table_point(esjd_means, acc_means, mse_means, chains=10, seed=0, noise=0.01):
    """A `real_data_point` output with per-chain values = given means + small noise (5 test points)."""
    rng = np.random.default_rng(seed)
    y = bnn_data.load("diabetes").y_test[:, 0]
    rows = []
    for k, (e, a, m) in enumerate(zip(esjd_means, acc_means, mse_means)):
        rows.append({"eps": 0.01 * 2 ** k,
                     "chain_acceptance": (a + noise * rng.standard_normal(chains)).tolist(),
                     "chain_test_mse": (m + noise * rng.standard_normal(chains)).tolist(),
                     "chain_esjd_per_gradient": (e + noise * rng.standard_normal(chains)).tolist(),
                     "diverged_fraction": 0.0,
                     "pred_mean": (y + 0.5 * rng.standard_normal((chains, y.size))).tolist()})
    return {"activation": "relu", "data": "diabetes", "width": 10, "d": 121, "steps": 20, "chains": chains,
            "proposals": 20, "rows": rows}


def test_table_picks_the_most_efficient_eps_and_averages_over_chains():
    """Best eps = the largest mean ESJD per gradient (here the second of three); the averages are
    means over the ladder of per-chain values, their SEs across chains."""
    row = bnn_real_data.summarise(_table_point([1.0, 3.0, 2.0], [0.9, 0.6, 0.1], [0.50, 0.42, 0.48]))
    assert row["best_eps"] == 0.02 and row["best_eps_stability"] == 1.0
    assert row["acceptance_at_best"]["value"] == pytest.approx(0.6, abs=0.02)
    assert row["test_mse_at_best"]["value"] == pytest.approx(0.42, abs=0.02)
    assert row["average_acceptance"]["value"] == pytest.approx(np.mean([0.9, 0.6, 0.1]), abs=0.02)
    assert 0 < row["average_acceptance"]["se"] < 0.01
    # pooled MSE of 10 chains' noisy predictions (sd 0.5 each) ~ 0.25 / 10
    assert row["pooled_test_mse_at_best"]["value"] == pytest.approx(0.025, rel=0.5)


def test_table_best_eps_is_unstable_when_two_eps_tie():
    """Two ladder points of (almost) equal mean efficiency, one spread over chains (0 or 4, mean 2)
    and one constant 2.0001: the full sample picks the constant one, and a chain-bootstrap resample
    picks it only when the spread one's resampled mean falls below 2.0001, about half the time."""
    point = _table_point([2.0, 2.0, 1.0], [0.9, 0.6, 0.1], [0.5, 0.4, 0.5], chains=40, noise=0.0)
    point["rows"][0]["chain_esjd_per_gradient"] = [0.0, 4.0] * 20
    point["rows"][1]["chain_esjd_per_gradient"] = [2.0001] * 40
    row = bnn_real_data.summarise(point)
    assert row["best_eps"] == point["rows"][1]["eps"]
    assert 0.35 < row["best_eps_stability"] < 0.65


def test_table_observation_has_every_cell_as_a_part_and_refuses_a_non_finite_cell():
    prediction = table_claim.predict_product_target_optima()
    assert prediction["kinked"] == pytest.approx(0.452, abs=1e-3)
    assert prediction["smooth"] == pytest.approx(0.651, abs=1e-3)
    rows = {a: bnn_real_data.summarise(_table_point([1.0, 3.0, 2.0], [0.9, 0.6, 0.1], [0.5, 0.42, 0.48], seed=i))
            for i, a in enumerate(("relu", "sigmoid"))}
    verdict = table_claim.compare_table(prediction, rows)
    assert verdict.passed and len(verdict.parts) == 2 and "observation" in verdict.detail
    assert "most efficient eps 0.02 (acceptance there 0.60" in verdict.parts[0].quantity
    assert verdict.parts[0].measured == rows["relu"]["test_mse_at_best"]["value"]
    rows["relu"]["test_mse_at_best"]["value"] = math.nan
    claim = next(c for c in all_claims() if c.id == "bnn-real-data/table")
    assert claim.evaluate(prediction, rows).quantity == "error"


# -- the efficiency optimum ------------------------------------------------------------------------
def test_vertex_acceptance_reads_the_acceptance_at_the_parabola_vertex():
    """Efficiency exactly quadratic in log eps with its vertex at eps = 0.003 between ladder points;
    acceptance on the kinked law a = 2 Phi(-c eps), which the interpolation between ladder points
    (log z linear in log eps) reproduces exactly: the vertex acceptance is 2 Phi(-0.003 c)."""
    from scipy.special import ndtr

    eps = np.array([0.001, 0.002, 0.004, 0.008])
    x = np.log(eps)
    efficiency = 1.0 - (x - np.log(0.003)) ** 2
    acceptance = 2 * ndtr(-100 * eps)
    value, edge = bnn_efficiency.vertex_acceptance(eps, acceptance, efficiency)
    assert not edge
    assert value == pytest.approx(2 * ndtr(-0.3), abs=1e-9)
    value, edge = bnn_efficiency.vertex_acceptance(eps, acceptance, efficiency[::-1] * 0 + eps)
    assert edge and value == acceptance[-1]


def test_chain_efficiency_is_ess_per_gradient_and_zero_for_a_stuck_chain():
    rng = np.random.default_rng(1)
    draws = rng.standard_normal((400, 2, 3))
    draws[:, 1, :] = 0.7  # a chain that rejected every proposal
    e = bnn_efficiency.chain_efficiency(draws, gradients=4000)
    assert e[1] == 0.0
    assert e[0] * 4000 == pytest.approx(400, rel=0.3)  # iid draws: ESS ~ N


@pytest.mark.parametrize("power, optimum", [(1, 0.452), (2, 0.651)])
def test_cost_normalised_acceptance_is_the_product_target_optimum_for_the_model_laws(power, optimum):
    """a = 2 Phi(-(c eps)^p) on a coarse ladder bracketing the maximum of eps a(eps): the kinked law
    (p = 1) peaks at acceptance 0.452, the smooth law (p = 2) at 0.651 (theory.tuning), and the
    local exponents of z = -Phi^-1(a/2) are p."""
    from scipy.special import ndtr

    from relu_hmc.theory.tuning import optimal_acceptance

    eps = np.geomspace(0.001, 0.004, 5)
    c = 1.0 / 0.0022
    acceptance = 2 * ndtr(-((c * eps) ** power))
    value, edge = bnn_efficiency.cost_normalised_acceptance(eps, acceptance)
    assert not edge and value == pytest.approx(float(optimal_acceptance(power, 1)), abs=2e-3)
    assert value == pytest.approx(optimum, abs=2e-3)
    np.testing.assert_allclose(bnn_efficiency.probit_exponents(eps, acceptance), power, rtol=1e-9)


def test_cost_normalised_acceptance_sits_before_a_stability_cliff():
    """The kinked law up to eps = 0.002, then acceptance collapsing (z ~ eps^8): the maximum of
    eps a(eps) lies on the collapse, where the law z ~ eps^8 gives the product-target optimum for
    exponent 8 (Phi(-z) = 8 z phi(z), theory.tuning), far above 0.452."""
    from scipy.special import ndtr

    from relu_hmc.theory.tuning import optimal_acceptance

    eps = np.geomspace(0.001, 0.004, 7)
    z = 50 * eps * np.maximum(1.0, eps / 0.002) ** 7
    value, edge = bnn_efficiency.cost_normalised_acceptance(eps, 2 * ndtr(-z))
    assert not edge and value == pytest.approx(float(optimal_acceptance(8, 1)), abs=2e-3)
    assert value > 0.85
    assert bnn_efficiency.probit_exponents(eps, 2 * ndtr(-z))[-1] == pytest.approx(8, rel=1e-9)


def _efficiency_points(peak_acceptance: float, chains=8, seed=0):
    rng = np.random.default_rng(seed)
    out = {}
    for k, eps in enumerate((0.001, 0.0016, 0.0025, 0.004, 0.0063)):
        acc = 1.0 - 0.22 * k
        eff = 1.0 - 4.0 * (acc - peak_acceptance) ** 2
        out[f"relu-{k}"] = {"activation": "relu", "eps": eps, "n_steps": 10, "d": 31, "draws_per_chain": 300,
                            "median_ess": 50.0, "chain_acceptance": (acc + 0.01 * rng.standard_normal(chains)).tolist(),
                            "chain_ess_per_gradient": (eff + 0.02 * rng.standard_normal(chains)).tolist()}
    return out


def test_efficiency_optimum_recovers_a_known_peak_with_a_bootstrap_interval():
    """Efficiency peaking at acceptance 0.56 (the third ladder point): measured within its interval."""
    o = bnn_efficiency.efficiency_optimum(list(_efficiency_points(0.56).values()), seed=0, n_boot=200)
    a = o["optimal_acceptance"]
    assert a["lo"] <= 0.56 <= a["hi"] and a["value"] == pytest.approx(0.56, abs=0.05)
    assert not o["at_boundary"]
    c, d = o["cost_normalised_acceptance"], o["ess_minus_cost_normalised"]
    mean_acceptance = [np.mean(p["chain_acceptance"]) for p in _efficiency_points(0.56).values()]
    assert c["value"] == bnn_efficiency.cost_normalised_acceptance(o["eps_grid"], mean_acceptance)[0]
    eps = np.asarray(o["eps_grid"])
    same_estimator = bnn_efficiency.vertex_acceptance(eps, mean_acceptance, eps * np.asarray(mean_acceptance))[0]
    assert d["value"] == pytest.approx(a["value"] - same_estimator) and c["lo"] <= c["value"] <= c["hi"]


def test_efficiency_optimum_bootstraps_chains_jointly_across_the_ladder():
    """Every ladder point runs the same chains, so a chain-specific factor shared by all its points
    (a chain in a stiffer mode: lower efficiency everywhere) cannot move the argmax of the mean
    curve; the paired bootstrap keeps chains whole, so the optimum's SE is ~0 though the factors
    vary by 10x. Unequal chain counts cannot be paired and are refused."""
    points = list(_efficiency_points(0.56, chains=8).values())
    factor = np.geomspace(0.1, 1.0, 8)
    for p in points:
        p["chain_acceptance"] = [np.mean(p["chain_acceptance"])] * 8
        p["chain_ess_per_gradient"] = (np.mean(p["chain_ess_per_gradient"]) * factor).tolist()
    o = bnn_efficiency.efficiency_optimum(points, seed=0, n_boot=200)
    assert o["optimal_acceptance"]["se"] < 1e-9 and o["ess_minus_cost_normalised"]["se"] < 1e-9
    points[0] = {**points[0], "chain_acceptance": points[0]["chain_acceptance"][:7]}
    with pytest.raises(ValueError, match="same chains"):
        bnn_efficiency.efficiency_optimum(points, seed=0, n_boot=10)


def test_efficiency_observation_reports_both_optima_and_their_difference():
    points = _efficiency_points(0.56)
    points.update({k.replace("relu", "sigmoid"): {**v, "activation": "sigmoid"}
                   for k, v in _efficiency_points(0.78, seed=1).items()})
    verdict = eff_claim.compare_optimum(table_claim.predict_product_target_optima(), points)
    assert verdict.passed and len(verdict.parts) == 2
    assert "ESS optimum: relu - sigmoid" in verdict.detail and "resolved" in verdict.detail
    assert "eps a(eps) optimum: relu - sigmoid" in verdict.detail
    assert "maximum of eps a(eps) at acceptance" in verdict.parts[0].detail
    assert verdict.parts[0].predicted == pytest.approx(0.452, abs=1e-3)


# -- predictive draws and real runs ----------------------------------------------------------------
def test_recorded_draws_are_the_chains_predictions_and_potentials():
    model = bnn.make_bnn("relu", 5, 1)
    run = bnn_hmc.run_hmc(model, 0.001, 5, 6, 3, n_chains=3, warmup=2, record_draws=True)
    assert run.draws_prediction.shape == (6, 3, model.data.x_test.shape[0], 1)
    np.testing.assert_allclose(run.draws_prediction[-1], model.predict(run.q, model.data.x_test))
    np.testing.assert_allclose(run.draws_potential[-1], model.potential(run.q))
    np.testing.assert_allclose(run.draws_prediction.mean(axis=0), run.pred_mean)


def test_recording_draws_needs_regression_test_inputs():
    model = bnn.make_bnn("relu", 4, 1, bnn_data.load("iris"))
    with pytest.raises(ValueError, match="record_draws needs regression"):
        bnn_hmc.run_hmc(model, 0.001, 2, 2, 0, n_chains=2, warmup=0, record_draws=True)


@pytest.mark.slow
def test_an_efficiency_point_is_seeded_and_measures_positive_efficiency():
    a = bnn_efficiency.efficiency_point("relu", 0.002, "quick", 5)
    b = bnn_efficiency.efficiency_point("relu", 0.002, "quick", 5)
    assert a == b
    assert 0.3 < np.mean(a["chain_acceptance"]) <= 1.0
    assert np.mean(a["chain_ess_per_gradient"]) > 0


# -- figures and run sizes -------------------------------------------------------------------------
def _draw(plot, prediction, measurements):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    plot(ax, prediction, measurements)
    fig.canvas.draw()
    return fig, ax


def test_acceptance_bar_figure_legend_does_not_cover_the_bars():
    """bnn/relu-acceptance-below-sigmoid: the legend box lies above every bar and error bar, even
    at acceptance 1 (it used to cover them)."""
    import matplotlib.pyplot as plt

    from relu_hmc.claims.bnn import plot_acceptance, predict_fixed_T_orders

    measurements = {a: {"acceptance": {"value": 0.999, "se": 0.001}} for a in ("relu", "sigmoid")}
    fig, ax = _draw(plot_acceptance, predict_fixed_T_orders(), measurements)
    legend = ax.get_legend().get_window_extent()
    top_of_data = max(p.get_window_extent().y1 for p in ax.patches)
    top_of_data = max([top_of_data] + [line.get_window_extent().y1 for line in ax.lines if line.get_xydata().size])
    plt.close(fig)
    assert legend.y0 > top_of_data


def test_table_and_efficiency_figures_mark_the_chosen_points():
    import matplotlib.pyplot as plt

    prediction = table_claim.predict_product_target_optima()
    rows = {"relu": bnn_real_data.summarise(_table_point([1.0, 3.0, 2.0], [0.9, 0.6, 0.1], [0.5, 0.42, 0.48]))}
    fig, ax = _draw(table_claim.plot_table, prediction, rows)
    stars = [line for line in ax.lines if line.get_marker() == "*" and len(line.get_xdata()) == 1]
    assert stars and stars[0].get_xdata()[0] == pytest.approx(rows["relu"]["acceptance_at_best"]["value"])
    plt.close(fig)
    fig, ax = _draw(eff_claim.plot_optimum, prediction, _efficiency_points(0.56))
    labels = ax.get_legend_handles_labels()[1]
    plt.close(fig)
    assert any(label.startswith("relu: optimum") for label in labels)


def test_law_runs_give_narrow_networks_more_chains():
    from relu_hmc.numerics import bnn_config

    cfg = bnn_config.NETWORK_BUDGETS["quick"]
    counts = [bnn_config.law_chain_count("quick", w) for w in cfg["law_widths"]]
    assert counts == sorted(counts, reverse=True) and min(counts) == cfg["law_chains"]
    assert counts[0] == cfg["law_chain_units"] // cfg["law_widths"][0]


@pytest.mark.slow
def test_network_ess_agrees_with_arviz():
    """The ESS behind the efficiency curve (split-chain Geyer, `split_ess`) against ArviZ's
    ess(method="mean") (the same split-chain Geyer estimator; the implementations differ in the
    truncation of the autocorrelation sum, as in tests/test_efficiency.py, hence 10%) on predictive
    draws of a ReLU network, per chain and test point."""
    arviz = pytest.importorskip("arviz")

    model = bnn.make_bnn("relu", 10, 1)
    run = bnn_hmc.run_hmc(model, 0.002, 25, 300, 4, n_chains=4, warmup=20, record_draws=True)
    draws = run.draws_prediction[:, :, ::25, 0]
    for c in range(draws.shape[1]):
        for j in range(draws.shape[2]):
            x = draws[:, c, j]
            if np.ptp(x) > 0:
                assert bnn_efficiency.split_ess(x) == pytest.approx(float(arviz.ess(x[None, :], method="mean")),
                                                                     rel=0.10)
