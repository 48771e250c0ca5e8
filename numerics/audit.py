"""Measurements on an arbitrary one-step integrator: consistency, energy-error orders, the
leading energy-error coefficient, time reversibility, volume preservation and the symplectic form.

The integrator under audit is any function ``step(q, p, eps, grad_U) -> (q, p)`` on 1-D
float64 arrays, with ``grad_U`` mapping a 1-D array to the gradient of U (the HMC
convention: unit mass matrix, H = U(q) + |p|^2 / 2). The test potentials are product
targets U(q) = sum_j u(q_j), so one call with n coordinates integrates n independent 1D
systems; every quantity is measured per coordinate (energy error of coordinate j:
u(q1_j) + p1_j^2/2 - u(q_j) - p_j^2/2). This assumes the step treats coordinates
alike and independently (true of every splitting integrator with a unit or diagonal mass
matrix); the audit is a test of such steps.

What is measured (no theory here: `relu_hmc.audit` joins these numbers to theory/):

- orders: the exponent k of E|dH| ~ eps^k (`numerics.energy_orders.energy_error_order`,
  method "half_grid": the log-log slope over the finest rungs of a halving ladder, paired
  bootstrap, and the generic half-grid truncation bound with its own SE; kinked global
  errors: the regression method). Local (one step) and global (fixed time T, L = T / eps steps) errors, from stationary
  starts; for kinked potentials also `crossing` steps, started a fixed fraction of a step
  before a kink (q = b - theta eps p), so that every step of the ladder crosses it.
- `consistency_order`: the order of the one-step defect against the Hamiltonian vector field
  (>= 2 iff the method is consistent).
- `leading_coefficient`: lim_{eps->0} dH / eps^n per point (n = 3 or 5), by Richardson
  extrapolation of r(eps) = dH / eps^n over three halvings, with the last tableau difference
  as its error.
- `numerics.step_invariants.reversibility`: step, flip p, step, flip p must return to the
  start; the residual is reported in units of the float64 spacing at the state's scale (ulps).
- `numerics.step_invariants.volume_preservation`: det of the 2x2 Jacobian d(q1, p1)/d(q, p)
  per coordinate, by central finite differences at h and 2h (the difference estimates the
  truncation error); `numerics.step_invariants.symplectic_form`: J^T Omega J - Omega for the
  full 6x6 Jacobian on coupled 3-D potentials.
The user's step is called through `numerics.user_step.CheckedStep`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from relu_hmc.numerics.potentials import Potential, from_spec
from relu_hmc.numerics.energy_orders import ULP, OrderMeasurement, energy_error_order
from relu_hmc.numerics.estimators import richardson
from relu_hmc.numerics.validation import check_count, rng_from
from relu_hmc.numerics.user_step import (CheckedStep, StepFunctionError, as_checked,  # noqa: F401
                                        toolkit_step)  # (re-exported: the audit's API)
from relu_hmc.systems import SYSTEMS

#: Rounding allowance for one step's output, in ulps of the state's scale: a kick-drift-kick
#: step does ~7 floating-point operations per coordinate plus two gradient evaluations
#: (each within a few ulps: numpy's elementary functions are correctly rounded to <= 4 ulp),
#: and a rounding error made early is carried through later operations with a factor
#: <= 1 + eps |U''| <= 2 on the step sizes used here: 2 x (7 + 2 x 4) = 30 -> 32.
STEP_ROUNDOFF_ULPS = 32

#: A round trip (step, flip, step, flip) is two steps whose errors add, each carried
#: through the other with a factor <= 1 + eps |U''| <= 2: 2 x 32 = 64 ulps.
REVERSIBILITY_TOLERANCE_ULPS = 2 * STEP_ROUNDOFF_ULPS

#: Step-size ladders. Local: eps = 0.2 / 2^k, k = 0..5; global: T = 1, L = 4 ... 128 steps.
LOCAL_EPS = tuple(0.2 / 2**k for k in range(6))
GLOBAL_T = 1.0
GLOBAL_STEPS = tuple(4 * 2**k for k in range(6))


#: The audit's test potentials (audit name -> relu_hmc.systems entry): two smooth (C^infinity)
#: and two kinked; the quartic is u = q^4/4 as the power family, which has an exact sampler.
AUDIT_SYSTEMS: dict[str, str] = {"gaussian": "gaussian", "quartic": "quartic", "laplace": "laplace",
                                 "piecewise_linear": "two_kink_piecewise_linear"}
TEST_POTENTIALS: dict[str, Potential] = {name: from_spec(SYSTEMS[entry].spec) for name, entry in AUDIT_SYSTEMS.items()}
SMOOTH_POTENTIALS: tuple[str, ...] = tuple(n for n, e in AUDIT_SYSTEMS.items() if SYSTEMS[e].regularity == "smooth")
KINKED_POTENTIALS: tuple[str, ...] = tuple(n for n, e in AUDIT_SYSTEMS.items() if SYSTEMS[e].regularity == "kinked")


def test_potential(name: str) -> Potential:
    try:
        return TEST_POTENTIALS[name]
    except KeyError:
        raise ValueError(f"unknown test potential {name!r}; choose from {', '.join(TEST_POTENTIALS)}") from None


def probe(step) -> CheckedStep:
    """Validate a step function with one small call on the Gaussian; raises StepFunctionError."""
    step = as_checked(step)
    potential = TEST_POTENTIALS["gaussian"]
    step(np.array([0.3, -1.2, 0.7]), np.array([1.0, 0.4, -0.8]), 0.1, potential.grad)
    return step


def energy(potential: Potential, q: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per-coordinate energy u(q_j) + p_j^2 / 2."""
    return np.asarray(potential.u(q), dtype=np.float64) + 0.5 * p * p


