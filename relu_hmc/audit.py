"""Audit a user's one-step integrator against theory: `audit(step) -> AuditReport`.

Joins the measurements of `numerics.audit` to theory's predictions:

- smooth_local_order: one-step energy error O(eps^3) on the Gaussian and the quartic
  (theory.smooth.local_error_series: leading power of H(Psi_eps) - H);
- smooth_global_order: O(eps^2) after a fixed time (theory.shadow: the leapfrog conserves
  H + eps^2 S2 + eps^4 S4..., so dH(T) = eps^2 [S2(x0) - S2(xT)] + O(eps^4));
- smooth_leading_coefficient: lim dH / eps^3 = p U' U'' / 4 - p^3 U''' / 12
  (theory.smooth.energy_error_leading_coefficient), as the least-squares ratio
  measured / predicted over the test points (1 if they agree);
- kinked_crossing_order: a step crossing a kink has dH = Theta(eps)
  (theory.kink.leading_crossing_term), on the Laplace and a two-kink piecewise-linear U;
- kinked_crossing_coefficient: lim dH / eps = J |p| (1/2 - theta) at crossing phase theta
  (theory.kink.leading_crossing_term), ratio as above;
- kinked_global_order: O(1) crossings per unit time, each Theta(eps): dH(T) = O(eps);
- reversibility: step, flip p, step, flip p returns the start (leapfrog is symmetric)
  to within the rounding allowance `numerics.audit.REVERSIBILITY_TOLERANCE_ULPS`;
- volume_preservation: det of the Jacobian = 1 (leapfrog is symplectic), within the finite-
  difference error bound of each point.

Order and coefficient checks use `relu_hmc.claims.base.within`: |measured - predicted| <=
Z SE + bias, Z = 4 (the suite's convention), SE from a paired bootstrap over test points,
bias = the measurement's own truncation-error estimate (Richardson differences).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from relu_hmc.numerics import audit as measure
from relu_hmc.numerics import step_invariants as invariants
from relu_hmc.numerics.estimators import bootstrap_estimate
from relu_hmc.claims.base import Z, Verdict, all_of, within
from relu_hmc.systems import SYSTEMS

#: Property names, in report order.
PROPERTIES: tuple[str, ...] = (
    "smooth_local_order", "smooth_global_order", "smooth_leading_coefficient",
    "kinked_crossing_order", "kinked_crossing_coefficient", "kinked_global_order",
    "reversibility", "volume_preservation",
)

#: What each property checks (one line, for reports).
DESCRIPTIONS = {
    "smooth_local_order": "one-step energy error ~ eps^k on smooth U (gaussian, quartic)",
    "smooth_global_order": "energy error after time T=1 ~ eps^k on smooth U",
    "smooth_leading_coefficient": "lim dH/eps^3 against theory's p U'U''/4 - p^3 U'''/12 (ratio)",
    "kinked_crossing_order": "energy error of a step crossing a kink ~ eps^k (laplace, piecewise linear)",
    "kinked_crossing_coefficient": "lim dH/eps of a crossing step against theory's J|p|(1/2 - theta) (ratio)",
    "kinked_global_order": "energy error after time T=1 ~ eps^k on kinked U",
    "reversibility": "step, flip p, step, flip p returns the start (residual in ulps)",
    "volume_preservation": "Jacobian determinant of one step = 1 (smooth U, central differences)",
}


# --------------------------------------------------------------------------------------------
# theory's predictions for the test potentials


def _symbols():
    import sympy as sp

    return sp, sp.Symbol("q", real=True), sp.Symbol("p", real=True)


@functools.lru_cache(maxsize=None)
def smooth_expressions() -> dict:
    """SymPy U of the smooth test potentials of numerics.audit (their registered expressions)."""
    from relu_hmc.theory.parse import parse_potential

    return {name: parse_potential(SYSTEMS[measure.AUDIT_SYSTEMS[name]].expression)
            for name in measure.SMOOTH_POTENTIALS}


@functools.lru_cache(maxsize=None)
def kinked_pieces() -> dict:
    """(kink, slope left, slope right) for each kink of the kinked test potentials, from theory's
    classification (theory.classify) of their registered expressions."""
    from relu_hmc.theory.classify import analyse_potential
    from relu_hmc.theory.parse import Q, parse_potential

    sp = _symbols()[0]
    h = sp.Symbol("h", positive=True)
    out = {}
    for name in measure.KINKED_POTENTIALS:
        U = parse_potential(SYSTEMS[measure.AUDIT_SYSTEMS[name]].expression)
        dU = sp.diff(U, Q)
        out[name] = [(point.location, left, left + point.jump)
                     for point in analyse_potential(U).points if point.kind == "kink"
                     for left in [sp.limit(dU.subs(Q, point.location - h), h, 0, "+")]]
    return out


@functools.lru_cache(maxsize=None)
def predicted_orders() -> dict:
    """Orders from theory: local (smooth) from the Lie-series comparison, global (smooth) from
    the shadow Hamiltonian's first correction, crossing from the kink expansion."""
    from relu_hmc.theory.kink import B, leading_crossing_term, piecewise_linear_pieces
    from relu_hmc.theory.shadow import shadow_terms_generic
    from relu_hmc.theory.smooth import local_error_series

    local = local_error_series(None, 4).energy_order
    global_smooth = min(shadow_terms_generic(4))
    crossing, _ = leading_crossing_term(*piecewise_linear_pieces(), B)
    return {
        "smooth_local_order": int(local),
        "smooth_global_order": int(global_smooth),
        "kinked_crossing_order": int(crossing),
        # O(1) crossings in a fixed time T, each contributing Theta(eps^crossing)
        "kinked_global_order": int(crossing),
    }


