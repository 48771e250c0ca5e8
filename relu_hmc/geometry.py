"""ReLU geometry: joins theory.geometry (closed forms) to numerics.geometry (measurements).

Measurement functions (``measure_*``) take JSON-able arguments and a ``seed``, call only
numerics/, and return JSON-able dicts (the claim tasks and the CLI share them). Comparison
functions (``verdict_*``) evaluate theory/ at the measured network's numbers and return
`relu_hmc.claims.base.Verdict` objects.

Tolerances (no sampling error in these checks unless stated; each bound is derived):
- exact identities of the network function (symmetries): relative 1e-12. A forward pass is
  O(n0 + n1) float64 operations per output, each with relative error 2^-53, so a correct
  identity is off by ~1e-15; 1e-12 leaves a factor ~1000 for the sums, and a wrong identity
  is off by O(1).
- finite differences: the `rounding_bound` numerics reports (unit round-off times the
  number of summed terms times the scale, divided by the step) plus the truncation estimate
  from a Richardson pair.
- HMC quantities: z * SE (z = 4, `relu_hmc.claims.base.Z`).
"""
from __future__ import annotations

import math

import numpy as np

from relu_hmc.claims.base import Verdict, all_of, at_most, within

#: Relative tolerance of the exact (symmetry) identities; justification in the module doc.
EXACT_RTOL = 1e-12
#: Default problem: input dimension, noise and prior scales.
N_INPUTS = 2
SIGMA, TAU = 0.5, 3.0


# --------------------------------------------------------------------------------------------
# measurements (numerics only)


def _two_nets(n_inputs, width, seed):
    from relu_hmc.numerics import geometry as ng
    from relu_hmc.numerics.validation import rng_from

    rng = rng_from(seed)
    return ng, rng


def measure_symmetries(n_inputs: int, width: int, n_points: int, seed) -> dict:
    """Discrepancy max|f1 - f2| / max(1, max|f1|) on n_points random inputs for each symmetry,
    and the unbalanced flip (negative control) with the change it should make."""
    from relu_hmc.numerics import geometry as ng
    from relu_hmc.numerics.validation import rng_from

    rng = rng_from(seed)
    net = ng.random_network(n_inputs, width, rng)
    X = ng.random_inputs(n_points, n_inputs, rng)
    out = {"n_inputs": n_inputs, "width": width, "n_points": n_points}
    scales = np.exp(rng.uniform(np.log(0.25), np.log(4.0), width))
    out["rescaling"] = ng.function_discrepancy(net, ng.rescale(net, scales), X)
    out["permutation"] = ng.function_discrepancy(net, ng.permute(net, rng.permutation(width)), X)
    twin = ng.add_twin(net, 0, t=float(rng.uniform(0.5, 2.0)), share=float(rng.uniform(0.2, 0.8)))
    out["twin_split"] = ng.function_discrepancy(net, twin, X)
    out["twin_redistribution"] = ng.function_discrepancy(
        twin, ng.redistribute_twins(twin, 0, width, float(rng.standard_normal())), X)
    if width >= n_inputs + 1:
        subset = list(range(n_inputs + 1))
        base = ng.balance(net, subset)
        construction = "a_S a null vector of [w_j]_S, |S| = n0 + 1"
    elif width >= 2:
        subset = [0, 1]
        W = net.W.copy()
        W[1] = -(net.a[0] / net.a[1]) * net.W[0]        # a_0 w_0 + a_1 w_1 = 0: parallel pair
        base = ng.ShallowNet(W, net.b.copy(), net.a.copy(), net.c)
        construction = "a parallel pair a_0 w_0 + a_1 w_1 = 0"
    else:
        subset, base, construction = None, None, "needs width >= 2"
    if subset is not None:
        out["balanced_flip"] = ng.function_discrepancy(base, ng.flip(base, subset), X)
        out["balanced_flip_imbalance"] = float(np.linalg.norm(ng.imbalance(base, subset)))
    else:
        out["balanced_flip"] = None
    out["balanced_flip_construction"] = construction
    # negative control: flipping neuron 0 alone changes f by -a_0 w_0 . x (c compensated)
    flipped = ng.flip(net, [0])
    change = flipped(X) - net(X)
    out["unbalanced_flip"] = ng.function_discrepancy(net, flipped, X)
    out["unbalanced_flip_vs_predicted_change"] = float(
        np.max(np.abs(change - (-(X @ (net.a[0] * net.W[0]))))) / max(1.0, float(np.max(np.abs(net(X))))))
    return out


