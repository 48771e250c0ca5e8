"""Error orders of leapfrog: smooth local and global energy orders, shadow Hamiltonian
conservation, and the Theta(eps) energy error of a step that crosses a kink.

Order measurements fit the slope of log mean|error| against log eps on a geometric eps
grid. Their tolerance is ``z * SE + b``: SE from a paired bootstrap over the starting
states (the same starts at every eps), and ``b = truncation_slack + truncation_slack_se``:
the bound on |full-grid slope - asymptotic order| implied by the finite-eps curvature
slope(large-eps half) - slope(small-eps half) measured on the same data, plus that bound's own
delta-method SE (numerics.estimators.half_grid_curvature, half_grid_truncation_slack).
Model under which it is a bound: log mean|error| = log C + k log eps + a eps^r, one correction
term with r >= 1 (r >= 1 = richardson_power for local-order/smooth-q, smooth-p). Every
least-squares slope is then k + a s(grid), s the slope of eps^r on log eps over the same
points, so |full-grid bias| = |curvature| s_full / (s_large - s_small) exactly; that factor
decreases in r and is <= 1 for r >= 1 on the 5- and 6-point grids of ratio 2 used here
(0.80, 0.55), and the slack uses max(1, factor at r = 1).
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from relu_hmc import plots
from relu_hmc.claims.base import Claim, Task, within, register
from relu_hmc.systems import SYSTEMS

# The smooth non-quadratic test target U = q^4 (U''' != 0, so every term of the local error
# series is exercised; exact generalised-gamma sampler) as a numerics spec and in SymPy syntax.
QUARTIC = SYSTEMS["quartic_unscaled"].spec
QUARTIC_EXPR = SYSTEMS["quartic_unscaled"].expression
LAPLACE = SYSTEMS["laplace"].spec
# q and p orders against the exact flow: u = q^2/2 + q^4/4 (U''' != 0 away from 0)
QUADRATIC_PLUS_QUARTIC = SYSTEMS["quadratic_plus_quartic"]

_Q = sp.Symbol("q", real=True)
_P = sp.Symbol("p", real=True)


def _expr(text: str) -> sp.Expr:
    from relu_hmc.theory.parse import parse_potential

    return parse_potential(text)


# --- theory adapters (predictions) ------------------------------------------------------

def predict_smooth_local_orders(potential: str) -> dict:
    """Leading eps powers of the one-step errors in q, p and H (theory.smooth, Lie series)."""
    from relu_hmc.theory.smooth import local_error_series

    series = local_error_series(_expr(potential), 4)
    return {"potential": potential, "q_order": series.q_order, "p_order": series.p_order,
            "energy_order": series.energy_order, "energy_coefficient": str(series.energy_coefficient)}


def predict_smooth_global_order(potential: str) -> dict:
    """Order of the energy error over a fixed time: the lowest eps power of the shadow series
    H~ - H (leapfrog conserves H~, so H(end) - H(start) = -eps^k [S_k(end) - S_k(start)] + ...)."""
    from relu_hmc.theory.shadow import shadow_hamiltonian
    from relu_hmc.theory.smooth import EPS, leading_term

    U = _expr(potential)
    H = U + _P ** 2 / 2
    order, coefficient = leading_term(sp.expand(shadow_hamiltonian(U, 4) - H), 4)
    return {"potential": potential, "order": order, "S_k": str(coefficient), "eps_symbol": str(EPS)}


def predict_shadow_order(potential: str) -> dict:
    """S2 of the shadow Hamiltonian and the order to which H + eps^2 S2 is conserved over a
    fixed time: (leading power of its one-step residual, theory.shadow) - 1."""
    from relu_hmc.theory.shadow import shadow_residual, shadow_term_bch
    from relu_hmc.theory.smooth import EPS, leading_term

    U = _expr(potential)
    S2 = shadow_term_bch(U)
    H_tilde = U + _P ** 2 / 2 + EPS ** 2 * S2
    local, _ = leading_term(shadow_residual(U, H_tilde, 5), 5)
    return {"potential": potential, "S2": str(S2), "local_order": local,
            "order": None if local is None else local - 1}


def predict_crossing_order(slope_left: float, slope_right: float, kink: float) -> dict:
    """Leading eps power of dH of a kink-crossing step at fixed crossing phase (theory.kink)."""
    from relu_hmc.theory.kink import Q as KQ, leading_crossing_term

    n, c = leading_crossing_term(slope_left * (KQ - kink), slope_right * (KQ - kink), kink)
    return {"order": n, "coefficient": str(c)}


def predict_crossing_exact(slope_left: float, slope_right: float, kink: float) -> dict:
    """The exact dH of a left-to-right crossing step of a piecewise-linear U (theory.kink)."""
    from relu_hmc.theory.kink import piecewise_linear_crossing_error

    expr = piecewise_linear_crossing_error(sp.nsimplify(slope_left), sp.nsimplify(slope_right), sp.nsimplify(kink))
    return {"dH": str(expr), "variables": ["q", "p", "epsilon"]}


# --- comparisons ---------------------------------------------------------------------------

def _truncation_allowance(fit: dict) -> float:
    """The finite-eps truncation bound plus its own SE (see module doc)."""
    return fit["truncation_slack"] + fit["truncation_slack_se"]


_BIAS_REASON = ("finite-eps truncation bound from the curvature slope(large-eps half) - slope(small-eps half) "
                "(one correction term a eps^r, r >= 1) + its own SE, see module doc")


def _order_verdict(predicted, m: dict, quantity: str):
    if predicted is None:
        raise ValueError("theory gave no order")
    return within(predicted, m["slope"], m["slope_se"], quantity=quantity, bias=_truncation_allowance(m),
                  bias_reason=_BIAS_REASON,
                  note=f"eps in [{min(m['eps']):.3g}, {max(m['eps']):.3g}], SE by bootstrap")


def compare_local_energy(prediction, measurements):
    return _order_verdict(prediction["energy_order"], measurements["one-step"], "one-step energy error order")


_SLACK_REASON = ("finite-eps truncation bound from the coarse/fine half-grid slopes (one correction term a eps^r, "
                 "r >= 1; numerics.orders) + its own SE")


def _local_order(which: str):
    def compare(prediction, measurements):
        predicted = prediction[f"{which}_order"]
        if predicted is None:
            raise ValueError(f"theory gave no {which} order")
        m = measurements["one-step"]
        fit = m[which]
        return within(predicted, fit["order"]["value"], fit["order"]["se"],
                      quantity=f"one-step {which} error order", bias=_truncation_allowance(fit),
                      bias_reason=_SLACK_REASON,
                      note=f"eps in [{min(m['eps']):.3g}, {max(m['eps']):.3g}], {m['n_states']} states, "
                           f"reference {m['reference']}; SE by paired bootstrap; "
                           f"95% interval [{fit['order']['lo']:.4g}, {fit['order']['hi']:.4g}]")
    compare.__name__ = f"compare_local_{which}"
    return compare


compare_local_q = _local_order("q")
compare_local_p = _local_order("p")


def compare_global(prediction, measurements):
    return _order_verdict(prediction["order"], measurements["trajectory"], "energy error order over T = 1")


def shadow_errors(S2_text: str, m: dict) -> np.ndarray:
    """(n, n_eps) |H~(end) - H~(start)| with H~ = H + eps^2 S2, from the stored states."""
    S2 = sp.lambdify((_Q, _P), sp.sympify(S2_text, locals={"q": _Q, "p": _P}), "numpy")
    columns = []
    for e, s in zip(m["eps"], m["states"]):
        q0, p0, q1, p1, dh = (np.asarray(s[k]) for k in ("q0", "p0", "q1", "p1", "dH"))
        columns.append(dh + e ** 2 * (S2(q1, p1) - S2(q0, p0)))
    return np.column_stack(columns)


def compare_shadow(prediction, measurements):
    from relu_hmc.claims._measure import paired_slope

    m = measurements["trajectory"]
    fit = paired_slope(m["eps"], shadow_errors(prediction["S2"], m), seed=0)
    fit["eps"] = m["eps"]
    return _order_verdict(prediction["order"], fit, "order of H + eps^2 S2 error over T = 1")


def compare_crossing_order(prediction, measurements):
    return _order_verdict(prediction["order"], measurements["crossing"], "crossing-step energy error order")


def compare_crossing_exact(prediction, measurements):
    """Max |measured dH - formula| over the stored crossing steps. No sampling error: the
    tolerance is float64 round-off, 64 unit round-offs of the largest energy term."""
    eps_sym = sp.Symbol("epsilon", positive=True)
    formula = sp.lambdify((_Q, _P, eps_sym), sp.sympify(prediction["dH"], locals={
        "q": _Q, "p": _P, "epsilon": eps_sym}), "numpy")
    s = measurements["crossing"]["sample"]
    q, p, dh = np.asarray(s["q"]), np.asarray(s["p"]), np.asarray(s["dH"])
    if q.size < 10:
        raise ValueError(f"only {q.size} left-to-right crossing steps were sampled")
    deviation = float(np.max(np.abs(dh - formula(q, p, s["eps"]))))
    scale = float(np.max(np.abs(q) + np.abs(np.asarray(s["q1"])) + p ** 2 + 1.0))
    roundoff = 64 * np.finfo(float).eps * scale
    return within(0.0, deviation, 0.0, quantity=f"max |dH - exact formula| over {q.size} steps", bias=roundoff,
                  bias_reason=f"float64 round-off: 64 * 2.2e-16 * max(|U|, p^2) scale {scale:.3g}")


# --- plots -----------------------------------------------------------------------------------

def _plot_order(key: str, slope_key: str, ylabel: str):
    def plot(ax, prediction, measurements):
        m = measurements[key]
        plots.loglog_with_slope(ax, m["eps"], m["mean_abs"], m.get("mean_abs_se"), slope=prediction[slope_key],
                                label="mean |error|" + ("" if m.get("mean_abs_se") is not None else " [no SE]"),
                                xlabel=plots.axis_label("step size", "eps"), ylabel=f"{ylabel} (energy units)",
                                fitted=m["slope"])
        ax.plot([], [], " ", label=f"fitted slope SE {m['slope_se']:.2g}")
    return plot


def _plot_local(which: str):
    """Mean |q or p error| (± SE, the Estimate dicts of numerics.orders) of one step against eps
    when the measurement stores them, else the fitted order (± SE) against the predicted one."""
    def plot(ax, prediction, measurements):
        m = measurements["one-step"]
        fit = m[which]
        order = prediction[f"{which}_order"]
        if fit.get("mean_abs") is not None:
            values = [e["value"] for e in fit["mean_abs"]]
            ses = [e["se"] if e.get("se") is not None else np.nan for e in fit["mean_abs"]]
            plots.loglog_with_slope(ax, m["eps"], values, ses, slope=order,
                                    label=f"mean |{which} error|", xlabel=plots.axis_label("step size", "eps"),
                                    ylabel=f"one-step |{which} error| ({'length' if which == 'q' else 'momentum'} units)",
                                    fitted=fit["order"]["value"])
            return
        plots.predicted_value(ax, fit["order"]["value"], fit["order"].get("se"), order,
                              ylabel=f"one-step {which} error order in eps (dimensionless)",
                              label=f"measured order, eps in [{min(m['eps']):.3g}, {max(m['eps']):.3g}]",
                              theory_label="theory order")
    return plot


def _plot_shadow(ax, prediction, measurements):
    m = measurements["trajectory"]
    errors = np.abs(shadow_errors(prediction["S2"], m))
    plots.loglog_with_slope(ax, m["eps"], errors.mean(axis=0), errors.std(axis=0, ddof=1) / np.sqrt(len(errors)),
                            slope=prediction["order"], label="mean |H~ error|", xlabel=plots.axis_label("step size", "eps"),
                            ylabel="|H~(end) - H~(start)| (energy units)")
    ax.errorbar(m["eps"], m["mean_abs"], yerr=m.get("mean_abs_se"), fmt="s", ms=3, capsize=2,
                label="mean |H error| (± SE; for contrast: order 2)")


def _plot_crossing_exact(ax, prediction, measurements):
    """|measured dH - exact formula| per stored crossing step against its q (no sampling error:
    the prediction is 0 up to float64 round-off)."""
    eps_sym = sp.Symbol("epsilon", positive=True)
    formula = sp.lambdify((_Q, _P, eps_sym), sp.sympify(prediction["dH"], locals={
        "q": _Q, "p": _P, "epsilon": eps_sym}), "numpy")
    s = measurements["crossing"]["sample"]
    q, p, dh = np.asarray(s["q"], float), np.asarray(s["p"], float), np.asarray(s["dH"], float)
    deviation = np.abs(dh - formula(q, p, s["eps"]))
    floor = np.finfo(float).eps
    ax.plot(q, np.maximum(deviation, floor), "o", ms=2.5, label="|measured dH - formula| per step (exact: no SE; zeros drawn at 2^-52)")
    scale = float(np.max(np.abs(q) + np.abs(np.asarray(s["q1"])) + p ** 2 + 1.0)) if q.size else 1.0
    ax.axhline(64 * floor * scale, color=plots.THEORY_COLOR, ls="--", lw=1.2,
               label="theory: 0 up to round-off (64 ulp of the energy scale)")
    ax.set_yscale("log")
    ax.set_xlabel(plots.axis_label("start position", "q") + " (length units)")
    ax.set_ylabel("|dH - formula| (energy units)")


# --- budgets and registration ----------------------------------------------------------------

_LOCAL_N = {"quick": 2000, "full": 20000}
_TRAJ_N = {"quick": 1000, "full": 10000}
_CROSS_N = {"quick": 4000, "full": 40000}

register(Claim(
    id="local-order/smooth-energy",
    statement="One leapfrog step on a smooth potential changes H by O(eps^3) (local energy error order 3).",
    source="Hairer, Lubich, Wanner, Geometric Numerical Integration (2006), sec. II.3 and IX.8; DESIGN.md item 1",
    family="local-order",
    prediction=Task("relu_hmc.claims.orders:predict_smooth_local_orders", {"potential": QUARTIC_EXPR}),
    measurements=lambda budget: [Task("relu_hmc.claims._measure:one_step_energy_errors",
                                      {"potential": QUARTIC, "eps": [0.2 / 2 ** k for k in range(6)],
                                       "n": _LOCAL_N[budget]}, "one-step")],
    compare=compare_local_energy,
    plot=_plot_order("one-step", "energy_order", "|H(step) - H(start)|"),
))

_LOCAL_STATES = {"quick": 64, "full": 240}

for _which, _name in (("q", "position"), ("p", "momentum")):
    register(Claim(
        id=f"local-order/smooth-{_which}",
        statement=f"One leapfrog step on a smooth potential has {_name} error O(eps^3) against the exact flow "
                  f"(local {_which} error order 3).",
        source="Hairer, Lubich, Wanner, Geometric Numerical Integration (2006), sec. II.3; theory.smooth "
               "(Lie series, LocalErrorSeries.q_order/p_order); DESIGN.md item 1",
        family="local-order",
        prediction=Task("relu_hmc.claims.orders:predict_smooth_local_orders",
                        {"potential": QUADRATIC_PLUS_QUARTIC.expression}),
        measurements=lambda budget: [Task("relu_hmc.claims._measure:measure_local_orders",
                                          {"potential": QUADRATIC_PLUS_QUARTIC.spec, "budget": budget,
                                           "n_states": _LOCAL_STATES[budget]}, "one-step")],
        compare=compare_local_q if _which == "q" else compare_local_p,
        plot=_plot_local(_which),
    ))


def _trajectory_tasks(budget):
    return [Task("relu_hmc.claims._measure:trajectory_energy_errors",
                 {"potential": QUARTIC, "eps": [1 / 2 ** k for k in range(3, 8)], "time": 1.0, "n": _TRAJ_N[budget],
                  "shadow_terms": True}, "trajectory")]


register(Claim(
    id="global-order/smooth-energy",
    statement="Over a fixed time T leapfrog's energy error on a smooth potential is O(eps^2).",
    source="Hairer, Lubich, Wanner (2006), sec. IX.8 (modified Hamiltonian); DESIGN.md item 1",
    family="global-order",
    prediction=Task("relu_hmc.claims.orders:predict_smooth_global_order", {"potential": QUARTIC_EXPR}),
    measurements=_trajectory_tasks,
    compare=compare_global,
    plot=_plot_order("trajectory", "order", "|H(T) - H(0)|"),
))

register(Claim(
    id="shadow/smooth-conservation",
    statement="Leapfrog conserves H~ = H + eps^2 (p^2 U''/12 - U'^2/24) to O(eps^4) over a fixed time.",
    source="Hairer, Lubich, Wanner (2006), sec. IX.4, Example IX.4.1 (BCH); theory.shadow",
    family="shadow",
    prediction=Task("relu_hmc.claims.orders:predict_shadow_order", {"potential": QUARTIC_EXPR}),
    measurements=_trajectory_tasks,
    compare=compare_shadow,
    plot=_plot_shadow,
))

# the Laplace kink: slopes -+1/scale at 0, the jump J = 2/scale
_LAPLACE_KINK = {"slope_left": -1.0 / LAPLACE["scale"], "slope_right": 1.0 / LAPLACE["scale"], "kink": 0.0}


def fixed_phase_crossing_errors(potential: dict, eps: list, n: int, seed) -> dict:
    """|dH| of one leapfrog step across the potential's first kink b at a FIXED crossing phase,
    the object theory.kink expands (dH = J eps p_h (1/2 - theta) + O(eps^2) at fixed theta):
    theta ~ U(0, 1) and p_h ~ N(0, 1) are drawn once per row; at every eps the start is
    q = b - theta eps p_h, p = p_h + (eps/2) U'(q), so the half kick returns p_h and the drift
    crosses b at the fraction theta of the step (numerics.orders' crossing states). Paired
    across eps (same theta, p_h), so the log-log slope's eps-to-eps noise cancels."""
    from relu_hmc.claims._measure import paired_slope
    from relu_hmc.numerics.leapfrog import leapfrog_trajectory
    from relu_hmc.numerics.potentials import from_spec

    pot = from_spec(potential)
    b = float(pot.kinks[0])
    rng = np.random.default_rng(seed)
    theta = rng.uniform(size=(n, 1))
    p_half = rng.standard_normal((n, 1))
    columns, crossed = [], []
    for e in eps:
        q0 = b - theta * e * p_half
        p0 = p_half + 0.5 * e * pot.grad(q0)
        tr = leapfrog_trajectory(pot, q0, p0, e, 1)
        columns.append(tr.energy_error)
        crossed.append(tr.crossings == 1)
    single = np.all(np.column_stack(crossed), axis=1)
    return {"eps": list(eps), "n_rows": int(n), "n_single_crossing": int(single.sum()),
            **paired_slope(eps, np.column_stack(columns)[single], rng)}


def _fixed_phase_tasks(budget):
    return [Task("relu_hmc.claims.orders:fixed_phase_crossing_errors",
                 {"potential": LAPLACE, "eps": [0.1 / 2 ** k for k in range(6)], "n": _CROSS_N[budget]}, "crossing")]


def _crossing_tasks(budget):
    return [Task("relu_hmc.claims._measure:crossing_step_energy_errors",
                 {"potential": LAPLACE, "eps": [0.1 / 2 ** k for k in range(6)], "n": _CROSS_N[budget]}, "crossing")]


register(Claim(
    id="crossing-step/order",
    statement="A leapfrog step that crosses a kink (gradient jump J) has energy error Theta(eps), not O(eps^3).",
    source="Dinh, Ho, Nguyen, NeurIPS 2024 (arXiv 2410.22065); theory.kink (derived); DESIGN.md item 2",
    family="crossing-step",
    prediction=Task("relu_hmc.claims.orders:predict_crossing_order", _LAPLACE_KINK),
    measurements=_fixed_phase_tasks,
    compare=compare_crossing_order,
    plot=_plot_order("crossing", "order", "mean |dH| of crossing steps"),
))

register(Claim(
    id="crossing-step/exact-formula",
    statement="A crossing step on piecewise-linear U has dH = J (q - b + eps p/2) + eps^2 J^2/8 exactly.",
    source="DESIGN.md item 2; theory.kink.piecewise_linear_crossing_error (derived from the leapfrog map)",
    family="crossing-step",
    prediction=Task("relu_hmc.claims.orders:predict_crossing_exact", _LAPLACE_KINK),
    measurements=_crossing_tasks,
    compare=compare_crossing_exact,
    plot=_plot_crossing_exact,
))
