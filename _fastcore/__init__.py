"""Compiled kernels with a pure-NumPy fallback (the msgpack / yarl pattern).

``_leapfrog_c`` (Cython) and ``_leapfrog_py`` (NumPy) expose the same names with the same
results. This module picks one: the compiled one when it imports, the pure one when it
does not or when the environment sets ``RELU_HMC_PURE=1``. ``BACKEND`` says which.
"""
import os

from _fastcore import _leapfrog_py

_FORCE_PURE = os.environ.get("RELU_HMC_PURE", "") not in ("", "0")

if _FORCE_PURE:
    _leapfrog = _leapfrog_py
else:
    try:
        from _fastcore import _leapfrog_c as _leapfrog
    except ImportError:  # extension not built: the pure twin gives the same numbers
        _leapfrog = _leapfrog_py

BACKEND = _leapfrog.BACKEND
trajectory = _leapfrog.trajectory
potential_terms = _leapfrog.potential_terms
gradient_terms = _leapfrog.gradient_terms
#: Leapfrog for arbitrary vectorised (u, u') callables: always the pure engine.
integrate_callables = _leapfrog_py.integrate

__all__ = ["BACKEND", "trajectory", "potential_terms", "gradient_terms", "integrate_callables"]

# --- Bayesian MLP kernels (numerics.bnn): _bnn_c compiled, _bnn_py pure twin -------------
from _fastcore import _bnn_py

if _FORCE_PURE:
    bnn = _bnn_py
else:
    try:
        from _fastcore import _bnn_c as bnn
    except ImportError:  # extension not built: the pure twin gives the same numbers
        bnn = _bnn_py
__all__ += ["bnn"]
# --- end of the Bayesian MLP block -------------------------------------------------------
