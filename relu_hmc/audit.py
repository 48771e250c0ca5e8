"""Audit a user's one-step integrator by what makes it valid for HMC: `audit(step) -> AuditReport`.

HMC needs a map that is consistent (it approximates the Hamiltonian flow, so the energy error
vanishes as eps -> 0), reversible (step, flip p, step, flip p is the identity) and volume
preserving (symplectic); any order will do (Neal 2011, Handbook of MCMC ch. 5, sec. 5.2.3 and
5.3.1). The verdicts, each a composite over test potentials:

- consistency: the one-step defect |q1 - q - eps p| + |p1 - p + eps U'| is O(eps^2) (order >= 2);
- smooth_local_order / smooth_global_order: the energy error of one step is O(eps^k), k >= 2,
  and after a fixed time T = 1 O(eps^k), k >= 1 (a method of global order r >= 1 has local
  energy error order r + 1 >= 2: Hairer, Lubich & Wanner 2006, sec. II.3, IX.8);
- kinked_crossing_order / kinked_global_order: on kinked U one crossing step changes H by
  eps J |p| c(theta) + O(eps^2) for every consistent splitting (theory.splitting), order >= 1,
  and O(1) crossings per unit time give a global order >= 1;
- reversibility: the round trip returns the start within the rounding allowance
  `numerics.audit.REVERSIBILITY_TOLERANCE_ULPS`;
- volume_preservation: det of the per-coordinate Jacobian = 1 within its finite-difference bound;
- symplectic_form: J^T Omega J = Omega for the full Jacobian on coupled 3-D potentials (d >= 2:
  volume preservation alone does not make a map symplectic), within rounding + truncation.

Order checks are one-sided, measured + (Z SE + truncation bound) >= the minimum order, with
Z = 4 (the suite's convention), SE from a paired bootstrap over test points and the bound
`estimators.half_grid_truncation_slack` of the fitted slope (one correction term a eps^r,
r >= 1, with its own SE; numerics.energy_orders "half_grid"), as the order claims use; the
kinked global order keeps its regression fit (numerics.audit.global_order); every measured
order carries its tolerance (the resolution of the order, <= 0.1 on the test ladders for a
valid integrator).

The report also names the built-in splitting (relu_hmc.splittings) whose error coefficients
the step has, if any (`identify`): for each built-in of local order n (theory.splitting),
the measured local order must be n within its tolerance, and lim dH / eps^n, Richardson-
extrapolated per point with its bound, must match theory.splitting's coefficient C(q, p) on
the Gaussian and the quartic (`_coefficient_verdict`). Identification is information, not a
verdict: an integrator that matches no built-in passes if it is valid.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from relu_hmc.numerics import audit as measure
from relu_hmc.numerics import step_invariants as invariants
from relu_hmc.numerics.energy_orders import OrderMeasurement
from relu_hmc.numerics.estimators import bootstrap_estimate
from relu_hmc.claims.base import Z, Verdict, all_of, within
from relu_hmc.splittings import BUILTIN_NAMES
from relu_hmc.systems import SYSTEMS

#: Property names, in report order.
PROPERTIES: tuple[str, ...] = (
    "consistency", "smooth_local_order", "smooth_global_order", "kinked_crossing_order", "kinked_global_order",
    "reversibility", "volume_preservation", "symplectic_form",
)

#: What each property checks (one line, for reports).
DESCRIPTIONS = {
    "consistency": "one-step defect against the vector field ~ eps^k, k >= 2 (the map approximates the flow)",
    "smooth_local_order": "one-step energy error ~ eps^k, k >= 2, on smooth U (gaussian, quartic)",
    "smooth_global_order": "energy error after time T=1 ~ eps^k, k >= 1, on smooth U",
    "kinked_crossing_order": "energy error of a step crossing a kink ~ eps^k, k >= 1 (laplace, piecewise linear)",
    "kinked_global_order": "energy error after time T=1 ~ eps^k, k >= 1, on kinked U",
    "reversibility": "step, flip p, step, flip p returns the start (residual in ulps)",
    "volume_preservation": "Jacobian determinant of one step = 1 (smooth U, central differences)",
    "symplectic_form": "J^T Omega J = Omega for one step on coupled 3-D potentials (d >= 2)",
}


# --------------------------------------------------------------------------------------------
# theory's predictions for the test potentials


@functools.lru_cache(maxsize=None)
def smooth_expressions() -> dict:
    """SymPy U of the smooth test potentials of numerics.audit (their registered expressions)."""
    from relu_hmc.theory.parse import parse_potential

    return {name: parse_potential(SYSTEMS[measure.AUDIT_SYSTEMS[name]].expression)
            for name in measure.SMOOTH_POTENTIALS}


@functools.lru_cache(maxsize=None)
def predicted_orders() -> dict:
    """The smallest orders of a consistent integrator (the one-sided thresholds of the order
    checks): consistency defect 2 and local energy error 2 (one-step map = flow + O(eps^2)),
    global energy error 1; crossing order 1 and kinked global order 1, theory.splitting's
    crossing error eps J |p| c(theta) (checked here to be first order for every built-in)."""
    from relu_hmc.theory.splitting import crossing_phase_function

    for name in BUILTIN_NAMES:
        if crossing_phase_function(name).is_zero:
            raise ValueError(f"theory.splitting gives {name} no first-order crossing error")
    return {"consistency": 2, "smooth_local_order": 2, "smooth_global_order": 1,
            "kinked_crossing_order": 1, "kinked_global_order": 1}


@functools.lru_cache(maxsize=None)
def builtin_coefficient(name: str, potential: str) -> tuple[int, Callable]:
    """(n, C(q, p)) with dH = C eps^n + O(eps^(n+1)) for built-in splitting `name` on test
    potential `potential` (theory.splitting.energy_error_leading_coefficient), numeric."""
    import sympy as sp

    from relu_hmc.theory.kink import P, Q
    from relu_hmc.theory.splitting import energy_error_leading_coefficient

    n, expr = energy_error_leading_coefficient(name, smooth_expressions()[potential])
    return n, sp.lambdify((Q, P), expr, "numpy")


# --------------------------------------------------------------------------------------------
# verdicts


#: The largest tolerance (Z SE + truncation bound) an order check may have: an order known
#: only to +-0.1 or worse cannot tell a method's integer order (the brief's resolution).
MAX_ORDER_TOLERANCE = 0.1


def _at_least(minimum: int, m: OrderMeasurement, potential: str) -> Verdict:
    """One-sided: measured + Z SE + truncation bound (+ its SE) >= minimum, with that tolerance <=
    MAX_ORDER_TOLERANCE (an unresolved order fails: the audit cannot vouch for it)."""
    tolerance = Z * m.estimate.se + m.allowance
    detail = (f"one-sided: measured + {Z:g} SE + truncation bound + its SE ({tolerance:.3g}) >= {minimum}; "
              f"eps in [{min(m.eps):.3g}, {max(m.eps):.3g}]")
    if m.below_rounding:  # no error to measure at any step size: exact to rounding here
        return Verdict(True, float(minimum), math.nan, math.nan, math.nan,
                       f"the error is at rounding level at every eps in [{min(m.eps):.3g}, {max(m.eps):.3g}]: "
                       f"no order to measure, nothing inconsistent", potential)
    if m.roundoff_limited or not math.isfinite(m.value) or not math.isfinite(tolerance):
        return Verdict(False, minimum, m.value, m.estimate.se, math.nan,
                       "the error is at rounding level on the ladder: no order can be measured", potential)
    if tolerance > MAX_ORDER_TOLERANCE:
        detail += f"; FAILS: order not resolved to {MAX_ORDER_TOLERANCE:g}"
    return Verdict(bool(m.value + tolerance >= minimum and tolerance <= MAX_ORDER_TOLERANCE), float(minimum),
                   m.value, m.estimate.se, tolerance, detail, potential)


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
    if not (math.isfinite(bias) and math.isfinite(worst) and math.isfinite(estimate.value)):
        return Verdict(False, 1.0, estimate.value, estimate.se, math.nan, "non-finite coefficient", potential)
    verdict = within(1.0, estimate.value, estimate.se, quantity=potential, bias=bias,
                     bias_reason="Richardson error of the extrapolated coefficients, weighted like the ratio",
                     note=f"and every point within its extrapolation error: max |m - t| / error = {worst:.3g} "
                          f"(must be <= 1)")
    return Verdict(verdict.passed and worst <= 1.0, verdict.predicted, verdict.measured, verdict.se,
                   verdict.tolerance, verdict.detail, potential)


def identify(step, local_orders: dict[str, OrderMeasurement], seed) -> dict:
    """The built-in splitting whose local order and leading energy-error coefficient the step
    has: {"matched": name or None, "candidates": {name: {"order": n, "passed", "reason" or the
    coefficient verdict per potential}}} (see the module doc)."""
    rng = np.random.default_rng(seed)
    candidates, matched = {}, []
    for name in BUILTIN_NAMES:
        n = builtin_coefficient(name, measure.SMOOTH_POTENTIALS[0])[0]
        measured = all(math.isfinite(m.allowance) for m in local_orders.values())
        order_parts = [within(n, m.value, m.estimate.se, quantity=pot, bias=m.allowance,
                              bias_reason="half-grid truncation bound of the fitted slope + its SE")
                       for pot, m in local_orders.items()] if measured else []
        if not (measured and all(v.passed for v in order_parts)):
            candidates[name] = {"order": n, "passed": False,
                                "reason": f"measured local energy order is not {n}"}
            continue
        parts = []
        for pot in measure.SMOOTH_POTENTIALS:
            c = measure.leading_coefficient(step, pot, power=n, seed=int(rng.integers(2**62)))
            predicted = np.asarray(builtin_coefficient(name, pot)[1](c.q, c.p), dtype=np.float64)
            parts.append(_coefficient_verdict(c.value, c.error, predicted, int(rng.integers(2**62)), pot))
        verdict = all_of(parts, quantity=f"lim dH/eps^{n} / theory's coefficient of {name}")
        candidates[name] = {"order": n, **verdict.as_dict()}
        if verdict.passed:
            matched.append((max(abs(p.measured - 1.0) / p.tolerance for p in parts), name))
    return {"matched": min(matched)[1] if matched else None, "candidates": candidates}


@dataclass
class AuditReport:
    """PASS/FAIL per property (`verdicts`, each a composite over test potentials), the raw
    measurements (`measurements`: JSON-able numbers per property and potential) and the
    built-in splitting the step matches (`identification`, see `identify`)."""

    name: str
    verdicts: dict[str, Verdict]
    measurements: dict = field(default_factory=dict)
    seed: int = 0
    identification: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts.values())

    @property
    def failed(self) -> list[str]:
        return [k for k, v in self.verdicts.items() if not v.passed]

    @property
    def matched(self) -> str | None:
        return self.identification.get("matched")

    def orders(self) -> dict:
        """{property: {potential: {"order", "se", "tolerance", "minimum"}}} of the order checks."""
        return {key: {p.quantity: {"order": p.measured, "se": p.se, "tolerance": p.tolerance,
                                   "minimum": p.predicted} for p in v.parts}
                for key, v in self.verdicts.items() if key in predicted_orders()}

    def as_dict(self) -> dict:
        return {
            "integrator": self.name, "passed": self.passed, "failed": self.failed, "seed": self.seed, "z": Z,
            "checks": {k: v.passed for k, v in self.verdicts.items()}, "orders": self.orders(),
            "matched_splitting": self.matched, "identification": self.identification,
            "properties": {k: {"description": DESCRIPTIONS[k], **v.as_dict()} for k, v in self.verdicts.items()},
            "measurements": self.measurements,
        }

    def to_text(self) -> str:
        lines = [f"audit of {self.name} (seed {self.seed}; order tolerance = {Z:g} SE + truncation bound)"]
        for key, verdict in self.verdicts.items():
            lines.append(f"{'PASS' if verdict.passed else 'FAIL'}  {key}: {DESCRIPTIONS[key]}")
            for part in verdict.parts or (verdict,):
                lines.append("        " + _part_text(key, part))
        match = self.matched
        lines.append(f"error coefficients: {'those of the built-in splitting ' + repr(match) if match else 'match no built-in splitting'}")
        lines.append(f"{'PASS: valid for HMC' if self.passed else 'FAIL: ' + ', '.join(self.failed)}")
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
    if key == "symplectic_form":
        return (f"{mark} {v.quantity}: worst max|J^T Omega J - Omega| = {v.measured:.3g} "
                f"(rounding + truncation bound there {v.tolerance:.3g})")
    return (f"{mark} {v.quantity}: order {_fmt(v.measured)} ± {v.se:.2g} (SE), tolerance {_fmt(v.tolerance)}, "
            f"needs >= {v.predicted:g}")


# --------------------------------------------------------------------------------------------
# figure


def plot_orders(ax, prediction: dict, measurements: dict, bug_orders: dict | None = None) -> None:
    """Each order check of an audit report (measurements["audit"], `AuditReport.as_dict`): the
    measured order with its SE (thick) and its tolerance Z SE + truncation bound + its SE (thin),
    next to theory's minimum order of a consistent method (prediction[property]; the check is
    one-sided: measured + tolerance >= minimum) and, if given, an erroneous method's own orders
    (`bug_orders`: property -> order the measurement must match)."""
    from relu_hmc import plots

    rows = [(key, pot, v) for key, by_pot in measurements["audit"]["orders"].items() for pot, v in by_pot.items()]
    x = np.arange(len(rows), dtype=float)

    def number(v, name):
        return math.nan if v.get(name) is None else float(v[name])

    order = np.array([number(v, "order") for _, _, v in rows])
    se = np.nan_to_num([number(v, "se") for _, _, v in rows])
    tolerance = np.nan_to_num([number(v, "tolerance") for _, _, v in rows])
    ax.errorbar(x, order, yerr=tolerance, fmt="none", elinewidth=0.8, capsize=4, color="tab:blue",
                label=f"tolerance: {Z:g} SE + truncation bound + its SE")
    ax.errorbar(x, order, yerr=se, label="measured order (± SE)", color="tab:blue", **plots.MEASURED_STYLE)
    ax.scatter(x, [prediction[key] for key, _, _ in rows], marker="_", s=260, linewidths=2.0,
               color=plots.THEORY_COLOR, zorder=4, label="theory: minimum order of a consistent method (>=)")
    if bug_orders:
        hit = [i for i, (key, _, _) in enumerate(rows) if key in bug_orders]
        ax.scatter(x[hit], [bug_orders[rows[i][0]] for i in hit], marker="x", s=40, color="tab:red", zorder=4,
                   label="the bug's own order (must match)")
    ax.set_xticks(x, [f"{key.replace('_order', '').replace('_', ' ')}\n{pot}" for key, pot, _ in rows],
                  fontsize=5.5, rotation=35, ha="right")
    ax.set_ylabel("order k of E|error| ~ eps^k (dimensionless)")
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + 0.45 * (hi - lo))  # headroom for the legend above the points
    ax.legend(fontsize=6, loc="upper left")


# --------------------------------------------------------------------------------------------
# the audit


def audit(step: Callable, *, seed: int = 0, name: str | None = None) -> AuditReport:
    """Measure `step(q, p, eps, grad_U) -> (q, p)` and judge it (see module doc).

    Raises `numerics.audit.StepFunctionError` (a ValueError, one line) when the step cannot be
    audited: not callable, wrong signature, raises, returns non-finite or misshapen arrays.
    """
    checked = measure.CheckedStep(step, name)
    measure.probe(checked)
    rng = np.random.default_rng(seed)

    def sub():
        return int(rng.integers(2**62))

    minimum = predicted_orders()
    parts: dict[str, list] = {key: [] for key in PROPERTIES}
    raw: dict[str, dict] = {key: {} for key in PROPERTIES}

    def order(key, pot, m):
        parts[key].append(_at_least(minimum[key], m, pot))
        raw[key][pot] = m.as_dict()
        return m

    local = {}
    for pot in measure.SMOOTH_POTENTIALS:
        order("consistency", pot, measure.consistency_order(checked, pot, seed=sub()))
        local[pot] = order("smooth_local_order", pot, measure.local_order(checked, pot, seed=sub()))
        order("smooth_global_order", pot, measure.global_order(checked, pot, seed=sub()))
        v = invariants.volume_preservation(checked, pot, seed=sub())
        worst = int(np.argmax(v.deviation / v.bound))
        parts["volume_preservation"].append(Verdict(
            v.n_failed == 0, 1.0, float(v.det[worst]), 0.0, float(v.bound[worst]),
            f"{v.n_failed} of {v.det.size} points outside their bound; headline = worst point", pot))
        raw["volume_preservation"][pot] = {"max_abs_det_minus_1": v.max_deviation, "max_bound": float(v.bound.max()),
                                           "n_failed": v.n_failed, "n_points": int(v.det.size)}
    for pot in measure.KINKED_POTENTIALS:
        order("kinked_crossing_order", pot, measure.crossing_order(checked, pot, seed=sub()))
        order("kinked_global_order", pot, measure.global_order(checked, pot, seed=sub()))
    for pot in measure.TEST_POTENTIALS:
        r = invariants.reversibility(checked, pot, seed=sub())
        parts["reversibility"].append(Verdict(
            r.n_failed == 0, 0.0, r.max_ulps, 0.0, float(r.tolerance_ulps),
            f"{r.n_failed} of {r.residual_ulps.size} round trips above {r.tolerance_ulps} ulps", pot))
        raw["reversibility"][pot] = {"max_residual_ulps": r.max_ulps, "n_failed": r.n_failed,
                                     "n_points": int(r.residual_ulps.size)}
    for pot in invariants.COUPLED_GRADIENTS:
        f = invariants.symplectic_form(checked, pot, seed=sub())
        worst = int(np.argmax(f.residual / f.bound))
        parts["symplectic_form"].append(Verdict(
            f.n_failed == 0, 0.0, float(f.residual[worst]), 0.0, float(f.bound[worst]),
            f"{f.n_failed} of {f.residual.size} points with max |J^T Omega J - Omega| above their bound; "
            f"headline = worst point", pot))
        raw["symplectic_form"][pot] = {"max_residual": float(f.residual.max()), "max_bound": float(f.bound.max()),
                                       "n_failed": f.n_failed, "n_points": int(f.residual.size)}
    verdicts = {key: all_of(parts[key], quantity=key) for key in PROPERTIES}
    return AuditReport(checked.name, verdicts, raw, seed, identify(checked, local, sub()))
