"""Claims on the geometry of a one-hidden-layer ReLU regression posterior.

Prediction: theory.geometry (symbolic identities, no seed); measurement: numerics.geometry
(the network is drawn by the task's seed); comparison here: theory's closed forms evaluated
at the measured network (theory.relu_values) against the measured numbers.

Every claim has a `theory.geometry.predicted_*` function (the theory numbers for a
measurement) and a `judge_*` function here returning a `Judged`: the verdict and its
resolution, the smallest relative change of the predicted numbers the check detects (max
over parts of tolerance / |prediction|). Moving the predicted numbers by twice that makes
the check fail (tests/test_geometry_negative_controls.py); a resolution of
relu_hmc.claims._resolution.MAX_RESOLUTION or worse fails by itself. A failing verdict's
headline is its worst failing part.

Tolerances (each derived; no sampling error unless stated):
- exact identities of the network function (symmetries): relative 1e-12 (`EXACT_RTOL`). A
  forward pass is O(n0 + n1) float64 operations per output, each with relative error
  2^-53, so a correct identity is off by ~1e-15; 1e-12 leaves a factor ~1000 for the sums,
  and a wrong identity is off by O(1).
- finite differences and Richardson limits: the truncation bound of
  numerics.estimators.richardson (remainder plus its own error estimate) plus the
  rounding bound numerics reports, propagated through the Richardson weights.
"""
from __future__ import annotations

import math

import numpy as np

from relu_hmc.claims import _geometry_figures as fig
from relu_hmc.claims._resolution import Judged, flag as _flag, judged as _judged, ratio as _ratio
from relu_hmc.claims.base import Claim, Task, Verdict, at_most, register, within
from relu_hmc.theory import geometry as tg

_THEORY = "relu_hmc.theory.geometry"
_NUMERICS = "relu_hmc.numerics.geometry"

#: Relative tolerance of the exact (symmetry) identities; justification in the module doc.
EXACT_RTOL = 1e-12
#: Crossing steps: the finest points of the eps ladder and the eps powers removed from J_hat.
CROSSING_POINTS, CROSSING_POWERS = 6, (1, 2, 3)

# problem sizes per budget (n_inputs, width, n_points); the quick ones run in seconds
_SURFACE = {"quick": {"n_inputs": 2, "width": 3, "n_points": 40}, "full": {"n_inputs": 3, "width": 6, "n_points": 200}}
_CELL = {"quick": {"n_inputs": 2, "width": 3, "n_points": 10}, "full": {"n_inputs": 2, "width": 4, "n_points": 30}}
# functional dimension: the batch condition needs ~ thousands of inputs for width 4 in 2D
_FDIM = {"n_inputs": 2, "width": 4, "n_points": 3000}
_SYM = {"quick": {"n_inputs": 2, "width": 4, "n_points": 500}, "full": {"n_inputs": 3, "width": 8, "n_points": 5000}}
_ORBIT = {"quick": {"n_inputs": 1, "width": 3, "n_points": 20, "eps": 0.01, "n_steps": 20, "n_traj": 200},
          "full": {"n_inputs": 1, "width": 3, "n_points": 20, "eps": 0.01, "n_steps": 20, "n_traj": 2000}}


def _max_error(predicted, measured) -> float:
    return float(np.max(np.abs(np.asarray(measured, dtype=float) - np.asarray(predicted, dtype=float))))


def _scale(predicted) -> float:
    return float(np.max(np.abs(np.asarray(predicted, dtype=float))))


# --- surface: gradient jump, Hessian jump, crossing step --------------------------------------

def judge_gradient_jump(m: dict, pred: dict) -> Judged:
    """[grad U] measured == -(r a / sigma^2) grad z (vector); the normal-derivative jump from U
    values alone == J; the predicted jump is normal to the surface."""
    g_pred, J = np.array(pred["gradient_jump"]), pred["normal_jump"]
    bound, j_bound = m["gradient_jump_bound"], m["normal_jump_bound"]
    reason = "Richardson truncation bound + propagated round-off (numerics.relu_finite_differences)"
    parts = [
        within(0.0, _max_error(g_pred, m["gradient_jump"]), 0.0, quantity="max |[grad U] measured - predicted|",
               bias=bound, bias_reason=reason, note=f"max |[grad U]| = {_scale(g_pred):.4g}"),
        within(J, m["normal_jump_from_U"], 0.0, quantity="normal-derivative jump J from U values alone",
               bias=j_bound, bias_reason=reason),
        within(0.0, float(np.linalg.norm(g_pred - J * np.array(pred["normal"]))), 0.0,
               quantity="tangential part of the predicted jump", bias=1e-12 * max(1.0, abs(J)),
               bias_reason="exact in theory; float64 conversion of 30-digit values"),
    ]
    return _judged(parts, quantity="gradient jump across S_ij", resolutions=[_ratio(bound, _scale(g_pred)), _ratio(j_bound, abs(J))])


