"""Negative controls: every claim family, fed a deliberately wrong prediction together with
real (small-budget) measurements, must FAIL. A comparison that passes anything is useless."""
import copy

import pytest

from relu_hmc.claims import all_claims
from relu_hmc.suite import run_suite


@pytest.fixture(scope="module")
def measured():
    """Real quick-budget results of the suite's own claims (run once for this module)."""
    claims = [c for c in all_claims() if c.family in WRONG]
    suite = run_suite(claims, budget="quick", seed=3, progress_stream=None)
    return {r.claim.id: r for r in suite.results}


def _wrong_order(key, wrong):
    def corrupt(prediction):
        prediction[key] = wrong
    return corrupt


def _scale(key, factor):
    def corrupt(prediction):
        prediction[key] = prediction[key] * factor if not isinstance(prediction[key], list) else [
            v * factor for v in prediction[key]]
    return corrupt


def _wrong_acceptance(prediction):
    prediction["sigma0"] *= 2.0  # Sigma_0 doubled
    prediction["acceptance"] = [min(a * 0.9, 1.0) for a in prediction["acceptance"]]


def _wrong_formula(prediction):
    prediction["dH"] = prediction["dH"] + " + epsilon**2/8"  # a wrong eps^2 term


WRONG = {
    "local-order": {"local-order/smooth-energy": _wrong_order("energy_order", 2)},
    "global-order": {"global-order/smooth-energy": _wrong_order("order", 4)},
    "shadow": {"shadow/smooth-conservation": _wrong_order("order", 3)},
    "crossing-step": {"crossing-step/order": _wrong_order("order", 3),
                      "crossing-step/exact-formula": _wrong_formula},
    "gaussian-dh": {"gaussian-dh/mean": _scale("mean", 2.0), "gaussian-dh/variance": _scale("variance", 1.1)},
    "acceptance-limit": {"acceptance-limit/kinked": _wrong_acceptance, "acceptance-limit/smooth": _wrong_acceptance},
    "cross-check": {"cross-check/rwm-optimal-acceptance": _scale("acceptance", 1.01),
                    "cross-check/mala-optimal-acceptance": _scale("acceptance", 0.99)},
}


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(WRONG))
def test_wrong_prediction_fails(measured, family):
    for claim_id, corrupt in WRONG[family].items():
        result = measured[claim_id]
        assert result.verdict.passed, f"{claim_id} should pass with the true prediction: {result.verdict.detail}"
        wrong = copy.deepcopy(result.prediction)
        corrupt(wrong)
        verdict = result.claim.evaluate(wrong, result.measurements)
        assert not verdict.passed, f"{claim_id} passed a wrong prediction: {verdict.detail}"


def test_every_registered_family_has_a_negative_control():
    own = {c.family for c in all_claims() if c.id.split("/")[0] in WRONG or c.family in WRONG}
    assert own <= set(WRONG)
