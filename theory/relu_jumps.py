"""Gradient jumps, the regular and singular (Dirac) parts of the Hessian, and the crossing
leapfrog step of the one-hidden-layer ReLU regression posterior (theory.relu_model).
Derivations: proofs_notes/relu_geometry.md sec. 2-4; each result is checked by
tests/test_geometry_theory.py.

* Across the surface S_ij = {z_ij = w_j . x_i + b_j = 0} (a hyperplane in parameter space,
  unit normal n_ij = grad z_ij / |grad z_ij|, grad z_ij = (x_i, 1) in the (w_j, b_j) block)
  grad U jumps, going from z_ij < 0 to z_ij > 0, by
      [grad U] = -(r_i a_j / sigma^2) grad z_ij = J_ij n_ij,
      J_ij = -(r_i a_j / sigma^2) sqrt(1 + |x_i|^2),       r_i = y_i - f(x_i)
  (normal to the surface: the tangential derivative is continuous because U is).
* Hessian = regular part + singular part. Regular (on each activation cell)
      H_reg = (1/sigma^2) sum_i grad f_i grad f_i^T                (Gauss-Newton, PSD)
            - (1/sigma^2) sum_i r_i D_i                             (output/hidden cross terms)
            + I / tau^2                                             (prior)
  where D_i has entries d^2 f_i / da_j d(w_j, b_j) = H(z_ij) (x_i, 1) and nothing else.
  Singular: sum_ij J_ij n_ij n_ij^T delta_{S_ij}, delta_{S_ij} the surface measure of S_ij.
* One leapfrog step that crosses a surface with normal jump J (potential locally
  g . q + J relu(n . q - h), any dimension) has exactly
      dH = J (q_rel + eps p_n / 2) + eps^2 J^2 / 8,   q_rel = n . q - h,  p_n = n . p.
"""
from __future__ import annotations

import functools

import sympy as sp

from relu_hmc.theory.relu_model import (EPS, ShallowReluModel, check_size, layout, one_sided, relu,
                                        surface_index)


# --------------------------------------------------------------------------------------------
# gradient jump (brute force from differentiation, and the closed form)


def gradient_jump(model: ShallowReluModel, i: int, j: int) -> sp.Matrix:
    """[grad U] across S_ij, from z_ij < 0 to z_ij > 0, by differentiating U and taking the
    difference of the two one-sided limits of Heaviside(z_ij)."""
    i, j = surface_index(model, i, j)
    z = model.preactivation(i, j)
    g = model.gradient()
    return (one_sided(g, z, +1) - one_sided(g, z, -1)).applyfunc(sp.expand)


def gradient_jump_closed_form(model: ShallowReluModel, i: int, j: int) -> sp.Matrix:
    """-(r_i a_j / sigma^2) grad z_ij."""
    i, j = surface_index(model, i, j)
    return -(model.residual(i) * model.a[j] / model.sigma ** 2) * model.grad_preactivation(i, j)


def unit_normal(model: ShallowReluModel, i: int, j: int) -> sp.Matrix:
    """n_ij = grad z_ij / |grad z_ij| (points into z_ij > 0)."""
    i, j = surface_index(model, i, j)
    g = model.grad_preactivation(i, j)
    return g / sp.sqrt((g.T * g)[0, 0])


def normal_jump(model: ShallowReluModel, i: int, j: int) -> sp.Expr:
    """J_ij = [grad U] . n_ij = -(r_i a_j / sigma^2) sqrt(1 + |x_i|^2)."""
    i, j = surface_index(model, i, j)
    norm2 = sum((model.X[i, k] ** 2 for k in range(model.n_inputs)), sp.S.One)
    return -(model.residual(i) * model.a[j] / model.sigma ** 2) * sp.sqrt(norm2)


def directional_jump(model: ShallowReluModel, i: int, j: int, direction: sp.Matrix) -> sp.Expr:
    """Jump of the derivative along `direction` (any non-zero vector): J_ij (n . d) / |d|."""
    d = sp.Matrix(direction)
    return normal_jump(model, i, j) * (unit_normal(model, i, j).T * d)[0, 0] / sp.sqrt((d.T * d)[0, 0])