def compared_hessian_jump(m: dict, pred: dict) -> np.ndarray:
    """The predicted [H_reg], or [H_reg] V if the measurement sketched it along V."""
    H = np.asarray(pred["hessian_jump"], dtype=float)
    sketch = m.get("hessian_jump_directions")
    return H if sketch is None else H @ np.asarray(sketch, dtype=float)


def judge_hessian_jump(m: dict, pred: dict) -> Judged:
    """FD Hessian jump across S_ij == theory's jump of the regular Hessian (max entry error;
    of [H_reg] V when the measurement sketched it along unit directions V), within the
    propagated FD rounding bound plus the Richardson truncation bound."""
    H = compared_hessian_jump(m, pred)
    sketch = m.get("hessian_jump_directions")
    tol = m["hessian_jump_rounding"] + m["hessian_jump_truncation"]
    what = "[H_reg]" if sketch is None else f"[H_reg] V ({len(sketch[0])} random unit directions)"
    parts = [
        _flag(m["stencils_in_cells"], "every FD stencil inside one cell", "a stencil crossing a surface is no FD"),
        _flag(m["only_surface_ij"], "the FD ladder crosses S_ij and no other surface", "constructed: margin check"),
        within(0.0, _max_error(H, m["hessian_jump"]), 0.0, quantity=f"max |{what} measured - predicted|",
               bias=tol, bias_reason="FD rounding bound + Richardson truncation bound (numerics.relu_finite_differences)",
               note=f"max |{what}| = {_scale(H):.4g}"),
    ]
    return _judged(parts, quantity="regular Hessian jump across S_ij", resolutions=[_ratio(tol, _scale(H))])


def judge_crossing(m: dict, pred: dict) -> Judged:
    """J_hat(eps) = dH / (q_rel + eps p_n / 2) from constructed single-crossing leapfrog steps
    converges to theory's J (the crossing formula dH = J (q_rel + eps p_n / 2) + O(eps^2)
    read backwards). At a fixed crossing phase, with U polynomial on each side, J_hat is
    analytic in eps: J + A1 eps + A2 eps^2 + ...; the Richardson limit over the finest
    CROSSING_POINTS steps removing CROSSING_POWERS must equal J within its truncation bound
    plus the round-off of J_hat propagated through the Richardson weights."""
    from relu_hmc.numerics.estimators import richardson, richardson_weights

    J = pred["normal_jump"]
    c = m["crossing"]
    eps, J_hat = np.array(c["eps"])[-CROSSING_POINTS:], np.array(c["J_hat"])[-CROSSING_POINTS:]
    single = all(k == 1 for k in c["crossings"])
    ext = richardson(eps, J_hat, CROSSING_POWERS)
    rounding = float(np.abs(richardson_weights(eps, CROSSING_POWERS)) @ np.array(c["rounding"])[-CROSSING_POINTS:])
    tol = ext.bound + rounding
    parts = [
        _flag(single, "every step on the eps ladder crosses exactly one surface (S_ij)",
              f"leapfrog crossing counts {c['crossings']} (constructed inside the margin {m['margin']:.3g})"),
        within(J, ext.value, 0.0, quantity="Richardson limit of J_hat(eps -> 0) from crossing leapfrog steps",
               bias=tol, bias_reason="Richardson truncation bound + propagated round-off of dH",
               note=f"raw J_hat at eps = {eps[-1]:.3g}: {J_hat[-1]:.10g}"),
    ]
    return _judged(parts, quantity="crossing J", resolutions=[_ratio(tol, abs(J))])


# --- cell: regular Hessian -------------------------------------------------------------------