def measure_functional_dimension(n_inputs: int, width: int, n_points: int, seed) -> dict:
    """Jacobian ranks at a generic network and at a network with one twin pair (a random
    network of width - 1 plus a positive twin of neuron 0), with the activity counts."""
    from relu_hmc.numerics import geometry as ng
    from relu_hmc.numerics.validation import rng_from

    rng = rng_from(seed)
    X = ng.random_inputs(n_points, n_inputs, rng)
    out = {"n_inputs": n_inputs, "width": width, "n_points": n_points,
           "n_params": ng.parameter_count(n_inputs, width)}

    generic = ng.random_network(n_inputs, width, rng)
    g = ng.functional_dimension(generic, X)
    out["generic"] = _fd_record(g, g, width)
    if width >= 2:
        small = ng.random_network(n_inputs, width - 1, rng)
        twin = ng.add_twin(small, 0, t=float(rng.uniform(0.5, 2.0)), share=float(rng.uniform(0.2, 0.8)))
        out["twin"] = _fd_record(ng.functional_dimension(twin, X), ng.functional_dimension(small, X), width - 1)
    else:
        out["twin"] = None
    return out


def _fd_record(fd, distinct, n_distinct: int) -> dict:
    """Rank of the network `fd`, and the batch conditions counted on its distinct hyperplanes."""
    return {"rank": fd.rank, "gap": fd.gap, "tolerance": fd.tolerance, "n_params": fd.n_params,
            "dead": distinct.dead, "always_active": distinct.always_active, "separated": distinct.separated,
            "cutting": n_distinct - distinct.dead - distinct.always_active}


def _posterior_and_point(n_inputs, width, n_points, rng, *, mirrored: bool = False):
    """Data from a teacher network (noise SIGMA) and a student point theta: a random network,
    or with `mirrored` the teacher with output weights negated (large residuals correlated
    with every hidden unit)."""
    from relu_hmc.numerics import geometry as ng

    teacher = ng.random_network(n_inputs, width, rng)
    X, y = ng.teacher_data(teacher, n_points, SIGMA, rng)
    post = ng.RegressionPosterior.build(X, y, SIGMA, TAU, width)
    if mirrored:
        student = ng.ShallowNet(teacher.W, teacher.b, -teacher.a, teacher.c)
    else:
        student = ng.random_network(n_inputs, width, rng)
    return post, student.theta


