"""Kinks of a one-dimensional-input ReLU network recovered from values of the function
alone (no parameters): locations and slope jumps, to compare with
theory.relu_symmetries.predicted_kinks_1d.
"""
from __future__ import annotations

import numpy as np

from relu_hmc.numerics.relu_network import UNIT_ROUNDOFF
from relu_hmc.numerics.validation import check_count


def recover_kinks_1d(f, lo: float, hi: float, *, n_grid: int = 4001, rtol: float = 1e-7,
                     max_depth: int = 8) -> list[dict]:
    """Kinks of a continuous piecewise-linear f on [lo, hi] from values of f only.

    Secant slopes on a uniform grid are exact (to rounding) on kink-free intervals; a slope
    change flags a kink. For an isolated kink the two clean neighbouring intervals give two
    lines whose intersection is the kink and whose slope difference is the jump. A flagged
    cluster that fails the single-kink check (f at the intersection off both lines) is
    re-scanned on a finer grid. Kinks within rounding of each other merge (their jumps add),
    as they do in the function itself."""
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError("need finite lo < hi")
    n_grid = check_count("n_grid", n_grid, 8)
    return _scan(f, float(lo), float(hi), n_grid, rtol, max_depth)


def _scan(f, lo, hi, n_grid, rtol, depth):
    x = np.linspace(lo, hi, n_grid)
    v = np.asarray(f(x), dtype=np.float64)
    dx = x[1] - x[0]
    s = np.diff(v) / np.diff(x)
    scale = float(np.max(np.abs(v))) + 1.0
    tol = max(rtol * (float(np.max(np.abs(s))) + 1.0), 64 * UNIT_ROUNDOFF * scale / dx)
    changed = np.abs(np.diff(s)) > tol      # changed[k]: slope changes at grid point k + 1
    kinks = []
    k = 0
    while k < changed.size:
        if not changed[k]:
            k += 1
            continue
        start = k
        while k + 1 < changed.size and changed[k + 1]:
            k += 1
        left, right = start, k + 1           # clean intervals on both sides of the cluster
        sl, sr = s[left], s[right]
        xk = (v[right] - v[left] - sr * x[right] + sl * x[left]) / (sl - sr)
        fk = float(np.asarray(f(np.array([xk])), dtype=np.float64)[0])
        line = v[left] + sl * (xk - x[left])
        single = (x[left] <= xk <= x[right + 1]) and abs(fk - line) <= 1e3 * tol * max(dx, abs(xk - x[left]))
        if single or depth == 0 or right - left > 3 * n_grid // 4:
            kinks.append({"location": float(xk), "jump": float(sr - sl), "single": bool(single)})
        else:
            kinks.extend(_scan(f, x[left], x[right + 1], n_grid, rtol, depth - 1))
        k += 1
    return kinks
