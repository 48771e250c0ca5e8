"""Optimal-scaling results of the literature reproduced by measurement, and laws derived here.

Each law (theory.derive with --algorithm/--support, theory.limit_laws) is checked three ways
on stationary proposals of the product target in dimension d (numerics.limit_samplers):

- acceptance-limit: a(l) at three l of a grid, measured at d_large (mean ± SE);
- optimal-acceptance: the argmax l* of l^m a(l) measured on the grid (parabola in log l
  through the best point and its neighbours, common random numbers along the grid) and the
  acceptance there (bootstrap SE over proposals), against the solver theory.tuning (Gaussian
  laws) or theory.jumps (walls);
- step-exponent: the exponent of E[dh^2] (Var(dH) ~ d step^(2k)) or of the exit probability
  (walls, ~ step^1) per coordinate, paired grid, bootstrap SE.

Tolerance: 4 SE + a finite-d / finite-step allowance that never uses the prediction: for the
first two, the change of the measurement from d_small = d_large/4 to d_large (the deviation
from the limit decays like d^(-r) with r >= 1/2 for these product targets, so what is left at
d_large is at most that change: (4^r - 1)^(-1) <= 1); for the exponent, the difference of the
half-grid slopes (the curvature of the log-log curve on the grid). The resolution of every
verdict is tolerance / |prediction| (Verdict.resolution, in the report).
"""
from __future__ import annotations

import math

from relu_hmc import plots
from relu_hmc.claims.base import Claim, Task, all_of, register, within

# (id prefix, expression, support, algorithm, gamma, grid centre ~ predicted l*, target, statement, source)
_LAWS = {
    "rwm": dict(expr="q**2/2", support=None, algorithm="rwm", gamma=0.5, centre=2.4, target="gaussian",
                what="RWM on a Gaussian product target, proposal sd l d^(-1/2)",
                source="Roberts, Gelman & Gilks, Ann. Appl. Probab. 7 (1997) 110-120, Thm 1.1 and Cor. 1.2",
                dims={"quick": (100, 400), "full": (1000, 4000)}, n={"quick": 6000, "full": 40000}),
    "mala": dict(expr="q**2/2", support=None, algorithm="mala", gamma=1 / 6, centre=1.65, target="gaussian",
                 what="MALA on a Gaussian product target, step l d^(-1/6) (proposal variance l^2 d^(-1/3))",
                 source="Roberts & Rosenthal, J. R. Stat. Soc. B 60 (1998) 255-268, Thm 1 and Thm 2",
                 dims={"quick": (100, 400), "full": (1000, 4000)}, n={"quick": 4000, "full": 20000}),
    "rwm-walls": dict(expr="0", support=(0.0, 1.0), algorithm="rwm", gamma=1.0, centre=2.5, target="uniform",
                      what="RWM on the uniform target on [0, 1]^d (hard walls), proposal sd l d^(-1)",
                      source="Neal, Roberts & Yuen, Ann. Appl. Probab. 22 (2012) 1880-1927",
                      dims={"quick": (50, 200), "full": (250, 1000)}, n={"quick": 20000, "full": 200000}),
    "mala-kinked": dict(expr="Abs(q)", support=None, algorithm="mala", gamma=1 / 3, centre=2.3, target="laplace",
                        what="MALA on the Laplace product target (kink at 0), step l d^(-1/3)",
                        source="derived here: theory.limit_laws (one step crosses with probability ~ eps|p|pi(0), "
                               "error Theta(eps)); proofs_notes/limit_laws.md",
                        dims={"quick": (100, 400), "full": (1000, 4000)}, n={"quick": 4000, "full": 20000}),
}
_GRID = 13  # l = centre * exp(u), u on an even grid over [-0.6, 0.6] (a factor 3.3 in l)
_CHECKED = (2, 6, 10)  # grid points whose a(l) is compared
_EXPONENT_STEPS = {"rwm": (0.4, 0.2, 0.1, 0.05), "mala": (0.4, 0.2, 0.1, 0.05),
                   "rwm-walls": (0.16, 0.08, 0.04, 0.02), "mala-kinked": (0.16, 0.08, 0.04, 0.02)}
_EXPONENT_N = {"quick": 50_000, "full": 400_000}


def _grid(centre: float) -> list:
    return [centre * math.exp(-0.6 + 1.2 * i / (_GRID - 1)) for i in range(_GRID)]


# --- theory adapter ----------------------------------------------------------------------------

def predict_law(expr: str, algorithm: str, l_values: list, support=None) -> dict:
    """theory.derive's law for (expr, algorithm, support) and a(l) at each l of the grid."""
    from relu_hmc.theory.derive import derive_scaling_law

    law = derive_scaling_law(expr, algorithm=algorithm, support=support)
    if law["regularity"] == "jump":
        from relu_hmc.theory.jumps import jump_acceptance

        rates = {"wall": law["wall_rate"], "jumps": [(r["jump"], r["rate_right"], r["rate_left"])
                                                     for r in law["jump_rates"]]}
        acceptance = [float(jump_acceptance(rates, l)) for l in l_values]
        exponent, statistic = 1.0, "exit"  # P(a coordinate's move leaves the support) ~ step
    else:
        from relu_hmc.theory.acceptance import acceptance_limit

        acceptance = [float(acceptance_limit(law["sigma0"] * l ** law["sigma_exponent"])) for l in l_values]
        exponent, statistic = law["sigma_exponent"], "square"
    return {"gamma": law["step_size_exponent"], "sigma0": law["sigma0"], "sigma_exponent": law["sigma_exponent"],
            "m": law["efficiency_exponent"], "optimal_acceptance": law["optimal_acceptance"],
            "optimal_l": law["optimal_l"], "l": list(l_values), "acceptance": acceptance,
            "step_exponent": exponent, "statistic": statistic, "source": law["source"]}


