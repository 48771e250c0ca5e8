"""Compiled kernels with a pure-NumPy fallback (the msgpack / yarl pattern).

Each kernel comes as a pair with the same public names and the same results: ``_leapfrog_c``
(Cython) / ``_leapfrog_py`` (NumPy) for the 1D product-target leapfrog, ``_bnn_c`` /
``_bnn_py`` for the Bayesian MLP posterior, ``_splitting_c`` / ``_splitting_py`` for any
palindromic splitting (relu_hmc.splittings) on the same 1D product targets. Leapfrog is the
splitting with kicks (1/2, 1/2) and drift 1: both compiled kernels run the one generic step
loop of ``_splitting_kernel.pxi``, both pure ones ``_leapfrog_py.integrate``. This module
picks one of each: the compiled one when it imports, the pure one when it does not or when
the environment sets ``RELU_HMC_PURE=1``. ``BACKENDS`` says which, per kernel; ``BACKEND`` is
"cython" only when every kernel is compiled.
"""
import importlib
import os

_FORCE_PURE = os.environ.get("RELU_HMC_PURE", "") not in ("", "0")


def _load(kernel: str):
    """The compiled module ``_<kernel>_c`` unless forced pure or not built, else ``_<kernel>_py``."""
    if not _FORCE_PURE:
        try:
            return importlib.import_module(f"{__name__}._{kernel}_c")
        except ImportError:  # extension not built: the pure twin gives the same numbers
            pass
    return importlib.import_module(f"{__name__}._{kernel}_py")


_leapfrog = _load("leapfrog")
#: Bayesian MLP kernels (relu_hmc.numerics.bnn)
bnn = _load("bnn")
#: any palindromic splitting on the 1D product targets (relu_hmc.numerics.splitting_trajectory)
splitting = _load("splitting")

#: backend per kernel: {"leapfrog": "cython" | "numpy", "bnn": ..., "splitting": ...}
BACKENDS = {"leapfrog": _leapfrog.BACKEND, "bnn": bnn.BACKEND, "splitting": splitting.BACKEND}
BACKEND = "cython" if all(b == "cython" for b in BACKENDS.values()) else "numpy"

trajectory = _leapfrog.trajectory
potential_terms = _leapfrog.potential_terms
gradient_terms = _leapfrog.gradient_terms
#: Leapfrog for arbitrary vectorised (u, u') callables: always the pure engine.
integrate_callables = importlib.import_module(f"{__name__}._leapfrog_py").integrate

__all__ = ["BACKEND", "BACKENDS", "trajectory", "potential_terms", "gradient_terms",
           "integrate_callables", "bnn", "splitting"]
