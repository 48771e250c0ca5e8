"""The per-integrator claims (relu_hmc.claims.integrators): theory's constants, and negative
controls: each comparison passes on its own measurement and fails when the prediction is
moved by twice the verdict's resolution (so the check can fail and resolves what it states).

Measurements here are smaller than the suite's (the controls are relative to each verdict's
own tolerance); the suite's budgets run in `relu-hmc verify --only 'integrator/*'`.
"""
from fractions import Fraction

import numpy as np
import pytest

from relu_hmc.claims import integrators as claims
from relu_hmc.splittings import BUILTIN_NAMES, builtin, two_stage
from relu_hmc.theory.splitting import crossing_phase_constant, crossing_phase_moments

N_SIGMA0 = 400_000
N_ORDER = 256


def _moved(verdict, prediction_value, sign):
    return prediction_value + sign * 2.0 * verdict.tolerance


@pytest.mark.parametrize("name", ["leapfrog", "position_verlet", "two_stage_bcss", "two_stage_mclachlan"])
def test_event_constant_is_the_per_step_constant_when_stages_stay_in_the_step(name):
    assert not claims._leaves_step(name)
    assert crossing_phase_constant(name) == crossing_phase_moments(name)[1]


@pytest.mark.parametrize("b", ["1/5", "1/4", "3/10", "0.21178"])
def test_two_stage_event_constant_is_the_closed_form(b):
    x = float(Fraction(b))
    K = float(crossing_phase_constant(two_stage(b)))
    assert K == pytest.approx(2.0 / 3.0 * (x**3 + (0.5 - x) ** 3), rel=1e-12)
    assert K >= float(crossing_phase_constant(two_stage("1/4")))


def test_yoshida_event_constant_matches_one_crossing_simulated_directly():
    """Yoshida's stages leave the step: one pass through a kink (J = 1, p = 1, uniform phase)
    changes H by eps c_event(theta); E[(dH/eps)^2] over the phase is the event constant
    theory.splitting.crossing_phase_constant, not the per-step int c^2 = 2^(1/3)/12."""
    assert claims._leaves_step("yoshida4")
    splitting = builtin("yoshida4")
    kicks, drifts = np.array(splitting.kick_values), np.array(splitting.drift_values)
    rng = np.random.default_rng(5)
    eps, n = 1e-4, 400_000
    q = -(rng.uniform(0.0, 1.0, n) + 4.0) * eps
    p = np.ones(n)
    h0 = np.where(q >= 0, q, 0.0) + p * p / 2
    for _ in range(10):
        for i, k in enumerate(kicks):
            p = p - k * eps * (q >= 0)
            if i < drifts.size:
                q = q + drifts[i] * eps * p
    sq = ((np.where(q >= 0, q, 0.0) + p * p / 2 - h0) / eps) ** 2
    K, se = float(crossing_phase_constant("yoshida4")), sq.std() / np.sqrt(n)
    assert abs(sq.mean() - K) <= 4 * se + 1e-3  # + O(eps) of the first-order expansion
    assert abs(sq.mean() - float(crossing_phase_moments("yoshida4")[1])) > 100 * se


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_global_order_claim_resolves_a_tenth_and_fails_when_moved(name):
    prediction = claims.predict_global_order(name)
    measured = {"smooth": claims.measure_global_order(name, N_ORDER, seed=3)}
    verdict = claims.compare_global_order(prediction, measured)
    assert verdict.passed, verdict
    assert verdict.tolerance <= 0.1
    for sign in (-1, 1):
        moved = dict(prediction, global_order=_moved(verdict, prediction["global_order"], sign))
        assert not claims.compare_global_order(moved, measured).passed


@pytest.mark.slow
@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_kinked_sigma0_claim_fails_when_moved_by_twice_its_resolution(name):
    prediction = claims.predict_kinked_sigma0(name)
    measured = {"kinked": claims.measure_kinked_sigma0(name, N_SIGMA0, seed=4)}
    verdict = claims.compare_kinked_sigma0(prediction, measured)
    assert verdict.passed, verdict
    for sign in (-1, 1):
        moved = dict(prediction, sigma0_rate=prediction["sigma0_rate"] * (1 + sign * 2 * verdict.resolution))
        assert not claims.compare_kinked_sigma0(moved, measured).passed


@pytest.mark.slow
def test_two_stage_optimum_fails_for_another_minimiser():
    prediction = claims.predict_two_stage_constants()
    measured = {f"b={b}": claims.measure_kinked_sigma0(str(two_stage(b)), 2 * N_SIGMA0, seed=6)
                for b in claims.TWO_STAGE_B}
    assert claims.compare_two_stage_optimum(prediction, measured).passed
    for wrong in ("1/5", "3/10"):
        assert not claims.compare_two_stage_optimum(dict(prediction, minimiser=wrong), measured).passed


def test_sigma0_claims_report_theory_splittings_per_step_constant():
    p = claims.predict_kinked_sigma0("yoshida4")
    assert p["K_per_step_int_c2"] == pytest.approx(2 ** (1 / 3) / 12)
    assert p["K"] == pytest.approx(0.18502, abs=1e-4) and p["n_grad"] == 3
    assert p["J"] == 2.0 and p["pi_b"] == pytest.approx(0.5)