def judge_cell(m: dict, pred: dict) -> Judged:
    H, ray = pred["hessian"], pred["rayleigh"]
    fd_bound = m["fd_error_bound"]
    ray_bound = fd_bound * math.sqrt(len(m["theta"]))
    gn_bound = 1e3 * 2.0 ** -53 * m["gauss_newton_max_eig"] * len(m["theta"])
    parts = [
        _flag(m["fd_same_cell"], "every FD stencil inside one cell", "a stencil crossing a surface is no FD"),
        within(0.0, m["output_hessian_change"], 0.0, quantity="change of d^2 f / dtheta^2 inside one cell",
               bias=m["output_hessian_bound"], bias_reason="FD rounding of the output Jacobian (f is quadratic "
               "in theta on a cell: central differences are exact up to rounding)",
               note=f"second point at distance {m['second_point_distance']:.3g}"),
        within(0.0, _max_error(H, m["fd_hessian"]), 0.0, quantity="max |H_FD - H_reg closed form|",
               bias=fd_bound, bias_reason="FD rounding + Richardson truncation bound (numerics.relu_finite_differences.fd_hessian)",
               note=f"max |H_reg| = {_scale(H):.4g}"),
        Verdict(m["gauss_newton_min_eig"] >= -gn_bound, 0.0, m["gauss_newton_min_eig"], 0.0, gn_bound,
                "Gauss-Newton part PSD: smallest eigenvalue >= -(round-off of eigvalsh)", "min eig of J^T J / sigma^2"),
        within(ray, m["rayleigh_fd"], 0.0, quantity="Rayleigh quotient along the rescaling direction",
               bias=ray_bound, bias_reason="FD error bound times sqrt(P) (a quadratic form in a unit vector)"),
        at_most(0.0, ray, 0.0, quantity="predicted Rayleigh quotient < 0 (indefiniteness certificate)",
                note="theory: v^T H_reg v = sum_j -2 a_j dL/da_j + |v|^2/tau^2"),
        Verdict(m["hessian_min_eig"] <= ray + ray_bound and m["hessian_max_eig"] > 0, ray, m["hessian_min_eig"],
                0.0, ray_bound, "measured smallest eigenvalue <= predicted Rayleigh quotient (< 0) and largest > 0",
                "H_reg indefinite"),
    ]
    return _judged(parts, quantity="regular Hessian on a cell", resolutions=[_ratio(fd_bound, _scale(H)), _ratio(ray_bound, abs(ray))])


# --- symmetries, functional dimension, kinks, orbit ----------------------------------------

SYMMETRY_MAPS = {"rescaling": "positive rescaling (w, b, a) -> (s w, s b, a / s)",
                 "permutation": "permutation of hidden units",
                 "twin_split": "split of a neuron into positive twins",
                 "twin_redistribution": "redistribution of output weight between twins",
                 "balanced_flip": "balanced orientation flip (c compensated)",
                 "unbalanced_flip_change": "unbalanced flip changes f by exactly -a_0 w_0 . x"}


def judge_symmetries(m: dict, pred: dict) -> Judged:
    reason = "float64 round-off of a forward pass (relu_hmc.claims.geometry)"
    parts = []
    for key, gain in pred["gain"].items():
        r = m[key]
        parts.append(within(gain, r["gain"], 0.0, quantity=f"{SYMMETRY_MAPS[key]}: gain", bias=EXACT_RTOL * abs(gain),
                            bias_reason=reason))
        parts.append(within(0.0, r["residual"], 0.0, quantity=f"{SYMMETRY_MAPS[key]}: residual", bias=EXACT_RTOL,
                            bias_reason=reason))
    flip = m["unbalanced_flip"]["discrepancy"]
    parts.append(Verdict(flip > 1e3 * EXACT_RTOL, 1e3 * EXACT_RTOL, flip, 0.0, 0.0,
                         "negative control: the discrepancy must exceed 1000 x the exact tolerance",
                         "unbalanced flip is NOT a symmetry"))
    return _judged(parts, quantity="symmetries of a one-hidden-layer ReLU network", resolutions=[EXACT_RTOL])


