"""Figures for the report (matplotlib, Agg backend: no display needed).

A claim with a ``plot(ax, prediction, measurements)`` gets one figure, saved three times:
PNG (HTML and Markdown), PDF and SVG (vector, for the PDF report and for a paper's appendix).
`render` puts PASS / FAIL (OBSERVED for an observation) and the compared quantity in the title
and draws the verdict strip under the claim's axes (relu_hmc.plots_verdict: per verdict part
the prediction, the tolerance band predicted ± tolerance, the measurement ± z SE, pass/fail,
quantity and resolution). A plot function with the attribute ``panels = n`` gets a tuple of n
axes side by side (e.g. Var(dH) and acceptance of two contrasting regimes). The helpers
draw the common kinds so that claim modules stay short; every one
draws the measurement with its error bars *and* the prediction it is judged against:

- `loglog_with_slope`: |error| against eps on log-log axes with the predicted slope (and an
  optional band of slopes the tolerance allows);
- `measured_vs_theory`: points ± SE against a theory curve, theory points, or a theory band;
- `efficiency_curve`: efficiency (ESJD per gradient, ± SE) against acceptance (± SE) with the
  predicted optimum as a line or a band;
- `regimes`: several measured series (e.g. the stable gamma = 1/2 and the collapsing
  gamma = 1/4 series of a kinked target) on one axes, each with its own prediction.

Axis labels should carry units or say "dimensionless"; `axis_label("step size", "eps")` builds
the common form "step size eps".
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

#: The formats every figure is written in (the first is the one HTML and Markdown show).
FORMATS: tuple[str, ...] = ("png", "pdf", "svg")
FIGSIZE = (5.6, 3.9)
DPI = 200  # PNG resolution: sharp in report.pdf at ~150 mm wide
MEASURED_STYLE = dict(fmt="o", ms=4, capsize=2.5, elinewidth=1.0, zorder=3)
THEORY_COLOR = "black"
#: Characters of a title line that fit the figure width at the title's font size.
TITLE_WIDTH = 86


def figure_name(claim_id: str) -> str:
    return claim_id.replace("/", "__").replace(" ", "_") + ".png"


def vector_paths(png_path: str | Path) -> dict[str, str]:
    """{"pdf": ..., "svg": ...} beside a figure's PNG (same stem)."""
    p = Path(png_path)
    return {fmt: str(p.with_suffix(f".{fmt}")) for fmt in FORMATS if fmt != "png"}


