"""Efficiency against acceptance on network posteriors (issue 15, item b): effective sample size
per gradient evaluation over a step-size ladder at fixed trajectory time T, and the acceptance at
which it peaks, per activation.

Functional: the network's output f(x*) at TEST_POINTS held-out inputs x* (the posterior
predictive, which is identifiable; single weights are not: hidden units permute and flip, so
their chains never mix). Per chain c and test point j, ESS_cj of the post-warm-up draws
f_q(x*_j) (`split_ess`: numerics.efficiency.ess, Geyer's initial monotone sequence, on the chain's
two halves, as ArviZ's ess(method="mean"); checked against ArviZ in the tests); the chain's
efficiency is the median over j of ESS_cj divided by its gradient evaluations N L. A chain whose
draws never change (every proposal rejected) has efficiency 0. Chains are independent units: the
curve is the mean over chains, SEs and intervals by bootstrap over chains (`efficiency_optimum`).

Optimum (`vertex_acceptance`): the ladder point of largest mean efficiency and its two
neighbours get a parabola in log eps; the acceptance at its vertex is read off the measured
acceptance curve between ladder points by `acceptance_between` (log z, z = -Phi^(-1)(a/2),
linear in log eps: a local power law, which follows a collapsing acceptance). A global polynomial of efficiency
against acceptance (numerics.efficiency.fit_argmax, used on product targets) is not used here:
network acceptance falls from ~0.8 to ~0 within a factor 2 in eps, so the points bunch near 0
and 1 and a global fit puts its maximum in the empty middle (pilot: 0.51 for both ReLU and
sigmoid while their best ladder points accepted 0.80 and 0.94). A maximum at an end of the
ladder is flagged (not bracketed) and the share of such resamples reported.

Prediction from the acceptance curve (`cost_normalised_acceptance`). At fixed T a proposal costs
L = T / eps gradients; if the ESS per draw of f(x*) is proportional to the acceptance a(eps)
(each accepted proposal moves the chain by a T-dependent, eps-independent amount: Beskos,
Pillai, Roberts, Sanz-Serna, Stuart, Bernoulli 19, 2013, sec. 4; numerics.cost_optimum), the
ESS per gradient is proportional to eps a(eps), and its maximum is at the acceptance that
maximises eps a(eps). For a = 2 Phi(-c eps^p) that acceptance depends on p only (2 Phi(-x),
Phi(-x) = p x phi(x); proofs_notes/optimal_acceptance.md): 0.452 for the kinked law (p = 1),
0.651 for the smooth law (p = 2), and it rises towards 1 as p grows: a stability cliff (eps
sqrt(lambda_max) -> 2, numerics.bnn_stiffness, where a collapses within a small range of eps)
acts as a large p. `probit_exponents` are the local p between ladder points of
z = -Phi^(-1)(a/2). The acceptance curve is measured far more precisely than ESS (mean of
min(1, e^-dH) per chain), so this prediction has a small SE. What tests "ESS per draw ~ a at
fixed T" on the network is the paired difference (`ess_minus_cost_normalised`): the acceptance
at the parabola vertex of ESS per gradient minus that of eps a(eps), the same estimator on both
curves at the same ladder points, so its discretisation error cancels.

Bootstrap. Every ladder point runs the same chains (the same start states and random numbers,
`efficiency_point`), so chain c's points form one unit: resampling chain indices jointly across
the ladder keeps the correlation between neighbouring points (paired), for the ESS optimum, the
eps a(eps) optimum and their difference alike.

Settings: numerics.bnn_config.EFFICIENCY_BUDGETS.
"""
from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

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
    chain_ess = chain_efficiency(draws, 1)  # per chain: median over test points of the ESS
    return {"activation": activation, "eps": eps, "n_steps": n_steps, "d": model.d,
            "chain_acceptance": run.chain_acceptance().tolist(),
            "chain_ess_per_gradient": (chain_ess / (cfg["proposals"] * n_steps)).tolist(),
            "median_ess": float(np.median(chain_ess)),
            "draws_per_chain": cfg["proposals"]}


def _probit(acceptance) -> np.ndarray:
    """z = -Phi^(-1)(a/2) >= 0, the inverse of a = 2 Phi(-z) (a clipped into (0, 1))."""
    return -ndtri(np.clip(np.asarray(acceptance, float), 1e-300, 1 - 1e-12) / 2)


def acceptance_between(eps, acceptance, log_eps) -> np.ndarray:
    """The acceptance curve between ladder points: log z, z = -Phi^(-1)(a/2), linear in log eps (a
    local power law z ~ eps^p, exact for the model laws a = 2 Phi(-c eps^p): p = 1 kinked, 2
    smooth, large p at a stability cliff, where a linear interpolation of a itself would not be)."""
    log_z = np.log(_probit(acceptance))
    return 2 * ndtr(-np.exp(np.interp(log_eps, np.log(np.asarray(eps, float)), log_z)))