def measure_surface(n_inputs: int, width: int, n_points: int, seed, *, i: int = 0, j: int = 0) -> dict:
    """At a point theta* of the surface S_ij (student b_j reset so that z_ij = 0):
    - the gradient jump vector (Richardson limit of grad U across S_ij),
    - the jump of the normal derivative from U values alone (one-sided differences),
    - the FD Hessian jump across S_ij (Richardson, with its truncation estimate),
    - crossing leapfrog steps at phase 1/4 for eps = 2^-6 .. 2^-16: J_hat(eps)."""
    from relu_hmc.numerics import geometry as ng
    from relu_hmc.numerics.validation import rng_from

    rng = rng_from(seed)
    post, theta = _posterior_and_point(n_inputs, width, n_points, rng)
    ts = post.surface_point(theta, i, j)
    hj = ng.hessian_jump_fd(post, ts, i, j)
    nj = ng.normal_derivative_jump_fd(post, ts, i, j)
    gj = ng.gradient_jump_limit(post, ts, i, j)
    # momentum: random tangential part, unit normal part (p_n = 1: the crossing term
    # J eps p_n (1/2 - phase) then dominates the smooth O(eps^3) error already at moderate eps)
    n = post.unit_normal(i, j)
    p = rng.standard_normal(post.n_params)
    p = p - (p @ n) * n + n
    eps = [2.0 ** -k for k in range(6, 17)]
    sweep = ng.crossing_sweep(post, ts, i, j, p, eps, phase=0.25)
    return {
        "n_inputs": n_inputs, "width": width, "n_points": n_points, "i": i, "j": j,
        "sigma": post.sigma, "tau": post.tau, "x_i": post.X[i].tolist(), "y_i": float(post.y[i]),
        "theta_star": ts.tolist(), "normal": post.unit_normal(i, j).tolist(),
        "gradient_jump": gj.tolist(),
        "normal_jump_from_U": nj["jump"], "normal_jump_rounding_bound": nj["rounding_bound"],
        "hessian_jump": hj["jump"].tolist(), "hessian_jump_truncation": hj["truncation_estimate"],
        "hessian_jump_rounding": hj["rounding_bound"],
        "stencils_in_cells": hj["stencils_in_cells"], "only_surface_ij": hj["only_surface_ij"],
        "potential_scale": float(post.potential(ts)[0]),
        "crossing": {"eps": sweep.eps.tolist(), "J_hat": sweep.J_hat.tolist(), "dH": sweep.energy_error.tolist(),
                     "q_rel": sweep.q_rel.tolist(), "p_n": sweep.p_n, "crossings": sweep.crossings.tolist(),
                     "phase": sweep.phase.tolist()},
    }


def measure_cell(n_inputs: int, width: int, n_points: int, seed) -> dict:
    """Inside one activation cell, at the mirrored-teacher point:
    - FD output Hessians d^2 f(x_i)/dtheta^2 at theta and at a second point of the same cell
      (constant on a cell: f is quadratic in theta there),
    - the FD Hessian of U, the Gauss-Newton part J^T J / sigma^2 and their eigenvalues,
    - the Rayleigh quotient of the FD Hessian along the joint rescaling direction v."""
    from relu_hmc.numerics import geometry as ng
    from relu_hmc.numerics.validation import rng_from

    rng = rng_from(seed)
    post, theta = _posterior_and_point(n_inputs, width, n_points, rng, mirrored=True)
    h = 1e-5
    other = ng.random_point_in_cell(post, theta, 0.05, rng)
    D1, D2 = ng.fd_output_hessians(post, theta, h), ng.fd_output_hessians(post, other, h)
    J1 = np.stack([post.output_jacobian(p) for p in (theta, other)])
    d_bound = 8.0 * ng.UNIT_ROUNDOFF * (float(np.max(np.abs(J1))) + 1.0) / h
    parts = ng.regular_hessian_parts(post, theta, h)
    W, b, a, _ = ng.split(theta, n_inputs, width)
    v = ng.pack(W, b, -a, 0.0)
    fd = parts["hessian"]
    return {
        "n_inputs": n_inputs, "width": width, "n_points": n_points, "sigma": post.sigma, "tau": post.tau,
        "X": post.X.tolist(), "y": post.y.tolist(), "theta": theta.tolist(),
        "output_hessian_change": float(np.max(np.abs(D1 - D2))), "output_hessian_scale": float(np.max(np.abs(D1))),
        "output_hessian_bound": d_bound, "second_point_distance": float(np.linalg.norm(other - theta)),
        "fd_hessian": fd.matrix.tolist(), "fd_rounding_bound": fd.rounding_bound, "fd_same_cell": fd.same_cell,
        "fd_asymmetry": fd.asymmetry,
        "hessian_min_eig": float(parts["hessian_eigenvalues"][0]),
        "hessian_max_eig": float(parts["hessian_eigenvalues"][-1]),
        "gauss_newton_min_eig": float(parts["gauss_newton_eigenvalues"][0]),
        "gauss_newton_max_eig": float(parts["gauss_newton_eigenvalues"][-1]),
        "gauss_newton_on_v": float(v @ parts["gauss_newton"] @ v),
        "rayleigh_fd": float(v @ fd.matrix @ v / (v @ v)), "v_norm2": float(v @ v),
    }


