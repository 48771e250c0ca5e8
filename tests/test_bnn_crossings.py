"""Constructed crossing steps and the fixed-T decomposition ladder (numerics.bnn_crossings)."""
from __future__ import annotations

import numpy as np
import pytest

from relu_hmc.numerics import bnn, bnn_crossings, bnn_experiments


@pytest.fixture(scope="module")
def model():
    return bnn_experiments.model_for("relu", 6)


def test_first_surface_hit_lies_on_an_activation_surface(model):
    rng = np.random.default_rng(0)
    q0 = model.sample_prior(rng, 5)
    direction = rng.standard_normal(q0.shape)
    t_star, gap = bnn_crossings.first_surface_hits(model, q0, direction)
    z = model.evaluate(q0 + t_star[:, None] * direction, gradient=False).z[0].reshape(5, -1)
    scale = np.abs(model.evaluate(q0, gradient=False).z[0]).reshape(5, -1).max(axis=1)
    assert np.all(np.abs(z).min(axis=1) <= 1e-12 * scale)  # z is linear along the line: hit exactly
    assert np.all(gap > 0)


def test_constructed_steps_cross_one_surface_and_match_the_crossing_formula(model):
    rng = np.random.default_rng(1)
    q0 = model.sample_prior(rng, 4)
    eps = np.array([1e-6, 2e-6, 4e-6])
    built = bnn_crossings.constructed_crossing_steps(model, q0, eps, 8, rng)
    assert built["n_kept"] >= built["n_built"] // 2
    # leading term (J . dq)(1/2 - theta) + O(eps^2): the relative gap shrinks like eps
    relative = np.abs(built["dH"] - built["predicted"]) / np.abs(built["predicted"])
    assert np.median(relative[:, 0]) < np.median(relative[:, -1])


def test_smooth_network_has_no_crossing_to_construct():
    smooth = bnn_experiments.model_for("sigmoid", 4)
    with pytest.raises(ValueError, match="no activation kinks"):
        bnn_crossings.constructed_crossing_steps(smooth, smooth.sample_prior(np.random.default_rng(0), 2),
                                                 [1e-5], 2, np.random.default_rng(0))


def test_decomposition_ladder_is_the_trajectory_bookkeeping_at_each_eps(model):
    q0 = model.sample_prior(np.random.default_rng(2), 3)
    ladder = bnn_crossings.decomposition_ladder(model, q0, [1e-4, 2e-4], 0.002, 2, np.random.default_rng(3))
    assert ladder["dH"].shape == ladder["S"].shape == ladder["B"].shape == (6, 2)
    p0 = np.random.default_rng(3).standard_normal((6, model.d))  # the ladder's own momenta
    for column, (eps, n_steps) in enumerate(((1e-4, 20), (2e-4, 10))):
        direct = bnn.trajectory(model, np.repeat(q0, 2, axis=0), p0, eps, n_steps)
        np.testing.assert_array_equal(ladder["dH"][:, column], direct.energy_error)
        np.testing.assert_array_equal(ladder["S"][:, column], direct.predicted)
