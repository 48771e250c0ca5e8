"""Report sections that are not claims: theory's tuning advice and the BNN figures.

- Tuning advice: `relu_hmc.tuning_table` (theory.tuning, exact): the optimal acceptance and
  the efficiency lost at the default acceptance targets of common libraries.
- BNN figures: acceptance against step size, width and L per activation
  (numerics.bnn_experiments, the paper's Fig. 1 setting; Dinh, Ho, Nguyen, NeurIPS 2024,
  arXiv 2410.22065), drawn by `relu_hmc.plots_bnn`. The figures always use the quick-sized
  sweeps (about 30 s on 2 cores): the full-sized ones (`numerics.bnn_experiments.run_all("full")`,
  6 activations x 11 grid points x 16 chains x 300 proposals) alone would exceed the full
  budget's hour. The data are stored in the suite's result cache under the task key of
  `bnn_figure_data`, so a rerun redraws them without recomputing.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

BNN_FIGURES_TASK = "relu_hmc.report_extras:bnn_figure_data"
#: BNN config used for the report's figures, whatever the run's budget (see the module docstring).
BNN_FIGURES_BUDGET = "quick"


def tuning_advice() -> dict:
    """The tuning table as rows and Markdown."""
    from relu_hmc.tuning_table import to_markdown, tuning_table

    rows = tuning_table()
    return {"rows": rows, "markdown": to_markdown(rows)}


def bnn_figure_data(budget: str, seed: int) -> dict:
    """Acceptance sweeps (step size, width) and Fig. 1 (L, eps) per activation at `budget`."""
    from relu_hmc.numerics import bnn_config, bnn_experiments

    cfg = bnn_config.budget(budget)
    return {"budget": budget, "sweeps": bnn_experiments.acceptance_sweeps(cfg, seed),
            "fig1": bnn_experiments.fig1(cfg, seed)}


def bnn_figures(out_dir: Path, seed: int, cache, progress=sys.stderr, budget: str = BNN_FIGURES_BUDGET) -> list[str]:
    """Compute (or read from `cache`) the BNN figure data and draw the PNGs under out_dir/plots.

    Returns the figure paths relative to out_dir."""
    from relu_hmc.cache import task_key
    from relu_hmc.plots_bnn import make_bnn_figures

    config = {"fn": BNN_FIGURES_TASK, "kwargs": {"budget": budget, "seed": seed}}
    key = task_key(config)
    cached = cache.get(key)
    if cached is None:
        if progress:
            print("  bnn figures: running acceptance sweeps per activation ...", file=progress, flush=True)
        start = time.perf_counter()
        data = bnn_figure_data(budget, seed)
        cache.put(key, config, data, time.perf_counter() - start)
    else:
        data = cached[0]
    paths = make_bnn_figures(data, out_dir / "plots")
    return [str(Path(p).relative_to(out_dir)) for p in paths]