def measure_kinks(width: int, seed, *, lo: float = -6.0, hi: float = 6.0) -> dict:
    """Kinks recovered from values of a random 1D-input network on [lo, hi] (function only),
    with the network's parameters for the prediction."""
    from relu_hmc.numerics import geometry as ng

    net = ng.random_network(1, width, seed)
    kinks = ng.recover_kinks_1d(lambda x: net(np.asarray(x)[:, None]), lo, hi)
    return {"width": width, "lo": lo, "hi": hi, "W": net.W[:, 0].tolist(), "b": net.b.tolist(),
            "a": net.a.tolist(), "c": net.c, "recovered": kinks}


def measure_orbit_hmc(n_inputs: int, width: int, n_points: int, eps: float, n_steps: int, n_traj: int,
                      seed, *, scales=(0.25, 0.5, 1.0, 2.0, 4.0)) -> dict:
    """HMC trajectories from points of the rescaling orbit of a balanced teacher network
    (the data's generator) against random starts from the prior, with standard errors."""
    from relu_hmc.numerics import geometry as ng
    from relu_hmc.numerics.validation import rng_from

    rng = rng_from(seed)
    teacher = ng.random_network(n_inputs, width, rng)
    X, y = ng.teacher_data(teacher, n_points, SIGMA, rng)
    post = ng.RegressionPosterior.build(X, y, SIGMA, TAU, width)
    ref = ng.balanced(teacher)
    res = ng.orbit_hmc(post, ref, list(scales), eps, n_steps, n_traj, rng)
    lik = res.likelihood
    return {
        "scales": list(map(float, scales)), "eps": eps, "n_steps": n_steps, "n_traj": n_traj,
        "likelihood": lik.tolist(), "prior": res.prior.tolist(),
        "likelihood_spread": float((lik.max() - lik.min()) / max(1.0, abs(float(lik[0])))),
        "reference": {"W": ref.W.tolist(), "b": ref.b.tolist(), "a": ref.a.tolist(), "c": ref.c},
        "abs_dH": [e.as_dict() for e in res.abs_energy_error],
        "acceptance": [e.as_dict() for e in res.acceptance],
        "dH": [e.as_dict() for e in res.energy_error],
        "random_dH": res.random_energy_error.as_dict(),
        "random_abs_dH": res.random_abs_energy_error.as_dict(),
        "random_acceptance": res.random_acceptance.as_dict(),
    }


# --------------------------------------------------------------------------------------------
# verdicts (theory evaluated at the measured numbers)


def _exact(value, quantity: str) -> Verdict:
    return within(0.0, value, 0.0, quantity=quantity, bias=EXACT_RTOL,
                  bias_reason="float64 round-off of a forward pass, see relu_hmc.geometry")


def verdict_symmetries(m: dict) -> Verdict:
    parts = [_exact(m["rescaling"], "positive rescaling (w, b, a) -> (s w, s b, a / s)"),
             _exact(m["permutation"], "permutation of hidden units"),
             _exact(m["twin_split"], "split of a neuron into positive twins"),
             _exact(m["twin_redistribution"], "redistribution of output weight between twins")]
    if m["balanced_flip"] is not None:
        parts.append(_exact(m["balanced_flip"], "balanced orientation flip (c compensated)"))
    # negative control: the unbalanced flip must change f, and by exactly -a_0 w_0 . x
    parts.append(_exact(m["unbalanced_flip_vs_predicted_change"],
                        "unbalanced flip changes f by exactly -a_0 w_0 . x"))
    parts.append(Verdict(m["unbalanced_flip"] > 1e3 * EXACT_RTOL, 1e3 * EXACT_RTOL, m["unbalanced_flip"], 0.0,
                         0.0, "negative control: the discrepancy must exceed 1000 x the exact tolerance",
                         "unbalanced flip is NOT a symmetry"))
    return all_of(parts, quantity="symmetries of a one-hidden-layer ReLU network")


