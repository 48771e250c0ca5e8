"""Network-level claims and observations (numerics.bnn_networks; settings in
numerics.bnn_config.NETWORK_BUDGETS).

- bnn-network/relu-step-size-law (observation): one-hidden-layer ReLU networks of widths
  spanning a factor 16, eps = l d^(-gamma) at fixed T, l chosen so that eps sqrt(lambda_max)
  <= 1 at every width (the asymptotic regime, numerics.bnn_stiffness). The product-target law
  (kinked: Var(dH) = Sigma_0 l^2 d^(1 - 2 gamma), theory.derive on the Laplace target) says the
  exponent of Var(dH) in d is 0 at gamma = 1/2 and 1/2 at gamma = 1/4. Written as a claim first;
  the full budget REJECTED it (seed 0: -1.37 +- 0.17 and -0.11 +- 0.11, crossing part C
  -1.80 +- 0.24 and -0.81 +- 0.13). Why (measured, issue 15): the law is a product
  Var(C) = (crossings per trajectory) x eps^2 x kappa^2, kappa^2 the mean square of ONE
  crossing's contribution (1/2 - theta)|dz| r over eps^2. On a product target every component
  is the same at every d, so the count grows like d and kappa^2 is constant. On the network the
  count does grow about like the number of kinked units (observation bnn-network/relu-crossing-count), but
  kappa^2 does not stay constant: r_{n,i} = (f_n - y_n) w_out,i / s^2, and both factors fall
  with width. w_out by the prior's 1/sqrt(width) (bnn_config.SCALE_HIDDEN_PRIOR_BY_FAN_IN) and
  the posterior, the residual because the chains' states fit the data better the wider the
  network: measured (16 chains x 30 proposals, gamma = 1/2, widths 4 -> 16 -> 64, T = 0.02)
  rms residual / noise sd 4.5 -> 3.0 -> 1.7, in-data-range output-weight rms 1.35 -> 0.81 ->
  0.34, kappa^2 2.5e3 -> 1.3e2 -> 16 (exponent about -1.9 in d), crossings per unit 1.7, 1.4,
  2.0 (flat); with the prior NOT scaled by fan-in the output weights stay ~1 (1.6, 1.2, 1.0)
  and kappa^2 still falls (3.1e3 -> 3.8e2 -> 1.7e2) with the residual. A residual of 1.7 - 4.5
  noise sds also says the chains' states are not yet posterior-typical (which would fit to
  about 1 noise sd): the misfit is a transient of the starts (Adam, then short HMC at these
  small steps), and it shrinks with width. So the MEASUREMENT is right about these chains, and
  the PREDICTION does not transfer: its assumption that each kinked component's distribution
  is the same at every d fails twice on networks (the signal r scales with width through the
  prior and through the fit). lambda_max eps^2 stays between 0.10 and 0.22 at every width (no stiffness
  effect: eps sqrt(lambda_max) <= 0.47). The compare reports the fitted exponents of these factors next to the law.
- bnn-network/relu-crossing-count (observation; was a claim): the count part of the same law, on the same runs:
  crossings per trajectory over fixed T against the width, exponent 1 (predict_crossing_count).
  Chains per width: max(law_chains, law_chain_units // width) (bnn_config.law_chain_count):
  the narrow networks' chains differ most (coefficient of variation of crossings per trajectory
  1.24 at width 4, 0.18 at 64) and cost least, so they get more. Measured with 8 chains at every
  width: quick budget, seeds 0-4, 0.72-1.24 with SE 0.08-0.22 (resolution 0.3-1.3); full budget,
  seed 0, 1.14 +- 0.06 (gamma = 1/2) and 1.09 +- 0.05 (gamma = 1/4). With 128/32/8 chains
  (quick): seeds 0-9, 0.94-1.11 with SE 0.05-0.07, resolution 0.20-0.27, all passing. FULL
  budget with 256..16 chains (widths 4..64), seed 0: 1.114 +- 0.021 (gamma = 1/2, 5.4 SE above 1:
  FAILS) and 1.063 +- 0.023 (gamma = 1/4, passes); crossings per unit 1.19, 1.16, 1.49, 1.51, 1.54
  and 1.25, 1.28, 1.37, 1.44, 1.46 for widths 4, 8, 16, 32, 64. Not missed crossings: on the same
  (q, p), halving eps three times at fixed T changes the count by < 4% (width 4: 1.45 -> 1.40 per
  unit; width 64: 3.96 -> 3.98). So the per-unit crossing rate itself grows with the width: the
  assumption that every kinked component has the same distribution at every width fails for the
  count too, only more weakly than for kappa^2 (exponent ~0.1 against ~-1.9). The precise
  measurement refutes the exact exponent 1, so the law's count part does not transfer exactly either:
  with no network theory of the per-unit rate there is no prediction to check, and the exponent is
  reported as an observation next to the product-target value 1 (a claim that the exponent is 1
  would be refuted; a claim fitted to 1.11 would be read off the data it judges).
- bnn-network/smooth-step-size-law (observation): the same for sigmoid networks against the
  smooth product-target law (exponents -1 and 0). Not a claim: on these posteriors lambda_max
  grows about linearly in d (numerics.bnn_stiffness; measured 2.7e4 -> 7.8e5 for widths 4 -> 256
  of sigmoid), so stability alone forces eps ~ d^(-1/2) and the product-target law does not
  transfer (measured while writing: -0.50 +- 0.15 and 0.48 +- 0.14, quick budget, seed 7; at
  the full budget, seed 0, -0.98 +- 0.15 and 0.46 +- 0.17: within 4 SE of the smooth law, not
  checked over seeds, so still an observation).
- bnn-network/relu-derivative-at-zero (claim): sigma'(0) in {0, 1/2, 1} does not change the
  acceptance: the same chains with the same random numbers; paired per-chain differences, within
  z SE of 0, and the number of proposals whose dH changed at all, against the expected number
  of exact zeros (unit evaluations x 2^-52 ~ 1e-9: any change fails). The pre-activations z = 0
  form a null set, so the runs are identical bit for bit unless a pre-activation is exactly 0.
  The statistical part alone is weak (a kernel applying sigma'(0) on |z| < 0.05 moved the
  acceptance by 0.29 +- 0.09, within 4 SE); the bit-identity part catches it.
- bnn-network/softplus-beta-control (observation): acceptance of softplus_beta networks
  (beta = 1 .. 256) and of relu at the same eps, with lambda_max: whether the loss at that eps
  is stiffness (already at beta = 1) or the kink (growing with beta).
"""
from __future__ import annotations

