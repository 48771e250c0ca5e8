"""Finite-difference measurements on a ReLU regression posterior (numerics.relu_network):
Hessians inside an activation cell, and the jumps of the gradient, of the normal
derivative and of the regular Hessian across one surface S_ij = {w_j . x_i + b_j = 0}.

Each returns, with its value, the checks a comparison needs: whether every stencil stayed
in one cell, and a rounding bound (unit round-off times the summed terms times the scale,
over the step) or a Richardson truncation estimate (numerics.estimators.richardson).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relu_hmc.numerics.estimators import richardson, richardson_weights
from relu_hmc.numerics.relu_network import UNIT_ROUNDOFF, RegressionPosterior
from relu_hmc.numerics.validation import rng_from

# --------------------------------------------------------------------------------------------
# finite-difference Hessians


def _stencil(theta, h, directions=None):
    """theta +- h v for the columns v of directions (the coordinate axes by default)."""
    E = h * (np.eye(theta.size) if directions is None else np.asarray(directions, dtype=np.float64).T)
    return np.concatenate([theta + E, theta - E])


@dataclass(frozen=True)
class FDHessian:
    """Hessian of U (or its product H V with unit directions V) from central differences of
    the gradient at steps h and 2h, Richardson-combined (the error of a central difference is
    c2 h^2 + c4 h^4 + ...; on a cell U is a quartic, so the gradient is a cubic and c4 = 0:
    (4 H_h - H_2h) / 3 is exact up to round-off). truncation_bound: the Richardson bound
    (twice the estimated h^2 term); rounding_bound: gradients rounded to ~ (number of summed
    terms) u scale, differenced, divided by 2h and propagated through the weights
    (4 + 1) / 3; same_cell: every stencil point has the activation pattern of theta."""

    matrix: np.ndarray
    asymmetry: float
    same_cell: bool
    rounding_bound: float
    truncation_bound: float

    @property
    def error_bound(self) -> float:
        return self.rounding_bound + self.truncation_bound


def fd_hessian_product(post: RegressionPosterior, theta, h: float, directions=None) -> FDHessian:
    """H V (P, k) for unit directions V (P, k): 4k gradients instead of 4P for the whole
    Hessian (V = identity by default, then the symmetrised Hessian and its asymmetry)."""
    theta = np.asarray(theta, dtype=np.float64).ravel()
    if directions is not None:
        directions = np.asarray(directions, dtype=np.float64)
        if directions.ndim != 2 or directions.shape[0] != theta.size:
            raise ValueError(f"directions must be a ({theta.size}, k) array, got shape {directions.shape}")
        directions = directions / np.linalg.norm(directions, axis=0)
    k = theta.size if directions is None else directions.shape[1]
    steps = np.array([2.0 * h, h])
    pts = np.vstack([_stencil(theta, step, directions) for step in steps])
    G = post.gradient(pts).reshape(2, 2 * k, theta.size)
    same = post.same_pattern(np.vstack([theta[None], pts]))
    H = np.array([((g[:k] - g[k:]) / (2.0 * step)).T for g, step in zip(G, steps)])
    ext = _extrapolated(steps, H, [2], 0.0)
    # gradient = sum of ~M (n0 + 2) products per entry; each gradient is exact to about
    # (number of terms) * u * (largest term); the largest term is bounded by |G| + prior part
    terms = post.X.shape[0] * (post.n_inputs + 2)
    rounding = 4.0 * terms * UNIT_ROUNDOFF * (float(np.max(np.abs(G))) + 1.0) / steps
    amplification = np.abs(richardson_weights(steps, [2]))
    Hm = ext["value"]
    if directions is None:
        Hm, asymmetry = 0.5 * (Hm + Hm.T), float(np.max(np.abs(Hm - Hm.T)))
    else:
        asymmetry = float("nan")
    return FDHessian(Hm, asymmetry, same, float(amplification @ rounding), ext["truncation_bound"])


def fd_hessian(post: RegressionPosterior, theta, h: float) -> FDHessian:
    """The whole Hessian of U at theta (`fd_hessian_product` along the coordinate axes)."""
    return fd_hessian_product(post, theta, h)


def fd_output_hessians(post: RegressionPosterior, theta, h: float) -> np.ndarray:
    """Central-difference Hessians of f(x_i) w.r.t. theta, from the output Jacobian: (M, P, P)."""
    theta = np.asarray(theta, dtype=np.float64).ravel()
    pts = _stencil(theta, h)
    J = np.stack([post.output_jacobian(p) for p in pts])          # (2P, M, P)
    P = theta.size
    return np.transpose((J[:P] - J[P:]) / (2.0 * h), (1, 2, 0))


def random_point_in_cell(post: RegressionPosterior, theta, radius: float, seed) -> np.ndarray:
    """theta + r u, u uniform on the unit sphere, r = min(radius, margin / 2): the margin, the
    distance from theta to the nearest surface z_ij = 0 (|z_ij| / |(x_i, 1)|, exact for these
    hyperplanes of (w_j, b_j)), makes the ball of radius r one activation cell, so the point
    has theta's activation pattern by construction, for any number of surfaces."""
    rng = rng_from(seed)
    theta = np.asarray(theta, dtype=np.float64).ravel()
    Z = post.preactivations(theta)[0]
    margin = float(np.min(np.abs(Z) / np.sqrt(1.0 + np.sum(post.X ** 2, axis=1))[:, None]))
    if not margin > 0:
        raise ValueError("theta lies on a surface z_ij = 0: it has no cell of its own")
    u = rng.standard_normal(theta.size)
    cand = theta + min(float(radius), 0.5 * margin) * u / np.linalg.norm(u)
    if not np.array_equal(post.pattern(cand), post.pattern(theta)):
        raise RuntimeError("a point within half the margin left the cell (the margin is wrong)")
    return cand