def predicted_functional_dimension(m: dict, case: str) -> int | None:
    from relu_hmc.theory.geometry import functional_dimension

    r = m[case]
    if r is None:
        return None
    return functional_dimension(m["n_inputs"], m["width"], twin_pairs=1 if case == "twin" else 0,
                                dead=r["dead"], always_active=r["always_active"])


def functional_dimension_applicable(m: dict, case: str) -> bool:
    """The batch condition (ii) of theory.geometry.functional_dimension: every cutting
    distinct hyperplane is separated by two adjacent cells with n0 + 1 independent inputs."""
    r = m[case]
    return r is not None and r["separated"] == r["cutting"]


def verdict_functional_dimension(m: dict) -> Verdict | None:
    """Measured rank == predicted (an integer: exact equality) for each case whose batch
    condition holds; None if it holds for no case (too few inputs for a prediction)."""
    parts = []
    for case in ("generic", "twin"):
        predicted = predicted_functional_dimension(m, case)
        if predicted is None or not functional_dimension_applicable(m, case):
            continue
        r = m[case]
        parts.append(Verdict(r["rank"] == predicted, predicted, r["rank"], 0.0, 0.0,
                             f"exact integer equality; singular-value gap s_r / s_(r+1) = {r['gap']:.3g}, "
                             f"dead = {r['dead']}, always active = {r['always_active']}, batch condition holds "
                             f"for all {r['cutting']} cutting hyperplanes", f"{case} functional dimension"))
    if not parts:
        return None
    return all_of(parts, quantity="functional dimension = rank of d f(x_1..x_M) / d theta")


def surface_prediction(m: dict) -> dict:
    from relu_hmc.theory.geometry import surface_predictions

    return surface_predictions(m["x_i"], m["y_i"], m["theta_star"], m["sigma"], m["j"],
                               n_inputs=m["n_inputs"], width=m["width"])


def verdict_hessian_jump(m: dict, prediction: dict | None = None) -> Verdict:
    """FD Hessian jump across S_ij == theory's jump of the regular Hessian (max entry error),
    within the FD rounding bound plus the Richardson truncation estimate."""
    pred = prediction or surface_prediction(m)
    err = float(np.max(np.abs(np.array(m["hessian_jump"]) - np.array(pred["hessian_jump"]))))
    ok_geometry = m["stencils_in_cells"] and m["only_surface_ij"]
    v = within(0.0, err, 0.0, quantity="max |[H_reg] measured - predicted|",
               bias=m["hessian_jump_rounding"] + m["hessian_jump_truncation"],
               bias_reason="FD rounding bound + Richardson truncation estimate (numerics.geometry)",
               note=f"max |[H_reg]| = {np.max(np.abs(pred['hessian_jump'])):.3g}")
    if not ok_geometry:
        return Verdict(False, 0.0, err, 0.0, v.tolerance, "a stencil left its cell or crossed another surface",
                       v.quantity)
    return v


def verdict_gradient_jump(m: dict, prediction: dict | None = None) -> Verdict:
    """[grad U] measured == -(r a / sigma^2) grad z (vector), and the normal-derivative jump
    measured from U values alone == J."""
    pred = prediction or surface_prediction(m)
    g_meas, g_pred = np.array(m["gradient_jump"]), np.array(pred["gradient_jump"])
    J = pred["normal_jump"]
    scale = max(1.0, abs(J))
    # Richardson limit: error O(delta^2 U''') with delta = 1e-5; the gradient itself is exact to
    # ~ M * u * |grad U|; bound both by 1e-6 relative to the jump (checked: the next Richardson
    # term is ~1e-10 for these problems; the measured O(delta) term is reported in the detail)
    parts = [
        within(0.0, float(np.max(np.abs(g_meas - g_pred))), 0.0, quantity="max |[grad U] measured - predicted|",
               bias=1e-6 * scale, bias_reason="Richardson O(delta^2) remainder, delta = 1e-5, relative 1e-6"),
        within(J, m["normal_jump_from_U"], 0.0, quantity="normal-derivative jump J from U values alone",
               bias=m["normal_jump_rounding_bound"] + 1e-6 * scale,
               bias_reason="one-sided differences: rounding bound + O(h^2) with h = 1e-4"),
        within(0.0, float(np.linalg.norm(g_pred - J * np.array(pred["normal"]))), 0.0,
               quantity="tangential part of the predicted jump", bias=1e-12 * scale,
               bias_reason="the jump is normal to the surface (exact; float round-off)"),
    ]
    return all_of(parts, quantity="gradient jump across S_ij")


