"""Figures of the geometry/* claims (relu_hmc.claims.geometry): each draws the measurement
next to the prediction it is judged against, with the same numbers the judgement uses
(theory.geometry.predicted_* evaluated at the measured network). relu_hmc.plots.render adds
the verdict strip. Registered as ``plot=`` of each claim; no registrations here.
"""
from __future__ import annotations

import numpy as np

from relu_hmc import plots
from relu_hmc.theory import geometry as tg

_MEASURED = dict(plots.MEASURED_STYLE, fmt="o")


def _identity(ax, predicted, measured, *, what: str, tolerance: float | None = None, extra=()) -> None:
    """Measured entries against predicted entries with the line measured = predicted (and the
    band ± tolerance when given): every entry of a matrix or vector claim on one axes. `extra`
    (values drawn separately, e.g. a scalar part) widens the line to cover them."""
    p, m = np.ravel(np.asarray(predicted, float)), np.ravel(np.asarray(measured, float))
    ax.plot(p, m, "o", ms=3.5, alpha=0.8, label=f"measured {what} ({p.size} entries)")
    every = np.concatenate([p, m, np.asarray(extra, float)])
    lim = np.array([every.min(), every.max()]) if every.size else np.array([-1.0, 1.0])
    pad = 0.05 * (lim[1] - lim[0] or 1.0)
    xs = np.array([lim[0] - pad, lim[1] + pad])
    ax.plot(xs, xs, "--", color=plots.THEORY_COLOR, lw=1.0, label="theory: measured = predicted")
    if tolerance:
        ax.fill_between(xs, xs - tolerance, xs + tolerance, color="grey", alpha=0.25,
                        label=f"± tolerance {tolerance:.2g}")
    ax.set_xlabel(f"predicted {what} (closed form)")
    ax.set_ylabel(f"measured {what}")


def plot_gradient_jump(ax, prediction, measurements):
    m = measurements["surface"]
    pred = tg.predicted_surface(m)
    _identity(ax, pred["gradient_jump"], m["gradient_jump"], what="[grad U] component",
              tolerance=m["gradient_jump_bound"], extra=(pred["normal_jump"], m["normal_jump_from_U"]))
    ax.plot([pred["normal_jump"]], [m["normal_jump_from_U"]], "s", ms=6, color="C3",
            label=f"normal jump J from U values (predicted {pred['normal_jump']:.5g})")


def plot_hessian_jump(ax, prediction, measurements):
    from relu_hmc.claims.geometry import compared_hessian_jump

    m = measurements["surface"]
    tol = m["hessian_jump_rounding"] + m["hessian_jump_truncation"]
    _identity(ax, compared_hessian_jump(m, tg.predicted_surface(m)), m["hessian_jump"],
              what="[H_reg] entry" if m.get("hessian_jump_directions") is None else "[H_reg] V entry", tolerance=tol)


def plot_crossing(ax_pair, prediction, measurements):
    """Left: |dH| of the constructed crossing steps against eps with the crossing formula
    J (q_rel + eps p_n / 2) at the predicted J (order eps). Right: J_hat(eps) against eps with
    the predicted J and the Richardson limit ± its tolerance."""
    from relu_hmc.claims.geometry import CROSSING_POINTS, CROSSING_POWERS
    from relu_hmc.numerics.estimators import richardson, richardson_weights

    left, right = ax_pair
    m = measurements["surface"]
    c = m["crossing"]
    J = tg.predicted_surface(m)["normal_jump"]
    eps, dH = np.array(c["eps"]), np.array(c["dH"])
    formula = J * (np.array(c["q_rel"]) + eps * np.array(c["p_n"]) / 2.0)
    left.plot(eps, np.abs(dH), "o", ms=4, label="measured |dH| of one crossing step")
    left.plot(eps, np.abs(formula), "--", color=plots.THEORY_COLOR, lw=1.2,
              label=f"theory: |J (q_rel + eps p_n/2)|, J = {J:.5g}")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel(plots.axis_label("step size", "eps"))
    left.set_ylabel("|energy error dH| (energy units)")
    left.legend(fontsize=7)
    e, jh = eps[-CROSSING_POINTS:], np.array(c["J_hat"])[-CROSSING_POINTS:]
    ext = richardson(e, jh, CROSSING_POWERS)
    tol = ext.bound + float(np.abs(richardson_weights(e, CROSSING_POWERS)) @ np.array(c["rounding"])[-CROSSING_POINTS:])
    right.plot(eps, c["J_hat"], "o", ms=4, label="measured J_hat = dH / (q_rel + eps p_n/2)")
    right.axhline(J, color=plots.THEORY_COLOR, ls="--", lw=1.2, label=f"theory J = {J:.7g}")
    right.errorbar([e[-1] / 2.0], [ext.value], yerr=[tol], fmt="s", color="C3", capsize=3,
                   label=f"Richardson limit ± tolerance {tol:.2g}")
    right.set_xscale("log")
    right.set_xlabel(plots.axis_label("step size", "eps"))
    right.set_ylabel("J_hat (gradient units)")
    right.legend(fontsize=7)


plot_crossing.panels = 2


