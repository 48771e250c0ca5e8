"""Network-level claims (relu_hmc.claims.bnn_networks): each claim passes on data that obeys it
and fails on data, or a kernel, that does not (negative controls)."""
from __future__ import annotations

import numpy as np
import pytest

from relu_hmc._fastcore import _bnn_py
from relu_hmc.claims import all_claims
from relu_hmc.claims import bnn_networks as claims
from relu_hmc.claims.step_size import predict_variance_pair
from relu_hmc.numerics import bnn, bnn_networks


def _law_measurements(exponents: dict, seed=0, chains=8, count_exponent=1.0):
    """Synthetic step-size-law points: per-chain Var(dH) and Var(C) = C d^x times lognormal noise,
    and crossings per trajectory = 2 width^count_exponent times lognormal noise."""
    rng = np.random.default_rng(seed)
    out = {}
    for g, x in exponents.items():
        for w in (4, 16, 64):
            d = 3 * w + 1
            var = 0.01 * d ** x * np.exp(0.3 * rng.standard_normal(chains))
            out[f"g{g:g}-w{w}"] = {"activation": "relu", "gamma": g, "d": d, "width": w,
                                    "acceptance": {"value": 0.9, "se": 0.01}, "chain_var_dH": var.tolist(),
                                    "chain_var_crossing": (0.5 * var).tolist(), "stability_number_max": 0.5,
                                    "chain_crossings": (2.0 * w ** count_exponent
                                                        * np.exp(0.1 * rng.standard_normal(chains))).tolist()}
    return out


def test_relu_law_observation_reports_agreement_and_disagreement_in_its_parts():
    """An observation passes whatever it measures; its parts still tell kinked scaling (0, 1/2)
    from smooth scaling (-1, 0), so the reader sees which law the data follow."""
    prediction = predict_variance_pair()
    kinked = claims.compare_relu_law(prediction, _law_measurements({0.5: 0.0, 0.25: 0.5}))
    smooth = claims.compare_relu_law(prediction, _law_measurements({0.5: -1.0, 0.25: 0.0}))
    assert kinked.passed and smooth.passed and "observation" in kinked.detail
    assert all(p.passed for p in kinked.parts)
    assert not any(p.passed for p in smooth.parts)
    assert "disagrees" in smooth.detail


def test_relu_law_refuses_a_diverged_chain():
    m = _law_measurements({0.5: 0.0, 0.25: 0.5})
    m["g0.5-w64"]["chain_var_dH"][0] = float("inf")
    with pytest.raises(ValueError, match="diverged"):
        claims.compare_relu_law(predict_variance_pair(), m)


def test_crossing_count_claim_passes_a_count_linear_in_width_and_fails_otherwise():
    """The count part of the kinked law: crossings per trajectory ~ width^1; a count growing like
    width^0.5 (fewer crossings per unit in wider networks) or width^1.5 must fail."""
    prediction = claims.predict_crossing_count()
    assert prediction["count_exponent"] == 1.0
    law = {0.5: 0.0, 0.25: 0.5}
    assert claims.compare_crossing_count(prediction, _law_measurements(law)).passed
    for wrong in (0.5, 1.5):
        assert not claims.compare_crossing_count(prediction, _law_measurements(law, count_exponent=wrong)).passed


def test_relu_law_observation_names_the_factors_of_the_law_and_their_sum():
    """Var(C) = count x eps^2 x kappa^2: with kappa^2 ~ d^-1 and the count ~ width, the factor
    exponents add up to the exponent of Var(C) (here -1 - 2 gamma + ~1)."""
    m = _law_measurements({0.5: 0.0, 0.25: 0.5})
    for point in m.values():
        point["chain_crossing_mean_square"] = (1e3 / point["d"] * np.ones(8)).tolist()
    verdict = claims.compare_relu_law(predict_variance_pair(), m)
    assert "crossings per trajectory" in verdict.detail and "does not transfer" in verdict.detail
    assert "kappa^2 (one crossing's mean square / eps^2) -1.00" in verdict.detail
    assert "sum count + kappa^2 - 2 gamma" in verdict.detail