def _richardson(values: np.ndarray, levels: int) -> list[np.ndarray]:
    """Richardson table for eps halving, removing eps^1 .. eps^levels in turn."""
    table = [np.asarray(values, dtype=np.float64)]
    for k in range(1, levels + 1):
        prev = table[-1]
        table.append((2.0 ** k * prev[1:] - prev[:-1]) / (2.0 ** k - 1.0))
    return table


def verdict_crossing(m: dict, prediction: dict | None = None) -> Verdict:
    """J_hat(eps) = dH / (q_rel + eps p_n / 2) from single crossing leapfrog steps converges to
    theory's J (the crossing formula dH = J (q_rel + eps p_n / 2) + O(eps^2) read backwards).

    At fixed crossing phase, with U smooth on each side, J_hat(eps) = J + A1 eps + A2 eps^2 +
    ..., so the Richardson limit R4 of the last five J_hat (eps halving; eps^1..eps^4
    removed) must equal J within |R4 - R3| (truncation estimate) + the round-off of dH
    propagated through the table (16 u |U| / |q_rel + eps p_n / 2| per entry). The raw
    J_hat is reported too; its local order drifts between 1 and 2 over the eps range used
    (the O(eps) and O(eps^2) terms are of similar size there), so no order is asserted."""
    pred = prediction or surface_prediction(m)
    J = pred["normal_jump"]
    c = m["crossing"]
    eps, J_hat = np.array(c["eps"]), np.array(c["J_hat"])
    den = np.abs(np.array(c["q_rel"]) + eps * c["p_n"] / 2.0)
    ok = np.array(c["crossings"]) == 1
    if not np.all(ok[-5:]):
        return Verdict(False, J, math.nan, 0.0, 0.0, "the five smallest-eps steps must each cross exactly one surface",
                       "crossing J")
    table = _richardson(J_hat[-5:], 4)
    rounding = 16.0 * 2.0 ** -53 * abs(m["potential_scale"]) / den[-5:]
    # |coefficients| propagate the per-entry round-off bound through the same recursion
    bound = [rounding]
    for k in range(1, 5):
        bound.append((2.0 ** k * bound[-1][1:] + bound[-1][:-1]) / (2.0 ** k - 1.0))
    r4, r3 = float(table[4][-1]), float(table[3][-1])
    return within(J, r4, 0.0, quantity="Richardson limit of J_hat(eps -> 0) from crossing leapfrog steps",
                  bias=abs(r4 - r3) + float(bound[4][-1]),
                  bias_reason="truncation |R4 - R3| + propagated round-off of dH",
                  note=f"raw J_hat at eps = {eps[-1]:.3g}: {J_hat[-1]:.10g} (relative error "
                       f"{abs(J_hat[-1] - J) / abs(J):.2g}, O(eps))")