import math

import numpy as np

from relu_hmc.claims.base import Claim, Task, Verdict, all_of, register, within

_GAMMAS = (0.5, 0.25)


def _law_tasks(activation: str):
    from relu_hmc.numerics import bnn_config

    def tasks(budget):
        cfg = bnn_config.NETWORK_BUDGETS[budget]
        return [Task("relu_hmc.numerics.bnn_networks:step_size_law_run",
                     {"activation": activation, "width": w, "gamma": g, "budget": budget}, f"g{g:g}-w{w}")
                for g in _GAMMAS for w in cfg["law_widths"]]
    return tasks


def _points(measurements, gamma):
    pts = [m for m in measurements.values() if m["gamma"] == gamma]
    return sorted(pts, key=lambda m: m["d"])


def _exponent(points, key="chain_var_dH", seed=0) -> dict:
    from relu_hmc.numerics.estimators import power_law_exponent

    d = [p["d"] for p in points]
    draws = [np.asarray(p[key], dtype=float) for p in points]
    if not all(np.all(np.isfinite(x)) for x in draws):
        raise ValueError("a chain diverged: Var(dH) is not finite")
    return power_law_exponent(d, draws, seed).as_dict()


def _law_parts(prediction, measurements, regime: str):
    law = prediction[regime]
    parts = []
    for g in _GAMMAS:
        pts = _points(measurements, g)
        e = _exponent(pts)
        predicted = 1.0 - law["sigma_exponent"] * g
        acc = ", ".join(f"{p['acceptance']['value']:.3f}" for p in pts)
        stab = ", ".join(f"{p['stability_number_max']:.2f}" for p in pts)
        parts.append(within(predicted, e["value"], e["se"],
                            quantity=f"{pts[0]['activation']}: exponent of Var(dH) in d at eps = l d^-{g:g} "
                                     f"(theory 1 - 2k gamma, 2k = {law['sigma_exponent']:g})",
                            note=f"d = {[p['d'] for p in pts]}, acceptance {acc}, eps sqrt(lambda_max) {stab}; "
                                 f"resolution: +-{4 * e['se']:.2g} in the exponent (absolute)"))
    return parts