# --------------------------------------------------------------------------------------------
# Hessian: regular and singular parts


def hessian(model: ShallowReluModel) -> sp.Matrix:
    """The distributional Hessian of U: Heaviside and DiracDelta terms included."""
    g = model.gradient()
    return sp.Matrix(len(model.params), len(model.params),
                     lambda r, s: sp.expand(sp.diff(g[r], model.params[s])))


def _drop_delta(expr: sp.Expr) -> sp.Expr:
    return expr.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)


def hessian_regular(model: ShallowReluModel, H: sp.Matrix | None = None) -> sp.Matrix:
    """The Hessian with every DiracDelta term dropped: its value inside an activation cell."""
    H = hessian(model) if H is None else H
    return H.applyfunc(_drop_delta)


def hessian_singular(model: ShallowReluModel, i: int, j: int, H: sp.Matrix | None = None) -> sp.Matrix:
    """Coefficient matrix of DiracDelta(z_ij) in the Hessian (the weight w.r.t. dz)."""
    i, j = surface_index(model, i, j)
    H = hessian(model) if H is None else H
    delta = sp.DiracDelta(model.preactivation(i, j))
    return H.applyfunc(lambda e: sp.expand(e).coeff(delta))


def output_hessian_regular(model: ShallowReluModel, i: int) -> sp.Matrix:
    """Regular part of d^2 f(x_i) / dtheta^2, by differentiation (DiracDelta terms dropped)."""
    f = model.output(i)
    P = len(model.params)
    H = sp.Matrix(P, P, lambda r, s: sp.diff(f, model.params[r], model.params[s]))
    return H.applyfunc(_drop_delta)


@functools.lru_cache(maxsize=None)
def output_gradient_closed_form(model: ShallowReluModel, i: int) -> sp.Matrix:
    """grad f(x_i): a_j H(z_ij) x_i (w_j), a_j H(z_ij) (b_j), relu(z_ij) (a_j), 1 (c)."""
    idx = layout(model.n_inputs, model.width)
    g = sp.zeros(len(model.params), 1)
    for j in range(model.width):
        z = model.preactivation(i, j)
        for k in range(model.n_inputs):
            g[idx["W"][j][k]] = model.a[j] * sp.Heaviside(z) * model.X[i, k]
        g[idx["b"][j]] = model.a[j] * sp.Heaviside(z)
        g[idx["a"][j]] = relu(z)
    g[idx["c"]] = sp.S.One
    return g


@functools.lru_cache(maxsize=None)
def output_hessian_closed_form(model: ShallowReluModel, i: int) -> sp.Matrix:
    """D_i: H(z_ij) (x_i, 1) in the (a_j, (w_j, b_j)) blocks (both orders), zero elsewhere;
    constant on every activation cell."""
    idx = layout(model.n_inputs, model.width)
    P = len(model.params)
    D = sp.zeros(P, P)
    for j in range(model.width):
        H = sp.Heaviside(model.preactivation(i, j))
        col = [(idx["W"][j][k], model.X[i, k]) for k in range(model.n_inputs)] + [(idx["b"][j], sp.S.One)]
        for r, value in col:
            D[r, idx["a"][j]] = D[idx["a"][j], r] = H * value
    return D


def gauss_newton(model: ShallowReluModel) -> sp.Matrix:
    """(1/sigma^2) sum_i grad f_i grad f_i^T (positive semi-definite)."""
    P = len(model.params)
    G = sp.zeros(P, P)
    for i in range(model.n_data):
        gf = output_gradient_closed_form(model, i)
        G += gf * gf.T
    return G / model.sigma ** 2


def hessian_regular_closed_form(model: ShallowReluModel) -> sp.Matrix:
    """Gauss-Newton - (1/sigma^2) sum_i r_i D_i + I / tau^2."""
    P = len(model.params)
    cross = sp.zeros(P, P)
    for i in range(model.n_data):
        cross += model.residual(i) * output_hessian_closed_form(model, i)
    return gauss_newton(model) - cross / model.sigma ** 2 + sp.eye(P) / model.tau ** 2