def judge_functional_dimension(m: dict, pred: dict, *, require_applicable: bool = True) -> Judged | None:
    """Measured rank == predicted, for every case (generic, and a twin pair if width >= 2).
    A case whose batch condition fails is a failed part, or skipped without
    `require_applicable` (None if no case is left: no prediction applies)."""
    parts, resolutions = [], [0.0]
    for case in ("generic", "twin"):
        r = m[case]
        if r is None or (case not in pred and not require_applicable):
            continue
        if case not in pred:
            parts.append(_flag(False, f"{case}: batch condition (every cutting hyperplane separated)",
                               f"{r['separated']} of {r['cutting']} separated: increase n_points"))
            continue
        parts.append(within(pred[case], r["rank"], 0.0, quantity=f"{case} functional dimension", bias=0.5,
                            bias_reason="ranks are integers: 1/2 makes this exact equality",
                            note=f"singular-value gap s_r / s_(r+1) = {r['gap']:.3g}, dead = {r['dead']}, "
                                 f"always active = {r['always_active']}"))
        resolutions.append(_ratio(0.5, abs(pred[case])))
    if not parts:
        return None
    return _judged(parts, quantity="functional dimension = rank of d f(x_1..x_M) / d theta", resolutions=resolutions)


def judge_kinks(m: dict, pred: dict) -> Judged:
    """The kinks recovered from f alone == theory's kinks at the resolution the measurement
    states (spacing, detection floor, window; theory.relu_symmetries.predicted_kinks_1d):
    exact count, then each location and jump within the recovery's own error bound (anchor
    round-off of the two lines that meet at the kink, numerics.relu_kinks)."""
    kinks, rec = pred["kinks"], m["recovered"]
    net = f"width {m['width']}: "
    parts = [Verdict(len(rec) == len(kinks), len(kinks), len(rec), 0.0, 0.0,
                     f"exact count at resolution: spacing {m['spacing']:.3g}, |jump| >= {m['min_jump']:.3g}, "
                     f"{m['spacing']:.3g} clear of the window [{m['lo']:g}, {m['hi']:g}]",
                     net + "number of kinks in the window")]
    reason = "error bound of the recovery: anchor round-off of the two lines meeting at the kink (numerics.relu_kinks)"
    loc_bound = max((r["location_error"] for r in rec), default=0.0)
    jump_bound = max((r["jump_error"] for r in rec), default=0.0)
    if len(rec) == len(kinks) and kinks:
        loc = [abs(p["location"] - r["location"]) / r["location_error"] for p, r in zip(kinks, rec)]
        jmp = [abs(p["jump"] - r["jump"]) / r["jump_error"] for p, r in zip(kinks, rec)]
        worst_loc, worst_jump = int(np.argmax(loc)), int(np.argmax(jmp))
        parts += [
            within(0.0, loc[worst_loc], 0.0, quantity=net + "max |location error| / its bound", bias=1.0, bias_reason=reason,
                   note=f"worst at x = {kinks[worst_loc]['location']:.6g}: bound {rec[worst_loc]['location_error']:.2g}"),
            within(0.0, jmp[worst_jump], 0.0, quantity=net + "max |jump error| / its bound", bias=1.0, bias_reason=reason,
                   note=f"worst at x = {kinks[worst_jump]['location']:.6g}: bound {rec[worst_jump]['jump_error']:.2g}")]
    # an empty window is tested by the exact count alone
    resolutions = [0.0] if not kinks else [_ratio(loc_bound, max(abs(k["location"]) for k in kinks)),
                                           _ratio(jump_bound, max(abs(k["jump"]) for k in kinks))]
    return _judged(parts, quantity="kinks recovered from f alone (1D input)", resolutions=resolutions)


