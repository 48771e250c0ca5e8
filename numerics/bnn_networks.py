r"""Measurements behind the network-level claims (relu_hmc.claims.bnn_networks).

- `step_size_law_run`: HMC on one-hidden-layer networks of growing width with eps = l d^(-gamma)
  (d = parameter count) at fixed trajectory length T; per-chain acceptance and Var(dH), and
  lambda_max (numerics.bnn_stiffness) at the chains' states, for the fitted exponents in d.
  Besides Var(dH) and the crossing part C it records the factors of the kinked product-target
  law Var(C) ~ (crossings per trajectory) x eps^2 x (mean square of one crossing's contribution
  / eps^2): the count, that mean square, and the pieces of the signal r = (f - y) w_out / s^2 that
  set it (residual / noise sd, output-weight rms). Why the law failed is read off these factors
  (relu_hmc.claims.bnn_networks).
- `depth_point`: a ReLU network of one or two hidden layers with about a given parameter
  count d, at one (eps, L): acceptance, crossings per trajectory and eps sqrt(lambda_max), for
  the shallow-against-deep comparison at equal d (the paper's Fig. 3).
- `derivative_at_zero_run`: one ReLU network run three times with sigma'(0) = 0, 1/2, 1 and the
  same random numbers; the set z = 0 has measure zero, so the runs should agree bit for bit.

- `control_run` (numerics.bnn_control): softplus_beta networks against relu at one eps.

Settings: numerics.bnn_config.NETWORK_BUDGETS.
"""
from __future__ import annotations

import numpy as np

from relu_hmc.numerics import bnn, bnn_config, bnn_hmc, bnn_stiffness
from relu_hmc.numerics.estimators import mean_estimate
from relu_hmc.numerics.validation import rng_from


def schedule_step(d: int, gamma: float) -> float:
    """eps = l d^(-gamma) with l fixed by eps(NETWORK_D_REF) = NETWORK_EPS_REF."""
    return bnn_config.NETWORK_EPS_REF * (bnn_config.NETWORK_D_REF / d) ** gamma


def step_size_law_run(activation: str, width: int, gamma: float, budget: str, seed) -> dict:
    """One point of the step-size law: acceptance, Var(dH) per chain (independent units), and
    lambda_max at 2 states per chain."""
    cfg = bnn_config.NETWORK_BUDGETS[budget]
    rng = rng_from(seed)
    model = bnn.make_bnn(activation, width, 1)
    eps = schedule_step(model.d, gamma)
    n_steps = max(1, int(round(cfg["law_T"] / eps)))
    q0 = bnn_hmc.initial_states(model, bnn_config.law_chain_count(budget, width), rng, cfg["law_descent"])
    run = bnn_hmc.run_hmc(model, eps, n_steps, cfg["law_proposals"], rng, warmup=cfg["law_warmup"], q0=q0,
                          keep_states=2)
    stiff = bnn_stiffness.state_stiffness(model, run.states, eps, rng, 30)
    dh = run.energy_error
    finite = np.isfinite(dh).all(axis=0)
    crossings = run.crossings.mean(axis=0)
    var_per_chain = np.where(finite, np.var(np.where(np.isfinite(dh), dh, 0.0), axis=0), np.inf)
    return {"activation": activation, "width": width, "d": model.d, "gamma": gamma, "eps": eps, "n_steps": n_steps,
            "acceptance": mean_estimate(run.chain_acceptance()).as_dict(),
            "chain_rejection": (1.0 - run.chain_acceptance()).tolist(),
            "chain_var_dH": var_per_chain.tolist(),
            # the crossing part C of dH (predicted contributions, numerics.bnn): the kink's share
            "chain_var_crossing": np.var(run.predicted, axis=0).tolist(),
            "chain_var_boundary": np.var(run.boundary, axis=0).tolist(),
            # the law's factors (module doc): crossings per trajectory (count ~ number of kinked
            # units), the mean square of one crossing's contribution in units of eps^2, and the two
            # pieces of the backpropagated signal r = (residual / s^2) w_out that set that size
            "chain_crossings": crossings.tolist(),
            "chain_crossing_mean_square": ((run.predicted ** 2).mean(axis=0)
                                           / np.maximum(crossings, 1e-300) / eps ** 2).tolist(),
            **_signal_scales(model, run.q),
            "lambda_max_median": stiff["lambda_max_median"],
            "stability_number_max": stiff["stability_number_max"], "regime": stiff["regime"]}


