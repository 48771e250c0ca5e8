"""Efficiency against acceptance on network posteriors (issue 15, item b): effective sample size
per gradient evaluation over a step-size ladder at fixed trajectory time T, and the acceptance at
which it peaks, per activation.

Functional: the network's output f(x*) at TEST_POINTS held-out inputs x* (the posterior
predictive, which is identifiable; single weights are not: hidden units permute and flip, so
their chains never mix). Per chain c and test point j, ESS_cj of the post-warm-up draws
f_q(x*_j) (`split_ess`: numerics.efficiency.ess, Geyer's initial monotone sequence, on the chain's
two halves, as ArviZ's ess(method="mean"); checked against ArviZ in the tests); the chain's efficiency is the median over j of
ESS_cj divided by its gradient evaluations N L. A chain whose draws never change (every proposal
rejected) has efficiency 0. Chains are independent units: the curve is the mean over chains,
SEs and intervals by bootstrap over chains (`efficiency_optimum`).

Optimum (`vertex_acceptance`): the ladder point of largest mean efficiency and its two
neighbours get a parabola in log eps; the acceptance at its vertex is read off the measured
acceptance curve (linear in log eps between ladder points). A global polynomial of efficiency
against acceptance (numerics.efficiency.fit_argmax, used on product targets) is not used here:
network acceptance falls from ~0.8 to ~0 within a factor 2 in eps, so the points bunch near 0
and 1 and a global fit puts its maximum in the empty middle (pilot: 0.51 for both ReLU and
sigmoid while their best ladder points accepted 0.80 and 0.94). Each ladder point runs its own
chains, so the chain bootstrap resamples every point independently; a maximum at an end of the
ladder is flagged (not bracketed) and the share of such resamples reported.

Settings: numerics.bnn_config.EFFICIENCY_BUDGETS.
"""
from __future__ import annotations

import numpy as np

from relu_hmc.numerics import bnn_config, bnn_experiments, bnn_hmc
from relu_hmc.numerics.efficiency import ess
from relu_hmc.numerics.estimators import Estimate, mean_estimate


def split_ess(x: np.ndarray) -> float:
    """ESS of one chain split into two halves (an odd first draw dropped), the multi-chain
    estimator on the halves: a chain that drifts has halves with different means, which lowers its
    ESS (Vehtari, Gelman, Simpson, Carpenter, Buerkner, Bayesian Analysis 16, 2021, sec. 3; ArviZ's
    ess(method="mean") does the same split)."""
    x = np.asarray(x, dtype=np.float64)
    x = x[x.size % 2:]
    return ess(x.reshape(2, -1))


def chain_efficiency(draws: np.ndarray, gradients: int) -> np.ndarray:
    """Per chain: median over test points of ESS / gradients. draws: (N, chains, points)."""
    n, chains, points = draws.shape
    out = np.zeros(chains)
    for c in range(chains):
        values = []
        for j in range(points):
            x = draws[:, c, j]
            values.append(0.0 if np.ptp(x) == 0 else split_ess(x))
        out[c] = float(np.median(values)) / gradients
    return out


def efficiency_point(activation: str, eps: float, budget: str, seed) -> dict:
    """One ladder point: per chain, the acceptance and the ESS per gradient of f(x*)."""
    cfg = bnn_config.EFFICIENCY_BUDGETS[budget]
    seed = int(seed)
    key = (activation, cfg["width"], 1, "synthetic")
    model = bnn_experiments.model_for(*key)
    q0 = bnn_experiments.start_states(key, cfg["chains"], seed)
    n_steps = max(1, int(round(cfg["T"] / eps)))
    run = bnn_hmc.run_hmc(model, eps, n_steps, cfg["proposals"], seed + 1, q0=q0, warmup=cfg["warmup"],
                          record_draws=True)
    points = np.linspace(0, model.data.x_test.shape[0] - 1, cfg["test_points"]).round().astype(int)
    draws = run.draws_prediction[:, :, points, 0]
    return {"activation": activation, "eps": eps, "n_steps": n_steps, "d": model.d,
            "chain_acceptance": run.chain_acceptance().tolist(),
            "chain_ess_per_gradient": chain_efficiency(draws, cfg["proposals"] * n_steps).tolist(),
            "median_ess": float(np.median(chain_efficiency(draws, 1))),
            "draws_per_chain": cfg["proposals"]}


def vertex_acceptance(eps, acceptance, efficiency) -> tuple[float, bool]:
    """(acceptance at the efficiency maximum, whether the maximum sits at an end of the ladder)
    by the local parabola in log eps (module doc)."""
    x = np.log(np.asarray(eps, float))
    acc, eff = np.asarray(acceptance, float), np.asarray(efficiency, float)
    i = int(np.argmax(eff))
    if i in (0, x.size - 1):
        return float(acc[i]), True
    a, b, _ = np.polyfit(x[i - 1:i + 2], eff[i - 1:i + 2], 2)
    vertex = -b / (2 * a) if a < 0 else x[i]
    vertex = float(np.clip(vertex, x[i - 1], x[i + 1]))
    return float(np.interp(vertex, x, acc)), False


def efficiency_optimum(points: list[dict], seed: int = 0, n_boot: int = 1000) -> dict:
    """The curve (mean acceptance and efficiency per ladder point, SE across chains) and the
    acceptance at its fitted maximum, with a chain-bootstrap SE and 95% percentile interval;
    `boot` holds the bootstrap argmaxes (for a paired comparison of two activations)."""
    points = sorted(points, key=lambda p: p["eps"])
    acc = [np.asarray(p["chain_acceptance"], float) for p in points]
    eff = [np.asarray(p["chain_ess_per_gradient"], float) for p in points]
    curve_acc = np.array([a.mean() for a in acc])
    curve_eff = np.array([e.mean() for e in eff])
    grid = [p["eps"] for p in points]
    value, edge = vertex_acceptance(grid, curve_acc, curve_eff)
    rng = np.random.default_rng(seed)
    boot, edges = [], 0
    for _ in range(n_boot):
        idx = [rng.integers(0, a.size, a.size) for a in acc]
        b_acc = np.array([a[i].mean() for a, i in zip(acc, idx)])
        b_eff = np.array([e[i].mean() for e, i in zip(eff, idx)])
        if b_eff.max() <= 0:
            continue
        b, b_edge = vertex_acceptance(grid, b_acc, b_eff)
        boot.append(b)
        edges += b_edge
    boot = np.asarray(boot)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return {"eps_grid": [p["eps"] for p in points], "n_steps": [p["n_steps"] for p in points],
            "acceptance": [mean_estimate(a).as_dict() for a in acc],
            "ess_per_gradient": [mean_estimate(e).as_dict() for e in eff],
            "median_ess": [p["median_ess"] for p in points], "draws_per_chain": points[0]["draws_per_chain"],
            "optimal_acceptance": Estimate(value, float(boot.std(ddof=1)), float(lo), float(hi), 0.95,
                                           len(boot)).as_dict(),
            "at_boundary": bool(edge), "boundary_share": edges / max(1, len(boot)),
            "best_ladder_acceptance": float(curve_acc[int(np.argmax(curve_eff))]),
            "boot": boot.tolist()}
