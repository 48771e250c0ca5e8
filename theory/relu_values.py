"""The geometry closed forms evaluated at numbers: what a measured network is held to.

theory.relu_jumps and theory.relu_symmetries derive the formulas symbolically; the claims
(relu_hmc/claims/geometry.py) draw the network from the measurement's seed, so they need the
formulas at the measured parameters. Evaluation is in mpmath (30 digits), so the
predictions carry no float64 round-off of their own.
"""
from __future__ import annotations

import functools

import sympy as sp

from relu_hmc.theory.errors import TheoryInputError
from relu_hmc.theory.relu_jumps import (gradient_jump_closed_form, hessian_regular_jump_closed_form, normal_jump,
                                        output_gradient_closed_form, output_hessian_closed_form,
                                        singular_weight_closed_form, unit_normal)
from relu_hmc.theory.relu_model import NUMERIC_MODULES, check_size, layout, parameter_count, shallow_relu_model
from relu_hmc.theory.relu_symmetries import orbit_prior, orbit_scaling


def _parameter_list(theta, P: int) -> list[float]:
    """theta as P floats, or TheoryInputError naming the expected length."""
    theta = [float(t) for t in theta]
    if len(theta) != P:
        raise TheoryInputError(f"theta must have {P} entries")
    return theta


@functools.lru_cache(maxsize=None)
def _surface_evaluator(n_inputs: int, width: int, j: int):
    """Lambdified (mpmath) closed forms on S_1j of a one-datum model."""
    model = shallow_relu_model(n_inputs, width, 1)
    args = list(model.X) + list(model.y) + list(model.params) + [model.sigma]
    exprs = [gradient_jump_closed_form(model, 0, j), normal_jump(model, 0, j), unit_normal(model, 0, j),
             hessian_regular_jump_closed_form(model, 0, j), singular_weight_closed_form(model, 0, j)["per_surface"]]
    return sp.lambdify(args, exprs, modules=NUMERIC_MODULES)


def surface_predictions(x_i, y_i, theta, sigma, j: int, *, n_inputs: int, width: int) -> dict:
    """Closed forms on the surface S_ij evaluated at numbers (x_i (n0,), y_i, theta (P,),
    sigma): gradient_jump (P,), normal_jump J, normal (P,), hessian_jump (P, P) of the regular
    part, singular_weight (P, P) = J n n^T. Only datum i enters; the prior is continuous."""
    import mpmath

    P = parameter_count(n_inputs, width)
    x_i, theta = list(x_i), list(theta)
    if len(x_i) != n_inputs or len(theta) != P:
        raise TheoryInputError(f"x_i must have {n_inputs} entries and theta {P}")
    check_size("j", j, 0)
    if j >= width:
        raise TheoryInputError(f"neuron j={j} is outside 0 <= j < {width}")
    with mpmath.workdps(30):
        args = [mpmath.mpf(float(v)) for v in x_i + [y_i] + theta + [sigma]]
        grad_jump, J, n, dH, sing = _surface_evaluator(n_inputs, width, j)(*args)
        to_vec = lambda m: [float(v) for v in m]  # noqa: E731
        to_mat = lambda m: [[float(m[r, s]) for s in range(P)] for r in range(P)]  # noqa: E731
        return {"gradient_jump": to_vec(grad_jump), "normal_jump": float(J), "normal": to_vec(n),
                "hessian_jump": to_mat(dH), "singular_weight": to_mat(sing)}


@functools.lru_cache(maxsize=None)
def _datum_evaluator(n_inputs: int, width: int):
    """Lambdified (mpmath) r_i, grad f_i and D_i of a one-datum model."""
    model = shallow_relu_model(n_inputs, width, 1)
    args = list(model.X) + list(model.y) + list(model.params)
    exprs = [model.residual(0), list(output_gradient_closed_form(model, 0)),
             output_hessian_closed_form(model, 0).tolist()]
    return sp.lambdify(args, exprs, modules=NUMERIC_MODULES)


