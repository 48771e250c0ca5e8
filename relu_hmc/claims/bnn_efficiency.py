"""The efficiency-optimal acceptance on networks (issue 15, item b), a MEASUREMENT reported as an
observation: ESS per gradient evaluation of the posterior predictive f(x*) at held-out inputs
against acceptance over a step-size ladder at fixed T, for ReLU and sigmoid networks (full budget:
also leaky ReLU and tanh), and the acceptance at its maximum with a chain-bootstrap interval
(numerics.bnn_efficiency states the estimator; settings in numerics.bnn_config.EFFICIENCY_BUDGETS).

Why not a claim. The paper's statement (optimum near 0.45 for ReLU, below the smooth networks')
would be the two-sided test "optimum(ReLU) - optimum(sigmoid) = 0" rejected at z = 4 with the
ReLU optimum within z SE of 0.452. Measured (quick budget, seeds 0-9, 8 chains x 300 draws per
ladder point, split-chain ESS): ReLU optimum 0.53-0.90 (bootstrap SE 0.04-0.25; on 2 seeds the
maximum sat at the small-eps end of the ladder, acceptance 0.90), sigmoid 0.58-0.90 (SE 0.05-0.29);
the difference is never resolved (|z| <= 2.0, its sign changes with the seed). The ReLU optimum
lies above the product-target 0.452 on every seed, by 0.4-10.7 SE (more than 4 SE on 3 seeds).
The ESS values are small (median per chain 1-65 of 300 draws at the ladder points: these
posteriors mix slowly in f(x*), and the sigmoid efficiency curve is nearly flat over acceptance
0.3-0.95), which is why the chain-bootstrap SE, not the per-chain ESS, carries the uncertainty. Pilot runs before the split-
chain ESS (seeds 3 and 11) gave ReLU 0.80 and 0.78. So this measurement cannot support claim (b)
at these sizes. The compare reports both optima, their difference with its SE and z, and the
product-target optima (0.452, 0.651) for context; it cannot fail.
"""
from __future__ import annotations

import math

from relu_hmc.claims.base import Z, Claim, Task, Verdict, register


def _tasks(budget: str) -> list[Task]:
    from relu_hmc.numerics import bnn_config

    grids = bnn_config.EFFICIENCY_BUDGETS[budget]["eps_grids"]
    return [Task("relu_hmc.numerics.bnn_efficiency:efficiency_point", {"activation": a, "eps": e, "budget": budget},
                 f"{a}-eps{e:g}") for a, grid in grids.items() for e in grid]


def _optima(measurements: dict) -> dict:
    from relu_hmc.numerics.bnn_efficiency import efficiency_optimum

    by_activation: dict[str, list] = {}
    for m in measurements.values():
        by_activation.setdefault(m["activation"], []).append(m)
    return {a: efficiency_optimum(points, seed=0) for a, points in by_activation.items()}


def _fmt(e: dict) -> str:
    return f"{e['value']:.2f} ± {e['se']:.2f}"