# --- comparisons ---------------------------------------------------------------------------

def _change(small: dict, large: dict, value) -> float:
    return abs(value(large) - value(small))


def compare_acceptance_limit(prediction, measurements):
    small, large = measurements["d-small"], measurements["d-large"]
    parts = []
    for i in _CHECKED:
        change = _change(small, large, lambda m: m["acceptance"][i]["value"])
        parts.append(within(prediction["acceptance"][i], large["acceptance"][i]["value"], large["acceptance"][i]["se"],
                            quantity=f"a(l = {prediction['l'][i]:.3g}) at d={large['d']}", bias=change,
                            bias_reason=f"finite-d allowance: change {change:.3g} of the measurement from d={small['d']}"))
    return all_of(parts, quantity="acceptance limit a(l)")


def compare_optimal_acceptance(prediction, measurements):
    small, large = measurements["d-small"], measurements["d-large"]
    change = _change(small, large, lambda m: m["optimal_acceptance"]["value"])
    m = large["optimal_acceptance"]
    return within(prediction["optimal_acceptance"], m["value"], m["se"],
                  quantity=f"acceptance at the measured argmax of l^{prediction['m']} a(l), d={large['d']}",
                  bias=change, bias_reason=f"finite-d allowance: change {change:.3g} of the measurement from d={small['d']}",
                  note=f"measured l* = {large['optimal_l']['value']:.4g} ± {large['optimal_l']['se']:.2g} "
                       f"(predicted {prediction['optimal_l']:.4g})")


def compare_step_exponent(prediction, measurements):
    m = measurements["exponent"]
    slack = abs(m["half_grid_slopes"][0] - m["half_grid_slopes"][1])
    what = "P(exit)" if prediction["statistic"] == "exit" else "E[dh^2]"
    gamma_note = f"gamma = {prediction['gamma']:.4g}: {what} ~ step^{prediction['step_exponent']:g} per coordinate"
    return within(prediction["step_exponent"], m["exponent"]["value"], m["exponent"]["se"],
                  quantity=f"exponent of {what} in the step", bias=slack,
                  bias_reason=f"curvature on the grid: half-grid slopes {m['half_grid_slopes'][0]:.4g}, "
                              f"{m['half_grid_slopes'][1]:.4g}", note=gamma_note)


def _plot_curve(ax, prediction, measurements):
    """Acceptance (± SE) against l at both dimensions and the predicted limit curve a(l), with the
    predicted optimal l marked (the optimal-acceptance claim is judged there)."""
    for label, marker in (("d-small", "s"), ("d-large", "o")):
        m = measurements.get(label)
        if m is None:
            continue
        ax.errorbar(m["l"], [a["value"] for a in m["acceptance"]], yerr=[a["se"] for a in m["acceptance"]],
                    fmt=marker, ms=4, capsize=2.5, label=f"measured, d = {m['d']} (± SE)")
    ax.plot(prediction["l"], prediction["acceptance"], "-", color=plots.THEORY_COLOR, lw=1.2,
            label="theory: limit a(l)")
    if prediction.get("optimal_l") is not None:
        ax.axvline(prediction["optimal_l"], color="grey", ls=":", lw=1.0,
                   label=f"theory: optimal l = {prediction['optimal_l']:.3g}")
    ax.set_xlabel(plots.axis_label("scaled step", "l") + " (dimensionless)")
    ax.set_ylabel("acceptance probability (dimensionless)")


# --- registration ----------------------------------------------------------------------------

def _register(name: str, law: dict) -> None:
    grid = _grid(law["centre"])
    prediction = Task("relu_hmc.claims.literature:predict_law",
                      {"expr": law["expr"], "algorithm": law["algorithm"], "l_values": grid, "support": law["support"]})
    m = 2  # RWM, MALA: expected squared jump ~ step^2 a(l) per proposal of O(1) cost

    def curves(budget):
        return [Task("relu_hmc.numerics.limit_samplers:acceptance_curve",
                     {"target_spec": law["target"], "algorithm": law["algorithm"], "d": d, "l_values": grid,
                      "gamma": law["gamma"], "n": law["n"][budget], "m": m}, label)
                for label, d in zip(("d-small", "d-large"), law["dims"][budget])]

    def exponent(budget):
        statistic = "exit" if law["support"] else "square"
        return [Task("relu_hmc.numerics.limit_samplers:error_exponent",
                     {"target_spec": law["target"], "algorithm": law["algorithm"], "steps": list(_EXPONENT_STEPS[name]),
                      "n": _EXPONENT_N[budget], "statistic": statistic}, "exponent")]

    derived = law["source"].startswith("derived here")
    tag = "derived here" if derived else "literature"
    register(Claim(f"literature/{name}-acceptance-limit",
                   f"{law['what']}: acceptance -> the limit a(l) of theory.derive ({tag}).",
                   law["source"], "acceptance-limit", prediction, curves, compare_acceptance_limit, _plot_curve))
    register(Claim(f"literature/{name}-optimal-acceptance",
                   f"{law['what']}: the acceptance at the argmax of l^2 a(l) equals the solver's optimum ({tag}).",
                   law["source"], "optimal-acceptance", prediction, curves, compare_optimal_acceptance, _plot_curve))
    register(Claim(f"literature/{name}-step-exponent",
                   f"{law['what']}: the per-coordinate error scales with the exponent that fixes gamma ({tag}).",
                   law["source"], "step-size-exponent", prediction, exponent, compare_step_exponent))


for _name, _law in _LAWS.items():
    _register(_name, _law)
