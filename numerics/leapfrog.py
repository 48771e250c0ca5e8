"""Leapfrog trajectories for batches of independent chains on product targets.

Leapfrog (velocity Verlet, Leimkuhler & Reich 2004, sec. 2.2) for H(q, p) = U(q) + |p|^2/2:

    p_{1/2} = p - (eps/2) grad U(q),   q' = q + eps p_{1/2},   p' = p_{1/2} - (eps/2) grad U(q').

Built-in families run on the compiled kernel (``_fastcore.BACKEND`` says which backend);
`CallablePotential` runs on the pure engine. Both count kink crossings.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relu_hmc import _fastcore
from relu_hmc.numerics.potentials import CallablePotential, Potential
from relu_hmc.numerics.validation import check_count, check_state, check_step_size


@dataclass(frozen=True)
class Trajectory:
    """End of `n_steps` leapfrog steps for each chain.

    q, p: final states (n_chains, d); energy_error: H(end) - H(start) per chain;
    crossings: number of kink crossings per chain (a coordinate moving across a kink in a
    position update, counted once per kink crossed).
    """

    q: np.ndarray
    p: np.ndarray
    energy_error: np.ndarray
    crossings: np.ndarray


def leapfrog_trajectory(potential: Potential | CallablePotential, q0: np.ndarray, p0: np.ndarray,
                        eps: float, n_steps: int) -> Trajectory:
    """Run `n_steps` leapfrog steps of size `eps` from (q0, p0), arrays of shape (n_chains, d).

    Raises ValueError (one line) for eps <= 0, n_steps < 1, non-finite or misshapen states.
    Inputs are not modified.
    """
    eps = check_step_size(eps)
    n_steps = check_count("n_steps", n_steps)
    q0 = check_state("q0", q0)
    p0 = check_state("p0", p0, shape=q0.shape)
    if isinstance(potential, Potential):
        q, p, energy, crossings = _fastcore.trajectory(
            potential.family, potential.params, potential.kinks, q0, p0, eps, n_steps)
    elif isinstance(potential, CallablePotential):
        kinks = potential.kinks
        q, p, energy, crossings = _fastcore.integrate_callables(
            potential.u, potential.grad, lambda x: np.searchsorted(kinks, x, side="right"),
            q0, p0, eps, n_steps)
    else:
        raise ValueError(f"potential must be a numerics.potentials Potential or CallablePotential, "
                         f"got {type(potential).__name__}")
    return Trajectory(q, p, energy, crossings)