def regular_hessian_parts(post: RegressionPosterior, theta, h: float) -> dict:
    """Measured pieces of H_reg at theta: the FD Hessian of U, the Gauss-Newton part
    J^T J / sigma^2 from the output Jacobian, and their eigenvalues."""
    fd = fd_hessian(post, theta, h)
    J = post.output_jacobian(theta)
    GN = J.T @ J / post.sigma ** 2
    return {"hessian": fd, "gauss_newton": GN,
            "hessian_eigenvalues": np.linalg.eigvalsh(fd.matrix),
            "gauss_newton_eigenvalues": np.linalg.eigvalsh(GN)}


# --------------------------------------------------------------------------------------------
# jumps across a surface S_ij


def _ladder(delta: float, points: int) -> np.ndarray:
    """delta, 2 delta, 4 delta, ...: the geometric grid the Richardson tables below use."""
    return delta * 2.0 ** np.arange(points)


def _extrapolated(ladder, values, powers, rounding) -> dict:
    """Richardson limit of values(d) as d -> 0 with its truncation bound and the round-off
    of the inputs (at most `rounding` each) propagated through the table's weights."""
    ext = richardson(ladder, values, powers)
    amplification = float(np.sum(np.abs(richardson_weights(ladder, powers))))
    return {"value": ext.value, "truncation_bound": float(np.max(ext.bound)),
            "rounding_bound": amplification * float(rounding)}