@functools.lru_cache(maxsize=None)
def smooth_coefficient_function(name: str) -> Callable:
    """C(q, p) of theory.smooth.energy_error_leading_coefficient for test potential `name`, numeric."""
    from relu_hmc.theory.smooth import energy_error_leading_coefficient

    sp, q, p = _symbols()
    expr = energy_error_leading_coefficient(smooth_expressions()[name])
    return sp.lambdify((q, p), expr, "numpy")


@functools.lru_cache(maxsize=None)
def crossing_coefficient_function() -> Callable:
    """c(g-, g+, p, theta) with dH = c eps + O(eps^2) for a left-to-right crossing (p > 0),
    from relu_hmc.theory.kink.leading_crossing_term on generic piecewise-linear pieces."""
    from relu_hmc.theory.kink import B, G_MINUS, G_PLUS, P, THETA, leading_crossing_term, piecewise_linear_pieces

    sp = _symbols()[0]
    n, c = leading_crossing_term(*piecewise_linear_pieces(), B)
    return sp.lambdify((G_MINUS, G_PLUS, P, THETA), c, "numpy")


def predicted_crossing_coefficient(name: str, kink: np.ndarray, p: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Theory's lim dH/eps for crossing starts q = b - theta eps p. A right-to-left crossing
    (p < 0) is the mirror image q -> -q of a left-to-right one with slopes (-g+, -g-)."""
    c = crossing_coefficient_function()
    out = np.empty_like(p)
    for b, g_minus, g_plus in kinked_pieces()[name]:
        at = np.isclose(kink, float(b))
        right = at & (p > 0)
        left = at & (p < 0)
        out[right] = c(float(g_minus), float(g_plus), p[right], theta[right])
        out[left] = c(-float(g_plus), -float(g_minus), -p[left], theta[left])
    return out


# --------------------------------------------------------------------------------------------
# verdicts


def _order_verdict(predicted: int, m: measure.OrderMeasurement, potential: str) -> Verdict:
    if m.roundoff_limited or not math.isfinite(m.value):
        return Verdict(False, predicted, m.value, m.estimate.se, math.nan,
                       "the energy error is at rounding level: no order can be measured", potential)
    return within(predicted, m.value, m.estimate.se, quantity=potential, bias=m.systematic,
                  bias_reason="truncation error of the extrapolated slope, from the next-coarser step sizes")


def _coefficient_verdict(measured: np.ndarray, error: np.ndarray, predicted: np.ndarray, seed,
                         potential: str) -> Verdict:
    """Two rules, both must hold: (1) every point agrees with theory within its own
    extrapolation error bound, |measured_i - predicted_i| <= error_i (deterministic: the
    Richardson difference, which overestimates the error of the extrapolated value, plus
    rounding); (2) the least-squares ratio measured/predicted through the origin is 1 within
    Z SE (bootstrap over points) + the extrapolation errors weighted like the ratio.
    The headline numbers are the ratio's."""
    rows = np.column_stack([measured, predicted])

    def ratio(r):
        return float(r[:, 0] @ r[:, 1] / (r[:, 1] @ r[:, 1]))

    estimate = bootstrap_estimate(rows, ratio, seed, n_boot=400)
    bias = float(np.abs(predicted) @ error / (predicted @ predicted))
    worst = float(np.max(np.abs(measured - predicted) / error))
    if not (math.isfinite(bias) and math.isfinite(worst)):
        return Verdict(False, 1.0, estimate.value, estimate.se, math.nan, "non-finite coefficient", potential)
    verdict = within(1.0, estimate.value, estimate.se, quantity=potential, bias=bias,
                     bias_reason="Richardson error of the extrapolated coefficients, weighted like the ratio",
                     note=f"and every point within its extrapolation error: max |m - t| / error = {worst:.3g} "
                          f"(must be <= 1)")
    return Verdict(verdict.passed and worst <= 1.0, verdict.predicted, verdict.measured, verdict.se,
                   verdict.tolerance, verdict.detail, potential)


@dataclass
class AuditReport:
    """PASS/FAIL per property (`verdicts`, each a composite over test potentials) and the raw
    measurements (`measurements`: JSON-able numbers per property and potential)."""

    name: str
    verdicts: dict[str, Verdict]
    measurements: dict = field(default_factory=dict)
    seed: int = 0

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts.values())

    @property
    def failed(self) -> list[str]:
        return [k for k, v in self.verdicts.items() if not v.passed]

    def as_dict(self) -> dict:
        return {
            "integrator": self.name, "passed": self.passed, "failed": self.failed, "seed": self.seed, "z": Z,
            "properties": {k: {"description": DESCRIPTIONS[k], **v.as_dict()} for k, v in self.verdicts.items()},
            "measurements": self.measurements,
        }

    def to_text(self) -> str:
        lines = [f"audit of {self.name} (seed {self.seed}; tolerance = {Z:g} SE + estimated truncation error)"]
        for key, verdict in self.verdicts.items():
            lines.append(f"{'PASS' if verdict.passed else 'FAIL'}  {key}: {DESCRIPTIONS[key]}")
            for part in verdict.parts or (verdict,):
                lines.append("        " + _part_text(key, part))
        lines.append(f"{'all properties pass' if self.passed else 'FAILED: ' + ', '.join(self.failed)}")
        return "\n".join(lines)


