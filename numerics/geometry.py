"""Measurement tasks of the ReLU-geometry claims (relu_hmc/claims/geometry.py) and of
`relu-hmc geometry`: JSON-able arguments and a seed in, a JSON-able dict out.

Each task draws its network and data from the seed and measures with the numerics.relu_*
modules; no theory here (the claims evaluate theory's closed forms at the numbers each task
reports). Default problem: regression noise SIGMA, prior scale TAU.
"""
from __future__ import annotations

import numpy as np

from relu_hmc.numerics import relu_crossing as nc
from relu_hmc.numerics import relu_finite_differences as nfd
from relu_hmc.numerics import relu_symmetries as nsym
from relu_hmc.numerics.relu_kinks import recover_kinks_1d
from relu_hmc.numerics.relu_network import (UNIT_ROUNDOFF, WORKING_BYTES, RegressionPosterior, ShallowNet,
                                            parameter_count, random_inputs, random_network, split, teacher_data)
from relu_hmc.numerics.relu_orbit import orbit_hmc
from relu_hmc.numerics.validation import rng_from

SIGMA, TAU = 0.5, 3.0
#: Largest parameter count whose whole Hessian jump is measured; beyond it, a random sketch.
FULL_HESSIAN_PARAMS, SKETCH_DIRECTIONS = 64, 4


def _relation(f_reference: np.ndarray, f_other: np.ndarray) -> dict:
    """f_other against f_reference: the least-squares gain <a, b> / <a, a> (1 for an exact
    symmetry), the residual max|b - gain a| and the discrepancy max|b - a|, both relative
    to max(1, max|a|)."""
    scale = max(1.0, float(np.max(np.abs(f_reference))))
    gain = float(f_reference @ f_other / (f_reference @ f_reference))
    return {"gain": gain, "residual": float(np.max(np.abs(f_other - gain * f_reference))) / scale,
            "discrepancy": float(np.max(np.abs(f_other - f_reference))) / scale}


def measure_symmetries(n_inputs: int, width: int, n_points: int, seed) -> dict:
    """f before and after each symmetry map on n_points random inputs (`_relation`), the
    balanced flip (if width allows one), and the unbalanced flip of neuron 0 (a negative
    control: it changes f, by -a_0 w_0 . x exactly)."""
    rng = rng_from(seed)
    net = random_network(n_inputs, width, rng)
    X = random_inputs(n_points, n_inputs, rng)
    f = net(X)
    out = {"n_inputs": n_inputs, "width": width, "n_points": n_points}
    scales = np.exp(rng.uniform(np.log(0.25), np.log(4.0), width))
    out["rescaling"] = _relation(f, nsym.rescale(net, scales)(X))
    out["permutation"] = _relation(f, nsym.permute(net, rng.permutation(width))(X))
    twin = nsym.add_twin(net, 0, t=float(rng.uniform(0.5, 2.0)), share=float(rng.uniform(0.2, 0.8)))
    out["twin_split"] = _relation(f, twin(X))
    out["twin_redistribution"] = _relation(f, nsym.redistribute_twins(twin, 0, width, float(rng.standard_normal()))(X))
    if width >= n_inputs + 1:
        subset = list(range(n_inputs + 1))
        base = nsym.balance(net, subset)
        construction = "a_S a null vector of [w_j]_S, |S| = n0 + 1"
    elif width >= 2:
        subset = [0, 1]
        W = net.W.copy()
        W[1] = -(net.a[0] / net.a[1]) * net.W[0]        # a_0 w_0 + a_1 w_1 = 0: parallel pair
        base = ShallowNet(W, net.b.copy(), net.a.copy(), net.c)
        construction = "a parallel pair a_0 w_0 + a_1 w_1 = 0"
    else:
        subset, base, construction = None, None, "needs width >= 2"
    out["balanced_flip"] = None if base is None else _relation(base(X), nsym.flip(base, subset)(X))
    out["balanced_flip_construction"] = construction
    flipped = nsym.flip(net, [0])(X)
    out["unbalanced_flip"] = _relation(f, flipped)
    # the change the flip makes, against the change -a_0 w_0 . x it should make
    out["unbalanced_flip_change"] = _relation(-(X @ (net.a[0] * net.W[0])), flipped - f)
    return out


