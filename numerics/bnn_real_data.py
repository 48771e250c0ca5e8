"""The real-data table: per activation, HMC on a one-hidden-layer network fitted to a bundled
regression set (scikit-learn's diabetes, standing in for the paper's UTKFace, numerics.bnn_data)
over a ladder of step sizes at a fixed number of leapfrog steps L.

Per activation (Dinh, Ho & Nguyen, NeurIPS 2024, arXiv 2410.22065, report average acceptance and
test error per activation; the definitions below are OURS):
- average acceptance: the mean of min(1, e^-dH) over the proposals AND over the step-size
  ladder; the ladder, not a tuned step, so the number says how much of a fixed ladder an
  activation tolerates (it depends on the ladder, which the report states);
- test MSE: the mean squared error on the held-out split of one chain's posterior-predictive
  mean (its average prediction over its proposals), averaged over the ladder;
- best step: the eps of the ladder with the largest efficiency, efficiency = expected squared
  jump distance (ESJD, |q_new - q_old|^2 averaged over proposals, 0 when rejected) per
  gradient evaluation; every eps runs the same L, so ESJD per proposal / L compares like with
  like. The acceptance and the test MSE at that eps are "at the best acceptance".
Units of every standard error: chains. The chains are independent (one start per chain, its
own random numbers); a chain runs the whole ladder from its start, so the per-chain average over
the ladder is one independent unit and its SE is the SE across chains (`mean_estimate`). The
selection of the best eps is noisy too: `best_eps_stability` is the share of chain-bootstrap
resamples that select the same eps (1.0: the choice does not depend on which chains ran).
The pooled MSE (posterior-predictive mean over all chains, an ensemble) is reported as well,
with a chain-bootstrap SE.

Settings: numerics.bnn_config.REAL_DATA_BUDGETS.
"""
from __future__ import annotations

import numpy as np

from relu_hmc.numerics import bnn_config, bnn_experiments, bnn_hmc
from relu_hmc.numerics.estimators import bootstrap_estimate, mean_estimate


def real_data_point(activation: str, budget: str, seed) -> dict:
    """One activation over the budget's eps ladder: per eps and chain, the acceptance, the
    test MSE of the chain's predictive mean, and ESJD per gradient evaluation; and per eps
    the chains' predictive means (for the pooled MSE)."""
    cfg = bnn_config.REAL_DATA_BUDGETS[budget]
    seed = int(seed)
    key = (activation, cfg["width"], 1, cfg["data"])
    model = bnn_experiments.model_for(*key)
    q0 = bnn_experiments.start_states(key, cfg["chains"], seed)
    y = model.data.y_test
    rows = []
    for k, eps in enumerate(cfg["eps_grid"]):
        run = bnn_hmc.run_hmc(model, eps, cfg["steps"], cfg["proposals"], seed + 1 + k, q0=q0, warmup=0)
        rows.append({"eps": eps,
                     "chain_acceptance": run.chain_acceptance().tolist(),
                     "chain_test_mse": ((run.pred_mean - y) ** 2).mean(axis=(1, 2)).tolist(),
                     "chain_esjd_per_gradient": (run.jump2.mean(axis=0) / cfg["steps"]).tolist(),
                     "diverged_fraction": float(1.0 - np.isfinite(run.energy_error).mean()),
                     "pred_mean": run.pred_mean[..., 0].tolist()})
    return {"activation": activation, "data": cfg["data"], "width": cfg["width"], "d": model.d,
            "steps": cfg["steps"], "chains": cfg["chains"], "proposals": cfg["proposals"], "rows": rows}


def _best_index(esjd: np.ndarray) -> int:
    """Ladder index of the largest mean efficiency (esjd: chains x eps); ties to the smaller eps."""
    return int(np.argmax(esjd.mean(axis=0)))


def summarise(point: dict, seed: int = 0, n_boot: int = 500) -> dict:
    """The table row of one activation (module doc) from `real_data_point`'s output."""
    from relu_hmc.numerics import bnn_data

    rows = point["rows"]
    acc = np.array([r["chain_acceptance"] for r in rows]).T  # chains x eps
    mse = np.array([r["chain_test_mse"] for r in rows]).T
    esjd = np.array([r["chain_esjd_per_gradient"] for r in rows]).T
    best = _best_index(esjd)
    rng = np.random.default_rng(seed)
    picks = np.array([_best_index(esjd[rng.integers(0, esjd.shape[0], esjd.shape[0])]) for _ in range(n_boot)])
    y = bnn_data.load(point["data"]).y_test[:, 0]
    pred = np.asarray(rows[best]["pred_mean"])  # chains x n_test
    pooled = bootstrap_estimate(pred, lambda p: float(((p.mean(axis=0) - y) ** 2).mean()), seed, n_boot=n_boot)
    return {
        **{k: point[k] for k in ("activation", "data", "width", "d", "steps", "chains", "proposals")},
        "eps_grid": [r["eps"] for r in rows],
        "acceptance_by_eps": [mean_estimate(a).as_dict() for a in acc.T],
        "test_mse_by_eps": [mean_estimate(m).as_dict() for m in mse.T],
        "esjd_per_gradient_by_eps": [mean_estimate(e).as_dict() for e in esjd.T],
        "average_acceptance": mean_estimate(acc.mean(axis=1)).as_dict(),
        "average_test_mse": mean_estimate(mse.mean(axis=1)).as_dict(),
        "best_eps": rows[best]["eps"],
        "best_eps_stability": float(np.mean(picks == best)),
        "acceptance_at_best": mean_estimate(acc[:, best]).as_dict(),
        "test_mse_at_best": mean_estimate(mse[:, best]).as_dict(),
        "pooled_test_mse_at_best": {**pooled.as_dict(), "value": float(((pred.mean(axis=0) - y) ** 2).mean())},
        "diverged_fraction_by_eps": [r["diverged_fraction"] for r in rows],
    }
