"""Claims on Bayesian neural-network posteriors (numerics.bnn, numerics.bnn_experiments,
numerics.bnn_crossings).

- bnn/crossing-step-order: on a one-hidden-layer network fitted to the paper's synthetic
  data, a leapfrog step that crosses exactly one activation surface has energy error of
  order 1 in eps (measured on constructed crossings: the same surface point, momentum and
  crossing phase at every eps of a ladder, numerics.bnn_crossings), steps of the same ReLU
  network that change no activation have order 3, every step of the softplus (smooth,
  unbounded: the control for the kink) and sigmoid networks has order 3, and over a fixed
  time T their energy error has order 2. Predictions: theory.kink (1D crossing step, order
  1), theory.smooth (Lie series, order 3) and theory.shadow (order 2 over fixed T). The
  ReLU network's own fixed-T order (1) is not a part: its uniform crossing phases make
  mean |dH| too noisy to resolve to 0.1 at this budget; the decomposition claim states the
  fixed-T structure (O(eps) crossing part + O(eps^2) remainder) instead.
- bnn/crossing-decomposition: over a fixed time T the energy error of a ReLU / leaky-ReLU
  network trajectory is dH = S + B + R with S the sum of the predicted crossing
  contributions (the 1D term J eps p (1/2 - theta) carried to the network's surfaces,
  numerics.bnn), B the exact telescoped eps^2 term, and R a remainder of order 2 in eps:
  the smooth trapezoid-rule errors (O(eps^3) per step over T/eps steps, the leapfrog
  global order of theory.shadow) and the next term of each of the O(1) crossings (the
  eps^2 term of theory.kink's crossing series). Measured: the paired log-log slope of
  mean |dH - B - S| on a ladder of eps at fixed T. A crossing term off by a factor 1 + delta
  leaves delta S = O(eps) in R and pulls the slope toward 1, so the check has power
  against a wrong crossing formula (the explained share of Var(dH - B) at one eps is still
  reported, as information: it depends on eps and is not a theory constant). Its allowance
  (`_order`: |slope of the small-eps half - slope of the large-eps half|) is the drift between
  two noisy half-grid slopes, not a bound: at quick budget, seed 7, the relu part's is 0.21
  (half slopes 1.86 and 2.07, each with an SE near 0.1) on 4 SE = 0.16, tolerance 0.365
  (resolution 18%, above the 10% target), while leaky_relu's is 0.05 + 0.05. The relu
  remainder is noisier (its crossing corrections are heavy-tailed); whether the full budget
  resolves it to 0.1 on every seed was not checked. Known weakness, left as it is (issue 15).
- bnn/relu-acceptance-below-sigmoid (observation, not counted): at equal eps and L the
  ReLU network's acceptance against the sigmoid network's. It cannot refute the kink
  theory: near the stability edge (eps ~ 3e-3 at width 10) the smooth but unbounded
  softplus and gelu networks lose acceptance about as fast as ReLU while bounded
  sigmoid/tanh do not, so the gap is mostly stiffness. The kink-specific statements are
  the two claims above.
"""
from __future__ import annotations

import math

from relu_hmc.claims.base import Z, Claim, Task, Verdict, all_of, register, within

_BIAS_REASON = ("finite-eps truncation bound from the curvature slope(large-eps half) - slope(small-eps half) of "
                "the same fit (one correction term a eps^r, r >= 1; numerics.orders.order_summary) + its own SE")


# -- theory adapters -----------------------------------------------------------------------------
def predict_network_orders() -> dict:
    """Order 1 for a step crossing a kink (theory.kink, ReLU-like slopes 0 -> 1) and order 3
    for a step on a smooth potential (theory.smooth on U = q^4, the suite's smooth non-quadratic
    test potential: the order 3 holds for every C^3 potential, so one representative suffices)."""
    from relu_hmc.claims.orders import QUARTIC_EXPR, predict_crossing_order, predict_smooth_local_orders

    from relu_hmc.claims.orders import predict_smooth_global_order

    crossing = predict_crossing_order(0.0, 1.0, 0.0)
    smooth = predict_smooth_local_orders(QUARTIC_EXPR)
    return {"crossing_step_order": crossing["order"], "crossing_coefficient": crossing["coefficient"],
            "smooth_step_order": smooth["energy_order"],
            "smooth_fixed_T_order": predict_smooth_global_order(QUARTIC_EXPR)["order"]}


