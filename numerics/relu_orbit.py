"""HMC along a rescaling orbit of a ReLU regression posterior: energy errors and acceptance
of short trajectories started at theta(s) = S(s) theta_ref for several s, against random
starts. Reported as an observation by the orbit claim (the likelihood is invariant along
the orbit, the dynamics are not: the likelihood Hessian transforms as S^-1 H S^-1).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relu_hmc import _fastcore
from relu_hmc.numerics.estimators import Estimate, acceptance_probability, mean_estimate
from relu_hmc.numerics.relu_network import RegressionPosterior, ShallowNet
from relu_hmc.numerics.relu_symmetries import rescale
from relu_hmc.numerics.validation import check_count, check_step_size, rng_from


@dataclass(frozen=True)
class OrbitHMC:
    """Energy error and acceptance of single trajectories (fresh p ~ N(0, I) each) started
    at theta(s) = rescale(theta_ref, s) for each s, and at random starts."""

    scales: np.ndarray
    likelihood: np.ndarray            # L(theta(s)) per s (constant along the orbit)
    prior: np.ndarray                 # prior energy per s (not constant)
    abs_energy_error: list[Estimate]  # E|dH| per s
    acceptance: list[Estimate]        # E min(1, e^-dH) per s
    random_abs_energy_error: Estimate
    random_acceptance: Estimate
    eps: float
    n_steps: int
    n_traj: int
    energy_error: list[Estimate]      # E dH (signed) per s
    random_energy_error: Estimate




def orbit_hmc(post: RegressionPosterior, reference: ShallowNet, scales, eps: float, n_steps: int,
              n_traj: int, seed, *, random_starts=None) -> OrbitHMC:
    """Trajectories of n_steps leapfrog steps from each orbit point (n_traj momenta each) and
    from `random_starts` (an (n, P) array; default n_traj draws theta ~ N(0, tau^2 I), the
    prior). Each trajectory is independent, so SE = sd / sqrt(n)."""
    eps = check_step_size(eps)
    n_steps, n_traj = check_count("n_steps", n_steps), check_count("n_traj", n_traj, 2)
    rng = rng_from(seed)
    scales = np.asarray(scales, dtype=np.float64)
    starts = np.array([rescale(reference, s).theta for s in scales])
    lik, pri = post.likelihood(starts), post.prior(starts)

    def run(q0):
        p0 = rng.standard_normal(q0.shape)
        _, _, dH, _ = _fastcore.integrate_callables(post.potential, post.gradient, None, q0, p0, eps, n_steps)
        dH = np.where(np.isfinite(dH), dH, np.inf)
        return dH, acceptance_probability(dH)

    def clip(x):  # a diverged trajectory (inf) is rejected; keep the means finite
        return np.clip(x, -1e300, 1e300)

    abs_err, acc, signed = [], [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for q in starts:
            e, a = run(np.repeat(q[None, :], n_traj, axis=0))
            abs_err.append(mean_estimate(clip(np.abs(e))))
            signed.append(mean_estimate(clip(e)))
            acc.append(mean_estimate(a))
        if random_starts is None:
            random_starts = post.tau * rng.standard_normal((n_traj, post.n_params))
        e, a = run(np.asarray(random_starts, dtype=np.float64))
    return OrbitHMC(scales, lik, pri, abs_err, acc, mean_estimate(clip(np.abs(e))), mean_estimate(a),
                    eps, n_steps, n_traj, signed, mean_estimate(clip(e)))