def _observation(parts, quantity: str, why: str) -> Verdict:
    """An observation's verdict: passes (it cannot refute anything); its parts keep the z SE
    comparison of each exponent with the product-target law, for the reader."""
    summary = "; ".join(f"{p.quantity}: measured {p.measured:.2f} +- {p.se:.2f}, product-target theory "
                        f"{p.predicted:g} ({'agrees' if p.passed else 'disagrees'} within its tolerance)"
                        for p in parts)
    return Verdict(True, parts[0].predicted, parts[0].measured, parts[0].se, math.inf,
                   f"observation (cannot fail): {why}; " + summary, quantity, tuple(parts))


_FACTORS = (("chain_crossings", "crossings per trajectory"),
            ("chain_crossing_mean_square", "kappa^2 (one crossing's mean square / eps^2)"),
            ("chain_residual_rms", "rms residual / noise sd"),
            ("chain_output_weight_rms", "rms output weight"))


def _factor_exponents(pts, gamma: float, seed=0) -> str:
    """The fitted exponents in d of the law's factors (module doc), and their sum count + kappa^2
    - 2 gamma next to the exponent of Var(C) itself, for the observation text."""
    rows, fitted = [], {}
    for key, name in _FACTORS:
        if all(key in p for p in pts):
            e = fitted[key] = _exponent(pts, key, seed)
            rows.append(f"{name} {e['value']:.2f} +- {e['se']:.2f}")
    if "chain_crossings" in fitted and "chain_crossing_mean_square" in fitted:
        total = fitted["chain_crossings"]["value"] + fitted["chain_crossing_mean_square"]["value"] - 2 * gamma
        rows.append(f"sum count + kappa^2 - 2 gamma = {total:.2f} (Var(C) itself: "
                    f"{_exponent(pts, 'chain_var_crossing', seed)['value']:.2f})")
    return ", ".join(rows)


def compare_relu_law(prediction, measurements):
    parts = _law_parts(prediction, measurements, "kinked")
    factors = []
    for g in _GAMMAS:  # the crossing part C alone, against the same law
        pts = _points(measurements, g)
        e = _exponent(pts, "chain_var_crossing")
        parts.append(within(1.0 - prediction["kinked"]["sigma_exponent"] * g, e["value"], e["se"],
                            quantity=f"relu: exponent of Var(crossing part C) in d at eps = l d^-{g:g}"))
        factors.append(f"gamma = {g:g}: exponents in d of {_factor_exponents(pts, g)}")
    return _observation(parts, "ReLU networks: exponents of Var(dH) in d along eps = l d^-1/2 and l d^-1/4",
                        "the kinked product-target law does not transfer: the count of crossings grows like "
                        "the kinked units but one crossing's size falls with width (module doc; "
                        + "; ".join(factors) + ")")


