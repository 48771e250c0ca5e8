"""HMC on product targets: the exp(-dH) identity, stationarity, determinism, bad input.

Statistical checks allow 4 standard errors (numerics.estimators) with fixed seeds: deterministic,
and a correct implementation fails one comparison with probability about 6e-5.
"""
from __future__ import annotations

import numpy as np
import pytest

from relu_hmc import _fastcore
from relu_hmc._fastcore import _leapfrog_py
from relu_hmc.numerics import potentials
from relu_hmc.numerics.hmc import run_hmc, stationary_energy_errors
from relu_hmc.numerics.estimators import mean_estimate, variance_estimate

N_SE = 4.0


@pytest.mark.parametrize("potential, eps", [(potentials.gaussian(), 0.6), (potentials.laplace(), 0.2)],
                         ids=["gaussian", "laplace"])
def test_stationary_starts_satisfy_the_exp_minus_dh_identity(potential, eps):
    """Leapfrog is reversible and volume preserving, so from q ~ pi, p ~ N(0, I):
    E[exp(-dH)] = 1 exactly (kinked or not), while E[dH] > 0 (Jensen)."""
    sample = stationary_energy_errors(potential, d=4, eps=eps, n_steps=8, n_proposals=40_000, seed=2024)
    identity = mean_estimate(np.exp(-sample.energy_error))
    assert abs(identity.value - 1.0) <= N_SE * identity.se, f"E[exp(-dH)] = {identity}"
    drift = mean_estimate(sample.energy_error)
    assert drift.value > N_SE * drift.se > 0.0, f"E[dH] = {drift}"
    if potential.is_kinked:
        assert sample.crossings.sum() > 0


def test_the_identity_fails_for_non_stationary_starts():
    """Power check: from q = 0 (not a stationary draw) the identity does not hold."""
    potential = potentials.gaussian()
    rng = np.random.default_rng(1)
    q0, p0 = np.full((20_000, 4), 1.5), rng.standard_normal((20_000, 4))
    from relu_hmc.numerics.leapfrog import leapfrog_trajectory

    trajectory = leapfrog_trajectory(potential, q0, p0, 0.3, 8)
    identity = mean_estimate(np.exp(-trajectory.energy_error))
    assert abs(identity.value - 1.0) > 10 * identity.se


def test_energy_error_sample_has_the_requested_size_and_acceptance():
    sample = stationary_energy_errors(potentials.laplace(), d=3, eps=0.1, n_steps=5, n_proposals=1000, seed=3,
                                      batch=128)
    assert sample.energy_error.shape == sample.crossings.shape == (1000,)
    assert (sample.d, sample.eps, sample.n_steps) == (3, 0.1, 5)
    np.testing.assert_array_equal(sample.acceptance, np.minimum(1.0, np.exp(-sample.energy_error)))


@pytest.mark.parametrize("potential", [potentials.gaussian(), potentials.laplace(0.7)], ids=["gaussian", "laplace"])
def test_hmc_chains_started_in_stationarity_stay_there(potential):
    """Across independent chains the state after any number of proposals is an exact draw
    from pi: mean 0 and the target variance (sigma^2 = 1; Laplace 2 b^2) within 4 SE."""
    run = run_hmc(potential, d=3, eps=0.3, n_steps=6, n_proposals=15, seed=77, n_chains=4000, n_keep=3)
    final = run.samples[-1].ravel()
    target_variance = 1.0 if potential.name == "gaussian" else 2 * 0.7 ** 2
    mean, variance = mean_estimate(final), variance_estimate(final)
    assert abs(mean.value) <= N_SE * mean.se
    assert abs(variance.value - target_variance) <= N_SE * variance.se
    assert 0.5 < run.acceptance_rate < 1.0
    # the Metropolis decision: acceptance frequency == mean acceptance probability
    accepted = mean_estimate(run.accepted.astype(float))
    assert abs(accepted.value - run.accept_prob.mean()) <= N_SE * accepted.se


def test_hmc_from_a_non_stationary_start_reaches_the_target():
    run = run_hmc(potentials.gaussian(2.0), d=2, eps=0.5, n_steps=6, n_proposals=40, seed=5, n_chains=3000,
                  stationary_start=False, n_keep=2)
    variance = variance_estimate(run.samples[-1].ravel())
    assert abs(variance.value - 4.0) <= N_SE * variance.se
    assert run.gradient_evaluations == 40 * 3000 * 6


def test_hmc_records_its_bookkeeping():
    run = run_hmc(potentials.laplace(), d=5, eps=0.2, n_steps=4, n_proposals=7, seed=1, n_chains=3, n_keep=2)
    assert run.samples.shape == (7, 3, 2)
    assert run.energy_error.shape == run.accept_prob.shape == run.accepted.shape == (7, 3)
    np.testing.assert_array_equal(run.accept_prob, np.minimum(1.0, np.exp(-run.energy_error)))
    # a rejected proposal keeps the state
    for i in range(1, 7):
        kept = ~run.accepted[i]
        np.testing.assert_array_equal(run.samples[i][kept], run.samples[i - 1][kept])


