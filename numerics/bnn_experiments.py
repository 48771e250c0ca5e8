"""Experiments on Bayesian MLP posteriors: ReLU-family against smooth activations.

Every setting comes from `numerics.bnn_config` (`budget("quick" | "full")`); every number
carries its standard error. Chains are independent, so a per-chain mean is one independent
unit and standard errors are taken across chains (`mean_estimate`) or by bootstrapping
chains / trajectories.

Start states. A BNN posterior has no exact sampler, so "stationary" starts are approximate:
2C prior draws are moved toward posterior modes by Adam (`bnn_config.INIT_DESCENT_STEPS`),
the C with the lowest U are kept (drops draws stuck on dead-unit plateaus), then
`bnn_config.WARMUP_PROPOSALS` HMC proposals at the conservative step `bnn_config.WARMUP_EPS` run
before any measurement. The start states depend on the model and the seed only, never on
the step size being measured, and are cached in-process so an eps sweep reuses them.

Experiments (names as in the report):
- `fig1`: acceptance against L at fixed eps, and against eps at fixed L (paper Fig. 1);
- `fig2`: efficiency (expected squared jump distance per gradient evaluation) against
  acceptance at fixed trajectory time T (paper Fig. 2);
- `fig3`: acceptance against the number of parameters, one vs two hidden layers (Fig. 3);
- `acceptance_sweeps`: acceptance against eps and against width, every activation;
- `energy_orders`: one-step energy-error order (constructed crossing steps of relu, steps
  without crossings, all steps of smooth activations) and the fixed-T order, with bootstrap
  intervals;
- `crossing_decomposition`: the share of the energy-error variance of ReLU trajectories
  explained by the predicted crossing contributions at one eps (derivation in `numerics.bnn`),
  and the orders in eps of the crossing part and of the remainder on a fixed-T ladder;
- the real-data table lives in `numerics.bnn_real_data` (`run_all` includes it).
"""
from __future__ import annotations

import functools

import numpy as np

from relu_hmc.numerics import bnn, bnn_config, bnn_crossings, bnn_data, bnn_hmc
from relu_hmc.numerics.estimators import acceptance_probability, bootstrap_estimate, mean_estimate
from relu_hmc.numerics.orders import order_summary


# -- models and start states ---------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _data(name: str) -> bnn_data.Dataset:
    return bnn_data.load(name)


def model_for(activation: str, width: int, layers: int = 1, data: str = "synthetic") -> bnn.BNN:
    return bnn.make_bnn(activation, width, layers, _data(data))


@functools.lru_cache(maxsize=64)
def _starts(activation: str, width: int, layers: int, data: str, n_chains: int, seed: int) -> np.ndarray:
    model = model_for(activation, width, layers, data)
    rng = np.random.default_rng(seed)
    candidates = bnn_hmc.initial_states(model, 2 * n_chains, rng)
    keep = np.sort(np.argsort(model.potential(candidates), kind="stable")[:n_chains])
    warm = bnn_hmc.run_hmc(model, bnn_config.WARMUP_EPS[data], bnn_config.WARMUP_LEAPFROG_STEPS, 1, rng,
                           q0=candidates[keep], warmup=bnn_config.WARMUP_PROPOSALS)
    return warm.q


def start_states(model_key: tuple, n_chains: int, seed: int) -> np.ndarray:
    """Cached approximately-stationary start states for (activation, width, layers, data)."""
    return _starts(*model_key, n_chains, seed).copy()


def _est(x) -> dict:
    return mean_estimate(x).as_dict()


