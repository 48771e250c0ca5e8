"""PNG figures for the report (matplotlib, Agg backend: no display needed).

A claim with a ``plot(ax, prediction, measurements)`` gets one figure; the helpers here
draw the common kinds so that claim modules stay short: log-log error plots with the
predicted slope, a measured curve with error bars against a theory line.
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def figure_name(claim_id: str) -> str:
    return claim_id.replace("/", "__").replace(" ", "_") + ".png"


def render(claim, prediction: dict, measurements: dict, path: Path, *, passed: bool | None = None) -> bool:
    """Draw `claim.plot` into a PNG at `path`; False (and no file) when the claim has no plot
    or its plot raised (the report then says so)."""
    if claim.plot is None or prediction is None or any(v is None for v in measurements.values()):
        return False
    fig, ax = plt.subplots(figsize=(5.6, 3.8), dpi=110)
    try:
        claim.plot(ax, prediction, measurements)
        status = "" if passed is None else ("  [PASS]" if passed else "  [FAIL]")
        ax.set_title(f"{claim.id}{status}", fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png")
        return True
    except Exception:  # noqa: BLE001 - a broken figure must not lose the report
        return False
    finally:
        plt.close(fig)


def loglog_with_slope(ax, x, y, se=None, *, slope: float, label: str, xlabel: str, ylabel: str,
                      fitted: float | None = None) -> None:
    """Measured |y| against x on log-log axes (with ±SE bars) and a reference line of the
    predicted slope through the geometric centre of the points."""
    x, y = np.asarray(x, float), np.abs(np.asarray(y, float))
    yerr = None if se is None else np.asarray(se, float)
    ax.errorbar(x, y, yerr=yerr, fmt="o", ms=4, capsize=2, label=f"measured {label}")
    cx, cy = math.exp(np.mean(np.log(x))), math.exp(np.mean(np.log(y)))
    xs = np.geomspace(x.min(), x.max(), 50)
    ax.plot(xs, cy * (xs / cx) ** slope, "--", label=f"theory: slope {slope:g}")
    if fitted is not None:
        ax.plot([], [], " ", label=f"fitted slope {fitted:.3f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def measured_vs_theory(ax, x, measured, se, *, theory_x=None, theory_y=None, theory_points=None,
                       xlabel: str, ylabel: str, label: str = "measured", theory_label: str = "theory",
                       logx: bool = False) -> None:
    """Measured points ±SE with a theory curve (theory_x, theory_y) and/or theory points."""
    ax.errorbar(x, measured, yerr=se, fmt="o", ms=4, capsize=2, label=label)
    if theory_x is not None:
        ax.plot(theory_x, theory_y, "-", label=theory_label)
    if theory_points is not None:
        ax.plot(x, theory_points, "x", ms=7, label=f"{theory_label} (points)")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