def test_divergent_proposals_are_rejected_with_acceptance_probability_zero():
    """eps far beyond the stability limit: non-finite dH, never accepted, accept_prob 0."""
    with np.errstate(all="ignore"):
        run = run_hmc(potentials.quartic(0.0, 1.0), d=2, eps=3.0, n_steps=40, n_proposals=5, seed=0, n_chains=4)
    diverged = ~np.isfinite(run.energy_error)
    assert diverged.any()
    assert not run.accepted[diverged].any()
    np.testing.assert_array_equal(run.accept_prob[diverged], 0.0)


# --- determinism: the same seed gives the same numbers, compiled or fallback -------------

def test_same_seed_same_numbers():
    potential = potentials.piecewise_linear([-0.5, 0.5], [-1.0, 0.2, 1.5])
    a = stationary_energy_errors(potential, 6, 0.1, 10, 300, seed=9)
    b = stationary_energy_errors(potential, 6, 0.1, 10, 300, seed=9)
    c = stationary_energy_errors(potential, 6, 0.1, 10, 300, seed=10)
    np.testing.assert_array_equal(a.energy_error, b.energy_error)
    np.testing.assert_array_equal(a.crossings, b.crossings)
    assert not np.array_equal(a.energy_error, c.energy_error)
    r1 = run_hmc(potential, 6, 0.1, 10, 20, seed=9, n_chains=3)
    r2 = run_hmc(potential, 6, 0.1, 10, 20, seed=np.random.default_rng(9), n_chains=3)
    np.testing.assert_array_equal(r1.samples, r2.samples)
    np.testing.assert_array_equal(r1.energy_error, r2.energy_error)


def test_compiled_and_fallback_give_the_same_chains(monkeypatch):
    potential = potentials.softplus_kink(0.1, -1.0, 1.5, 0.2, 0.3)
    first = run_hmc(potential, 8, 0.15, 12, 25, seed=31, n_chains=4)
    monkeypatch.setattr(_fastcore, "trajectory", _leapfrog_py.trajectory)
    second = run_hmc(potential, 8, 0.15, 12, 25, seed=31, n_chains=4)
    np.testing.assert_allclose(first.energy_error, second.energy_error, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(first.accepted, second.accepted)
    np.testing.assert_allclose(first.samples, second.samples, rtol=1e-12, atol=0)


def test_the_global_numpy_random_state_is_neither_used_nor_changed():
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    run_hmc(potentials.gaussian(), 2, 0.2, 3, 5, seed=4)
    stationary_energy_errors(potentials.laplace(), 2, 0.2, 3, 5, seed=4)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


# --- bad input ------------------------------------------------------------------------

GOOD = {"potential": potentials.gaussian(), "d": 2, "eps": 0.1, "n_steps": 3, "n_proposals": 4, "seed": 0}


@pytest.mark.parametrize("function", [stationary_energy_errors, run_hmc], ids=["stationary_energy_errors", "run_hmc"])
@pytest.mark.parametrize("change, message", [
    ({"d": 0}, r"d must be >= 1, got 0"),
    ({"d": 2.0}, r"d must be an integer >= 1, got 2\.0"),
    ({"eps": 0.0}, r"eps must be a finite number > 0, got 0\.0"),
    ({"eps": -1.0}, r"eps must be a finite number > 0, got -1\.0"),
    ({"eps": float("nan")}, r"eps must be a finite number > 0, got nan"),
    ({"n_steps": 0}, r"n_steps must be >= 1, got 0"),
    ({"n_proposals": 0}, r"n_proposals must be >= 1, got 0"),
    ({"seed": -1}, r"seed must be a non-negative integer or a numpy Generator, got -1"),
    ({"seed": 1.5}, r"seed must be a non-negative integer or a numpy Generator, got 1\.5"),
    ({"seed": None}, r"seed must be a non-negative integer or a numpy Generator, got None"),
    ({"potential": "gaussian"}, r"potential must be a numerics.potentials Potential or CallablePotential, got str"),
])
def test_bad_arguments_raise_one_line_value_errors(function, change, message):
    with pytest.raises(ValueError, match=message) as error:
        function(**{**GOOD, **change})
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("change, message", [
    ({"n_chains": 0}, r"n_chains must be >= 1, got 0"),
    ({"n_keep": 0}, r"n_keep must be >= 1, got 0"),
])
def test_bad_run_hmc_options_raise(change, message):
    with pytest.raises(ValueError, match=message):
        run_hmc(**{**GOOD, **change})


@pytest.mark.parametrize("batch, message", [(0, r"batch must be >= 1, got 0"), (-3, r"batch must be >= 1, got -3"),
                                            (2.5, r"batch must be an integer >= 1, got 2\.5")])
def test_bad_batch_sizes_raise(batch, message):
    with pytest.raises(ValueError, match=message):
        stationary_energy_errors(**GOOD, batch=batch)