def _fmt(x: float) -> str:
    return "nan" if not math.isfinite(x) else f"{x:.6g}"


def _part_text(key: str, v: Verdict) -> str:
    mark = "ok  " if v.passed else "FAIL"
    if key == "reversibility":
        return f"{mark} {v.quantity}: max residual {_fmt(v.measured)} ulps (allowed {_fmt(v.tolerance)})"
    if key == "volume_preservation":
        return (f"{mark} {v.quantity}: worst det - 1 = {v.measured - 1:.3g} "
                f"(finite-difference error bound there {v.tolerance:.3g})")
    lo, hi = v.measured - v.tolerance, v.measured + v.tolerance
    what = "ratio" if key.endswith("coefficient") else "order"
    return (f"{mark} {v.quantity}: {what} {_fmt(v.measured)} ± {v.se:.2g} (SE), interval [{_fmt(lo)}, {_fmt(hi)}], "
            f"theory {_fmt(v.predicted)}")


# --------------------------------------------------------------------------------------------
# the audit


def audit(step: Callable, *, seed: int = 0, name: str | None = None) -> AuditReport:
    """Measure `step(q, p, eps, grad_U) -> (q, p)` and compare with theory (see module doc).

    Raises `numerics.audit.StepFunctionError` (a ValueError, one line) when the step cannot be
    audited: not callable, wrong signature, raises, returns non-finite or misshapen arrays.
    """
    checked = measure.CheckedStep(step, name)
    measure.probe(checked)
    rng = np.random.default_rng(seed)

    def sub():
        return int(rng.integers(2**62))

    expected = predicted_orders()
    verdicts: dict[str, Verdict] = {}
    raw: dict[str, dict] = {key: {} for key in PROPERTIES}

    parts = {key: [] for key in PROPERTIES}
    for pot in measure.SMOOTH_POTENTIALS:
        m = measure.local_order(checked, pot, seed=sub())
        parts["smooth_local_order"].append(_order_verdict(expected["smooth_local_order"], m, pot))
        raw["smooth_local_order"][pot] = m.as_dict()
        m = measure.global_order(checked, pot, seed=sub())
        parts["smooth_global_order"].append(_order_verdict(expected["smooth_global_order"], m, pot))
        raw["smooth_global_order"][pot] = m.as_dict()
        c = measure.leading_coefficient(checked, pot, seed=sub())
        predicted = np.asarray(smooth_coefficient_function(pot)(c.q, c.p), dtype=np.float64)
        parts["smooth_leading_coefficient"].append(_coefficient_verdict(c.value, c.error, predicted, sub(), pot))
        raw["smooth_leading_coefficient"][pot] = {
            "eps": list(c.eps), "n_points": int(c.q.size),
            "max_abs_deviation": float(np.max(np.abs(c.value - predicted))),
            "max_error_estimate": float(np.max(c.error))}
        v = invariants.volume_preservation(checked, pot, seed=sub())
        worst = int(np.argmax(v.deviation / v.bound))
        parts["volume_preservation"].append(Verdict(
            v.n_failed == 0, 1.0, float(v.det[worst]), 0.0, float(v.bound[worst]),
            f"{v.n_failed} of {v.det.size} points outside their bound; headline = worst point", pot))
        raw["volume_preservation"][pot] = {"max_abs_det_minus_1": v.max_deviation, "max_bound": float(v.bound.max()),
                                           "n_failed": v.n_failed, "n_points": int(v.det.size)}
    for pot in measure.KINKED_POTENTIALS:
        m = measure.crossing_order(checked, pot, seed=sub())
        parts["kinked_crossing_order"].append(_order_verdict(expected["kinked_crossing_order"], m, pot))
        raw["kinked_crossing_order"][pot] = m.as_dict()
        c = measure.crossing_coefficient(checked, pot, seed=sub())
        predicted = predicted_crossing_coefficient(pot, c.kink, c.p, c.theta)
        parts["kinked_crossing_coefficient"].append(_coefficient_verdict(c.value, c.error, predicted, sub(), pot))
        raw["kinked_crossing_coefficient"][pot] = {
            "eps": list(c.eps), "n_points": int(c.p.size),
            "max_abs_deviation": float(np.max(np.abs(c.value - predicted))),
            "max_error_estimate": float(np.max(c.error))}
        m = measure.global_order(checked, pot, seed=sub())
        parts["kinked_global_order"].append(_order_verdict(expected["kinked_global_order"], m, pot))
        raw["kinked_global_order"][pot] = m.as_dict()
    for pot in measure.TEST_POTENTIALS:
        r = invariants.reversibility(checked, pot, seed=sub())
        parts["reversibility"].append(Verdict(
            r.n_failed == 0, 0.0, r.max_ulps, 0.0, float(r.tolerance_ulps),
            f"{r.n_failed} of {r.residual_ulps.size} round trips above {r.tolerance_ulps} ulps", pot))
        raw["reversibility"][pot] = {"max_residual_ulps": r.max_ulps, "n_failed": r.n_failed,
                                     "n_points": int(r.residual_ulps.size)}
    for key in PROPERTIES:
        verdicts[key] = all_of(parts[key], quantity=key)
    return AuditReport(checked.name, verdicts, raw, seed)