def plot_cell(ax, prediction, measurements):
    m = measurements["cell"]
    pred = tg.predicted_cell(m)
    _identity(ax, pred["hessian"], m["fd_hessian"], what="H_reg entry", tolerance=m["fd_error_bound"],
              extra=(pred["rayleigh"], m["rayleigh_fd"]))
    ax.plot([pred["rayleigh"]], [m["rayleigh_fd"]], "s", ms=6, color="C3",
            label=f"Rayleigh quotient along v (predicted {pred['rayleigh']:.4g} < 0)")


def plot_functional_dimension(ax, prediction, measurements):
    m = measurements["rank"]
    pred = tg.predicted_functional_dimension(m)
    cases = [k for k in ("generic", "twin") if m[k] is not None]
    x = np.arange(len(cases))
    ax.bar(x - 0.18, [m[k]["rank"] for k in cases], width=0.36, label="measured Jacobian rank")
    ax.bar(x + 0.18, [pred.get(k, np.nan) for k in cases], width=0.36, color="grey",
           label="theory n1 (n0 + 1) + 1 (twin: n0 + 1 less)")
    ax.axhline(m["n_params"], color=plots.THEORY_COLOR, ls=":", lw=1.0, label=f"parameters P = {m['n_params']}")
    ax.set_xticks(x, [f"{k} network" for k in cases])
    ax.set_ylabel("rank of d f(x_1..x_M) / d theta (dimensionless)")


def plot_symmetries(ax, prediction, measurements):
    from relu_hmc.claims.geometry import EXACT_RTOL, SYMMETRY_MAPS

    m = measurements["symmetries"]
    keys = [k for k in SYMMETRY_MAPS if m.get(k) is not None]
    residual = [max(m[k]["residual"], 1e-18) for k in keys]
    ax.bar(range(len(keys)), residual, label="measured residual max|f_after - f_before| (relative)")
    ax.bar([len(keys)], [m["unbalanced_flip"]["discrepancy"]], color="C3",
           label="unbalanced flip (not a symmetry): discrepancy")
    ax.axhline(EXACT_RTOL, color=plots.THEORY_COLOR, ls="--", lw=1.2, label=f"theory: 0, tolerance {EXACT_RTOL:g}")
    ax.set_yscale("log")
    ax.set_xticks(range(len(keys) + 1), [k.replace("_", " ") for k in keys] + ["unbalanced flip"],
                  rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("relative change of f (dimensionless)")


def plot_kinks(ax_pair, prediction, measurements):
    """Left: f of each network with the predicted kinks -b_j/w_j (dashed) and the kinks
    recovered from f alone (markers). Right: slope jumps, predicted a_j |w_j| and recovered,
    at their locations."""
    from relu_hmc.numerics.relu_network import ShallowNet

    left, right = ax_pair
    for k, color in zip(sorted(measurements), plots.color_cycle()):
        m = measurements[k]
        net = ShallowNet(np.array(m["W"])[:, None], np.array(m["b"]), np.array(m["a"]), m["c"])
        x = np.linspace(m["lo"], m["hi"], 2001)
        left.plot(x, net(x[:, None]), "-", color=color, lw=1.0, label=f"f, width {m['width']}")
        pred = tg.predicted_kinks(m)["kinks"]
        rec = m["recovered"]
        for p in pred:
            left.axvline(p["location"], color=color, ls="--", lw=0.5, alpha=0.6)
        locs = np.array([r["location"] for r in rec])
        if locs.size:
            left.plot(locs, net(locs[:, None]), "o", ms=4, mfc="none", color=color)
            right.plot(locs, [r["jump"] for r in rec], "o", ms=5, mfc="none", color=color,
                       label=f"recovered from f (width {m['width']})")
        if pred:
            right.plot([p["location"] for p in pred], [p["jump"] for p in pred], "x", ms=5, color=color,
                       label=f"theory a_j |w_j| at -b_j/w_j (width {m['width']})")
    left.plot([], [], "k--", lw=0.5, label="theory: kinks at -b_j/w_j")
    left.plot([], [], "ko", mfc="none", ms=4, label="recovered from f alone")
    left.set_xlabel(plots.axis_label("input", "x"))
    left.set_ylabel("network output f(x)")
    left.legend(fontsize=6)
    right.axhline(0.0, color="grey", lw=0.5)
    right.set_xlabel(plots.axis_label("kink location", "x"))
    right.set_ylabel("slope jump (output units per input unit)")
    right.legend(fontsize=6)


plot_kinks.panels = 2


def plot_orbit(ax, prediction, measurements):
    m = measurements["orbit"]
    pred = tg.predicted_orbit(m)
    s = np.array(m["scales"])
    plots.measured_vs_theory(ax, s, m["prior"], None, theory_points=pred["prior"], label="measured prior energy",
                             theory_label="theory (s^2 |(w,b)|^2 + a^2/s^2) / 2 tau^2",
                             xlabel=plots.axis_label("rescaling factor", "s"), ylabel="energy (nats)", logx=True)
    ax.plot(s, m["likelihood"], "s-", ms=4, color="C2", label="measured likelihood energy (theory: constant)")
    ax.set_xticks(s, [f"{v:g}" for v in s])
    ax.minorticks_off()