def regular_hessian_value(X, y, theta, sigma, tau, *, n_inputs: int, width: int) -> list[list[float]]:
    """H_reg at theta (inside a cell: no pre-activation zero) from the closed form
    sum_i (grad f_i grad f_i^T - r_i D_i) / sigma^2 + I / tau^2, evaluated in mpmath (30
    digits); X rows are the inputs. The prediction a finite-difference Hessian is held to."""
    import mpmath

    P = parameter_count(n_inputs, width)
    theta = _parameter_list(theta, P)
    evaluate = _datum_evaluator(n_inputs, width)
    with mpmath.workdps(30):
        total = mpmath.zeros(P, P)
        for x_i, y_i in zip(X, y):
            r, gf, D = evaluate(*[mpmath.mpf(float(v)) for v in list(x_i) + [y_i] + theta])
            g = mpmath.matrix(gf)
            total += g * g.T - r * mpmath.matrix(D)
        total = total / mpmath.mpf(sigma) ** 2 + mpmath.eye(P) / mpmath.mpf(tau) ** 2
        return [[float(total[r, s]) for s in range(P)] for r in range(P)]


def rescaling_curvature_value(X, y, theta, sigma, tau, *, n_inputs: int, width: int,
                              neurons=None) -> dict:
    """v^T H_reg v for v = sum_{j in neurons} v_j (all neurons by default), from the closed
    form: the Gauss-Newton part vanishes on v (f is invariant along every orbit) and the
    cross-term blocks are per neuron, so  v^T H_reg v = sum_j (-2 a_j dL/da_j) + |v|^2 / tau^2,
    dL/da_j = -(1/sigma^2) sum_i r_i relu(z_ij). Returns the value, |v|^2 and the Rayleigh
    quotient (an upper bound on the smallest eigenvalue of H_reg)."""
    import mpmath

    P = parameter_count(n_inputs, width)
    theta = _parameter_list(theta, P)
    neurons = list(range(width)) if neurons is None else [int(j) for j in neurons]
    idx = layout(n_inputs, width)
    evaluate = _datum_evaluator(n_inputs, width)
    with mpmath.workdps(30):
        th = [mpmath.mpf(t) for t in theta]
        dL_da = [mpmath.mpf(0)] * width
        for x_i, y_i in zip(X, y):
            r, gf, _ = evaluate(*[mpmath.mpf(float(v)) for v in list(x_i) + [y_i] + theta])
            for j in range(width):
                dL_da[j] -= r * gf[idx["a"][j]] / mpmath.mpf(sigma) ** 2
        v2 = mpmath.mpf(0)
        curvature = mpmath.mpf(0)
        for j in neurons:
            a_j = th[idx["a"][j]]
            v2 += sum(th[k] ** 2 for k in idx["W"][j]) + th[idx["b"][j]] ** 2 + a_j ** 2
            curvature += -2 * a_j * dL_da[j]
        value = curvature + v2 / mpmath.mpf(tau) ** 2
        return {"value": float(value), "norm2": float(v2), "rayleigh": float(value / v2),
                "neurons": neurons}


def orbit_hessian_value(X, y, theta, sigma, tau, s, *, n_inputs: int, width: int) -> list[list[float]]:
    """Predicted H_reg at S theta from H_reg at theta: the likelihood part transforms as
    S^-1 Hess L(theta) S^-1 (L(S theta) = L(theta)), the prior part I / tau^2 does not."""
    import mpmath

    H = regular_hessian_value(X, y, theta, sigma, tau, n_inputs=n_inputs, width=width)
    diag = orbit_scaling(n_inputs, width, s)
    with mpmath.workdps(30):
        prior = 1 / mpmath.mpf(tau) ** 2
        return [[float((mpmath.mpf(H[r][c]) - (prior if r == c else 0)) / (mpmath.mpf(diag[r]) * diag[c])
                       + (prior if r == c else 0)) for c in range(len(diag))] for r in range(len(diag))]


def orbit_prior_values(theta, tau, scales, *, n_inputs: int, width: int) -> list[float]:
    """Prior energy |S(s) theta|^2 / (2 tau^2) along the orbit, one value per s, from
    `orbit_prior` per neuron: (sum_j [s^2 (|w_j|^2 + b_j^2) + a_j^2 / s^2] + c^2) / (2 tau^2)."""
    import mpmath

    P = parameter_count(n_inputs, width)
    theta = _parameter_list(theta, P)
    idx = layout(n_inputs, width)
    with mpmath.workdps(30):
        th = [mpmath.mpf(t) for t in theta]
        out = []
        for s in scales:
            s = mpmath.mpf(float(s))
            total = th[idx["c"]] ** 2
            for j in range(width):
                total += orbit_prior(sum(th[k] ** 2 for k in idx["W"][j]), th[idx["b"][j]] ** 2, th[idx["a"][j]] ** 2, s)
            out.append(float(total / (2 * mpmath.mpf(tau) ** 2)))
        return out
