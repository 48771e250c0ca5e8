"""The verdict strip: the panel under every claim figure that shows the verdict it is judged by.

One row per verdict part (the verdict itself when it has no parts; parts of parts are
flattened), on one shared axis of standardised deviation

    x = (measured - predicted) / tolerance,

so whatever a part's units, the prediction is the line x = 0, the tolerance band
``predicted ± tolerance`` is the shaded band -1 <= x <= 1, and the measurement is a point with
the bar ``± z SE / tolerance`` (z = relu_hmc.claims.base.Z). Since ``tolerance = z SE + b``
(claims.base.within), the bar's half-width is the statistical share of the tolerance and the
rest of the band is the deterministic allowance b. A two-sided part passes iff its point lies
in the band; a one-sided part (its detail starts with "one-sided") passes iff the point lies
beyond the band on the side its rule (printed in the row) names, e.g. ``measured + z SE <
bound`` is x < -1. The colour is the verdict's own ``passed``, never recomputed here.

Each row is labelled with PASS / FAIL (OBSERVED for an observation), the part's quantity, its
predicted and measured ± SE values in the part's own units, the tolerance and the resolution
(tolerance / |predicted|; the absolute tolerance when the prediction is 0). Points beyond
|x| = X_LIMIT are drawn as arrows at the edge; exact checks (tolerance 0) and parts without a
finite tolerance are drawn as text only.
"""
from __future__ import annotations

import math

import numpy as np

#: Half-width of the strip's axis in tolerances (points further out are arrows at the edge).
X_LIMIT = 3.0
#: Rows drawn at most (the report's parts table lists every part).
MAX_ROWS = 8
#: Height of one row in inches (two label lines above a bar).
ROW_INCHES = 0.42
#: Characters of a row label at the strip's font size across the figure width.
LABEL_WIDTH = 100
PASS_COLOR, FAIL_COLOR, OBSERVED_COLOR = "#007800", "#b00000", "#003c78"


def _float(x) -> float:
    return math.nan if x is None else float(x)


def rows_of(verdict: dict) -> list[dict]:
    """The leaves of a verdict dict: its parts, their parts, ...; the verdict itself if none."""
    parts = verdict.get("parts") or []
    if not parts:
        return [verdict]
    return [leaf for part in parts for leaf in rows_of(part)]


def strip_inches(verdict: dict | None) -> float:
    """Height the strip needs under a figure (0 when there is nothing to show)."""
    if not verdict or verdict.get("quantity") == "error":
        return 0.0
    return 0.45 + ROW_INCHES * min(len(rows_of(verdict)), MAX_ROWS + 1)


def _g(x, digits: int = 3) -> str:
    return f"{x:.{digits}g}" if math.isfinite(x) else "nan"


def one_sided_text(row: dict) -> str:
    """'; one-sided, pass: left of band' (or right) when the part's detail states a one-sided
    rule ('measured + z SE < bound' passes left, 'gap > z SE + b' right); '' for a two-sided part."""
    detail = str(row.get("detail") or "")
    if not detail.startswith("one-sided"):
        return ""
    rule = detail.split(";")[0]
    side = "left" if "<" in rule and ">" not in rule else "right" if ">" in rule and "<" not in rule else ""
    return f"; one-sided, pass: {side} of band" if side else "; one-sided (rule in the report)"


def row_label(row: dict, status: str, width: int = LABEL_WIDTH) -> str:
    """Two lines: 'PASS quantity' (cut to `width` characters) and 'predicted p, measured m ± se;
    tolerance t, resolution r' (with the one-sided rule, if any)."""
    p, m, se, tol = (_float(row.get(k)) for k in ("predicted", "measured", "se", "tolerance"))
    resolution = row.get("resolution")
    if tol == 0:
        how = "exact check"
    elif not math.isfinite(tol):
        how = "no finite tolerance"
    elif resolution is not None and math.isfinite(float(resolution)):
        how = f"tolerance {_g(tol, 2)}, resolution {100 * float(resolution):.2g}%"
    else:
        how = f"tolerance {_g(tol, 2)} (absolute)"
    quantity = f"{status} {row.get('quantity') or ''}"
    quantity = quantity if len(quantity) <= width else quantity[:width - 1] + "…"
    return f"{quantity}\npredicted {_g(p, 4)}, measured {_g(m, 4)} ± {_g(se, 2)} (SE); {how}{one_sided_text(row)}"


def draw(ax, verdict: dict, *, observation: bool = False, z: float | None = None, width: float = 1.0) -> None:
    """Draw the strip of `verdict` (a Verdict.as_dict()) on `ax` (see the module docstring);
    `width`: the figure's width in units of relu_hmc.plots.FIGSIZE (longer labels fit)."""
    from relu_hmc.claims.base import Z

    z = Z if z is None else z
    rows = rows_of(verdict)
    shown = rows[:MAX_ROWS]
    n = len(shown)
    ax.axvspan(-1.0, 1.0, color="grey", alpha=0.22, lw=0, label="predicted ± tolerance")
    ax.axvline(0.0, color="black", ls="--", lw=1.0, label="predicted")
    for i, row in enumerate(shown):
        y = n - 1 - i  # first part on top
        passed = bool(row.get("passed"))
        status = "OBSERVED" if observation else ("PASS" if passed else "FAIL")
        color = OBSERVED_COLOR if observation else (PASS_COLOR if passed else FAIL_COLOR)
        ax.text(-X_LIMIT + 0.03, y + 0.22, row_label(row, status, int(LABEL_WIDTH * width)), fontsize=5.6,
                color=color, va="bottom", ha="left", linespacing=1.15)
        p, m, se, tol = (_float(row.get(k)) for k in ("predicted", "measured", "se", "tolerance"))
        if not (math.isfinite(tol) and tol > 0 and math.isfinite(p) and math.isfinite(m)):
            continue  # exact checks and parts without a finite tolerance: the label says it
        x = (m - p) / tol
        bar = z * se / tol if math.isfinite(se) else 0.0
        if abs(x) <= X_LIMIT:
            ax.errorbar([x], [y], xerr=[bar], fmt="o", ms=4, color=color, capsize=2, elinewidth=1.0, zorder=3)
        else:  # off the axis: an arrow at the edge pointing where it is
            edge = math.copysign(X_LIMIT * 0.97, x)
            ax.plot([edge], [y], ">" if x > 0 else "<", ms=6, color=color, zorder=3)
            ax.text(edge - math.copysign(0.12, x), y - 0.1, f"{x:.3g}", fontsize=5.5, color=color,
                    ha="right" if x > 0 else "left", va="center")
    if len(rows) > n:
        ax.text(X_LIMIT, -0.75, f"+ {len(rows) - n} more parts (see the parts table)", fontsize=5.8,
                ha="right", va="center", color="black")
    ax.set_xlim(-X_LIMIT, X_LIMIT)
    ax.set_ylim(-0.6 if len(rows) == n else -1.0, n - 0.1)
    ax.set_yticks([])
    ax.set_xticks(np.arange(-X_LIMIT, X_LIMIT + 0.5, 1.0))
    ax.tick_params(axis="x", labelsize=6.5)
    ax.set_xlabel(f"(measured − predicted) / tolerance;  band: predicted ± tolerance;  bar: ± {z:g} SE "
                  f"(dimensionless)", fontsize=6.5)