def acceptance_run(activation: str, width: int, layers: int, data: str, eps: float, n_steps: int,
                   cfg: dict, seed: int) -> dict:
    """One HMC measurement from cached start states: acceptance (mean min(1, e^-dH) per
    chain, SE across chains), energy-error moments, crossings, efficiency, test MSE."""
    key = (activation, width, layers, data)
    model = model_for(*key)
    q0 = start_states(key, cfg["chains"], seed)
    run = bnn_hmc.run_hmc(model, eps, n_steps, cfg["proposals"], seed + 1, q0=q0, warmup=0)
    dh = run.energy_error
    finite = np.isfinite(dh)
    out = {
        "activation": activation, "width": width, "layers": layers, "data": data,
        "d": model.d, "eps": eps, "n_steps": n_steps,
        "acceptance": _est(run.chain_acceptance()),
        "accept_rate": _est(run.accepted.mean(axis=0)),
        "crossings_per_trajectory": _est(run.crossings.mean(axis=0)),
        "mean_dH": _est(np.where(finite, dh, np.nan).mean(axis=0)) if finite.all() else None,
        "var_dH": _est(dh.var(axis=0, ddof=1)) if finite.all() else None,
        "esjd_per_gradient": _est(run.jump2.mean(axis=0) / n_steps),
        "diverged_fraction": float(1.0 - finite.mean()),
    }
    if run.pred_mean is not None:
        y = model.data.y_test
        per_chain = ((run.pred_mean - y) ** 2).mean(axis=(1, 2))
        out["test_mse_per_chain"] = _est(per_chain)
        pooled = run.pred_mean.mean(axis=0)
        out["test_mse_pooled"] = bootstrap_estimate(
            run.pred_mean, lambda pm: float(((pm.mean(axis=0) - y) ** 2).mean()), seed,
            n_boot=200).as_dict()
        out["test_mse_pooled"]["value"] = float(((pooled - y) ** 2).mean())
    return out


# -- paper figures ---------------------------------------------------------------------------
def fig1(cfg: dict, seed: int = bnn_config.SEED) -> dict:
    """Acceptance against L (eps = fig1_eps) and against eps (L = fig1_steps)."""
    w = cfg["width"]
    out = {"vs_steps": {}, "vs_eps": {}, "eps": cfg["fig1_eps"], "steps": cfg["fig1_steps"]}
    for act in cfg["fig1_activations"]:
        out["vs_steps"][act] = [acceptance_run(act, w, 1, "synthetic", cfg["fig1_eps"], L, cfg, seed)
                                for L in cfg["fig1_steps_grid"]]
        out["vs_eps"][act] = [acceptance_run(act, w, 1, "synthetic", e, cfg["fig1_steps"], cfg, seed)
                              for e in cfg["fig1_eps_grid"]]
    return out


def fig2(cfg: dict, seed: int = bnn_config.SEED) -> dict:
    """Efficiency (ESJD per gradient evaluation) against acceptance, fixed T = eps * L;
    reports the acceptance at the most efficient eps of each activation."""
    out = {"T": cfg["fig2_T"]}
    for act in cfg["fig2_activations"]:
        rows = []
        for e in cfg["fig2_eps_grid"]:
            L = max(1, int(round(cfg["fig2_T"] / e)))
            rows.append(acceptance_run(act, cfg["width"], 1, "synthetic", e, L, cfg, seed))
        best = max(rows, key=lambda r: r["esjd_per_gradient"]["value"])
        out[act] = {"rows": rows, "best_eps": best["eps"], "acceptance_at_best": best["acceptance"]}
    return out


def fig3(cfg: dict, seed: int = bnn_config.SEED) -> dict:
    """Acceptance against the number of parameters for one and two hidden layers (relu)."""
    out = {}
    for layers in (1, 2):
        rows = []
        for target in cfg["fig3_params"]:
            w = bnn.width_for_parameters(target, 1, 1, layers)
            rows.append(acceptance_run("relu", w, layers, "synthetic", cfg["fig3_eps"],
                                       cfg["fig3_steps"], cfg, seed))
        out[f"layers_{layers}"] = rows
    return out


