"""Kinks of a continuous piecewise-linear function of one variable (e.g. a 1D-input ReLU
network) recovered from values of the function alone: locations, slope jumps and error
bounds, to compare with theory.relu_symmetries.predicted_kinks_1d at the same resolution.

Mechanism (`recover_kinks_1d`):
1. Adaptive bisection. Start from a uniform grid; a leaf [a, b] is bisected while f at its
   midpoint m is off the chord by more than the round-off bound nu of that residual
   (2 eta + 8 u (|f(a)| + |f(b)| + |f(m)|), eta the bound on the error of one computed f
   value). A single kink x* inside [a, b] with jump J makes the residual -J min(x* - a,
   b - x*) / 2, so a leaf that stops being bisected holds its kinks within 4 nu / |J| of an
   end (or is narrower than the x-resolution `MIN_LEAF` (hi - lo)).
2. Lines. The nodes are split into runs on one line (Douglas-Peucker): a run whose nodes lie
   off the chord through its end nodes by more than 2 eps (eps = eta + 4 nu bounds a node's
   distance from its true line: rounding plus an undetected kink within 4 nu / |J| of it)
   splits at its farthest node.
3. Clusters at resolution `spacing`. Breaks between runs that are joined by runs shorter than
   `spacing` (or by leaves that cannot be bisected further) form one cluster; its kink is the
   intersection of the two bounding runs' lines, which is exactly the jump-weighted mean of
   the cluster's kinks, with the jump = the difference of their slopes.
4. Stated limits (what theory.relu_symmetries.predicted_kinks_1d reproduces): kinks closer
   than `spacing` merge; clusters within `spacing` of the window's edges are not reported;
   clusters with |jump| < `min_jump` = DETECTION_FACTOR * eps / spacing are dropped (eps the
   anchor error bound): above that floor a kink with `spacing` of room on both sides displaces
   the next run's nodes by more than their tolerance, so it cannot be missed.
Hidden kinks: a kink below the floor may displace no node by more than its tolerance. One
within `spacing` of a reported kink is merged into it by theory (as it should be) and biases
the chords by at most min_jump spacing / run length; one farther away tilts a chord's slope
by at most 4 eps / spacing (its tent over the run stays within 2 eps of the chord at the
nodes, and a leaf holding it passed the midpoint test). Both enter the stated error bounds.
Limits not covered: a configuration whose every probe lies on one line although kinks lie
between them (a "hat" relu(x - x1) - 2 relu(x - x2) + relu(x - x3) strictly inside one start
cell and off its midpoint) is invisible to any finite set of probes; it needs two exact linear
relations between jumps and locations, so it has probability zero for continuous random
parameters. Kinks, spacings or edge distances within their error bound of a limit may fall
either side of it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from relu_hmc.numerics.relu_network import UNIT_ROUNDOFF
from relu_hmc.numerics.validation import check_count

u = UNIT_ROUNDOFF
#: Default resolution in x, relative to the window width (spacing / (hi - lo)).
DEFAULT_RELATIVE_SPACING = 1e-7
#: Leaves narrower than MIN_LEAF (hi - lo) are not bisected (near the float64 x-resolution).
MIN_LEAF = 2.0 ** -36
#: min_jump = DETECTION_FACTOR * eps / spacing (the derivation in the module doc needs 16).
DETECTION_FACTOR = 16.0
#: Default bound on the error of one value, relative to max |f| on the start grid, when the
#: caller cannot supply one (true for sums without heavy cancellation).
DEFAULT_VALUE_ULPS = 256


@dataclass(frozen=True)
class KinkRecovery:
    """Recovered kinks (dicts: location, jump, location_error, jump_error, breaks = the run
    breaks merged into it) at the stated resolution, and the numbers that define it."""

    kinks: list
    spacing: float
    min_jump: float
    value_error: float
    anchor_error: float
    evaluations: int
    nodes: np.ndarray = field(repr=False)
    values: np.ndarray = field(repr=False)


def recover_kinks_1d(f, lo: float, hi: float, *, value_error: float | None = None,
                     spacing: float | None = None, n_grid: int = 4097) -> KinkRecovery:
    """Kinks of a continuous piecewise-linear f on [lo, hi] from values of f only (module doc).

    f maps a 1D float64 array to values; value_error bounds |computed f(x) - f(x)| on the
    window (default DEFAULT_VALUE_ULPS u max |f| on the start grid); spacing is the resolution
    in x (default DEFAULT_RELATIVE_SPACING (hi - lo))."""
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError("need finite lo < hi")
    lo, hi = float(lo), float(hi)
    n_grid = check_count("n_grid", n_grid, 8)
    spacing = DEFAULT_RELATIVE_SPACING * (hi - lo) if spacing is None else float(spacing)
    if not (np.isfinite(spacing) and MIN_LEAF * (hi - lo) * 64 <= spacing <= (hi - lo) / 8):
        raise ValueError(f"spacing must lie in [{64 * MIN_LEAF * (hi - lo):.3g}, (hi - lo) / 8], got {spacing}")
    calls = [0]

    def values_at(x):
        calls[0] += x.size
        v = np.asarray(f(x), dtype=np.float64).reshape(-1)
        if v.shape != x.shape or not np.all(np.isfinite(v)):
            raise ValueError("f must return one finite value per point")
        return v

    x = np.linspace(lo, hi, n_grid)
    v = values_at(x)
    scale = float(np.max(np.abs(v)))
    eta = DEFAULT_VALUE_ULPS * u * scale if value_error is None else float(value_error)
    if not (np.isfinite(eta) and eta >= 0):
        raise ValueError(f"value_error must be a finite number >= 0, got {value_error}")
    x, v, stuck, nu_max = _bisect(values_at, x, v, eta, MIN_LEAF * (hi - lo))
    eps = eta + 4.0 * nu_max             # bound on a run anchor's distance from its true line
    min_jump = DETECTION_FACTOR * eps / spacing
    runs = _runs(x, v, stuck, eps)
    kinks = _clusters(runs, x, v, spacing, lo, hi, min_jump, eps)
    return KinkRecovery(kinks, spacing, min_jump, eta, eps, calls[0], x, v)


def _bisect(values_at, x, v, eta, min_leaf):
    """Bisect leaves whose midpoint is off the chord by more than its round-off bound nu.
    Returns nodes, values, the flags of leaves left non-linear at min_leaf, and max nu."""
    pending = np.arange(x.size - 1)
    stuck = np.zeros(x.size - 1, dtype=bool)
    nu_max = 0.0
    while pending.size:
        a, b, va, vb = x[pending], x[pending + 1], v[pending], v[pending + 1]
        m = 0.5 * (a + b)
        vm = values_at(m)
        chord = va + (vb - va) * ((m - a) / (b - a))
        nu = 2.0 * eta + 8.0 * u * (np.abs(va) + np.abs(vb) + np.abs(vm))
        nu_max = max(nu_max, float(np.max(nu)))
        curved = np.abs(vm - chord) > nu
        narrow = (b - a) <= min_leaf
        stuck[pending[curved & narrow]] = True
        split = pending[curved & ~narrow]
        if not split.size:
            break
        x = np.insert(x, split + 1, m[curved & ~narrow])
        v = np.insert(v, split + 1, vm[curved & ~narrow])
        stuck = np.insert(stuck, split + 1, stuck[split])
        # the halves of leaf k are leaves k + (number of splits before it) and the one after
        first = split + np.arange(split.size)
        pending = np.sort(np.concatenate([first, first + 1]))
    return x, v, stuck, nu_max


@dataclass(frozen=True)
class _Run:
    """Nodes first..last on one line; error: bound on each anchor's distance from the true line."""

    first: int
    last: int
    error: float