def compare_optimum(prediction, measurements):
    """Observation: per activation the acceptance at the maximum of ESS per gradient (± bootstrap
    SE, 95% interval) and at the maximum of eps a(eps) of the same chains (the cost-normalised
    prediction of the ESS optimum from the acceptance curve; their paired difference), the local
    exponents of the acceptance law; the ReLU - smooth differences with SEs (independent chains:
    SEs add in quadrature)."""
    optima = _optima(measurements)
    parts = []
    for act, o in optima.items():
        a, c, d = o["optimal_acceptance"], o["cost_normalised_acceptance"], o["ess_minus_cost_normalised"]
        kinked = act in ("relu", "leaky_relu")
        context = prediction["kinked" if kinked else "smooth"]
        edge = "ESS maximum at an end of the ladder (not bracketed); " if o["at_boundary"] else ""
        cost_edge = " (at a ladder end)" if o["cost_at_boundary"] else ""
        parts.append(Verdict(True, context, a["value"], a["se"], math.inf,
                             f"observation: {edge}95% interval {a['lo']:.2f}-{a['hi']:.2f} (chain bootstrap), "
                             f"{o['boundary_share']:.0%} of resamples at a ladder end; best ladder point accepts "
                             f"{o['best_ladder_acceptance']:.2f}; median ESS per chain "
                             f"{', '.join(f'{e:.0f}' for e in o['median_ess'])} of {o['draws_per_chain']} draws; "
                             f"maximum of eps a(eps) at acceptance {_fmt(c)}{cost_edge}, ESS minus it {_fmt(d)}; "
                             f"local exponents of z = -Phi^-1(a/2) in eps "
                             f"{', '.join(f'{p:.1f}' for p in o['probit_exponents'])} (kinked law 1, smooth 2); "
                             f"predicted = product-target optimum ({'kinked' if kinked else 'smooth'}), context only",
                             f"{act}: acceptance at the maximum of ESS per gradient of f(x*)"))
    text = ""
    if "relu" in optima and "sigmoid" in optima:
        for key, name in (("optimal_acceptance", "ESS optimum"), ("cost_normalised_acceptance", "eps a(eps) optimum")):
            r, s = optima["relu"][key], optima["sigmoid"][key]
            diff, se = r["value"] - s["value"], math.hypot(r["se"], s["se"])
            z = diff / se if se > 0 else math.nan
            resolved = "resolved" if abs(z) > Z else "not resolved"
            text += f"{name}: relu - sigmoid = {diff:.2f} ± {se:.2f} (z = {z:.1f}: {resolved} at {Z:g} SE); "
    relu = next(p for p in parts if p.quantity.startswith("relu"))
    return Verdict(True, relu.predicted, relu.measured, relu.se, math.inf,
                   f"observation (cannot fail): {text}product-target optima for context: kinked "
                   f"{prediction['kinked']:.3f}, smooth {prediction['smooth']:.3f}",
                   "acceptance at the efficiency maximum, ReLU network (headline)", tuple(parts))


def plot_optimum(ax, prediction, measurements):
    """ESS per gradient of f(x*) (mean over chains ± SE) against acceptance per activation; the
    measured optimum (± bootstrap SE band) and the product-target optima (context) as vertical lines."""
    from relu_hmc import plots
    from relu_hmc.claims.bnn_real_data import draw_product_target_optima

    for (act, o), color in zip(sorted(_optima(measurements).items()), plots.color_cycle()):
        ax.errorbar([a["value"] for a in o["acceptance"]], [e["value"] for e in o["ess_per_gradient"]],
                    xerr=[a["se"] for a in o["acceptance"]], yerr=[e["se"] for e in o["ess_per_gradient"]],
                    fmt="o-", ms=3, lw=1, capsize=2, color=color, label=f"{act}: ESS per gradient (± SE)")
        a = o["optimal_acceptance"]
        ax.axvspan(a["value"] - a["se"], a["value"] + a["se"], color=color, alpha=0.15)
        ax.axvline(a["value"], color=color, lw=1.2, label=f"{act}: optimum {a['value']:.2f} ± {a['se']:.2f}")
        c = o["cost_normalised_acceptance"]
        ax.axvline(c["value"], color=color, lw=1.2, ls="-.",
                   label=f"{act}: max of eps a(eps) {c['value']:.2f} ± {c['se']:.2f}")
    draw_product_target_optima(ax, prediction)
    ax.set_xlabel("acceptance probability (dimensionless)")
    ax.set_ylabel("ESS of f(x*) per gradient evaluation")
    ax.legend(fontsize=6, loc="best", framealpha=0.8)


register(Claim(
    id="bnn-network/efficiency-optimal-acceptance",
    statement="Measurement: on ReLU and sigmoid networks, the acceptance at which ESS per gradient of the "
              "posterior predictive peaks over a step-size ladder at fixed T, and the acceptance at the maximum "
              "of eps a(eps) of the same chains, with chain-bootstrap intervals.",
    source="Dinh, Ho, Nguyen, NeurIPS 2024 (arXiv 2410.22065), claim (b); theory.tuning (product-target optima, "
           "context); numerics.bnn_efficiency",
    family="bnn-acceptance",
    prediction=Task("relu_hmc.claims.bnn_real_data:predict_product_target_optima"),
    measurements=_tasks,
    compare=compare_optimum,
    plot=plot_optimum,
    kind="observation",
))