def verdict_cell(m: dict) -> Verdict:
    from relu_hmc.theory.geometry import regular_hessian_value, rescaling_curvature_value

    n0, n1 = m["n_inputs"], m["width"]
    H_pred = np.array(regular_hessian_value(m["X"], m["y"], m["theta"], m["sigma"], m["tau"], n_inputs=n0, width=n1))
    fd = np.array(m["fd_hessian"])
    ray = rescaling_curvature_value(m["X"], m["y"], m["theta"], m["sigma"], m["tau"], n_inputs=n0, width=n1)
    gn_bound = 1e3 * 2.0 ** -53 * m["gauss_newton_max_eig"] * len(m["theta"])
    parts = [
        within(0.0, m["output_hessian_change"], 0.0, quantity="change of d^2 f / dtheta^2 inside one cell",
               bias=m["output_hessian_bound"], bias_reason="FD rounding of the output Jacobian (f is quadratic "
               "in theta on a cell: central differences are exact up to rounding)",
               note=f"second point at distance {m['second_point_distance']:.3g}"),
        within(0.0, float(np.max(np.abs(fd - H_pred))), 0.0, quantity="max |H_FD - H_reg closed form|",
               bias=m["fd_rounding_bound"], bias_reason="FD rounding bound (numerics.fd_hessian)"),
        Verdict(m["gauss_newton_min_eig"] >= -gn_bound, 0.0, m["gauss_newton_min_eig"], 0.0, gn_bound,
                "Gauss-Newton part PSD: smallest eigenvalue >= -(round-off of eigvalsh)", "min eig of J^T J / sigma^2"),
        within(ray["rayleigh"], m["rayleigh_fd"], 0.0, quantity="Rayleigh quotient along the rescaling direction",
               bias=m["fd_rounding_bound"] * math.sqrt(len(m["theta"])),
               bias_reason="FD rounding bound times sqrt(P) (a quadratic form in a unit vector)"),
        at_most(0.0, ray["rayleigh"], 0.0, quantity="predicted Rayleigh quotient < 0 (indefiniteness certificate)",
                note="theory: v^T H_reg v = sum_j -2 a_j dL/da_j + |v|^2/tau^2"),
        Verdict(m["hessian_min_eig"] <= ray["rayleigh"] + m["fd_rounding_bound"] * math.sqrt(len(m["theta"]))
                and m["hessian_max_eig"] > 0, ray["rayleigh"], m["hessian_min_eig"], 0.0, m["fd_rounding_bound"],
                "measured smallest eigenvalue <= predicted Rayleigh quotient (< 0) and largest > 0: indefinite",
                "H_reg indefinite"),
    ]
    return all_of(parts, quantity="regular Hessian on a cell")


def verdict_kinks(m: dict) -> Verdict:
    from relu_hmc.theory.geometry import predicted_kinks_1d

    pred = [k for k in predicted_kinks_1d(m["W"], m["b"], m["a"]) if m["lo"] < k["location"] < m["hi"]]
    rec = m["recovered"]
    if len(rec) != len(pred):
        return Verdict(False, len(pred), len(rec), 0.0, 0.0, "number of kinks in the window differs", "kinks")
    loc_err = max((abs(p["location"] - r["location"]) for p, r in zip(pred, rec)), default=0.0)
    jump_err = max((abs(p["jump"] - r["jump"]) for p, r in zip(pred, rec)), default=0.0)
    scale = max([1.0] + [abs(p["jump"]) for p in pred])
    reason = "secant slopes exact up to round-off u * max|f| / grid step (~1e-12 here); 1e-8 allows 1e4 of it"
    return all_of([
        Verdict(True, len(pred), len(rec), 0.0, 0.0, "kink count in the window", "number of kinks"),
        within(0.0, loc_err, 0.0, quantity="max |location error|", bias=1e-8, bias_reason=reason),
        within(0.0, jump_err, 0.0, quantity="max |jump error|", bias=1e-8 * scale, bias_reason=reason),
    ], quantity="kinks recovered from the function alone (1D input)")


