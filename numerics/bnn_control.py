r"""The smooth control at matched stiffness: softplus_beta(z) = log(1 + e^(beta z)) / beta
networks against the ReLU network on the same posterior (numerics.bnn).

softplus_beta is C^infinity for every beta and tends to relu as beta grows (0 <= sigma - relu
<= log 2 / beta); its second derivative beta s (1 - s) peaks at beta / 4, so the curvature of U
near the former kink surfaces grows like beta. Sweeping beta at a fixed step separates the two
effects the paper's comparison mixes: a loss of acceptance that is already there at beta ~ 1
(where nothing is kink-like) is stiffness of the posterior; a loss that appears only as beta
grows, with the crossing-free part of dH growing with it, is the kink (resolved by leapfrog
only when eps |dz/dt| << 1 / beta). Every run also records lambda_max (numerics.bnn_stiffness)
so that "matched stiffness" is measured, not assumed.
"""
from __future__ import annotations

import numpy as np

from relu_hmc.numerics import bnn, bnn_hmc, bnn_stiffness
from relu_hmc.numerics.estimators import mean_estimate, variance_estimate
from relu_hmc.numerics.validation import rng_from


def _rms(x: np.ndarray) -> float | None:
    return float(np.sqrt(np.mean(x ** 2))) if x.size else None


def control_run(activation: str, beta: float, width: int, eps: float, n_steps: int, n_proposals: int,
                n_chains: int, warmup: int, seed, n_states: int = 4, n_iter: int = 30) -> dict:
    """HMC on one network (activation, beta) with the attribution of dH and lambda_max at
    n_states states per chain. Every statistic with its SE across chains."""
    rng = rng_from(seed)
    model = bnn.make_bnn(activation, width, 1, beta=beta)
    run = bnn_hmc.run_hmc(model, eps, n_steps, n_proposals, rng, n_chains=n_chains, warmup=warmup,
                          attribute=True, keep_states=n_states)
    stiff = bnn_stiffness.state_stiffness(model, run.states, eps, rng, n_iter)
    finite = np.isfinite(run.energy_error)
    # crossing-free part of dH per trajectory: S (smooth steps); for a smooth network all of dH - B
    smooth_sq = np.where(finite, run.smooth, np.nan) ** 2
    return {"activation": activation, "beta": beta, "width": width, "d": model.d, "eps": eps, "n_steps": n_steps,
            "acceptance": mean_estimate(run.chain_acceptance()).as_dict(),
            "diverged_fraction": float(1.0 - finite.mean()),
            "rms_smooth": float(np.sqrt(np.nanmean(smooth_sq))) if finite.any() else None,
            # dH - B: everything but the exact telescoped term (crossings + smooth + rest)
            "rms_non_telescoped": _rms((run.energy_error - run.boundary)[finite]),
            "rms_dH": _rms(run.energy_error[finite]),
            "var_dH": variance_estimate(run.energy_error[finite]).as_dict() if finite.sum() > 3 else None,
            "crossings_per_trajectory": float(run.crossings.mean()),
            "stiffness": stiff}
