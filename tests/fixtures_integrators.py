"""One-step integrators for the audit tests: step(q, p, eps, grad_U) -> (q, p).

Each is importable as ``fixtures_integrators:NAME`` with tests/ on the path (the CLI tests use that form) and
carries the audit outcome theory expects for it (`EXPECTED_FAILURES`).
"""
from __future__ import annotations

import numpy as np

from relu_hmc.numerics.audit import toolkit_step


def leapfrog(q, p, eps, grad_U):
    """Velocity Verlet (kick eps/2, drift eps, kick eps/2): passes everything."""
    p = p - 0.5 * eps * grad_U(q)
    q = q + eps * p
    p = p - 0.5 * eps * grad_U(q)
    return q, p


def toolkit_leapfrog(q, p, eps, grad_U):
    """The toolkit's own kernel (numerics.leapfrog, callable path), one step."""
    return toolkit_step(q, p, eps, grad_U)


def half_kicks(q, p, eps, grad_U):
    """The pyhmc bug (rmcgibbo/pyhmc issue 16): full momentum steps of eps/2 instead of eps.
    As a one-step map: kick eps/4, drift eps, kick eps/4 (two steps merge the kicks to eps/2).
    It is exact leapfrog for U/2, so it stays reversible and volume preserving; the energy of
    the real H changes by O(eps) per step and O(1) over a trajectory."""
    p = p - 0.25 * eps * grad_U(q)
    q = q + eps * p
    p = p - 0.25 * eps * grad_U(q)
    return q, p


def symplectic_euler(q, p, eps, grad_U):
    """First-order symplectic Euler (kick eps, drift eps): volume preserving, not reversible,
    local energy error O(eps^2), global O(eps)."""
    p = p - eps * grad_U(q)
    q = q + eps * p
    return q, p


def asymmetric_leapfrog(q, p, eps, grad_U):
    """Leapfrog with unequal half kicks (0.6 eps, 0.4 eps): still a composition of shears
    (volume preserving) but not symmetric, so not reversible; it is leapfrog conjugated by a
    kick of 0.1 eps, hence local energy error O(eps^2) and global O(eps)."""
    p = p - 0.6 * eps * grad_U(q)
    q = q + eps * p
    p = p - 0.4 * eps * grad_U(q)
    return q, p


def explicit_euler(q, p, eps, grad_U):
    """Forward Euler: not symplectic (det = 1 + eps^2 U''), not reversible."""
    return q + eps * p, p - eps * grad_U(q)


def raises(q, p, eps, grad_U):
    """Fails inside the user's code."""
    raise ZeroDivisionError("division by zero in the user's integrator")


def returns_nan(q, p, eps, grad_U):
    """Leapfrog that produces NaN momenta."""
    q, p = leapfrog(q, p, eps, grad_U)
    return q, p * np.nan


def wrong_arity(q, p):
    return q, p


def returns_scalar(q, p, eps, grad_U):
    return 1.0


#: The audit properties each integrator must fail; all others must pass.
EXPECTED_FAILURES = {
    "leapfrog": set(),
    "toolkit_leapfrog": set(),
    "half_kicks": {"smooth_local_order", "smooth_global_order", "smooth_leading_coefficient",
                   "kinked_global_order"},
    "symplectic_euler": {"smooth_local_order", "smooth_global_order", "smooth_leading_coefficient",
                         "reversibility"},
    "asymmetric_leapfrog": {"smooth_local_order", "smooth_global_order", "smooth_leading_coefficient",
                            "reversibility"},
    "explicit_euler": {"smooth_local_order", "smooth_global_order", "smooth_leading_coefficient",
                       "reversibility", "volume_preservation"},
}