def depth_point(layers: int, parameters: int, budget: str, seed) -> dict:
    """One network of `layers` hidden layers and about `parameters` parameters (widths by
    numerics.bnn.width_for_parameters) at eps = depth_eps, L = depth_steps: per-chain acceptance
    and crossings per trajectory, and lambda_max at 2 states per chain."""
    cfg = bnn_config.NETWORK_BUDGETS[budget]
    rng = rng_from(seed)
    width = bnn.width_for_parameters(parameters, 1, 1, layers)
    model = bnn.make_bnn("relu", width, layers)
    eps, n_steps = cfg["depth_eps"], cfg["depth_steps"]
    q0 = bnn_hmc.initial_states(model, cfg["depth_chains"], rng, cfg["law_descent"])
    run = bnn_hmc.run_hmc(model, eps, n_steps, cfg["depth_proposals"], rng, warmup=cfg["law_warmup"], q0=q0,
                          keep_states=2)
    stiff = bnn_stiffness.state_stiffness(model, run.states, eps, rng, 30)
    return {"layers": layers, "width": width, "d": model.d, "eps": eps, "n_steps": n_steps,
            "chain_acceptance": run.chain_acceptance().tolist(),
            "chain_crossings": run.crossings.mean(axis=0).tolist(),
            # Var(dH) split into the crossing part C and the rest dH - C (smooth + telescoped + remainder)
            "chain_var_crossing": np.var(run.predicted, axis=0).tolist(),
            "chain_var_rest": np.var(run.energy_error - run.predicted, axis=0).tolist(),
            "lambda_max_median": stiff["lambda_max_median"],
            "stability_number_median": stiff["stability_number_median"],
            "stability_number_max": stiff["stability_number_max"], "regime": stiff["regime"]}


def _signal_scales(model: bnn.BNN, q: np.ndarray) -> dict:
    """Per chain at its final state: rms residual / noise sd on the training data, and the rms
    output weight (the two factors of the backpropagated signal r_{n,i} = (f_n - y_n) w_out,i / s^2
    of a one-hidden-layer regression network)."""
    data = model.data
    resid = (model.predict(q, data.x) - data.y) / data.noise_sd
    w_out = model.unpack(q)[-1][0]
    return {"chain_residual_rms": np.sqrt((resid ** 2).mean(axis=(1, 2))).tolist(),
            "chain_output_weight_rms": np.sqrt((w_out ** 2).mean(axis=(1, 2))).tolist()}


def derivative_at_zero_run(budget: str, seed) -> dict:
    """The same ReLU chains (same starts, momenta and uniforms) with sigma'(0) = 0, 1/2, 1."""
    cfg = bnn_config.NETWORK_BUDGETS[budget]
    out = {"values": [0.0, 0.5, 1.0], "eps": cfg["zero_eps"], "n_steps": cfg["zero_steps"], "runs": [],
           # pre-activation evaluations (warm-up included), for the bound on exact zeros
           "unit_evaluations": float((cfg["zero_proposals"] + 10) * (cfg["zero_steps"] + 1) * cfg["zero_chains"]
                                     * bnn_config.SYNTHETIC["n"] * cfg["zero_width"])}
    base = None
    for value in out["values"]:
        model = bnn.make_bnn("relu", cfg["zero_width"], 1, derivative_at_zero=value)
        run = bnn_hmc.run_hmc(model, cfg["zero_eps"], cfg["zero_steps"], cfg["zero_proposals"], int(seed),
                              n_chains=cfg["zero_chains"], warmup=10)
        if base is None:
            base = run
        out["runs"].append({
            "derivative_at_zero": value,
            "chain_acceptance": run.chain_acceptance().tolist(),
            "identical_to_first": bool(np.array_equal(run.energy_error, base.energy_error)
                                       and np.array_equal(run.q, base.q)),
            "changed_proposals": int(np.count_nonzero(run.energy_error != base.energy_error)),
            "n_proposals": int(run.energy_error.size),
            "crossings_per_trajectory": float(run.crossings.mean())})
    return out


def control_point(activation: str, beta: float, budget: str, seed) -> dict:
    """One point of the softplus_beta control (numerics.bnn_control.control_run)."""
    from relu_hmc.numerics.bnn_control import control_run

    cfg = bnn_config.NETWORK_BUDGETS[budget]
    return control_run(activation, beta, cfg["control_width"], cfg["control_eps"], cfg["control_steps"],
                       cfg["control_proposals"], cfg["control_chains"], 10, seed, n_states=2)