# --------------------------------------------------------------------------------------------
# test points


def stationary_points(potential: Potential, n_points: int, seed) -> tuple[np.ndarray, np.ndarray]:
    """n exact stationary draws q ~ pi, p ~ N(0, 1) (1-D arrays)."""
    n_points = check_count("n_points", n_points, 2)
    rng = rng_from(seed)
    return np.asarray(potential.sample(rng, (n_points,)), dtype=np.float64).ravel(), rng.standard_normal(n_points)


@dataclass(frozen=True)
class CrossingPoints:
    """Starts placed so that the step of size eps crosses a kink at phase theta:
    q = b - theta eps p (b a kink, |p| in [0.5, 2], theta in [0.1, 0.8])."""

    kink: np.ndarray
    theta: np.ndarray
    p: np.ndarray

    def q(self, eps: float) -> np.ndarray:
        return self.kink - self.theta * eps * self.p


def crossing_points(potential: Potential, n_points: int, seed) -> CrossingPoints:
    n_points = check_count("n_points", n_points, 2)
    if potential.kinks.size == 0:
        raise ValueError("crossing points need a potential with kinks")
    rng = rng_from(seed)
    kink = rng.choice(potential.kinks, size=n_points)
    theta = rng.uniform(0.1, 0.8, n_points)
    p = rng.uniform(0.5, 2.0, n_points) * rng.choice([-1.0, 1.0], size=n_points)
    return CrossingPoints(kink, theta, p)


# --------------------------------------------------------------------------------------------
# energy errors


def local_energy_errors(step, potential: Potential, q, p, eps_values) -> np.ndarray:
    """dH of one step from (q, p) for each eps: array (n_points, n_eps).

    ``q`` may be a callable eps -> q (crossing starts that scale with eps)."""
    step = as_checked(step)
    columns = []
    for eps in eps_values:
        q0 = q(eps) if callable(q) else q
        q1, p1 = step(q0, p, eps, potential.grad)
        columns.append(energy(potential, q1, p1) - energy(potential, q0, p))
    return np.column_stack(columns)