def vertex_acceptance(eps, acceptance, efficiency) -> tuple[float, bool]:
    """(acceptance at the efficiency maximum, whether the maximum sits at an end of the ladder)
    by the local parabola in log eps, the acceptance there by `acceptance_between` (module doc)."""
    x = np.log(np.asarray(eps, float))
    acc, eff = np.asarray(acceptance, float), np.asarray(efficiency, float)
    i = int(np.argmax(eff))
    if i in (0, x.size - 1):
        return float(acc[i]), True
    a, b, _ = np.polyfit(x[i - 1:i + 2], eff[i - 1:i + 2], 2)
    vertex = -b / (2 * a) if a < 0 else x[i]
    vertex = float(np.clip(vertex, x[i - 1], x[i + 1]))
    return float(acceptance_between(eps, acc, vertex)), False


def cost_normalised_acceptance(eps, acceptance, n_grid: int = 4001) -> tuple[float, bool]:
    """(acceptance at the maximum of eps a(eps) over the ladder, whether it sits at a ladder end):
    the module doc's prediction of the ESS optimum from the acceptance curve alone, with a(eps)
    between ladder points by `acceptance_between`, so the maximum of either model law is found to
    grid precision on any ladder bracketing it. numerics.cost_optimum's cubic spline of log a is
    not used: across a stability cliff a falls to ~0 and that spline overshoots."""
    x = np.log(np.asarray(eps, float))
    grid = np.linspace(x[0], x[-1], n_grid)
    a = acceptance_between(eps, acceptance, grid)
    i = int(np.argmax(grid + np.log(np.maximum(a, 1e-300))))
    return float(a[i]), i in (0, n_grid - 1)


def probit_exponents(eps, acceptance) -> np.ndarray:
    """Local exponents p between consecutive ladder points of z(eps) = -Phi^(-1)(a/2) ~ eps^p:
    p = 1 for the kinked law a = 2 Phi(-c eps), 2 for the smooth law, p >> 2 at a stability cliff."""
    return np.diff(np.log(_probit(acceptance))) / np.diff(np.log(np.asarray(eps, float)))


def efficiency_optimum(points: list[dict], seed: int = 0, n_boot: int = 1000) -> dict:
    """The curve (mean acceptance and efficiency per ladder point, SE across chains), the
    acceptance at its fitted maximum, and the acceptance at the maximum of eps a(eps) of the same
    chains, each with a paired chain-bootstrap SE and 95% percentile interval, and the ESS vertex
    minus the vertex of eps a(eps) (the same estimator and resamples for both, module doc); `boot`
    holds the bootstrap argmaxes of the ESS curve (for a paired comparison of two activations)."""
    points = sorted(points, key=lambda p: p["eps"])
    acc = [np.asarray(p["chain_acceptance"], float) for p in points]
    eff = [np.asarray(p["chain_ess_per_gradient"], float) for p in points]
    chains = {a.size for a in acc} | {e.size for e in eff}
    if len(chains) != 1:
        raise ValueError(f"every ladder point needs the same chains (paired), got chain counts "
                         f"{sorted(chains)}")
    curve_acc = np.array([a.mean() for a in acc])
    curve_eff = np.array([e.mean() for e in eff])
    grid = [p["eps"] for p in points]
    value, edge = vertex_acceptance(grid, curve_acc, curve_eff)
    cost_value, cost_edge = cost_normalised_acceptance(grid, curve_acc)
    eps = np.asarray(grid, float)
    gap = value - vertex_acceptance(grid, curve_acc, eps * curve_acc)[0]
    acc, eff = np.array(acc), np.array(eff)  # (ladder points, chains)
    rng = np.random.default_rng(seed)
    boot, cost_boot, gap_boot, edges = [], [], [], 0
    for _ in range(n_boot):
        idx = rng.integers(0, acc.shape[1], acc.shape[1])
        b_acc, b_eff = acc[:, idx].mean(axis=1), eff[:, idx].mean(axis=1)
        if b_eff.max() <= 0:
            continue
        b, b_edge = vertex_acceptance(grid, b_acc, b_eff)
        boot.append(b)
        cost_boot.append(cost_normalised_acceptance(grid, b_acc)[0])
        gap_boot.append(b - vertex_acceptance(grid, b_acc, eps * b_acc)[0])
        edges += b_edge
    boot, cost_boot, gap_boot = np.asarray(boot), np.asarray(cost_boot), np.asarray(gap_boot)

    def estimate(value, draws):
        lo, hi = np.percentile(draws, [2.5, 97.5])
        return Estimate(float(value), float(draws.std(ddof=1)), float(lo), float(hi), 0.95, len(draws)).as_dict()

    return {"eps_grid": [p["eps"] for p in points], "n_steps": [p["n_steps"] for p in points],
            "acceptance": [mean_estimate(a).as_dict() for a in acc],
            "ess_per_gradient": [mean_estimate(e).as_dict() for e in eff],
            "median_ess": [p["median_ess"] for p in points], "draws_per_chain": points[0]["draws_per_chain"],
            "optimal_acceptance": estimate(value, boot),
            "cost_normalised_acceptance": estimate(cost_value, cost_boot),
            "ess_minus_cost_normalised": estimate(gap, gap_boot),
            "probit_exponents": probit_exponents(grid, curve_acc).tolist(),
            "cost_at_boundary": bool(cost_edge), "at_boundary": bool(edge),
            "boundary_share": edges / max(1, len(boot)),
            "best_ladder_acceptance": float(curve_acc[int(np.argmax(curve_eff))]),
            "boot": boot.tolist()}