def verdict_orbit(m: dict) -> Verdict:
    """Likelihood constant along the orbit (exact), the prior equal to the orbit formula, and
    the energy error not constant along the orbit (max - min > z SE)."""
    from relu_hmc.theory.geometry import orbit_prior

    ref = m["reference"]
    W, b, a = np.array(ref["W"]), np.array(ref["b"]), np.array(ref["a"])
    w2 = np.sum(W ** 2, axis=1)
    tau2 = TAU ** 2
    prior_pred = [(sum(float(orbit_prior(w2[j], b[j] ** 2, a[j] ** 2, s)) for j in range(len(a)))
                   + ref["c"] ** 2) / (2 * tau2) for s in m["scales"]]
    prior_err = max(abs(p - q) / max(1.0, abs(q)) for p, q in zip(m["prior"], prior_pred))
    values = [e["value"] for e in m["abs_dH"]]
    lo, hi = int(np.argmin(values)), int(np.argmax(values))
    diff = values[hi] - values[lo]
    se = math.hypot(m["abs_dH"][hi]["se"], m["abs_dH"][lo]["se"])
    return all_of([
        _exact(m["likelihood_spread"], "likelihood spread along the orbit"),
        _exact(prior_err, "prior along the orbit vs s^2 |(w,b)|^2 + a^2 / s^2"),
        Verdict(diff > 4.0 * se, 0.0, diff, se, 4.0 * se,
                f"max - min of E|dH| over the orbit (s = {m['scales'][hi]:g} vs {m['scales'][lo]:g}) must exceed "
                "4 SE: the likelihood Hessian at theta(s) is S^-1 H S^-1 (hidden block / s^2, output block * s^2), "
                "so the dynamics differ along the orbit although L does not; the minimum is not at the prior's "
                "balanced point in general", "E|dH| range along the orbit"),
    ], quantity="HMC along a rescaling orbit")


# --------------------------------------------------------------------------------------------
# the CLI summary


def geometry_summary(n_points: int, width: int, seed: int, *, n_inputs: int = N_INPUTS) -> dict:
    """Everything `relu-hmc geometry` prints: parameter count, functional dimensions,
    symmetry checks, the Hessian-jump and crossing-step checks, with verdicts."""
    from relu_hmc.numerics.validation import check_count, rng_from
    from relu_hmc.theory.geometry import parameter_count

    n_points, width, n_inputs = check_count("inputs", n_points), check_count("width", width), \
        check_count("input-dim", n_inputs)
    rng = rng_from(seed)
    seeds = rng.integers(0, 2 ** 62, 3).tolist()
    sym = measure_symmetries(n_inputs, width, n_points, seeds[0])
    fdim = measure_functional_dimension(n_inputs, width, n_points, seeds[1])
    surf = measure_surface(n_inputs, width, n_points, seeds[2])
    pred = surface_prediction(surf)
    verdicts = {"symmetries": verdict_symmetries(sym), "functional_dimension": verdict_functional_dimension(fdim),
                "hessian_jump": verdict_hessian_jump(surf, pred), "gradient_jump": verdict_gradient_jump(surf, pred),
                "crossing_step": verdict_crossing(surf, pred)}
    return {
        "n_inputs": n_inputs, "width": width, "inputs": n_points, "seed": seed,
        "parameters": parameter_count(n_inputs, width),
        "functional_dimension": {
            "measured": fdim["generic"]["rank"], "predicted": predicted_functional_dimension(fdim, "generic"),
            "twin_measured": fdim["twin"]["rank"] if fdim["twin"] else None,
            "twin_predicted": predicted_functional_dimension(fdim, "twin"),
            "dead": fdim["generic"]["dead"], "always_active": fdim["generic"]["always_active"],
            "separated": fdim["generic"]["separated"], "cutting": fdim["generic"]["cutting"],
            "applicable": functional_dimension_applicable(fdim, "generic"),
            "twin_applicable": bool(fdim["twin"]) and functional_dimension_applicable(fdim, "twin")},
        "symmetries": {k: sym[k] for k in ("rescaling", "permutation", "twin_split", "twin_redistribution",
                                           "balanced_flip", "unbalanced_flip")},
        "hessian_jump": {"predicted_max_abs": float(np.max(np.abs(pred["hessian_jump"]))),
                         "max_abs_error": verdicts["hessian_jump"].measured,
                         "tolerance": verdicts["hessian_jump"].tolerance},
        "normal_jump": {"predicted": pred["normal_jump"], "from_U": surf["normal_jump_from_U"],
                        "from_crossing_step": surf["crossing"]["J_hat"][-1],
                        "crossing_eps": surf["crossing"]["eps"][-1]},
        "verdicts": {k: (None if v is None else v.as_dict()) for k, v in verdicts.items()},
        "passed": all(v.passed for v in verdicts.values() if v is not None),
    }
