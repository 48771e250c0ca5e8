"""Negative controls with a stated power for the claims judged on the MEASURED d -> infinity limit
law (numerics.limit_law): optimal-acceptance/{kinked,smooth} and literature/* (acceptance-limit,
optimal-acceptance, step-exponent).

Each claim states a resolution: tolerance / |prediction|. Fed its own real (quick-budget)
measurement and the compared prediction moved by TWICE that resolution (either way), it must
FAIL; with the true prediction it must pass. The optimal acceptances must be resolved to 0.02
ABSOLUTE or better (issue 13). And a wrong law must fail: the optimum of the other regularity
(k = 2 for a kink, k = 1 for a smooth target; RWM's 0.234 for MALA), i.e. the measured optimum
tells the exponent apart, not only a 2 x resolution shift.
(tests/test_negative_controls.py runs the generic control over every family at another seed.)
"""
import copy

import pytest

from relu_hmc.claims import all_claims
from relu_hmc.suite import run_suite
from relu_hmc.theory.tuning import optimal_acceptance

LIMIT_LAWS = ("rwm", "mala", "rwm-walls", "mala-kinked")
#: claim id -> the prediction key its comparison reads (every part of a composite reads one entry of it)
KEYS = {"optimal-acceptance/kinked": "optimal_acceptance", "optimal-acceptance/smooth": "optimal_acceptance"}
KEYS.update({f"literature/{law}-optimal-acceptance": "optimal_acceptance" for law in LIMIT_LAWS})
KEYS.update({f"literature/{law}-step-exponent": "step_exponent" for law in LIMIT_LAWS})
KEYS.update({f"literature/{law}-acceptance-limit": "acceptance" for law in LIMIT_LAWS})
TARGET_ABSOLUTE = 0.02  # issue 13: optimal acceptances resolved to <= 0.02 absolute

#: a wrong law's optimum: the other regularity's (k, m)
WRONG_LAW = {"optimal-acceptance/kinked": (2, 1), "optimal-acceptance/smooth": (1, 1),
             "literature/mala-optimal-acceptance": (1, 2), "literature/rwm-optimal-acceptance": (3, 2),
             "literature/mala-kinked-optimal-acceptance": (3, 2)}


@pytest.fixture(scope="module")
def measured():
    """Real quick-budget results of these claims (run once for this module, seed 7)."""
    claims = [c for c in all_claims() if c.id in KEYS]
    suite = run_suite(claims, budget="quick", seed=7, progress_stream=None)
    return {r.claim.id: r for r in suite.results}


def _moved(prediction, key, factor):
    wrong = copy.deepcopy(prediction)
    wrong[key] = [v * factor for v in wrong[key]] if isinstance(wrong[key], list) else wrong[key] * factor
    return wrong


def test_every_limit_law_claim_has_a_control():
    own = {c.id for c in all_claims() if c.kind == "claim" and (c.id in ("optimal-acceptance/kinked",
                                                                         "optimal-acceptance/smooth")
                                                               or (c.id.startswith("literature/")))}
    assert own == set(KEYS)


@pytest.mark.slow
@pytest.mark.parametrize("claim_id", sorted(KEYS))
def test_prediction_off_by_twice_the_resolution_fails(measured, claim_id):
    result = measured[claim_id]
    assert result.verdict.passed, f"{claim_id} should pass with the true prediction: {result.verdict.detail}"
    key = KEYS[claim_id]
    resolution = max(p.resolution for p in (result.verdict.parts or (result.verdict,)))
    for sign in (+1, -1):
        verdict = result.claim.evaluate(_moved(result.prediction, key, 1 + sign * 2 * resolution), result.measurements)
        assert not verdict.passed, f"{claim_id} passed {key} moved by {sign * 2 * resolution:.3g}: {verdict.detail}"


@pytest.mark.slow
@pytest.mark.parametrize("claim_id", sorted(k for k in KEYS if k.endswith("optimal-acceptance")
                                            or k.startswith("optimal-acceptance/")))
def test_optimal_acceptance_is_resolved_to_two_hundredths(measured, claim_id):
    verdict = measured[claim_id].verdict
    assert verdict.tolerance <= TARGET_ABSOLUTE, f"{claim_id}: tolerance {verdict.tolerance:.3g} > {TARGET_ABSOLUTE}"


@pytest.mark.slow
@pytest.mark.parametrize("claim_id", sorted(WRONG_LAW))
def test_the_optimum_of_a_wrong_law_fails(measured, claim_id):
    result = measured[claim_id]
    wrong = dict(result.prediction, optimal_acceptance=float(optimal_acceptance(*WRONG_LAW[claim_id])))
    verdict = result.claim.evaluate(wrong, result.measurements)
    assert not verdict.passed, f"{claim_id} passed the optimum {wrong['optimal_acceptance']:.4f}: {verdict.detail}"