def global_energy_errors(step, potential: Potential, q, p, T: float = GLOBAL_T,
                         n_steps_values=GLOBAL_STEPS) -> tuple[np.ndarray, np.ndarray]:
    """dH after L = n_steps steps of size eps = T / L: (errors (n_points, n_eps), eps values)."""
    step = as_checked(step)
    h0 = energy(potential, q, p)
    columns, eps_values = [], []
    for n_steps in n_steps_values:
        eps = T / n_steps
        qi, pi = q, p
        for _ in range(n_steps):
            qi, pi = step(qi, pi, eps, potential.grad)
        columns.append(energy(potential, qi, pi) - h0)
        eps_values.append(eps)
    return np.column_stack(columns), np.array(eps_values)


# --------------------------------------------------------------------------------------------
# orders


def local_order(step, potential_name: str, *, n_points: int = 512, seed=0,
                eps_values=LOCAL_EPS) -> OrderMeasurement:
    """Order of the one-step energy error from stationary starts (smooth: theory says 3)."""
    potential = test_potential(potential_name)
    rng = rng_from(seed)
    q, p = stationary_points(potential, n_points, rng)
    errors = local_energy_errors(step, potential, q, p, eps_values)
    return energy_error_order(errors, eps_values, rng, energy_scale=float(np.max(energy(potential, q, p))),
                              method="half_grid")


def consistency_order(step, potential_name: str, *, n_points: int = 256, seed=0,
                      eps_values=LOCAL_EPS) -> OrderMeasurement:
    """Order of the consistency defect |q1 - q - eps p| + |p1 - p + eps U'(q)| of one step: a
    method is consistent (global order >= 1) iff its one-step map agrees with the Hamiltonian
    vector field to first order, i.e. the defect is O(eps^2) (Hairer, Norsett & Wanner,
    Solving ODEs I, sec. II.3). Energy orders alone cannot see this: the identity map conserves H."""
    step = as_checked(step)
    potential = test_potential(potential_name)
    rng = rng_from(seed)
    q, p = stationary_points(potential, n_points, rng)
    columns = []
    for eps in eps_values:
        q1, p1 = step(q, p, eps, potential.grad)
        columns.append(np.abs(q1 - q - eps * p) + np.abs(p1 - p + eps * potential.grad(q)))
    return energy_error_order(np.column_stack(columns), eps_values, rng,
                              energy_scale=float(np.max(np.abs(q) + np.abs(p))), method="half_grid")


def crossing_order(step, potential_name: str, *, n_points: int = 512, seed=0,
                   eps_values=LOCAL_EPS) -> OrderMeasurement:
    """Order of the energy error of steps that cross a kink (theory: 1)."""
    potential = test_potential(potential_name)
    rng = rng_from(seed)
    points = crossing_points(potential, n_points, rng)
    errors = local_energy_errors(step, potential, points.q, points.p, eps_values)
    scale = float(np.max(energy(potential, points.q(max(eps_values)), points.p)))
    return energy_error_order(errors, eps_values, rng, energy_scale=scale, method="half_grid")


def global_order(step, potential_name: str, *, n_points: int | None = None, seed=0, T: float = GLOBAL_T,
                 n_steps_values=GLOBAL_STEPS) -> OrderMeasurement:
    """Order of the energy error after a fixed time T from stationary starts
    (smooth: theory says 2; kinked: O(1) crossings per unit time, each Theta(eps), so 1).

    Kinked potentials use the regression method and, by default, 16384 points (their errors
    are noisier, and the truncation allowance carries its own bootstrap SE: with 4096 points
    the tolerance reached 0.0996 of the order 1 at seed 8); smooth ones "half_grid" and 512."""
    potential = test_potential(potential_name)
    kinked = potential.is_kinked
    n_points = n_points or (16384 if kinked else 512)
    rng = rng_from(seed)
    q, p = stationary_points(potential, n_points, rng)
    errors, eps = global_energy_errors(step, potential, q, p, T, n_steps_values)
    return energy_error_order(errors, eps, rng, energy_scale=float(np.max(energy(potential, q, p))),
                              method="fit" if kinked else "half_grid")


# --------------------------------------------------------------------------------------------
# leading coefficient of the smooth local error