def _line_error(run: _Run, x, at: float) -> float:
    """Bound on |line(at) - true line(at)|: the anchor errors through the Lagrange weights."""
    p, q = x[run.first], x[run.last]
    return run.error * (abs(at - p) + abs(at - q)) / (q - p)


def _runs(x, v, stuck, eps) -> list:
    """Runs of nodes on one line (module doc, step 2), by Douglas-Peucker splitting of each
    stretch free of stuck leaves: a run whose nodes are off the chord through its ends by
    more than 2 eps (node error + chord error: each value within eps of the true line) plus
    the arithmetic's rounding splits at its farthest node. Every node is tested against a
    chord over the whole run, so a kink displaces some node by |J| times a distance of the
    order of its room on either side: small kinks cannot be absorbed by a drifting line."""
    runs = []
    edges = np.flatnonzero(stuck)
    starts = np.concatenate([[0], edges + 1])
    ends = np.concatenate([edges, [x.size - 1]])
    stack = [(int(i), int(j)) for i, j in zip(starts, ends) if j > i]
    while stack:
        i, j = stack.pop()
        if j - i >= 2:
            k = np.arange(i + 1, j)
            chord = v[i] + (v[j] - v[i]) * ((x[k] - x[i]) / (x[j] - x[i]))
            excess = np.abs(v[k] - chord) - (2.0 * eps + 8.0 * u * (abs(v[i]) + abs(v[j]) + np.abs(v[k])))
            worst = int(np.argmax(excess))
            if excess[worst] > 0:
                stack += [(i, int(k[worst])), (int(k[worst]), j)]
                continue
        runs.append(_Run(i, j, eps))
    return sorted(runs, key=lambda r: r.first)