def hessian_regular_jump_closed_form(model: ShallowReluModel, i: int, j: int) -> sp.Matrix:
    """Change of H_reg across S_ij (z_ij < 0 -> z_ij > 0): only datum i's terms change,
    (1/sigma^2)(g+ g+^T - g- g-^T) - (r_i/sigma^2)(D_i+ - D_i-), g = grad f_i."""
    i, j = surface_index(model, i, j)
    z = model.preactivation(i, j)
    gf = output_gradient_closed_form(model, i)
    D = output_hessian_closed_form(model, i)
    gp, gm = one_sided(gf, z, +1), one_sided(gf, z, -1)
    return ((gp * gp.T - gm * gm.T) - model.residual(i) * (one_sided(D, z, +1) - one_sided(D, z, -1))) \
        / model.sigma ** 2


def singular_weight_closed_form(model: ShallowReluModel, i: int, j: int) -> dict[str, sp.Matrix]:
    """The Dirac part on S_ij in two normalisations:
    per dz:              [grad U] grad z^T            (coefficient of DiracDelta(z_ij));
    per surface measure: J_ij n n^T                    (delta(z) = delta_S / |grad z|)."""
    n = unit_normal(model, i, j)
    return {"per_dz": gradient_jump_closed_form(model, i, j) * model.grad_preactivation(i, j).T,
            "per_surface": normal_jump(model, i, j) * n * n.T}


# --------------------------------------------------------------------------------------------
# the crossing leapfrog step


@functools.lru_cache(maxsize=None)
def crossing_step_identity(dim: int = 2) -> dict[str, sp.Expr]:
    """One leapfrog step on U(q) = g . q + J relu(n . q - h) in `dim` dimensions that starts
    with n . q0 < h and ends with n . q1 > h. n = unit vector (n = (cos phi, sin phi) in 2D;
    in higher dimensions the normal is e_1 rotated by phi in the (e_1, e_2) plane).

    Returns dH (exact, symbolic), the formula J (q_rel + eps p_n / 2) + eps^2 J^2 / 8 and
    their difference simplified (zero)."""
    dim = check_size("dim", dim, 2)
    phi, J, h = sp.Symbol("phi", real=True), sp.Symbol("J", real=True), sp.Symbol("h", real=True)
    n = sp.Matrix([sp.cos(phi), sp.sin(phi)] + [0] * (dim - 2))
    g = sp.Matrix(sp.symbols(f"g1:{dim + 1}", real=True))
    q = sp.Matrix(sp.symbols(f"q1:{dim + 1}", real=True))
    p = sp.Matrix(sp.symbols(f"p1:{dim + 1}", real=True))
    eps = EPS
    grad_minus, grad_plus = g, g + J * n
    p_half = p - eps / 2 * grad_minus
    q1 = q + eps * p_half
    p1 = p_half - eps / 2 * grad_plus
    u0 = (g.T * q)[0, 0]                                    # n.q0 < h: relu inactive
    u1 = (g.T * q1)[0, 0] + J * ((n.T * q1)[0, 0] - h)      # n.q1 > h: relu active
    dH = u1 - u0 + ((p1.T * p1)[0, 0] - (p.T * p)[0, 0]) / 2
    q_rel = (n.T * q)[0, 0] - h
    p_n = (n.T * p)[0, 0]
    formula = J * (q_rel + eps * p_n / 2) + eps ** 2 * J ** 2 / 8
    return {"dH": sp.expand(dH), "formula": formula,
            "difference": sp.simplify(sp.trigsimp(sp.expand(dH - formula)))}


def crossing_energy_error(J, q_rel, p_n, eps):
    """dH = J (q_rel + eps p_n / 2) + eps^2 J^2 / 8 (exact for piecewise-linear U; the leading
    O(eps) term for piecewise-smooth U, where the remainder is O(eps^2))."""
    return J * (q_rel + eps * p_n / 2) + eps ** 2 * J ** 2 / 8
