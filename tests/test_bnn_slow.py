"""Statistical checks of the BNN experiments (quick budget settings) and the figure writer.

Tolerances are the measurements' own standard errors (z = 4, as the claim API's default),
never widened to pass; the slow tests run in CI (`-m slow`).
"""
from __future__ import annotations

import numpy as np
import pytest

from relu_hmc.numerics import bnn_config, bnn_experiments
from relu_hmc.plots_bnn import make_bnn_figures

SEED = bnn_config.SEED


@pytest.fixture(scope="module")
def cfg():
    return bnn_config.budget("quick")


def curvature(fit):
    """The finite-eps bend of a log-log fit: |slope(small-eps half) - slope(large-eps half)|."""
    return abs(fit["slope_small_eps"] - fit["slope_large_eps"])


@pytest.mark.slow
def test_energy_error_minus_crossings_is_second_order_at_fixed_T(cfg):
    d = bnn_experiments.crossing_decomposition("relu", cfg, SEED)
    r = d["remainder_order"]  # dH - B - S: smooth trapezoid errors and crossing corrections
    assert abs(r["value"] - 2.0) <= 4 * r["se"] + curvature(r)
    c = d["crossing_part_order"]  # the crossing sum itself is first order
    assert abs(c["value"] - 1.0) <= 4 * c["se"] + curvature(c)
    assert c["value"] + 4 * c["se"] < r["value"] - 4 * r["se"]


@pytest.mark.slow
def test_relu_crossing_steps_first_order_sigmoid_third(cfg):
    relu = bnn_experiments.energy_orders("relu", cfg, SEED)
    sig = bnn_experiments.energy_orders("sigmoid", cfg, SEED)
    c = relu["crossing_step_order"]
    s = sig["one_step_order_no_crossing"]
    assert relu["crossing_steps_kept"] >= relu["crossing_steps_built"] // 2
    assert abs(c["value"] - 1.0) <= 4 * c["se"] + curvature(c)
    assert abs(s["value"] - 3.0) <= 4 * s["se"] + curvature(s)
    assert c["value"] + 4 * c["se"] < s["value"]


@pytest.mark.slow
def test_relu_accepts_less_than_sigmoid(cfg):
    r = bnn_experiments.acceptance_run("relu", cfg["width"], 1, "synthetic", cfg["claim_eps"],
                                       cfg["claim_steps"], cfg, SEED)["acceptance"]
    s = bnn_experiments.acceptance_run("sigmoid", cfg["width"], 1, "synthetic", cfg["claim_eps"],
                                       cfg["claim_steps"], cfg, SEED)["acceptance"]
    assert r["value"] - s["value"] + 4 * np.hypot(r["se"], s["se"]) < 0


def _row(x_key, x, acc):
    return {x_key: x, "eps": x, "n_steps": x, "d": x, "width": x,
            "acceptance": {"value": acc, "se": 0.01}, "esjd_per_gradient": {"value": acc / 10, "se": 0.001}}


def test_make_bnn_figures_writes_pngs(tmp_path):
    rows = lambda key: [_row(key, v, a) for v, a in ((1, 0.9), (2, 0.7), (4, 0.4))]  # noqa: E731
    fit = {"value": 1.0, "se": 0.1, "mean_abs": [1e-3, 2e-3, 4e-3], "mean_abs_se": [1e-4] * 3}
    results = {
        "sweeps": {"steps": 20, "vs_eps": {"relu": rows("eps")}, "vs_width": {"relu": rows("width")}},
        "fig1": {"eps": 0.002, "steps": 20, "vs_steps": {"relu": rows("n_steps")}, "vs_eps": {"relu": rows("eps")}},
        "fig2": {"T": 0.06, "relu": {"rows": rows("eps")}},
        "fig3": {"layers_1": rows("d"), "layers_2": rows("d")},
        "orders": {"relu": {"one_step_eps_grid": [1, 2, 4], "one_step_order_crossing": fit,
                            "one_step_order_no_crossing": fit}},
    }
    paths = make_bnn_figures(results, tmp_path)
    assert len(paths) == 7
    for p in paths:
        assert p.exists() and p.read_bytes()[:4] == b"\x89PNG"
    assert make_bnn_figures({}, tmp_path / "empty") == []
