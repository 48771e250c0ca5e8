"""Trajectories of any palindromic splitting (relu_hmc.splittings) on product targets.

A splitting with kicks k_0..k_m and drifts d_1..d_m advances (q, p) by
p <- p - k_0 eps grad U(q), q <- q + d_1 eps p, ..., p <- p - k_m eps grad U(q) per step
(velocity Verlet is kicks (1/2, 1/2), drift 1: then the result is `leapfrog_trajectory`'s to
the last bit). Built-in families run on ``_fastcore.splitting`` (compiled, or the pure twin);
every drift counts the kinks it crosses.
"""
from __future__ import annotations

import numpy as np

from relu_hmc import _fastcore
from relu_hmc.numerics.leapfrog import Trajectory
from relu_hmc.numerics.potentials import Potential
from relu_hmc.numerics.validation import check_count, check_state, check_step_size
from relu_hmc.splittings import Splitting, resolve


def splitting_trajectory(potential: Potential, q0: np.ndarray, p0: np.ndarray, eps: float, n_steps: int,
                         splitting: Splitting | str = "leapfrog") -> Trajectory:
    """Run `n_steps` steps of size `eps` of `splitting` from (q0, p0), arrays (n_chains, d).

    `splitting`: a `relu_hmc.splittings.Splitting`, a built-in name or a "k1,d1,k2,..." string.
    Returns a `numerics.leapfrog.Trajectory` (final q, p; H(end) - H(start) per chain; kink
    crossings per chain, summed over the drifts). Raises ValueError (one line) for eps <= 0,
    n_steps < 1, non-finite or misshapen states, a bad splitting or a potential that is not
    a built-in family. Inputs are not modified.
    """
    eps = check_step_size(eps)
    n_steps = check_count("n_steps", n_steps)
    q0 = check_state("q0", q0)
    p0 = check_state("p0", p0, shape=q0.shape)
    splitting = resolve(splitting)
    if not isinstance(potential, Potential):
        raise ValueError(f"potential must be a built-in numerics.potentials Potential, got {type(potential).__name__}")
    kicks = np.array(splitting.kick_values, dtype=np.float64)
    drifts = np.array(splitting.drift_values, dtype=np.float64)
    q, p, energy, crossings = _fastcore.splitting.trajectory(
        potential.family, potential.params, potential.kinks, kicks, drifts, q0, p0, eps, n_steps)
    return Trajectory(q, p, energy, crossings)