def save(fig, png_path: str | Path) -> Path:
    """Write `fig` as PNG, PDF and SVG (same stem) and close it; returns the PNG path."""
    path = Path(png_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context({"pdf.fonttype": 42}):  # TrueType text in the PDF (editable); SVG text as paths
        for fmt in FORMATS:
            fig.savefig(path.with_suffix(f".{fmt}"), format=fmt, dpi=DPI if fmt == "png" else None)
    plt.close(fig)
    return path


def _fmt(x, digits=3) -> str:
    if x is None:
        return "nan"
    x = float(x)
    return f"{x:.{digits}g}" if math.isfinite(x) else "nan"


def verdict_title(claim_id: str, verdict: dict | None = None, passed: bool | None = None, *,
                  observation: bool = False) -> str:
    """'claim-id: PASS' (OBSERVED for an observation, which is never counted) and, given the
    verdict dict, a second line with the compared quantity (the headline part of a composite
    claim); the numbers of every part are in the verdict strip under the figure."""
    if verdict is not None:
        passed = bool(verdict.get("passed"))
    status = "" if passed is None else (": PASS" if passed else ": FAIL")
    status = ": OBSERVED (not counted)" if observation else status
    title = f"{claim_id}{status}"
    if verdict is not None and verdict.get("quantity") == "error":
        title += "\ncomparison raised an error: see the report"
    elif verdict is not None:
        quantity = str(verdict.get("quantity") or "")
        quantity = quantity if len(quantity) <= TITLE_WIDTH else quantity[:TITLE_WIDTH - 1] + "…"
        title += f"\n{quantity}"
    return title


def _sparse_minor_log_ticks(ax) -> None:
    """Minor ticks of a log axis at 2 and 5 times the powers of ten only: on a range under a
    decade matplotlib labels every minor tick and the labels overlap. Under a decade the tick
    labels are plain numbers ('0.266'), not '2.66 x 10^-1'."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    plain = FuncFormatter(lambda value, _: f"{value:.3g}")
    for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
        if scale == "log":
            axis.set_minor_locator(LogLocator(base=10.0, subs=(2.0, 5.0)))
            lo, hi = sorted(axis.get_view_interval())
            if lo > 0 and hi / lo < 10.0:
                axis.set_major_formatter(plain)
                axis.set_minor_formatter(plain)


def render(claim, prediction: dict, measurements: dict, path: Path, *, passed: bool | None = None,
           verdict: dict | None = None) -> bool:
    """Draw `claim.plot` into `path` (PNG) and its PDF/SVG twins, with the verdict strip
    (relu_hmc.plots_verdict) under it when the verdict dict is given; False (and no file) when
    the claim has no plot or its plot raised (the report then says so)."""
    from relu_hmc import plots_verdict

    if claim.plot is None or prediction is None or any(v is None for v in measurements.values()):
        return False
    strip = plots_verdict.strip_inches(verdict)
    panels = getattr(claim.plot, "panels", 1)  # a plot that wants several axes side by side gets a tuple
    width = FIGSIZE[0] * (1.0 if panels == 1 else 1.45)
    fig = plt.figure(figsize=(width, FIGSIZE[1] + strip), dpi=DPI)
    grid = fig.add_gridspec(2 if strip else 1, panels, height_ratios=(FIGSIZE[1], strip) if strip else None)
    axes = [fig.add_subplot(grid[0, i]) for i in range(panels)]
    strip_ax = fig.add_subplot(grid[1, :]) if strip else None
    observation = getattr(claim, "kind", "claim") == "observation"
    try:
        claim.plot(axes[0] if panels == 1 else tuple(axes), prediction, measurements)
        title = verdict_title(claim.id, verdict, passed, observation=observation)
        failed = not observation and (verdict is not None and not verdict.get("passed") or passed is False)
        for ax in axes:
            _sparse_minor_log_ticks(ax)
            ax.grid(True, which="both", alpha=0.3)
            if ax.get_legend() is None and ax.get_legend_handles_labels()[0]:  # keep a claim's own placement
                ax.legend(fontsize=7)
        title_color = "#b00000" if failed else "black"
        if panels == 1:
            axes[0].set_title(title, fontsize=8, color=title_color)
        else:
            fig.suptitle(title, fontsize=8, color=title_color)
        if strip_ax is not None:
            plots_verdict.draw(strip_ax, verdict, observation=observation, width=width / FIGSIZE[0])
        fig.tight_layout()
        save(fig, path)
        return True
    except Exception:  # noqa: BLE001 - a broken figure must not lose the report
        return False
    finally:
        plt.close(fig)


def color_cycle() -> list:
    """The colours of matplotlib's default cycle (to draw a series and its prediction alike)."""
    return plt.rcParams["axes.prop_cycle"].by_key()["color"]


def predicted_value(ax, measured: float, se: float | None, predicted: float, *, ylabel: str,
                    label: str = "measured", theory_label: str = "theory") -> None:
    """One measured value ± SE (at x = 0) against the predicted value as a horizontal line; with
    no SE the legend says so rather than drawing an invented bar."""
    no_se = se is None or not math.isfinite(float(se))
    ax.errorbar([0.0], [measured], yerr=None if no_se else [se],
                label=f"{label}" + (" (no SE)" if no_se else " (± SE)"), **MEASURED_STYLE)
    ax.axhline(predicted, color=THEORY_COLOR, ls="--", lw=1.2, label=f"{theory_label}: {predicted:.5g}")
    ax.set_xlim(-1.0, 1.0)
    ax.set_xticks([])
    ax.set_ylabel(ylabel)


def axis_label(what: str, symbol: str = "", unit: str = "") -> str:
    """'what symbol [unit]' (e.g. axis_label("step size", "eps"), axis_label("time", "T", "s"))."""
    text = f"{what} {symbol}".strip()
    return f"{text} [{unit}]" if unit else text


def loglog_with_slope(ax, x, y, se=None, *, slope: float, label: str, xlabel: str, ylabel: str,
                      fitted: float | None = None, slope_band: float | None = None, color=None,
                      theory_label: str | None = None) -> None:
    """Measured |y| against x on log-log axes (with ±SE bars) and a reference line of the
    predicted slope through the geometric centre of the points; with ``slope_band`` the
    lines of slope ± slope_band (the tolerance) bound a shaded band. With ``color`` the
    points and their theory line share it (several series on one axes)."""
    x, y = np.asarray(x, float), np.abs(np.asarray(y, float))
    yerr = None if se is None else np.asarray(se, float)
    ax.errorbar(x, y, yerr=yerr, label=f"measured {label} (± SE)", color=color, **MEASURED_STYLE)
    positive = y > 0
    cx = math.exp(np.mean(np.log(x[positive]))) if positive.any() else 1.0
    cy = math.exp(np.mean(np.log(y[positive]))) if positive.any() else 1.0
    xs = np.geomspace(x.min(), x.max(), 50)
    ax.plot(xs, cy * (xs / cx) ** slope, "--", color=color or THEORY_COLOR,
            label=theory_label or f"theory: slope {slope:g}")
    if slope_band:
        ax.fill_between(xs, cy * (xs / cx) ** (slope - slope_band), cy * (xs / cx) ** (slope + slope_band),
                        color=color or "grey", alpha=0.2, label=f"slope {slope:g} ± {slope_band:.2g} (tolerance)")
    if fitted is not None:
        ax.plot([], [], " ", label=f"fitted slope {fitted:.3f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def measured_vs_theory(ax, x, measured, se, *, theory_x=None, theory_y=None, theory_points=None,
                       theory_band=None, xlabel: str, ylabel: str, label: str = "measured",
                       theory_label: str = "theory", logx: bool = False, color=None) -> None:
    """Measured points ±SE with the prediction as a curve (theory_x, theory_y), as points at x
    (theory_points), and/or as a band (theory_band = (x, lower, upper), e.g. the tolerance)."""
    ax.errorbar(x, measured, yerr=se, label=f"{label} (± SE)", color=color, **MEASURED_STYLE)
    if theory_x is not None:
        ax.plot(theory_x, theory_y, "-", color=color or THEORY_COLOR, lw=1.2, label=theory_label)
    if theory_points is not None:
        points = np.broadcast_to(np.asarray(theory_points, float), np.shape(x))
        ax.plot(x, points, "_", ms=14, mew=2, color=color or THEORY_COLOR,
                label=theory_label if theory_x is None else f"{theory_label} (points)")
    if theory_band is not None:
        bx, lo, hi = theory_band
        ax.fill_between(bx, lo, hi, color=color or "grey", alpha=0.2, label=f"{theory_label} (band)")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def efficiency_curve(ax, acceptance, efficiency, efficiency_se, *, acceptance_se=None, optimum=None,
                     optimum_band=None, label: str = "measured", color=None, normalise: bool = True,
                     xlabel: str = "acceptance probability (dimensionless)",
                     ylabel: str = "ESJD per gradient evaluation") -> None:
    """Efficiency ± SE against acceptance ± SE, the predicted optimal acceptance as a vertical
    line (``optimum``) and/or band (``optimum_band`` = (lo, hi)). With ``normalise`` the
    efficiency and its SE are divided by the largest measured value (the shape is what the
    optimum is judged by)."""
    eff = np.asarray(efficiency, float)
    se = np.asarray(efficiency_se, float)
    scale = float(np.nanmax(eff)) if normalise and np.isfinite(eff).any() and np.nanmax(eff) > 0 else 1.0
    ax.errorbar(acceptance, eff / scale, yerr=se / scale, xerr=acceptance_se, fmt="o-", ms=3.5, capsize=2,
                lw=0.8, color=color, label=f"{label} (± SE)")
    if optimum is not None:
        ax.axvline(optimum, color=THEORY_COLOR, ls="--", lw=1.2, label=f"theory optimum {optimum:.3f}")
    if optimum_band is not None:
        ax.axvspan(*optimum_band, color="grey", alpha=0.2, label="tolerance around the optimum")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"{ylabel} (relative to max)" if normalise else ylabel)


def regimes(ax, series, *, xlabel: str, ylabel: str, logx: bool = False, logy: bool = False) -> None:
    """Several regimes on one axes. `series`: dicts with keys x, y, se, label and optionally
    theory (a constant level or a list at x), theory_label, color. Each regime's prediction is
    drawn in its own colour next to its measurement (e.g. the stable gamma = 1/2 series with
    the predicted a(l) level, and the collapsing gamma = 1/4 series heading to 0)."""
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, s in enumerate(series):
        color = s.get("color") or cycle[i % len(cycle)]
        ax.errorbar(s["x"], s["y"], yerr=s.get("se"), color=color, label=f"{s['label']} (± SE)", **MEASURED_STYLE)
        theory = s.get("theory")
        if theory is not None:
            level = np.broadcast_to(np.asarray(theory, float), np.shape(s["x"]))
            ax.plot(s["x"], level, "--", color=color, lw=1.2, label=s.get("theory_label", f"theory ({s['label']})"))
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