def hessian_jump_fd(post: RegressionPosterior, theta_star, i: int, j: int, *, delta: float = 1e-4,
                    h: float | None = None, directions=None) -> dict:
    """[H_reg] V across S_ij at theta* (on S_ij) from D(d) = H_FD(theta* + d n) V - H_FD(theta* - d n) V,
    V unit directions (P, k) (the whole [H_reg] by default; k random directions detect any
    wrong matrix with probability 1 at 4k instead of 4P gradients per point).

    On each side U is a quartic polynomial of theta, so H_reg is quadratic and D(d) = [H_reg] V
    + c1 d + c2 d^2 exactly: Richardson over d = delta, 2, 4, 8 delta removing d and d^2 leaves
    only round-off (its bound carries its own estimate, numerics.estimators.richardson).
    2h < delta keeps each stencil on its own side (h = delta / 8 by default)."""
    h = delta / 8.0 if h is None else h
    if not 2.0 * h < delta:
        raise ValueError("2 h must be smaller than delta so that no stencil crosses the surface")
    n = post.unit_normal(i, j)
    ladder = _ladder(delta, 4)
    diffs, same, rounding = [], True, 0.0
    for d in ladder:
        plus = fd_hessian_product(post, theta_star + d * n, h, directions)
        minus = fd_hessian_product(post, theta_star - d * n, h, directions)
        same &= plus.same_cell and minus.same_cell
        diffs.append(plus.matrix - minus.matrix)
        rounding = max(rounding, plus.error_bound + minus.error_bound)
    ext = _extrapolated(ladder, np.array(diffs), [1, 2], rounding)
    return {"jump": ext["value"], "truncation_estimate": ext["truncation_bound"],
            "rounding_bound": ext["rounding_bound"], "stencils_in_cells": bool(same),
            "only_surface_ij": crosses_only(post, theta_star, n, ladder[-1] + 2.0 * h, i, j)}


def crosses_only(post: RegressionPosterior, theta_star, direction, reach: float, i: int, j: int) -> bool:
    """Does the segment theta* +- reach * direction cross S_ij and no other surface? (z is
    affine along the segment, so comparing the end points' activation patterns suffices.)"""
    ends = post.preactivations(np.vstack([theta_star + reach * direction, theta_star - reach * direction])) > 0
    changed = ends[0] != ends[1]
    return bool(changed[i, j]) and int(np.sum(changed)) == 1


def normal_derivative_jump_fd(post: RegressionPosterior, theta_star, i: int, j: int, *, h: float = 1e-4) -> dict:
    """Jump of the derivative of U along n_ij measured from U values alone: second-order
    one-sided differences on each side at steps h, 2h, 4h, 8h. U is a quartic along the line
    on each side, so each difference is the slope + c2 s^2 + c3 s^3 exactly; Richardson
    removes both."""
    n = post.unit_normal(i, j)
    ladder = _ladder(h, 4)
    ks = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    points = theta_star[None, :] + (ks[None, :, None] * ladder[:, None, None]) * n[None, None, :]
    u = post.potential(points.reshape(-1, n.size)).reshape(ladder.size, ks.size)
    right = (-u[:, 4] + 4.0 * u[:, 3] - 3.0 * u[:, 2]) / (2.0 * ladder)
    left = (3.0 * u[:, 2] - 4.0 * u[:, 1] + u[:, 0]) / (2.0 * ladder)
    # each difference: 8 values rounded to ~ u |U| (sum of M + P terms: a few u |U| each)
    rounding = 16.0 * UNIT_ROUNDOFF * float(np.max(np.abs(u))) / ladder
    ext = richardson(ladder, right - left, [2, 3])
    weights = np.abs(richardson_weights(ladder, [2, 3]))
    return {"jump": ext.value, "truncation_bound": float(ext.bound), "rounding_bound": float(weights @ rounding),
            "slope_minus": float(left[0]), "slope_plus": float(right[0])}


def gradient_jump_limit(post: RegressionPosterior, theta_star, i: int, j: int, *, delta: float = 1e-5) -> dict:
    """[grad U] across S_ij at theta*: D(d) = grad U(theta* + d n) - grad U(theta* - d n) is a
    cubic in d on each side (U quartic), so Richardson over d = delta .. 16 delta removing
    d, d^2, d^3 leaves round-off only (bounded with its own estimate)."""
    n = post.unit_normal(i, j)
    ladder = _ladder(delta, 5)
    G = post.gradient(np.vstack([theta_star + ladder[:, None] * n, theta_star - ladder[:, None] * n]))
    D = G[:ladder.size] - G[ladder.size:]
    terms = post.X.shape[0] * (post.n_inputs + 2)
    rounding = 2.0 * terms * UNIT_ROUNDOFF * (float(np.max(np.abs(G))) + 1.0)
    ext = _extrapolated(ladder, D, [1, 2, 3], rounding)
    return {"jump": ext["value"], "truncation_bound": ext["truncation_bound"], "rounding_bound": ext["rounding_bound"]}