def judge_orbit(m: dict, pred: dict) -> Judged:
    """Likelihood constant along the orbit; prior energies equal to the orbit formula; the FD
    Hessian at theta(s) equal to S^-1 (H_reg(theta_ref) - I/tau^2) S^-1 + I/tau^2. The HMC
    energy errors along the orbit are an observation (reported, not judged)."""
    lik = np.array(m["likelihood"])
    spread = float(np.ptp(lik)) / max(1.0, float(np.max(np.abs(lik))))
    prior_scale = max(1.0, _scale(pred["prior"]))
    parts = [
        within(0.0, spread, 0.0, quantity="likelihood spread along the orbit", bias=EXACT_RTOL,
               bias_reason="float64 round-off of a forward pass"),
        within(0.0, _max_error(pred["prior"], m["prior"]), 0.0, quantity="prior energy along the orbit vs "
               "(s^2 |(w,b)|^2 + a^2 / s^2) / 2 tau^2", bias=EXACT_RTOL * prior_scale,
               bias_reason="float64 round-off of |theta|^2"),
        _flag(m["hessian_same_cell"], "every FD stencil inside one cell", "rescaling keeps the activation pattern"),
    ]
    resolutions = [_ratio(EXACT_RTOL * prior_scale, _scale(pred["prior"]))]
    for s, H, H_fd, bound in zip(m["scales"], pred["hessian"], m["hessian"], m["hessian_error_bound"]):
        parts.append(within(0.0, _max_error(H, H_fd), 0.0, quantity=f"max |H_FD(theta(s)) - S^-1 H S^-1|, s = {s:g}",
                            bias=bound, bias_reason="FD rounding + Richardson truncation bound (numerics.relu_finite_differences.fd_hessian)",
                            note=f"max |H| = {_scale(H):.4g}"))
        resolutions.append(_ratio(bound, _scale(H)))
    dh = [e["value"] for e in m["abs_dH"]]
    observation = ("observation (not judged): E|dH| along the orbit " +
                   ", ".join(f"s = {s:g}: {e['value']:.3g} ± {e['se']:.2g}" for s, e in zip(m["scales"], m["abs_dH"])) +
                   f" (range {max(dh) - min(dh):.3g}); random starts {m['random_abs_dH']['value']:.3g}")
    return _judged(parts, quantity="likelihood, prior and Hessian along a rescaling orbit", resolutions=resolutions,
                   note=observation)


# --- comparisons ---------------------------------------------------------------------------

def _with_identity(prediction: dict, judged: Judged, what: str) -> Verdict:
    """The symbolic identity theory checked at prediction time, as one more part."""
    ident = _flag(bool(prediction.get("identity_holds", True)), f"symbolic identity: {what}",
                  "checked by theory.geometry at prediction time")
    v = judged.verdict
    return _judged(list(v.parts) + [ident], quantity=v.quantity, resolutions=[judged.resolution]).verdict


def _compare(judge, predicted, label: str, what: str):
    def compare(prediction, measurements):
        m = measurements[label]
        return _with_identity(prediction, judge(m, predicted(m)), what)
    compare.__module__ = __name__
    return compare


# --- registration ------------------------------------------------------------------------------

def _surface(budget):
    return [Task(f"{_NUMERICS}:measure_surface", _SURFACE[budget], "surface")]


register(Claim(
    id="geometry/gradient-jump",
    statement="Across w_j.x_i + b_j = 0 the posterior gradient jumps by -(r_i a_j/sigma^2)(x_i, 1), normal to the surface.",
    source="derived here: theory.relu_jumps.gradient_jump (proofs_notes/relu_geometry.md sec. 2)",
    family="relu-geometry",
    prediction=Task(f"{_THEORY}:predict_gradient_jump"),
    measurements=_surface,
    compare=_compare(judge_gradient_jump, tg.predicted_surface, "surface", "closed form of [grad U]"),
    plot=fig.plot_gradient_jump,
))

register(Claim(
    id="geometry/hessian-jump",
    statement="The regular Hessian changes across a surface by the closed-form Gauss-Newton and cross-term jump.",
    source="derived here: theory.relu_jumps.hessian_regular_jump_closed_form (proofs_notes/relu_geometry.md sec. 3)",
    family="relu-geometry",
    prediction=Task(f"{_THEORY}:predict_hessian_parts"),
    measurements=_surface,
    compare=_compare(judge_hessian_jump, tg.predicted_surface, "surface", "Hessian = regular + Dirac"),
    plot=fig.plot_hessian_jump,
))

register(Claim(
    id="geometry/crossing-jump",
    statement="The J of a crossing leapfrog step on a ReLU posterior is the normal component of the gradient jump.",
    source="derived here: theory.relu_jumps.crossing_step_identity; Dinh, Ho, Nguyen, arXiv 2410.22065",
    family="crossing-step",
    prediction=Task(f"{_THEORY}:predict_crossing_identity"),
    measurements=_surface,
    compare=_compare(judge_crossing, tg.predicted_surface, "surface", "crossing-step identity"),
    plot=fig.plot_crossing,
))