@dataclass(frozen=True)
class CoefficientMeasurement:
    """lim dH / eps^n at each point (q, p): ``value`` per point, ``error`` its extrapolation
    error estimate (last Richardson difference + rounding), valid only if dH = C eps^n +
    O(eps^(n+1)), i.e. if the local order is n; ``raw``: dH / eps^n at the finest eps."""

    q: np.ndarray
    p: np.ndarray
    value: np.ndarray
    error: np.ndarray
    raw: np.ndarray
    eps: tuple[float, ...] = field(default=())


def _extrapolated_ratio(errors: np.ndarray, eps: np.ndarray, power: int, energy_scale: np.ndarray):
    """Extrapolate r(eps) = dH / eps^power over four halvings e, e/2, e/4, e/8 (columns),
    eliminating the O(e) and O(e^2) terms (`estimators.richardson`, powers 1 and 2). Returns
    (the top entry at the finest level R2(e/2), error estimate).

    With r = C + a e + b e^2 + c e^3 + ..., R2(e) = C + c e^3 / 8 + O(e^4): the difference of
    the two R2 levels, 7 c e^3 / 64, is seven times the error of the finer one at leading
    order and, unlike the difference R2 - R1, cannot cancel against the e^2 term. The
    rounding term: dH has error <= 2 x STEP_ROUNDOFF_ULPS ulps of the energy; each R2 has
    tableau weights summing in absolute value to (4 (2 + 1) + (2 + 1)) / 3 = 5 on values of
    r no coarser than the finest, so the difference carries at most 10 such roundings.
    Where c nearly vanishes at a point the e^4 term takes over and that difference can fall
    below the error; the error estimate is therefore the larger of it and the table's own
    bound (`Extrapolation.bound`: |R2 - R1| at the finest level plus its deviation from
    the coarser level's)."""
    extrapolation = richardson(eps, (errors / eps**power).T, [1, 2])
    top = extrapolation.table[-1]  # R2 at e and e/2, (2, n_points)
    rounding = 10.0 * 2 * STEP_ROUNDOFF_ULPS * ULP * np.maximum(energy_scale, 1.0) / eps[-1] ** power
    return top[-1], np.maximum(np.abs(top[-1] - top[-2]), extrapolation.bound) + rounding


def _halving(eps_values) -> np.ndarray:
    eps = np.sort(np.asarray(eps_values, dtype=np.float64))[::-1]
    if eps.size != 4 or not np.allclose(eps[:-1] / eps[1:], 2.0):
        raise ValueError("a coefficient needs four step sizes, each half the previous")
    return eps


COEFFICIENT_EPS = (0.025, 0.0125, 0.00625, 0.003125)
#: Ladder for a leading power >= 4 (dH ~ eps^5 needs larger steps to stay above rounding).
HIGH_ORDER_COEFFICIENT_EPS = (0.1, 0.05, 0.025, 0.0125)


def coefficient_ladder(power: int) -> tuple[float, ...]:
    """The halving ladder on which lim dH / eps^power is extrapolated: dH at the finest step
    stays >= ~1e-9 relative (far above rounding) for power 3 and for power 5."""
    return COEFFICIENT_EPS if power <= 3 else HIGH_ORDER_COEFFICIENT_EPS


def leading_coefficient(step, potential_name: str, *, n_points: int = 64, seed=0,
                        eps_values=None, power: int = 3) -> CoefficientMeasurement:
    """lim dH / eps^power at stationary points, by Richardson extrapolation over four halvings
    (power 3: leapfrog-like splittings; 5: fourth-order ones). Meaningful only when the local
    energy-error order is `power` (otherwise the ratio diverges or vanishes)."""
    potential = test_potential(potential_name)
    eps = _halving(coefficient_ladder(power) if eps_values is None else eps_values)
    q, p = stationary_points(potential, n_points, seed)
    errors = local_energy_errors(step, potential, q, p, eps)
    value, error = _extrapolated_ratio(errors, eps, power, energy(potential, q, p))
    return CoefficientMeasurement(q, p, value, error, errors[:, -1] / eps[-1] ** power, tuple(eps))