def predict_decomposition() -> dict:
    """Orders in eps, over a fixed time T, of the crossing part S (theory.kink: the leading
    crossing term, order 1) and of the remainder R = dH - B - S: the lower of the smooth
    global order (theory.shadow, 2) and the order of the first crossing term beyond the
    leading one (theory.kink's series at fixed phase, on a kink with curvature on both sides)."""
    import sympy as sp

    from relu_hmc.claims.orders import QUARTIC_EXPR, predict_crossing_order, predict_smooth_global_order
    from relu_hmc.theory.kink import EPS, Q, crossing_error_in_phase

    leading = predict_crossing_order(0.0, 1.0, 0.0)
    series = sp.expand(crossing_error_in_phase(Q ** 2 / 2, Q + Q ** 2, 0, order=3))
    powers = [n for n in range(4) if sp.simplify(series.coeff(EPS, n)) != 0]
    if len(powers) < 2 or powers[0] != leading["order"]:
        raise ValueError(f"theory.kink's crossing series has powers {powers}: no correction term to predict")
    smooth = predict_smooth_global_order(QUARTIC_EXPR)["order"]
    return {"crossing_order": leading["order"], "crossing_correction_order": powers[1],
            "smooth_global_order": smooth, "remainder_order": min(smooth, powers[1]),
            "leading_crossing_term": leading["coefficient"]}


def predict_fixed_T_orders() -> dict:
    """Fixed-T energy-error orders: kinked 1 (crossings at fixed T are O(1) in number, each
    O(eps)), smooth 2 (theory.shadow); kinked < smooth means lower acceptance at small eps."""
    from relu_hmc.claims.orders import QUARTIC_EXPR, predict_crossing_order, predict_smooth_global_order

    return {"kinked": predict_crossing_order(0.0, 1.0, 0.0)["order"],
            "smooth": predict_smooth_global_order(QUARTIC_EXPR)["order"]}


# -- measurements ----------------------------------------------------------------------------------
def measure_orders(activation: str, budget: str, seed: int) -> dict:
    from relu_hmc.numerics import bnn_config, bnn_experiments

    return bnn_experiments.energy_orders(activation, bnn_config.budget(budget), seed)


def measure_decomposition(activation: str, budget: str, seed: int) -> dict:
    from relu_hmc.numerics import bnn_config, bnn_experiments

    return bnn_experiments.crossing_decomposition(activation, bnn_config.budget(budget), seed)


def measure_acceptance(activation: str, budget: str, seed: int) -> dict:
    from relu_hmc.numerics import bnn_config, bnn_experiments

    cfg = bnn_config.budget(budget)
    return bnn_experiments.acceptance_run(activation, cfg["width"], 1, "synthetic", cfg["claim_eps"],
                                          cfg["claim_steps"], cfg, seed)


# -- comparisons -----------------------------------------------------------------------------------
def _order(predicted, fit: dict | None, quantity: str):
    if fit is None:
        raise ValueError(f"{quantity}: too few samples to fit an order")
    bias = fit["truncation_slack"] + fit["truncation_slack_se"]
    return within(predicted, fit["value"], fit["se"], quantity=quantity, bias=bias, bias_reason=_BIAS_REASON,
                  note="SE by bootstrap over the steps at each eps")


def compare_orders(prediction, measurements):
    relu, softplus, sigmoid = measurements["relu"], measurements["softplus"], measurements["sigmoid"]
    crossing_note = (f"{relu.get('crossing_steps_kept')} of {relu.get('crossing_steps_built')} constructed steps "
                     "cross exactly one surface at every eps")
    parts = [
        _order(prediction["crossing_step_order"], relu["crossing_step_order"],
               "ReLU network: order of |dH| of a step crossing one surface (fixed phase)"),
        _order(prediction["smooth_step_order"], relu["one_step_order_no_crossing"],
               "ReLU network: order of |dH| on steps without crossings"),
        _order(prediction["smooth_step_order"], softplus["one_step_order_no_crossing"],
               "softplus network: one-step order of |dH|"),
        _order(prediction["smooth_step_order"], sigmoid["one_step_order_no_crossing"],
               "sigmoid network: one-step order of |dH|"),
        _order(prediction["smooth_fixed_T_order"], softplus["fixed_T_order"],
               "softplus network: fixed-T order of |dH|"),
        _order(prediction["smooth_fixed_T_order"], sigmoid["fixed_T_order"],
               "sigmoid network: fixed-T order of |dH|"),
    ]
    return all_of(parts, quantity="energy-error orders on a network (one step and fixed T)", detail=crossing_note)