register(Claim(
    id="geometry/regular-hessian",
    statement="On a cell d2f/dtheta2 is constant, H_reg = GN + cross + prior, GN is PSD and H_reg is indefinite.",
    source="derived here: theory.relu_jumps.hessian_regular_closed_form, theory.relu_symmetries.rescaling_curvature_closed_form",
    family="relu-geometry",
    prediction=Task(f"{_THEORY}:predict_rescaling_curvature"),
    measurements=lambda budget: [Task(f"{_NUMERICS}:measure_cell", _CELL[budget], "cell")],
    compare=_compare(judge_cell, tg.predicted_cell, "cell", "rescaling-direction curvature"),
    plot=fig.plot_cell,
))

register(Claim(
    id="geometry/functional-dimension",
    statement="The Jacobian rank of a generic one-hidden-layer ReLU net is n1(n0+1)+1 = P - n1, and n0+1 less at a twin pair.",
    source="Grigsby, Lindsey, Meyerhoff, Wu, arXiv 2209.04036 (upper bound); Grigsby, Lindsey, Rolnick, ICML 2023; "
           "batch condition derived here",
    family="relu-symmetry",
    prediction=Task(f"{_THEORY}:predict_functional_dimension", {k: _FDIM[k] for k in ("n_inputs", "width")}),
    measurements=lambda budget: [Task(f"{_NUMERICS}:measure_functional_dimension", _FDIM, "rank")],
    compare=_compare(judge_functional_dimension, tg.predicted_functional_dimension, "rank", "rank formula"),
    plot=fig.plot_functional_dimension,
))

register(Claim(
    id="geometry/symmetries",
    statement="Rescaling, permutation, twin redistribution and balanced flips leave f unchanged; an unbalanced flip does not.",
    source="Rolnick & Kording (ICML 2020); Grigsby, Lindsey, Rolnick (ICML 2023); arXiv 2604.14037",
    family="relu-symmetry",
    prediction=Task(f"{_THEORY}:predict_symmetries"),
    measurements=lambda budget: [Task(f"{_NUMERICS}:measure_symmetries", _SYM[budget], "symmetries")],
    compare=_compare(judge_symmetries, tg.predicted_symmetries, "symmetries", "scalar relu identities"),
    plot=fig.plot_symmetries,
))


def _compare_kinks(prediction, measurements):
    judged = [judge_kinks(measurements[f"net{k}"], tg.predicted_kinks(measurements[f"net{k}"])) for k in range(3)]
    parts = [p for j in judged for p in j.verdict.parts]
    combined = _judged(parts, quantity="kinks recovered from f alone (3 networks)",
                       resolutions=[j.resolution for j in judged])
    return _with_identity(prediction, combined, "slope jump a |w|")


register(Claim(
    id="geometry/kinks-1d",
    statement="From f alone (1D input) the kinks sit at -b_j/w_j with slope jumps a_j|w_j|.",
    source="Rolnick & Kording, Reverse-engineering deep ReLU networks (ICML 2020); arXiv 2604.14037",
    family="relu-symmetry",
    prediction=Task(f"{_THEORY}:predict_kink_jump"),
    measurements=lambda budget: [Task(f"{_NUMERICS}:measure_kinks", {"width": w}, f"net{k}")
                                 for k, w in enumerate((3, 6, 12))],
    compare=_compare_kinks,
    plot=fig.plot_kinks,
))

register(Claim(
    id="geometry/orbit",
    statement="Along a rescaling orbit L is constant, the prior follows s^2|(w,b)|^2 + a^2/s^2 and Hess L(S theta) = S^-1 Hess L S^-1.",
    source="derived here: theory.relu_symmetries.orbit_prior, orbit_scaling; measured by numerics.geometry.measure_orbit",
    family="relu-symmetry",
    prediction=Task(f"{_THEORY}:predict_orbit"),
    measurements=lambda budget: [Task(f"{_NUMERICS}:measure_orbit", _ORBIT[budget], "orbit")],
    compare=_compare(judge_orbit, tg.predicted_orbit, "orbit", "relu(s z) = s relu(z)"),
    plot=fig.plot_orbit,
))