def _slope(run: _Run, x, v) -> float:
    return (v[run.last] - v[run.first]) / (x[run.last] - x[run.first])


def _clusters(runs, x, v, spacing, lo, hi, min_jump, eps) -> list:
    """One kink per gap between consecutive runs at least `spacing` long (module doc, step 3):
    the intersection of their lines, jump = the difference of their slopes, with error bounds
    from the anchor errors. Clusters next to an edge have no long run on that side: none."""
    long = [r for r in runs if x[r.last] - x[r.first] >= spacing]
    kinks = []
    for left, right in zip(long, long[1:]):
        sl, sr = _slope(left, x, v), _slope(right, x, v)
        jump = sr - sl
        ll, lr = x[left.last] - x[left.first], x[right.last] - x[right.first]
        # anchors; then kinks below the floor that no node shows (module doc, "hidden kinks"):
        # beyond `spacing` they tilt a chord by <= 4 eps / spacing, within it (merged) by
        # <= min_jump spacing / length = 16 eps / length
        jump_error = (2.0 * left.error / ll + 2.0 * right.error / lr + 8.0 * u * (abs(sl) + abs(sr))
                      + 8.0 * eps / spacing + 16.0 * eps * (1.0 / ll + 1.0 / lr))
        if abs(jump) < min_jump or abs(jump) <= jump_error:
            continue
        anchor = x[right.first]
        left_there = v[left.last] + sl * (anchor - x[left.last])
        location = anchor - (v[right.first] - left_there) / jump
        rounding = 8.0 * u * (abs(v[right.first]) + abs(left_there)) / (abs(jump) - jump_error)
        line_error = _line_error(left, x, location) + _line_error(right, x, location)
        # hidden kinks within `spacing` (merged) move the jump-weighted mean by <= 16 eps / |J| per side
        location_error = ((line_error + 32.0 * eps) / (abs(jump) - jump_error) + rounding
                          + 4.0 * u * max(abs(lo), abs(hi)))
        breaks = sum(1 for r in runs if x[left.last] < x[r.first] <= x[right.first])
        kinks.append({"location": float(location), "jump": float(jump), "location_error": float(location_error),
                      "jump_error": float(jump_error), "breaks": int(breaks)})
    return kinks
