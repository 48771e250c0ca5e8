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


def position_verlet(q, p, eps, grad_U):
    """Position Verlet (drift eps/2, kick eps, drift eps/2; relu_hmc.splittings "position_verlet"):
    symmetric, symplectic, global order 2 with error coefficients other than leapfrog's."""
    q = q + 0.5 * eps * p
    p = p - eps * grad_U(q)
    q = q + 0.5 * eps * p
    return q, p


_CBRT2 = 2.0 ** (1.0 / 3.0)
_W1 = 1.0 / (2.0 - _CBRT2)
_W0 = -_CBRT2 / (2.0 - _CBRT2)


def yoshida4(q, p, eps, grad_U):
    """Yoshida's fourth-order triple jump (Phys. Lett. A 150, 1990): leapfrogs of w1 eps, w0 eps,
    w1 eps with w1 = 1/(2 - 2^(1/3)), w0 = 1 - 2 w1; symmetric and symplectic, global order 4."""
    for w in (_W1, _W0, _W1):
        q, p = leapfrog(q, p, w * eps, grad_U)
    return q, p


def damped_leapfrog(q, p, eps, grad_U):
    """Leapfrog followed by friction of strength gamma = eps, p <- p exp(-gamma eps): still
    consistent (H changes by O(eps^2) per step, O(eps) over a fixed time) but it contracts
    volume (det = exp(-eps^2) != 1) and is not reversible."""
    q, p = leapfrog(q, p, eps, grad_U)
    return q, p * np.exp(-eps * eps)


def splitting_step(name):
    """A user step for built-in splitting `name` written from its coefficient list
    (relu_hmc.splittings): p -= k_0 eps grad U, q += d_1 eps p, ..., p -= k_m eps grad U."""
    from relu_hmc.splittings import builtin

    splitting = builtin(name)

    def step(q, p, eps, grad_U):
        for i, k in enumerate(splitting.kick_values):
            if k != 0.0:
                p = p - k * eps * grad_U(q)
            if i < len(splitting.drift_values):
                q = q + splitting.drift_values[i] * eps * p
        return q, p

    step.__name__ = step.__qualname__ = name
    return step


two_stage_bcss = splitting_step("two_stage_bcss")
two_stage_mclachlan = splitting_step("two_stage_mclachlan")


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


def identity(q, p, eps, grad_U):
    """Does nothing: conserves H exactly, reversible and symplectic, but not consistent."""
    return q, p


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


#: The audit properties each integrator must fail; all others must pass. Every consistent
#: integrator passes the order checks whatever its order; each broken one fails exactly the
#: property it breaks.
EXPECTED_FAILURES = {
    "leapfrog": set(),
    "toolkit_leapfrog": set(),
    "position_verlet": set(),
    "yoshida4": set(),
    "two_stage_bcss": set(),
    "two_stage_mclachlan": set(),
    "half_kicks": {"consistency", "smooth_local_order", "smooth_global_order", "kinked_global_order"},
    "symplectic_euler": {"reversibility"},
    "asymmetric_leapfrog": {"reversibility"},
    "explicit_euler": {"reversibility", "volume_preservation", "symplectic_form"},
    "damped_leapfrog": {"reversibility", "volume_preservation", "symplectic_form"},
    "identity": {"consistency"},
}

#: The built-in splitting (relu_hmc.splittings) whose error coefficients each fixture has; None: none.
EXPECTED_MATCH = {"leapfrog": "leapfrog", "toolkit_leapfrog": "leapfrog", "position_verlet": "position_verlet",
                  "yoshida4": "yoshida4", "two_stage_bcss": "two_stage_bcss",
                  "two_stage_mclachlan": "two_stage_mclachlan", "half_kicks": None, "symplectic_euler": None,
                  "asymmetric_leapfrog": None, "explicit_euler": None, "damped_leapfrog": None, "identity": None}
