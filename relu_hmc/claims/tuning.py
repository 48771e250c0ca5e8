"""Claims of the integrator audit: the toolkit's own leapfrog passes it, and the pyhmc bug
(full momentum steps of eps/2, rmcgibbo/pyhmc issue 16) is caught by the error orders while
its reversibility and volume preservation pass, exactly as theory says.

The measurement task runs `relu_hmc.audit.audit` (numerics.audit measurements joined to
theory's orders and coefficients inside it, with tolerances Z SE + each measurement's own
truncation-error estimate) and returns the report as JSON; the prediction task gives the
orders theory predicts, which the comparison checks the report used.
"""
from __future__ import annotations

import math

import numpy as np

from relu_hmc.claims.base import Claim, Task, Verdict, all_of, register


def half_kick_step(q, p, eps, grad_U):
    """The pyhmc bug as a one-step map: kick eps/4, drift eps, kick eps/4 (consecutive steps
    merge the kicks into full momentum steps of eps/2 instead of eps). Exact leapfrog for U/2:
    reversible and volume preserving, but the energy of H changes by O(eps) per step."""
    p = p - 0.25 * eps * grad_U(q)
    q = q + eps * p
    p = p - 0.25 * eps * grad_U(q)
    return q, p


INTEGRATORS = {"toolkit": "relu_hmc.numerics.audit:toolkit_step", "half_kicks": "relu_hmc.claims.tuning:half_kick_step"}


# --- prediction ----------------------------------------------------------------------------

def predict_audit_orders() -> dict:
    """The minimum energy-error orders of a consistent integrator, which the audit's one-sided
    order checks use (relu_hmc.audit.predicted_orders): local 2, global 1, crossing 1."""
    from relu_hmc.audit import predicted_orders

    return dict(predicted_orders())


# --- measurement ---------------------------------------------------------------------------

def _clean(value):
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None


def measure_audit(integrator: str, seed: int) -> dict:
    """The audit report (JSON) of a named integrator (`INTEGRATORS`)."""
    from relu_hmc.audit import audit
    from relu_hmc.claims.base import resolve

    if integrator not in INTEGRATORS:
        raise ValueError(f"unknown integrator {integrator!r}; expected one of {', '.join(INTEGRATORS)}")
    report = audit(resolve(INTEGRATORS[integrator]), seed=int(seed % 2**32), name=INTEGRATORS[integrator])
    return _clean(report.as_dict())


# --- comparisons ---------------------------------------------------------------------------

def _property(report: dict, key: str) -> Verdict:
    return Verdict.from_dict(report["properties"][key])


def _check_predictions_used(prediction: dict, report: dict) -> None:
    for key, order in prediction.items():
        for part in report["properties"][key]["parts"]:
            if part["predicted"] != order:
                raise ValueError(f"the audit compared {key} with {part['predicted']}, theory says {order}")


def compare_toolkit_passes(prediction: dict, measurements: dict) -> Verdict:
    report = measurements["audit"]
    _check_predictions_used(prediction, report)
    return all_of([_property(report, key) for key in report["properties"]],
                  quantity="every audit property of the toolkit's leapfrog",
                  detail="each property: orders and coefficients within Z SE + truncation estimate, "
                         "reversibility within 64 ulps, det within its finite-difference bound")


def compare_half_kicks_caught(prediction: dict, measurements: dict) -> Verdict:
    """Caught for the right reason: the smooth local and global orders FAIL and their measured
    values agree with the bug's own orders (1: O(eps) per step; 0: O(1) drift over a
    trajectory, within each measurement's tolerance), while reversibility and volume
    preservation PASS (the bug is exact leapfrog for U/2)."""
    report = measurements["audit"]
    _check_predictions_used(prediction, report)
    parts = []
    for key, bug_order in (("smooth_local_order", 1.0), ("smooth_global_order", 0.0)):
        verdict = _property(report, key)
        for part in verdict.parts:
            parts.append(Verdict(
                (not part.passed) and abs(part.measured - bug_order) <= part.tolerance,
                bug_order, part.measured, part.se, part.tolerance,
                f"must FAIL theory's order {part.predicted:g} and match the bug's order {bug_order:g} "
                f"within the audit's tolerance", f"{key}/{part.quantity}"))
    for key in ("reversibility", "volume_preservation"):
        verdict = _property(report, key)
        parts.append(Verdict(verdict.passed, verdict.predicted, verdict.measured, verdict.se, verdict.tolerance,
                             f"must PASS: {verdict.detail}", key))
    return all_of(parts, quantity="the eps/2 bug is flagged by its error orders only")


def _plot_toolkit(ax, prediction: dict, measurements: dict) -> None:
    """Measured orders (± SE, ± tolerance) next to theory's minimum orders (relu_hmc.audit.plot_orders)."""
    from relu_hmc.audit import plot_orders

    plot_orders(ax, prediction, measurements)


def _plot_half_kicks(ax, prediction: dict, measurements: dict) -> None:
    """As _plot_toolkit, with the bug's own smooth orders (1 and 0) the measurement must match."""
    from relu_hmc.audit import plot_orders

    plot_orders(ax, prediction, measurements, bug_orders={"smooth_local_order": 1.0, "smooth_global_order": 0.0})


register(Claim(
    id="audit/toolkit-leapfrog",
    statement="The toolkit's leapfrog passes the integrator audit: consistent, energy-error orders at least the "
              "consistent minimums (local 2, global 1, crossing 1), reversible, volume-preserving, symplectic.",
    source="theory.smooth, theory.shadow, theory.kink; relu_hmc.audit (issue 9)",
    family="audit",
    prediction=Task("relu_hmc.claims.tuning:predict_audit_orders"),
    measurements=lambda budget: [Task("relu_hmc.claims.tuning:measure_audit", {"integrator": "toolkit"}, "audit")],
    compare=compare_toolkit_passes,
    plot=_plot_toolkit,
))

register(Claim(
    id="audit/eps-half-bug-caught",
    statement="A leapfrog with eps/2 full momentum steps (pyhmc issue 16) fails the audit's energy orders "
              "(measured 1 and 0 instead of 3 and 2) while passing reversibility and volume preservation.",
    source="rmcgibbo/pyhmc issue 16; negative control of relu_hmc.audit",
    family="audit",
    prediction=Task("relu_hmc.claims.tuning:predict_audit_orders"),
    measurements=lambda budget: [Task("relu_hmc.claims.tuning:measure_audit", {"integrator": "half_kicks"}, "audit")],
    compare=compare_half_kicks_caught,
    plot=_plot_half_kicks,
))