def measure_functional_dimension(n_inputs: int, width: int, n_points: int, seed) -> dict:
    """Jacobian ranks at a generic network and at a network with one twin pair (a random
    network of width - 1 plus a positive twin of neuron 0), with the activity counts."""
    rng = rng_from(seed)
    X = random_inputs(n_points, n_inputs, rng)
    out = {"n_inputs": n_inputs, "width": width, "n_points": n_points,
           "n_params": parameter_count(n_inputs, width)}
    generic = nsym.functional_dimension(random_network(n_inputs, width, rng), X)
    out["generic"] = _fd_record(generic, generic, width)
    if width >= 2:
        small = random_network(n_inputs, width - 1, rng)
        twin = nsym.add_twin(small, 0, t=float(rng.uniform(0.5, 2.0)), share=float(rng.uniform(0.2, 0.8)))
        out["twin"] = _fd_record(nsym.functional_dimension(twin, X), nsym.functional_dimension(small, X), width - 1)
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
    with every hidden unit). For the mirrored point every teacher neuron is made active on at
    least half the inputs (b_j halfway between the middle two w_j . x_i where it was not, y recomputed with the
    same noise): the rescaling curvature sum_j -2 a_j dL/da_j = -(4 sum_i g_i^2 + 2 sigma
    sum_i xi_i g_i) / sigma^2 (g_i the teacher's hidden part) then has weight from every
    neuron, not only the prior's |v|^2 / tau^2 of a neuron dead on the batch."""
    teacher = random_network(n_inputs, width, rng)
    X, y = teacher_data(teacher, n_points, SIGMA, rng)
    if mirrored:
        Z = X @ teacher.W.T + teacher.b
        weak = (Z > 0).sum(axis=0) < n_points / 2.0
        if weak.any():
            b = teacher.b.copy()
            proj = np.sort(X @ teacher.W[weak].T, axis=0)
            k = n_points // 2          # halfway between two consecutive projections: no input on the plane
            b[weak] = -0.5 * (proj[k - 1] + proj[k]) if n_points >= 2 else -proj[0] + 1.0
            rebuilt = ShallowNet(teacher.W, b, teacher.a, teacher.c)
            y = y + rebuilt(X) - teacher(X)
            teacher = rebuilt
    post = RegressionPosterior.build(X, y, SIGMA, TAU, width)
    if not mirrored:
        return post, random_network(n_inputs, width, rng).theta
    return post, _negatively_curved_mirror(post, teacher).theta


def _rescaling_curvature(post: RegressionPosterior, net: ShallowNet) -> float:
    """sum_j -2 a_j dL/da_j + |v|^2 / tau^2 from the gradient of U (dL/da = dU/da - a / tau^2),
    v = sum_j (w_j, b_j, -a_j): the curvature along the joint rescaling direction."""
    n0, n1 = net.n_inputs, net.width
    grad_a = post.gradient(net.theta[None, :])[0][n1 * n0 + n1: n1 * n0 + 2 * n1] - net.a / post.tau ** 2
    v2 = float(np.sum(net.W ** 2) + np.sum(net.b ** 2) + np.sum(net.a ** 2))
    return float(-2.0 * net.a @ grad_a) + v2 / post.tau ** 2


def _negatively_curved_mirror(post: RegressionPosterior, teacher: ShallowNet, *, doublings: int = 30) -> ShallowNet:
    """The teacher with output weights -kappa a (kappa = 1, else the balanced point of that
    network's orbit with kappa doubled until the curvature from the gradient is negative).
    With a_s = -kappa a the likelihood part is -2 kappa ((1 + kappa) sum g^2 + sigma sum xi g) /
    sigma^2 (g the teacher's hidden part, xi the noise), of order -kappa^2, while the balanced
    |v|^2 = sum_j 2 kappa |a_j| |(w_j, b_j)| grows like kappa: negative once kappa is large
    enough whenever some active neuron has a_j != 0 (the half-active reset provides one)."""
    student = ShallowNet(teacher.W, teacher.b, -teacher.a, teacher.c)
    kappa = 1.0
    for _ in range(doublings):
        if _rescaling_curvature(post, student) < 0:
            return student
        kappa *= 2.0
        student = nsym.balanced(ShallowNet(teacher.W, teacher.b, -kappa * teacher.a, teacher.c))
    return student


def measure_surface(n_inputs: int, width: int, n_points: int, seed) -> dict:
    """At a constructed point theta* of a surface S_ij (numerics.relu_crossing.choose_surface:
    the student's b_j reset so that z_ij = 0, farthest from every other surface):
    - the gradient jump vector and the normal-derivative jump from U values alone,
    - the FD Hessian jump across S_ij (the whole matrix up to FULL_HESSIAN_PARAMS parameters,
      else its product with SKETCH_DIRECTIONS random unit vectors: a wrong matrix is still
      detected with probability 1, at 4 k instead of 4 P gradients per point),
    each a Richardson limit with its bounds, on step ladders inside the surface's margin;
    - constructed crossing leapfrog steps at phase 1/4 on an eps ladder inside the margin."""
    rng = rng_from(seed)
    post, theta = _posterior_and_point(n_inputs, width, n_points, rng)
    surface = nc.choose_surface(post, theta, rng)
    i, j, ts = surface.i, surface.j, surface.theta_star
    # finite-difference ladders reach 16 x their base step (x 2 for the 5-point stencil)
    base = min(1e-4, surface.margin / 64.0)
    directions = None
    if post.n_params > FULL_HESSIAN_PARAMS:
        directions = rng.standard_normal((post.n_params, SKETCH_DIRECTIONS))
        directions /= np.linalg.norm(directions, axis=0)
    hj = nfd.hessian_jump_fd(post, ts, i, j, delta=base, directions=directions)
    nj = nfd.normal_derivative_jump_fd(post, ts, i, j, h=base)
    gj = nfd.gradient_jump_limit(post, ts, i, j, delta=base / 8.0)
    v = nc.crossing_direction(post, i, j, rng)
    ladder = nc.eps_ladder(surface.margin, v, nc.stiffness_time(post, ts, v))
    sweep = nc.crossing_sweep(post, surface, v, ladder, phase=0.25)
    return {
        "n_inputs": n_inputs, "width": width, "n_points": n_points, "i": i, "j": j, "margin": surface.margin,
        "sigma": post.sigma, "tau": post.tau, "x_i": post.X[i].tolist(), "y_i": float(post.y[i]),
        "theta_star": ts.tolist(), "normal": post.unit_normal(i, j).tolist(),
        "gradient_jump": gj["jump"].tolist(), "gradient_jump_bound": gj["truncation_bound"] + gj["rounding_bound"],
        "normal_jump_from_U": nj["jump"], "normal_jump_bound": nj["truncation_bound"] + nj["rounding_bound"],
        "hessian_jump": hj["jump"].tolist(), "hessian_jump_truncation": hj["truncation_estimate"],
        "hessian_jump_directions": None if directions is None else directions.tolist(),
        "hessian_jump_rounding": hj["rounding_bound"],
        "stencils_in_cells": hj["stencils_in_cells"], "only_surface_ij": hj["only_surface_ij"],
        "crossing": {"eps": sweep.eps.tolist(), "J_hat": sweep.J_hat.tolist(), "dH": sweep.energy_error.tolist(),
                     "q_rel": sweep.q_rel.tolist(), "p_n": sweep.p_n.tolist(), "crossings": sweep.crossings.tolist(),
                     "phase": sweep.phase.tolist(), "rounding": sweep.rounding.tolist()},
    }


def measure_cell(n_inputs: int, width: int, n_points: int, seed) -> dict:
    """Inside one activation cell, at the mirrored-teacher point:
    - FD output Hessians d^2 f(x_i)/dtheta^2 at theta and at a second point of the same cell
      (constant on a cell: f is quadratic in theta there),
    - the FD Hessian of U, the Gauss-Newton part J^T J / sigma^2 and their eigenvalues,
    - the Rayleigh quotient of the FD Hessian along the joint rescaling direction v."""
    rng = rng_from(seed)
    post, theta = _posterior_and_point(n_inputs, width, n_points, rng, mirrored=True)
    h = 1e-5
    other = nfd.random_point_in_cell(post, theta, 0.05, rng)
    D1, D2 = nfd.fd_output_hessians(post, theta, h), nfd.fd_output_hessians(post, other, h)
    J1 = np.stack([post.output_jacobian(p) for p in (theta, other)])
    d_bound = 8.0 * UNIT_ROUNDOFF * (float(np.max(np.abs(J1))) + 1.0) / h
    parts = nfd.regular_hessian_parts(post, theta, h)
    W, b, a, _ = split(theta, n_inputs, width)
    v = np.concatenate([W.ravel(), b, -a, [0.0]])      # sum_j v_j in the layout
    fd = parts["hessian"]
    return {
        "n_inputs": n_inputs, "width": width, "n_points": n_points, "sigma": post.sigma, "tau": post.tau,
        "X": post.X.tolist(), "y": post.y.tolist(), "theta": theta.tolist(),
        "output_hessian_change": float(np.max(np.abs(D1 - D2))), "output_hessian_scale": float(np.max(np.abs(D1))),
        "output_hessian_bound": d_bound, "second_point_distance": float(np.linalg.norm(other - theta)),
        "fd_hessian": fd.matrix.tolist(), "fd_error_bound": fd.error_bound, "fd_same_cell": fd.same_cell,
        "fd_asymmetry": fd.asymmetry,
        "hessian_min_eig": float(parts["hessian_eigenvalues"][0]),
        "hessian_max_eig": float(parts["hessian_eigenvalues"][-1]),
        "gauss_newton_min_eig": float(parts["gauss_newton_eigenvalues"][0]),
        "gauss_newton_max_eig": float(parts["gauss_newton_eigenvalues"][-1]),
        "gauss_newton_on_v": float(v @ parts["gauss_newton"] @ v),
        "rayleigh_fd": float(v @ fd.matrix @ v / (v @ v)), "v_norm2": float(v @ v),
    }


def measure_kinks(width: int, seed, *, lo: float = -6.0, hi: float = 6.0, scale: float = 1.0) -> dict:
    """Kinks recovered from values of a random 1D-input network on [lo, hi] (function only;
    numerics.relu_kinks, with the forward pass's round-off bound as the value error), the
    resolution they are stated at, and the network's parameters for the prediction."""
    net = random_network(1, width, seed, scale=scale)
    rec = recover_kinks_1d(lambda x: net(np.asarray(x)[:, None]), lo, hi,
                           value_error=net.value_error_bound(max(abs(lo), abs(hi))))
    return {"width": width, "lo": lo, "hi": hi, "W": net.W[:, 0].tolist(), "b": net.b.tolist(),
            "a": net.a.tolist(), "c": net.c, "recovered": rec.kinks, "spacing": rec.spacing,
            "min_jump": rec.min_jump, "value_error": rec.value_error, "evaluations": rec.evaluations}


def measure_orbit(n_inputs: int, width: int, n_points: int, eps: float, n_steps: int, n_traj: int,
                  seed, *, scales=(0.25, 0.5, 1.0, 2.0, 4.0)) -> dict:
    """Along the rescaling orbit theta(s) of the balanced teacher network (the data's
    generator): the likelihood and prior energies, the FD Hessian of U at each theta(s) with
    its rounding bound and cell check, and (an observation) E|dH| and acceptance of HMC
    trajectories from each theta(s) against random starts, with standard errors."""
    rng = rng_from(seed)
    teacher = random_network(n_inputs, width, rng)
    X, y = teacher_data(teacher, n_points, SIGMA, rng)
    post = RegressionPosterior.build(X, y, SIGMA, TAU, width)
    ref = nsym.balanced(teacher)
    starts = np.array([nsym.rescale(ref, s).theta for s in scales])
    hessians = [nfd.fd_hessian(post, q, 1e-6) for q in starts]
    res = orbit_hmc(post, ref, list(scales), eps, n_steps, n_traj, rng)
    return {
        "n_inputs": n_inputs, "width": width, "sigma": SIGMA, "tau": TAU, "X": X.tolist(), "y": y.tolist(),
        "scales": list(map(float, scales)), "eps": eps, "n_steps": n_steps, "n_traj": n_traj,
        "theta_ref": ref.theta.tolist(),
        "likelihood": post.likelihood(starts).tolist(), "prior": post.prior(starts).tolist(),
        "hessian": [H.matrix.tolist() for H in hessians], "hessian_error_bound": [H.error_bound for H in hessians],
        "hessian_same_cell": all(H.same_cell for H in hessians),
        "abs_dH": [e.as_dict() for e in res.abs_energy_error],
        "acceptance": [e.as_dict() for e in res.acceptance],
        "random_abs_dH": res.random_abs_energy_error.as_dict(),
        "random_acceptance": res.random_acceptance.as_dict(),
    }


def summary_memory_bytes(n_points: int, width: int, n_inputs: int) -> int:
    """Peak memory of the `relu-hmc geometry` summary (symmetries, functional dimension and
    surface measurements on n_points inputs), estimated from its largest arrays: the output
    Jacobians (M, P) of the functional dimension (three networks, plus the SVD's copy), the
    (M, n1) activation patterns and inputs, the per-block working set of the posterior
    (WORKING_BYTES) and the (P, P) Hessians of the finite-difference ladders."""
    P = parameter_count(n_inputs, width)
    jacobians = 4 * 8 * n_points * P
    patterns = 8 * 8 * n_points * (width + n_inputs + 2)
    hessians = 16 * 8 * P * P + 8 * 8 * (2 * P + 1) * P
    return int(jacobians + patterns + 2 * WORKING_BYTES + hessians)
