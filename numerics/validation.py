"""Input checks shared by the measurement functions: each raises ValueError with one line."""
from __future__ import annotations

import math

import numpy as np


def check_positive(name: str, value) -> float:
    """A finite number > 0 (T, l, widths, work sizes, step sizes)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number) or number <= 0.0:
        raise ValueError(f"{name} must be a finite number > 0, got {number}")
    return number


def check_step_size(eps) -> float:
    return check_positive("eps", eps)


#: Measurement budgets: "quick" (seconds, for tests and the quick suite) and "full".
BUDGETS = ("quick", "full")


def check_budget(budget) -> str:
    if budget not in BUDGETS:
        raise ValueError(f"budget must be one of {BUDGETS}, got {budget!r}")
    return budget


def check_count(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_state(name: str, array, shape=None) -> np.ndarray:
    """A finite float64 (n_chains, d) array; copies to C order if needed, never mutates."""
    if not isinstance(array, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(array).__name__}")
    if array.dtype.kind not in "fiu":
        raise ValueError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"{name} must have shape (n_chains, d) with n_chains, d >= 1, got {array.shape}")
    if shape is not None and array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite")
    return np.ascontiguousarray(array, dtype=np.float64)


def rng_from(seed) -> np.random.Generator:
    """A Generator from an int seed or an existing Generator (never the global state)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or a numpy Generator, got {seed!r}")
    return np.random.default_rng(int(seed))