def acceptance_sweeps(cfg: dict, seed: int = bnn_config.SEED) -> dict:
    """Acceptance against eps (width cfg['width']) and against width (eps sweep_width_eps)."""
    vs_eps, vs_width = {}, {}
    for act in cfg["sweep_activations"]:
        vs_eps[act] = [acceptance_run(act, cfg["width"], 1, "synthetic", e, cfg["sweep_steps"], cfg, seed)
                       for e in cfg["sweep_eps_grid"]]
        vs_width[act] = [acceptance_run(act, w, 1, "synthetic", cfg["sweep_width_eps"], cfg["sweep_steps"],
                                        cfg, seed) for w in cfg["sweep_widths"]]
    return {"vs_eps": vs_eps, "vs_width": vs_width, "steps": cfg["sweep_steps"]}


# -- energy-error orders -----------------------------------------------------------------------
def energy_orders(activation: str, cfg: dict, seed: int = bnn_config.SEED) -> dict:
    """One-step and fixed-T energy-error orders on the synthetic-data network.

    One-step: each eps runs trajectories of time order_T from the start states and keeps
    every step as one sample of the one-step error |dH_step| (states along a trajectory
    are near stationary). For a kinked activation the fit uses the steps with exactly one
    crossing (prediction: order 1) and, separately, the steps without crossings (order 3);
    for a smooth activation all steps (order 3). The headline no-crossing / smooth fit is
    paired: one step from the same (q, p) at every eps, so the eps-to-eps noise cancels
    (the along-trajectory samples are kept as `..._unpaired`). The headline crossing fit
    (`crossing_step_order`) is paired too: constructed one-surface crossings at a fixed phase
    on the ladder `crossing_eps_grid` (numerics.bnn_crossings); the along-trajectory crossing
    steps (uniform phase, unpaired, bent by the smooth eps^3 part at these eps) stay as
    `one_step_order_crossing` for the figures. Fixed T: |dH| of the whole trajectory
    (prediction: 2 smooth; 1 kinked once the crossing term dominates, with the smooth
    eps^2 part mixed in at larger eps, which is also reported: the order of |dH - B|,
    B the exact telescoped term (numerics.bnn)), and the order of the mean rejection
    probability 1 - min(1, e^-dH) over fixed T (1 kinked, 2 smooth: the kink-specific
    acceptance loss, free of the stiffness that dominates near the stability edge).
    Intervals: bootstrap over the samples at each eps (`power_law_exponent`).
    """
    key = (activation, cfg["width"], 1, "synthetic")
    model = model_for(*key)
    q0 = start_states(key, cfg["chains"], seed)
    rng = np.random.default_rng(seed + 2)
    reps = max(1, cfg["order_starts"] // q0.shape[0])
    one_grid, fixed_grid = cfg["order_eps_grid"], cfg["order_fixed_T_eps_grid"]
    crossing_steps, smooth_steps, totals, totals_minus_b, rejections = [], [], [], [], []
    for eps in one_grid:
        L = max(1, int(round(cfg["order_T"] / eps)))
        one, none = [], []
        for _ in range(reps):
            tr = bnn.trajectory(model, q0, rng.standard_normal(q0.shape), eps, L, record=True)
            sc = tr.step_crossings.ravel()
            sd = np.abs(tr.step_energy_error.ravel())
            one.append(sd[sc == 1])
            none.append(sd[sc == 0])
        crossing_steps.append(np.concatenate(one))
        smooth_steps.append(np.concatenate(none))
    # fixed T, paired: the same (q0, p0) rows at every eps
    momenta = [rng.standard_normal(q0.shape) for _ in range(reps)]
    for eps in fixed_grid:
        L = max(1, int(round(cfg["order_fixed_T"] / eps)))
        tot, tmb, rej = [], [], []
        for p in momenta:
            tr = bnn.trajectory(model, q0, p, eps, L)
            tot.append(np.abs(tr.energy_error))
            tmb.append(np.abs(tr.energy_error - tr.boundary))
            rej.append(1.0 - acceptance_probability(tr.energy_error))
        totals.append(np.concatenate(tot))
        totals_minus_b.append(np.concatenate(tmb))
        rejections.append(np.concatenate(rej))
    out = {"activation": activation, "one_step_eps_grid": list(one_grid), "one_step_T": cfg["order_T"],
           "fixed_T_eps_grid": list(fixed_grid), "fixed_T": cfg["order_fixed_T"],
           "n_one_crossing_steps": [int(s.size) for s in crossing_steps]}

    def fit(grid, samples):
        if any(s.size < 2 for s in samples):
            return None
        return order_summary(grid, samples, seed, n_boot=400)

    # paired design for the steps without crossings: one step from the same (q, p) at every
    # eps (rows = start state x fresh momentum), rows with a crossing at any eps dropped
    rows = []
    for _ in range(cfg["order_paired_momenta"]):
        p = rng.standard_normal(q0.shape)
        steps = [bnn.trajectory(model, q0, p, eps, 1) for eps in one_grid]
        no_cross = np.all([t.crossings == 0 for t in steps], axis=0)
        rows.append(np.column_stack([np.abs(t.energy_error) for t in steps])[no_cross])
    out["one_step_order_no_crossing"] = paired_fit(one_grid, np.concatenate(rows), seed)
    out["one_step_order_no_crossing_unpaired"] = fit(one_grid, smooth_steps)
    # along-trajectory crossing steps (uniform phase, unpaired: kept for the figures) and the
    # headline: constructed one-surface crossings at a fixed phase, paired across eps
    out["one_step_order_crossing"] = fit(one_grid, crossing_steps) if model.kinked else None
    out["crossing_eps_grid"] = list(cfg["crossing_eps_grid"])
    out["crossing_step_order"] = None
    if model.kinked:
        built = bnn_crossings.constructed_crossing_steps(model, q0, cfg["crossing_eps_grid"],
                                                         cfg["crossing_momenta"], rng)
        out["crossing_step_order"] = paired_fit(cfg["crossing_eps_grid"], np.abs(built["dH"]), seed)
        out["crossing_steps_built"], out["crossing_steps_kept"] = built["n_built"], built["n_kept"]
    out["fixed_T_order"] = paired_fit(fixed_grid, np.column_stack(totals), seed)
    out["fixed_T_order_minus_boundary"] = paired_fit(fixed_grid, np.column_stack(totals_minus_b), seed)
    # rejection probability 1 - min(1, e^-dH): ~ sqrt(Var dH) ~ eps (kinked) or eps^2 (smooth)
    out["fixed_T_rejection_order"] = paired_fit(fixed_grid, np.column_stack(rejections), seed)
    return out


def paired_fit(grid, values: np.ndarray, seed, n_boot: int = 400) -> dict | None:
    """`numerics.orders.order_summary` of values (n_rows, n_eps) paired across eps; None with
    fewer than 2 rows."""
    return order_summary(grid, values, seed, n_boot=n_boot) if values.shape[0] >= 2 else None


# -- crossing decomposition -------------------------------------------------------------------
def _explained(dh, pred):
    resid = dh - pred
    return 1.0 - np.var(resid) / np.var(dh)


def crossing_decomposition(activation: str, cfg: dict, seed: int = bnn_config.SEED) -> dict:
    """How much of the energy error of kinked-network trajectories the crossings explain, and
    the orders in eps of the crossing part and of the remainder on a fixed-T ladder.

    For each trajectory: dH, the sum S of predicted crossing contributions, and the exact
    telescoped term B = (eps^2/8)(|g_L|^2 - |g_0|^2). Reported (bootstrap over trajectories):
    - explained_fraction: 1 - Var(dH - B - S) / Var(dH - B), the share of the non-telescoped
      energy error explained by the crossings (the headline number);
    - explained_fraction_raw: 1 - Var(dH - S) / Var(dH) (B left in the residual);
    - explained_fraction_with_boundary: 1 - Var(dH - B - S) / Var(dH);
    - slope of dH - B on S through 0 (1 if the prediction has the right size).
    """
    key = (activation, cfg["width"], 1, "synthetic")
    model = model_for(*key)
    q0 = start_states(key, cfg["chains"], seed)
    rng = np.random.default_rng(seed + 3)
    eps, L = cfg["decomp_eps"], cfg["decomp_steps"]
    reps = max(1, cfg["decomp_trajectories"] // q0.shape[0])
    rows = []
    for _ in range(reps):
        p = rng.standard_normal(q0.shape)
        tr = bnn.trajectory(model, q0, p, eps, L)
        rows.append(np.column_stack([tr.energy_error, tr.predicted, tr.boundary, tr.crossings]))
    data = np.concatenate(rows)
    data = data[np.all(np.isfinite(data), axis=1)]
    dh, b = data[:, 0], data[:, 2]

    def headline(x):
        return _explained(x[:, 0] - x[:, 2], x[:, 1])

    ladder = bnn_crossings.decomposition_ladder(model, q0, cfg["decomp_eps_grid"], cfg["decomp_T"],
                                                 cfg["decomp_momenta"], rng)
    grid = cfg["decomp_eps_grid"]
    return {
        "activation": activation, "eps": eps, "n_steps": L, "n_trajectories": int(dh.size),
        # fixed-T ladder (numerics.bnn_crossings): orders of the remainder R = dH - B - S (2) and
        # of the crossing part S (1), paired across eps
        "ladder_eps_grid": list(grid), "ladder_T": cfg["decomp_T"], "ladder_trajectories": int(len(ladder["dH"])),
        "remainder_order": paired_fit(grid, np.abs(ladder["dH"] - ladder["B"] - ladder["S"]), seed),
        "crossing_part_order": paired_fit(grid, np.abs(ladder["S"]), seed),
        "ladder_crossings_per_trajectory": _est(ladder["crossings"][:, 0]),
        "explained_fraction": bootstrap_estimate(data, headline, seed, n_boot=500).as_dict(),
        "explained_fraction_raw": bootstrap_estimate(
            data, lambda x: _explained(x[:, 0], x[:, 1]), seed, n_boot=500).as_dict(),
        "explained_fraction_with_boundary": bootstrap_estimate(
            data, lambda x: _explained(x[:, 0], x[:, 1] + x[:, 2]), seed, n_boot=500).as_dict(),
        "slope": bootstrap_estimate(
            data, lambda x: float(np.dot(x[:, 0] - x[:, 2], x[:, 1]) / np.dot(x[:, 1], x[:, 1])),
            seed, n_boot=500).as_dict(),
        "crossings_per_trajectory": _est(data[:, 3]),
        "var_dH": float(np.var(dh, ddof=1)), "var_dH_minus_B": float(np.var(dh - b, ddof=1)),
    }


def run_all(budget: str = "quick", seed: int = bnn_config.SEED) -> dict:
    """Every BNN experiment at one budget: the input of `relu_hmc.plots_bnn`."""
    from relu_hmc.numerics import bnn_real_data  # it imports this module

    cfg = bnn_config.budget(budget)
    return {
        "budget": budget, "settings": cfg,
        "fig1": fig1(cfg, seed), "fig2": fig2(cfg, seed), "fig3": fig3(cfg, seed),
        "sweeps": acceptance_sweeps(cfg, seed),
        "orders": {a: energy_orders(a, cfg, seed) for a in ("relu", "softplus", "sigmoid")},
        "decomposition": {a: crossing_decomposition(a, cfg, seed) for a in ("relu", "leaky_relu")},
        "real_data": {a: bnn_real_data.summarise(bnn_real_data.real_data_point(a, budget, seed), seed)
                      for a in bnn_config.REAL_DATA_BUDGETS[budget]["activations"]},
    }
