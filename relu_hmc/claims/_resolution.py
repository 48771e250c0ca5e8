"""Composite verdicts that state their resolution: the smallest relative change of the
predicted numbers a check detects, max over its parts of tolerance / |prediction|.

`judged` combines parts into one `Verdict` whose headline is the worst FAILING part (the
worst part if all pass; a passing one-sided or yes/no part never headlines), and fails a
check whose resolution reaches MAX_RESOLUTION: tolerances that accept half or twice the
prediction test nothing. Used by relu_hmc/claims/geometry.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from relu_hmc.claims.base import Verdict

#: A verdict whose resolution (max tolerance / |prediction|) reaches this fails: its
#: tolerances would accept half or twice the prediction.
MAX_RESOLUTION = 0.5


def ratio(tolerance: float, scale: float) -> float:
    """tolerance / |prediction| (infinite for a zero prediction: no relative resolution)."""
    return tolerance / scale if scale > 0 else math.inf


@dataclass(frozen=True)
class Judged:
    """A verdict and its resolution (max tolerance / |prediction| over its parts)."""

    verdict: Verdict
    resolution: float


def badness(v: Verdict) -> float:
    """|measured - predicted| / tolerance; a passing part whose ratio exceeds 1 passed by its own
    (one-sided or yes/no) rule and counts 0, so a two-sided comparison is the headline."""
    if not math.isfinite(v.measured) or not math.isfinite(v.predicted):
        r = math.inf
    else:
        r = abs(v.measured - v.predicted) / v.tolerance if v.tolerance > 0 else math.inf
    return (r if r <= 1.0 else 0.0) if v.passed else r


def judged(parts: list[Verdict], *, quantity: str, resolutions: list[float], note: str = "") -> Judged:
    """All parts must pass; the headline is the worst failing part (the worst part if all pass).
    A check whose resolution is MAX_RESOLUTION or worse cannot tell the prediction from half
    or twice it and fails on that (a part named so), whatever its comparisons say."""
    resolution = max(resolutions)
    if not resolution < MAX_RESOLUTION and not any(p.quantity.startswith("resolution ") for p in parts):
        parts = list(parts) + [Verdict(False, MAX_RESOLUTION, resolution, 0.0, 0.0,
                                       "tolerances as large as the prediction: nothing is tested",
                                       f"resolution {resolution:.3g} < {MAX_RESOLUTION:g}")]
    failing = [p for p in parts if not p.passed]
    worst = max(failing or parts, key=badness)
    status = f"{len(failing)} of {len(parts)} parts FAIL" if failing else f"all {len(parts)} parts pass"
    detail = (f"resolution {resolution:.3g} (max tolerance / |prediction|: the smallest relative change of the "
              f"prediction this check detects); {status}; headline = "
              f"{'worst failing' if failing else 'worst'} part ({worst.quantity}): {worst.detail}")
    if note:
        detail += f"; {note}"
    verdict = Verdict(not failing, worst.predicted, worst.measured, worst.se, worst.tolerance, detail, quantity,
                      tuple(parts))
    return Judged(verdict, resolution)


def flag(ok: bool, quantity: str, detail: str) -> Verdict:
    """A precondition of a measurement (a yes/no fact, no number to compare)."""
    return Verdict(bool(ok), 1.0, 1.0 if ok else 0.0, 0.0, 0.0, detail, quantity)