def predict_crossing_count() -> dict:
    """Exponent of the number of kink crossings over a fixed time T in the number of kinked
    components: 1. Each component crosses its kink at a rate E[|z'| delta(z)] (Rice's formula)
    that does not depend on how many other components there are (the product-target law's count
    d, theory.derive). On a one-hidden-layer network the kinked components are the hidden units
    (each with one surface z_{n,i} = 0 per data point), so the count is ~ width^1 at fixed T,
    whatever eps = l d^-gamma (the count over fixed T does not depend on eps to leading order)."""
    return {"count_exponent": 1.0}


def compare_crossing_count(prediction, measurements):
    from relu_hmc.numerics.estimators import power_law_exponent

    parts = []
    for g in _GAMMAS:
        pts = _points(measurements, g)
        widths = [p["width"] for p in pts]
        e = power_law_exponent(widths, [np.asarray(p["chain_crossings"], float) for p in pts], 0)
        per_unit = ", ".join(f"{np.mean(p['chain_crossings']) / p['width']:.2f}" for p in pts)
        parts.append(within(prediction["count_exponent"], e.value, e.se,
                            quantity=f"relu: exponent of crossings per trajectory in the width at eps = l d^-{g:g}, "
                                     f"T fixed",
                            note=f"widths {widths}, crossings per unit {per_unit}; SE by bootstrap over chains"))
    return all_of(parts, quantity="crossings per trajectory against the number of kinked units")