def test_derivative_at_zero_claim_fails_when_acceptance_moves():
    runs = {"unit_evaluations": 1e7,
            "runs": [{"derivative_at_zero": v, "chain_acceptance": [0.9, 0.8, 0.95, 0.85], "identical_to_first": True,
                      "changed_proposals": 0, "n_proposals": 120} for v in (0.0, 0.5, 1.0)]}
    assert claims.compare_derivative_at_zero(claims.predict_null_set(), {"runs": runs}).passed
    runs["runs"][2] = {"derivative_at_zero": 1.0, "chain_acceptance": [0.8, 0.7, 0.86, 0.74],
                       "identical_to_first": False, "changed_proposals": 90, "n_proposals": 120}
    assert not claims.compare_derivative_at_zero(claims.predict_null_set(), {"runs": runs}).passed


def test_derivative_at_zero_claim_catches_a_kernel_that_uses_the_value_off_the_null_set(monkeypatch):
    """Negative control: a kernel that applies sigma'(0) on a band |z| < 0.05 (not a null set)
    changes the trajectories, and the claim fails (on its bit-identity part: the acceptance moved
    by ~0.29 +- 0.09 at seed 3, within 4 SE of the statistical part)."""
    exact = _bnn_py.activate

    def sloppy(code, z, slope, at_zero=None):
        a, da = exact(code, z, slope, at_zero)
        if at_zero is not None:
            da = np.where(np.abs(z) < 0.05, at_zero, da)
        return a, da

    # the pure twin's fused evaluate/leapfrog call the module's activate
    monkeypatch.setattr(_bnn_py, "activate", sloppy)
    monkeypatch.setattr(bnn, "K", _bnn_py)
    m = bnn_networks.derivative_at_zero_run("quick", 3)
    assert not m["runs"][2]["identical_to_first"] and m["runs"][2]["changed_proposals"] > 0
    assert not claims.compare_derivative_at_zero(claims.predict_null_set(), {"runs": m}).passed


def test_observations_are_registered_as_observations():
    registered = {c.id: c for c in all_claims()}
    assert registered["bnn-network/relu-step-size-law"].kind == "observation"
    assert registered["bnn-network/relu-derivative-at-zero"].kind == "claim"
    assert registered["bnn-network/relu-crossing-count"].kind == "observation"
    assert registered["bnn-network/smooth-step-size-law"].kind == "observation"
    assert registered["bnn-network/softplus-beta-control"].kind == "observation"


def test_schedule_step_is_l_d_to_minus_gamma():
    from relu_hmc.numerics.bnn_config import NETWORK_D_REF, NETWORK_EPS_REF

    assert bnn_networks.schedule_step(NETWORK_D_REF, 0.5) == pytest.approx(NETWORK_EPS_REF)
    assert bnn_networks.schedule_step(4 * NETWORK_D_REF, 0.5) == pytest.approx(NETWORK_EPS_REF / 2)
    assert bnn_networks.schedule_step(16 * NETWORK_D_REF, 0.25) == pytest.approx(NETWORK_EPS_REF / 2)


def _depth_measurements(shallow_acceptance=0.9, deep_acceptance=0.95, chains=8):
    out = {}
    for d in (100, 400):
        for layers, acc, width in ((1, shallow_acceptance, d // 3), (2, deep_acceptance, int(d ** 0.5))):
            out[f"layers{layers}-d{d}"] = {
                "layers": layers, "width": width, "d": d, "eps": 5e-4, "n_steps": 40,
                "chain_acceptance": (acc + 0.01 * np.arange(chains) / chains).tolist(),
                "chain_crossings": [40.0 * layers] * chains, "chain_var_crossing": [1e-3] * chains,
                "chain_var_rest": [2e-3] * chains, "stability_number_median": 0.5, "stability_number_max": 0.6}
    return out


def test_shallow_vs_deep_is_an_observation_that_reports_the_difference_and_its_parts():
    from relu_hmc.claims import bnn_depth

    verdict = bnn_depth.compare_depth(bnn_depth.predict_nothing(), _depth_measurements())
    assert verdict.passed and verdict.measured == pytest.approx(-0.05)
    assert "crossings per trajectory" in verdict.detail and "Var(C)" in verdict.detail
    registered = {c.id: c for c in all_claims()}
    assert registered["bnn-network/shallow-vs-deep"].kind == "observation"