def compare_decomposition(prediction, measurements):
    parts = []
    for act in ("relu", "leaky_relu"):
        m = measurements[act]
        parts.append(_order(prediction["remainder_order"], m["remainder_order"],
                            f"{act}: order of |dH - B - S| over fixed T = {m['ladder_T']:g}"))
    e = {act: measurements[act]["explained_fraction"] for act in ("relu", "leaky_relu")}
    info = ", ".join(f"{a} {v['value']:.4f} ± {v['se']:.1g}" for a, v in e.items())
    return all_of(parts, quantity="order in eps of the energy error left after the crossing contributions",
                  detail=f"eps in {measurements['relu']['ladder_eps_grid']}, "
                         f"{measurements['relu']['ladder_trajectories']} paired trajectories; "
                         f"share of Var(dH - B) explained at eps = {measurements['relu']['eps']:g} (information): {info}")


def compare_acceptance(prediction, measurements):
    """An observation (module doc): reports acceptance(ReLU) - acceptance(sigmoid) with its SE
    next to the sign the fixed-T orders suggest. It cannot refute the kink theory (stiffness is
    confounded), so it is never a failed check: `passed` only says the measurement was made."""
    if not prediction["kinked"] < prediction["smooth"]:
        raise ValueError("theory does not order the kinked and smooth fixed-T errors")
    r, s = measurements["relu"]["acceptance"], measurements["sigmoid"]["acceptance"]
    diff = r["value"] - s["value"]
    se = math.sqrt(r["se"] ** 2 + s["se"] ** 2)
    below = "significantly below" if diff + Z * se < 0 else "not significantly below"
    return Verdict(math.isfinite(diff) and math.isfinite(se), 0.0, diff, se, Z * se,
                   f"observation, not a test: ReLU {r['value']:.3f} ± {r['se']:.2g} is {below} sigmoid "
                   f"{s['value']:.3f} ± {s['se']:.2g} ({Z:g} SE), eps = {measurements['relu']['eps']:g}, "
                   f"L = {measurements['relu']['n_steps']}",
                   "acceptance(ReLU) - acceptance(sigmoid) at equal eps, L")