def plot_crossing_count(ax, prediction, measurements):
    """Crossings per trajectory (mean over chains ± SE) against width for both schedules, each
    with a line of the predicted exponent prediction["count_exponent"] through its points."""
    from relu_hmc import plots

    for g, color in zip(_GAMMAS, plots.color_cycle()):
        pts = _points(measurements, g)
        w = np.array([p["width"] for p in pts], float)
        draws = [np.asarray(p["chain_crossings"], float) for p in pts]
        mean = np.array([x.mean() for x in draws])
        se = np.array([x.std(ddof=1) / math.sqrt(x.size) for x in draws])
        ax.errorbar(w, mean, yerr=se, fmt="o", ms=4, capsize=2.5, color=color,
                    label=f"eps = l d^-{g:g}: crossings per trajectory (± SE)")
        k = prediction["count_exponent"]
        cx, cy = np.exp(np.mean(np.log(w))), np.exp(np.mean(np.log(mean)))
        ax.plot(w, cy * (w / cx) ** k, "--", color=color, lw=1.2, label=f"theory: width^{k:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(plots.axis_label("hidden-layer width", "W", "units"))
    ax.set_ylabel("activation crossings per trajectory (count)")
    ax.legend(fontsize=6)


def compare_smooth_law(prediction, measurements):
    return _observation(_law_parts(prediction, measurements, "smooth"),
                        "sigmoid networks: exponents of Var(dH) in d",
                        "lambda_max grows ~ linearly in d on these posteriors, so the product-target law "
                        "need not transfer")


def plot_law(ax, prediction, measurements):
    """Var(dH) (mean of the chains' variances ± SE) against d for both schedules, each with a
    line of the product-target law's exponent 1 - 2k gamma (the regime by the activation: ReLU
    against the kinked law, smooth activations against the smooth law)."""
    from relu_hmc import plots

    for g, color in zip(_GAMMAS, plots.color_cycle()):
        pts = _points(measurements, g)
        law = prediction["kinked" if pts[0]["activation"] == "relu" else "smooth"]
        draws = [np.asarray(p["chain_var_dH"], float) for p in pts]
        d = np.array([p["d"] for p in pts], float)
        var = np.array([x.mean() for x in draws])
        se = np.array([x.std(ddof=1) / math.sqrt(x.size) if x.size > 1 else math.nan for x in draws])
        ax.errorbar(d, var, yerr=se, fmt="o", ms=4, capsize=2.5, color=color,
                    label=f"eps = l d^-{g:g}: Var(dH) over chains (± SE)")
        exponent = 1.0 - law["sigma_exponent"] * g
        positive = var > 0
        if positive.any():
            cx, cy = np.exp(np.mean(np.log(d[positive]))), np.exp(np.mean(np.log(var[positive])))
            ax.plot(d, cy * (d / cx) ** exponent, "--", color=color, lw=1.2,
                    label=f"product-target law: d^{exponent:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(plots.axis_label("parameters", "d"))
    ax.set_ylabel("Var(dH) (energy units squared)")
    ax.legend(fontsize=6)


def compare_derivative_at_zero(prediction, measurements):
    m = measurements["runs"]
    first = np.asarray(m["runs"][0]["chain_acceptance"])
    parts = []
    for run in m["runs"][1:]:
        diff = np.asarray(run["chain_acceptance"]) - first
        se = float(diff.std(ddof=1) / math.sqrt(diff.size))
        parts.append(within(prediction["difference"], float(diff.mean()), se,
                            quantity=f"acceptance(sigma'(0) = {run['derivative_at_zero']:g}) - acceptance(sigma'(0) = 0)",
                            note=f"paired chains, same random numbers; identical trajectories: "
                                 f"{run['identical_to_first']}; resolution: absolute, {4 * se:.2g} "
                                 f"(0 when identical: any change fails)"))
        parts.append(within(0.0, float(run["changed_proposals"]), 0.0, bias=_exact_zero_bound(m),
                            bias_reason="expected number of pre-activations exactly 0: unit evaluations x 2^-52 "
                                        "(an exact 0 needs a cancellation to the last bit)",
                            quantity=f"proposals whose dH changed with sigma'(0) = {run['derivative_at_zero']:g}",
                            note=f"of {run['n_proposals']}; a change without an exact zero is a kernel bug"))
    return all_of(parts, quantity="ReLU'(0) choice and acceptance")


def _exact_zero_bound(m) -> float:
    return m["unit_evaluations"] * 2.0 ** -52


def predict_null_set() -> dict:
    """sigma'(0) enters the gradient only where a pre-activation is exactly 0: a null set of
    parameters, hit with probability 0 by continuous draws, so the acceptance cannot depend on it."""
    return {"difference": 0.0}


def _control_tasks(budget):
    from relu_hmc.numerics import bnn_config

    cfg = bnn_config.NETWORK_BUDGETS[budget]
    fn = "relu_hmc.numerics.bnn_networks:control_point"
    return ([Task(fn, {"activation": "softplus_beta", "beta": b, "budget": budget}, f"beta{b:g}")
             for b in cfg["control_betas"]]
            + [Task(fn, {"activation": "relu", "beta": 1.0, "budget": budget}, "relu")])


def compare_control(prediction, measurements):
    rows = []
    for label, m in measurements.items():
        name = "relu" if m["activation"] == "relu" else f"softplus_{m['beta']:g}"
        rows.append(f"{name}: acceptance {m['acceptance']['value']:.3f} +- {m['acceptance']['se']:.2g}, "
                    f"rms(dH - B) {m['rms_non_telescoped'] if m['rms_non_telescoped'] is None else format(m['rms_non_telescoped'], '.3g')}, "
                    f"eps sqrt(lambda_max) <= {m['stiffness']['stability_number_max']:.2f}")
    relu = measurements["relu"]
    return Verdict(True, math.nan, relu["acceptance"]["value"], relu["acceptance"]["se"], math.inf,
                   f"observation (cannot fail) at eps = {relu['eps']:g}, L = {relu['n_steps']}: " + "; ".join(rows),
                   "softplus_beta control: acceptance against beta")


def plot_control(ax, prediction, measurements):
    """Observation: softplus_beta acceptance (± SE) against beta next to the ReLU band (± SE);
    the prediction is only the null difference of the kink-free limit, so no curve is drawn."""
    from relu_hmc import plots

    smooth = sorted((m for m in measurements.values() if m["activation"] != "relu"), key=lambda m: m["beta"])
    ax.errorbar([m["beta"] for m in smooth], [m["acceptance"]["value"] for m in smooth],
                yerr=[m["acceptance"]["se"] for m in smooth], fmt="o-", capsize=2.5,
                label="softplus_beta acceptance (± SE)")
    relu = measurements["relu"]["acceptance"]
    ax.axhspan(relu["value"] - relu["se"], relu["value"] + relu["se"], color="tab:red", alpha=0.3,
               label="ReLU acceptance (± SE band)")
    ax.plot([], [], " ", label="observation: no predicted curve (stiffness vs kink)")
    ax.set_xscale("log")
    ax.set_xlabel(plots.axis_label("softplus sharpness", "beta") + " (dimensionless)")
    ax.set_ylabel("acceptance probability (dimensionless)")
    ax.legend(fontsize=7)


_SOURCE = "Dinh, Ho, Nguyen, NeurIPS 2024 (arXiv 2410.22065); DESIGN.md item 3 (product-target law, theory.derive)"

register(Claim(
    id="bnn-network/relu-step-size-law",
    statement="ReLU networks, widths spanning a factor 16: exponents of Var(dH) in d under eps = l d^-1/2 and "
              "l d^-1/4, next to the kinked product-target law (0 and 1/2), which they do not follow.",
    source=_SOURCE,
    family="step-size-exponent",
    prediction=Task("relu_hmc.claims.step_size:predict_variance_pair"),
    measurements=_law_tasks("relu"),
    compare=compare_relu_law,
    plot=plot_law,
    kind="observation",
))

register(Claim(
    id="bnn-network/relu-crossing-count",
    statement="ReLU networks, widths spanning a factor 16, fixed trajectory time: the exponent of the number "
              "of activation crossings per trajectory in the width, next to the product-target law's 1; at the "
              "full budget it is resolved above 1 (1.114 +- 0.021 at eps = l d^-1/2, seed 0): the per-unit "
              "crossing rate grows with the width.",
    source="derived here (Rice's formula per kinked unit); the count d of the product-target law, theory.derive",
    family="bnn-acceptance",
    prediction=Task("relu_hmc.claims.bnn_networks:predict_crossing_count"),
    measurements=_law_tasks("relu"),
    compare=compare_crossing_count,
    plot=plot_crossing_count,
    kind="observation",
))

register(Claim(
    id="bnn-network/smooth-step-size-law",
    statement="Sigmoid networks under the same schedules: the exponents of Var(dH) in d, next to the "
              "smooth product-target law (-1 and 0).",
    source=_SOURCE,
    family="step-size-exponent",
    prediction=Task("relu_hmc.claims.step_size:predict_variance_pair"),
    measurements=_law_tasks("sigmoid"),
    compare=compare_smooth_law,
    plot=plot_law,
    kind="observation",
))

register(Claim(
    id="bnn-network/relu-derivative-at-zero",
    statement="The value chosen for ReLU'(0) (0, 1/2 or 1) does not change the acceptance of HMC on a ReLU network.",
    source="Dinh, Ho, Nguyen, NeurIPS 2024 (arXiv 2410.22065), claim (d); derived here: z = 0 is a null set",
    family="bnn-acceptance",
    prediction=Task("relu_hmc.claims.bnn_networks:predict_null_set"),
    measurements=lambda budget: [Task("relu_hmc.numerics.bnn_networks:derivative_at_zero_run",
                                      {"budget": budget}, "runs")],
    compare=compare_derivative_at_zero,
))

register(Claim(
    id="bnn-network/softplus-beta-control",
    statement="softplus_beta networks (smooth, -> ReLU as beta grows) against ReLU at one step: acceptance "
              "against beta separates stiffness from the kink.",
    source="derived here: numerics.bnn_control",
    family="bnn-acceptance",
    prediction=Task("relu_hmc.claims.bnn_networks:predict_null_set"),
    measurements=_control_tasks,
    compare=compare_control,
    plot=plot_control,
    kind="observation",
))
