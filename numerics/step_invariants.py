"""Geometric invariants of a one-step integrator under audit: time reversibility (step, flip
p, step, flip p returns the start) and volume preservation (det of the Jacobian = 1), on the
audit's test potentials (numerics.audit), each with its rounding or truncation allowance.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relu_hmc.numerics.audit import (REVERSIBILITY_TOLERANCE_ULPS, STEP_ROUNDOFF_ULPS, ULP, stationary_points,
                                     test_potential)
from relu_hmc.numerics.user_step import as_checked


@dataclass(frozen=True)
class ReversibilityMeasurement:
    """Round-trip residual max(|q2 - q|, |p2 - p|) per point, in ulps of the point's scale
    max(1, |q|, |p|, |q1|, |p1|); ``eps``: step size of each point."""

    residual_ulps: np.ndarray
    eps: np.ndarray
    tolerance_ulps: float = REVERSIBILITY_TOLERANCE_ULPS

    @property
    def max_ulps(self) -> float:
        return float(np.max(self.residual_ulps))

    @property
    def n_failed(self) -> int:
        return int(np.count_nonzero(self.residual_ulps > self.tolerance_ulps))


def reversibility(step, potential_name: str, *, n_points: int = 256, seed=0,
                  eps_values=(0.2, 0.1, 0.05)) -> ReversibilityMeasurement:
    """Step, flip p, step, flip p from stationary starts; exact reversibility returns the start
    up to rounding (Leimkuhler & Reich 2004, sec. 4.3: a symmetric method is time reversible)."""
    step = as_checked(step)
    potential = test_potential(potential_name)
    q, p = stationary_points(potential, n_points, seed)
    residuals, eps_of = [], []
    for eps in eps_values:
        q1, p1 = step(q, p, eps, potential.grad)
        q2, p2 = step(q1, -p1, eps, potential.grad)
        p2 = -p2
        scale = np.maximum.reduce([np.ones_like(q), np.abs(q), np.abs(p), np.abs(q1), np.abs(p1)])
        residuals.append(np.maximum(np.abs(q2 - q), np.abs(p2 - p)) / (ULP * scale))
        eps_of.append(np.full(q.size, eps))
    return ReversibilityMeasurement(np.concatenate(residuals), np.concatenate(eps_of))


@dataclass(frozen=True)
class VolumeMeasurement:
    """det d(q1, p1)/d(q, p) per point by central differences at h (``det``), the error bound
    ``bound`` = truncation (|det(h) - det(2h)| / 3: the O(h^2) error of det(h)) + rounding
    (output rounding of STEP_ROUNDOFF_ULPS ulps divided by 2h, through the 2x2 determinant);
    ``eps``: step size of each point."""

    det: np.ndarray
    bound: np.ndarray
    eps: np.ndarray

    @property
    def deviation(self) -> np.ndarray:
        return np.abs(self.det - 1.0)

    @property
    def max_deviation(self) -> float:
        return float(np.max(self.deviation))

    @property
    def n_failed(self) -> int:
        return int(np.count_nonzero(self.deviation > self.bound))


def _jacobian(step, potential, q, p, eps, h):
    """Central-difference Jacobian entries (dq1/dq, dq1/dp, dp1/dq, dp1/dp) per coordinate;
    perturbing every coordinate at once is valid because coordinates are independent."""
    hq = h * np.maximum(1.0, np.abs(q))
    hp = h * np.maximum(1.0, np.abs(p))
    qa, pa = step(q + hq, p, eps, potential.grad)
    qb, pb = step(q - hq, p, eps, potential.grad)
    qc, pc = step(q, p + hp, eps, potential.grad)
    qd, pd = step(q, p - hp, eps, potential.grad)
    entries = ((qa - qb) / (2 * hq), (qc - qd) / (2 * hp), (pa - pb) / (2 * hq), (pc - pd) / (2 * hp))
    scale = np.maximum.reduce([np.ones_like(q)] + [np.abs(x) for x in (qa, qb, qc, qd, pa, pb, pc, pd)])
    return entries, scale, np.minimum(hq, hp)


def volume_preservation(step, potential_name: str, *, n_points: int = 256, seed=0,
                        eps_values=(0.2, 0.1), h: float = 2.0**-17) -> VolumeMeasurement:
    """Jacobian determinant of one step at stationary starts (smooth potentials: the central
    differences assume the map is C^3 near the point). Symplectic maps have det = 1."""
    step = as_checked(step)
    potential = test_potential(potential_name)
    q, p = stationary_points(potential, n_points, seed)
    dets, bounds, eps_of = [], [], []
    for eps in eps_values:
        (a, b, c, d), scale, hmin = _jacobian(step, potential, q, p, eps, h)
        (a2, b2, c2, d2), _, _ = _jacobian(step, potential, q, p, eps, 2 * h)
        det, det2 = a * d - b * c, a2 * d2 - b2 * c2
        entry_rounding = STEP_ROUNDOFF_ULPS * ULP * scale / hmin  # (2 x ulps) / (2h) per entry
        jmax = np.maximum.reduce([np.abs(a), np.abs(b), np.abs(c), np.abs(d)])
        bound = np.abs(det - det2) / 3.0 + 4.0 * jmax * entry_rounding
        dets.append(det)
        bounds.append(bound)
        eps_of.append(np.full(q.size, eps))
    return VolumeMeasurement(np.concatenate(dets), np.concatenate(bounds), np.concatenate(eps_of))


# --------------------------------------------------------------------------------------------
# the symplectic form on coupled (non-product) targets, d = 3

#: Coupled 3-D test potentials: on product targets J is block diagonal and J^T Omega J = Omega
#: reduces to det = 1 per coordinate, so the form needs coordinates that interact.
#: "coupled_gaussian": U = q^T A q / 2 (every splitting is then a linear map, so central
#: differences are exact up to rounding); "coupled_quartic": U = q^T A q / 2 + (w . q)^4 / 4.
COUPLING_MATRIX = np.array([[2.0, 0.6, 0.2], [0.6, 1.0, 0.3], [0.2, 0.3, 1.5]])
COUPLING_DIRECTION = np.array([0.5, -0.8, 0.3])


def _coupled_gaussian_grad(q):
    return COUPLING_MATRIX @ q


def _coupled_quartic_grad(q):
    return COUPLING_MATRIX @ q + (COUPLING_DIRECTION @ q) ** 3 * COUPLING_DIRECTION


COUPLED_GRADIENTS = {"coupled_gaussian": _coupled_gaussian_grad, "coupled_quartic": _coupled_quartic_grad}


@dataclass(frozen=True)
class SymplecticMeasurement:
    """max_ij |(J^T Omega J - Omega)_ij| per point (``residual``), J = d(q1, p1)/d(q, p) of one
    step by central differences at h, Omega = [[0, I], [-I, 0]]; ``bound``: truncation
    (|residual(h) - residual(2h)| / 3, the O(h^2) error of the h differences; zero up to rounding
    on the linear map of the coupled Gaussian) + rounding (each entry of J carries
    STEP_ROUNDOFF_ULPS ulps of the state / 2h; an entry of J^T Omega J sums 2d products)."""

    residual: np.ndarray
    bound: np.ndarray
    eps: np.ndarray

    @property
    def n_failed(self) -> int:
        return int(np.count_nonzero(self.residual > self.bound))


def _full_jacobian(step, grad, q, p, eps, h):
    x = np.concatenate([q, p])
    d = q.size
    steps = h * np.maximum(1.0, np.abs(x))
    columns, scale = [], 1.0
    for j in range(2 * d):
        e = np.zeros(2 * d)
        e[j] = steps[j]
        plus = np.concatenate(step((x + e)[:d], (x + e)[d:], eps, grad))
        minus = np.concatenate(step((x - e)[:d], (x - e)[d:], eps, grad))
        columns.append((plus - minus) / (2 * steps[j]))
        scale = max(scale, float(np.max(np.abs(plus))), float(np.max(np.abs(minus))))
    return np.column_stack(columns), scale, float(np.min(steps))


def _form_residual(J):
    d = J.shape[0] // 2
    omega = np.block([[np.zeros((d, d)), np.eye(d)], [-np.eye(d), np.zeros((d, d))]])
    return J.T @ omega @ J - omega


def symplectic_form(step, potential_name: str, *, n_points: int = 24, seed=0, eps_values=(0.2, 0.1),
                    h: float = 2.0**-17) -> SymplecticMeasurement:
    """J^T Omega J = Omega for one step (the definition of a symplectic map; Hairer, Lubich &
    Wanner 2006, sec. VI.2) at random states q, p ~ N(0, I_3) of a coupled potential."""
    step = as_checked(step)
    try:
        grad = COUPLED_GRADIENTS[potential_name]
    except KeyError:
        raise ValueError(f"unknown coupled potential {potential_name!r}; choose from "
                         f"{', '.join(COUPLED_GRADIENTS)}") from None
    rng = np.random.default_rng(seed)
    residuals, bounds, eps_of = [], [], []
    for _ in range(n_points):
        q, p = rng.standard_normal(3), rng.standard_normal(3)
        for eps in eps_values:
            J, scale, hmin = _full_jacobian(step, grad, q, p, eps, h)
            J2, _, _ = _full_jacobian(step, grad, q, p, eps, 2 * h)
            R, R2 = _form_residual(J), _form_residual(J2)
            entry_rounding = STEP_ROUNDOFF_ULPS * ULP * scale / hmin
            rounding = 2 * J.shape[0] * float(np.max(np.abs(J))) * entry_rounding * 2
            residuals.append(float(np.max(np.abs(R))))
            bounds.append(float(np.max(np.abs(R - R2))) / 3.0 + rounding)
            eps_of.append(eps)
    return SymplecticMeasurement(np.array(residuals), np.array(bounds), np.array(eps_of))