# -- plots -----------------------------------------------------------------------------------------
def plot_orders(ax, prediction, measurements):
    """Mean |dH| of one step against eps per series (± SE), each with a line of the PREDICTED
    order (prediction["crossing_step_order"] or ["smooth_step_order"]) through its points."""
    import numpy as np

    from relu_hmc import plots

    series = [("relu", "crossing_step_order", "crossing_eps_grid", "ReLU, one crossing (fixed phase)", "o",
               "crossing_step_order"),
              ("relu", "one_step_order_no_crossing", "one_step_eps_grid", "ReLU, no crossing", "s", "smooth_step_order"),
              ("softplus", "one_step_order_no_crossing", "one_step_eps_grid", "softplus", "v", "smooth_step_order"),
              ("sigmoid", "one_step_order_no_crossing", "one_step_eps_grid", "sigmoid", "^", "smooth_step_order")]
    cycle = plots.color_cycle()
    for i, (act, key, grid, label, marker, predicted_key) in enumerate(series):
        fit = measurements[act].get(key)
        if fit is None:
            ax.plot([], [], " ", label=f"{label}: too few samples, not measured")
            continue
        color = cycle[i % len(cycle)]
        eps = np.asarray(measurements[act][grid], float)
        y = np.asarray(fit["mean_abs"], float)
        ax.errorbar(eps, y, yerr=fit.get("mean_abs_se"), fmt=marker, ms=4, capsize=2, color=color,
                    label=f"{label}: slope {fit['value']:.2f} ± {fit['se']:.2f} (± SE)"
                          + ("" if fit.get("mean_abs_se") is not None else " [no SE per point]"))
        order = prediction[predicted_key]
        positive = y > 0
        if order is not None and positive.any():
            cx, cy = np.exp(np.mean(np.log(eps[positive]))), np.exp(np.mean(np.log(y[positive])))
            ax.plot(eps, cy * (eps / cx) ** order, "--", lw=1.0, color=color, label=f"theory: order {order:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(plots.axis_label("step size", "eps"))
    ax.set_ylabel("mean |dH| of one step (energy units)")
    ax.legend(fontsize=6, loc="lower left")


def plot_decomposition(ax, prediction, measurements):
    """On the fixed-T ladder: mean |dH - B - S| (the remainder R, ± SE) and mean |S| (the crossing
    part) against eps for relu and leaky_relu, each with a line of its PREDICTED order
    (prediction["remainder_order"], prediction["crossing_order"]) through its points."""
    import numpy as np

    from relu_hmc import plots

    cycle = plots.color_cycle()
    series = [("remainder_order", "remainder_order", "|dH - B - S| (remainder)", "o"),
              ("crossing_part_order", "crossing_order", "|S| (crossing part)", "s")]
    for i, act in enumerate(("relu", "leaky_relu")):
        m = measurements.get(act)
        if m is None:
            continue
        eps = np.asarray(m["ladder_eps_grid"], float)
        for key, predicted_key, label, marker in series:
            fit = m.get(key)
            if fit is None:
                continue
            color = cycle[(2 * i + (key == "crossing_part_order")) % len(cycle)]
            y = np.asarray(fit["mean_abs"], float)
            ax.errorbar(eps, y, yerr=fit.get("mean_abs_se"), fmt=marker, ms=4, capsize=2, color=color,
                        label=f"{act}: mean {label}, slope {fit['value']:.2f} ± {fit['se']:.2f} (± SE)")
            order = prediction[predicted_key]
            if np.all(y > 0):
                cx, cy = np.exp(np.mean(np.log(eps))), np.exp(np.mean(np.log(y)))
                ax.plot(eps, cy * (eps / cx) ** order, "--", lw=1.0, color=color, label=f"theory: order {order:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(plots.axis_label("step size", "eps"))
    ax.set_ylabel("mean over trajectories, fixed T (energy units)")
    ax.legend(fontsize=6, loc="upper left")


def plot_acceptance(ax, prediction, measurements):
    """Observation: acceptance (± SE) of ReLU and sigmoid at equal eps, L; theory predicts only
    the order of the fixed-T errors (kinked below smooth), shown in the legend."""
    names = ["relu", "sigmoid"]
    values = [measurements[n]["acceptance"]["value"] for n in names]
    errors = [measurements[n]["acceptance"]["se"] for n in names]
    ax.bar(names, values, yerr=errors, capsize=4, color=["tab:red", "tab:blue"], label="measured acceptance (± SE)")
    ax.plot([], [], " ", label=f"theory: fixed-T error order kinked {prediction['kinked']:g} "
                               f"< smooth {prediction['smooth']:g} (no acceptance level predicted)")
    ax.set_xlabel("network activation")
    ax.set_ylabel("acceptance probability (dimensionless)")
    # the legend sits in a band above acceptance 1, where no bar or error bar can reach
    ax.set_ylim(0, 1.4)
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.axhline(1.0, color="grey", lw=0.6)
    ax.legend(fontsize=6, loc="upper center")


def _tasks(fn: str, activations, label_prefix=""):
    return lambda budget: [Task(f"relu_hmc.claims.bnn:{fn}", {"activation": a, "budget": budget}, a)
                           for a in activations]


register(Claim(
    id="bnn/crossing-step-order",
    statement="On a ReLU network posterior a step changing one activation has |dH| = O(eps) (O(eps) over fixed T); "
              "steps without crossings and softplus/sigmoid networks have O(eps^3) (O(eps^2) over fixed T).",
    source="Dinh, Ho, Nguyen, NeurIPS 2024 (arXiv 2410.22065), local error Omega(eps); theory.kink, theory.smooth",
    family="crossing-step",
    prediction=Task("relu_hmc.claims.bnn:predict_network_orders"),
    measurements=_tasks("measure_orders", ("relu", "softplus", "sigmoid")),
    compare=compare_orders,
    plot=plot_orders,
))

register(Claim(
    id="bnn/crossing-decomposition",
    statement="Over a fixed time, a ReLU / leaky-ReLU network trajectory's energy error minus its predicted crossing "
              "contributions (J.dq)(1/2 - theta) and the telescoped eps^2 term is O(eps^2).",
    source="derived here: numerics.bnn module doc (trapezoid-rule form of one leapfrog step); theory.kink, "
           "theory.shadow; DESIGN.md item 4",
    family="crossing-decomposition",
    prediction=Task("relu_hmc.claims.bnn:predict_decomposition"),
    measurements=_tasks("measure_decomposition", ("relu", "leaky_relu")),
    compare=compare_decomposition,
    plot=plot_decomposition,
))

register(Claim(
    id="bnn/relu-acceptance-below-sigmoid",
    statement="Observation: at equal step size and trajectory length, acceptance of HMC on a ReLU network "
              "against the same sigmoid network (stiffness and kinks confounded).",
    source="Dinh, Ho, Nguyen, NeurIPS 2024 (arXiv 2410.22065), Fig. 1; theory.kink vs theory.shadow orders",
    family="bnn-acceptance",
    prediction=Task("relu_hmc.claims.bnn:predict_fixed_T_orders"),
    measurements=_tasks("measure_acceptance", ("relu", "sigmoid")),
    compare=compare_acceptance,
    plot=plot_acceptance,
    kind="observation",
))
