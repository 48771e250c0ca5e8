"""`relu-hmc report DIR`: re-render every report format from DIR without recomputing anything.

Reads DIR/report.json (verdicts, predictions, measurements, summary, provenance as the run
recorded them; no claim is judged again), redraws each claim's figure with the claim's own
plot function (PNG, PDF, SVG), and writes report.md, .json, .html, .pdf, .tex (+ figure list,
report.bib). The raw task results come from the run's results cache when it still holds them
(report.json stores non-finite numbers as null); otherwise from report.json. A claim no longer
registered, or whose figure cannot be drawn, keeps the figure files the run left. The BNN
figures are redrawn from the cache entry `relu_hmc.report_extras` stored, if present.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from relu_hmc.errors import UsageError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="re-render report.md/.json/.html/.pdf/.tex of a verify run (no recomputation)",
        description="Re-render every report format of DIR (written by relu-hmc verify --out DIR) from its "
                    "report.json and results cache, without recomputing any task.")
    parser.add_argument("dir", metavar="DIR", help="report directory of an earlier `relu-hmc verify`")
    parser.add_argument("--cache", metavar="PATH", help="results cache to read raw results from "
                                                        "(default: the one the run used, if it exists)")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")


def load(directory: Path) -> dict:
    path = directory / "report.json"
    if not directory.is_dir():
        raise UsageError(f"{directory}: not a directory")
    try:
        report = json.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"{directory}: no report.json (write one with relu-hmc verify --out {directory})") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: not a readable report ({type(exc).__name__})") from None
    if not isinstance(report, dict) or not isinstance(report.get("claims"), list) or "summary" not in report:
        raise UsageError(f"{path}: not a relu-hmc report (no summary / claims)")
    return report


def _cache_path(args, directory: Path, report: dict) -> Path | None:
    if args.cache:
        path = Path(args.cache)
        if not path.is_file():
            raise UsageError(f"--cache {args.cache}: no such file")
        return path
    recorded = report["summary"].get("cache")
    for candidate in [directory / "cache.sqlite"] + ([Path(recorded)] if recorded and recorded != "disabled" else []):
        if candidate.is_file():
            return candidate
    return None


def raw_results(entry: dict, cache) -> tuple[dict | None, dict]:
    """(prediction, measurements) of a report entry: from the cache by the recorded task keys
    when every key is there, else as report.json stored them."""
    keys = entry.get("task_keys") or {}
    if cache is not None and keys:
        hits = {label: cache.get(key) for label, key in keys.items()}
        if all(hit is not None for hit in hits.values()):
            prediction = hits.pop("__prediction__", (entry.get("prediction"), 0))[0]
            return prediction, {label: hit[0] for label, hit in hits.items()}
    return entry.get("prediction"), entry.get("measurements") or {}


def run(args) -> int:
    from relu_hmc import report as report_module
    from relu_hmc.cache import ResultCache
    from relu_hmc.claims import all_claims

    start = time.perf_counter()
    directory = Path(args.dir)
    report = load(directory)
    cache_path = _cache_path(args, directory, report)
    try:
        cache = ResultCache(cache_path) if cache_path else None
    except ValueError as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    registry = {c.id: c for c in all_claims()}
    redrawn = kept = 0
    try:
        for entry in report["claims"]:
            claim = registry.get(entry.get("id"))
            if claim is None:
                kept += entry.get("figure") is not None
                continue
            prediction, measurements = raw_results(entry, cache)
            figures = report_module.draw_figures([(claim, prediction, measurements, entry["verdict"])], directory)
            if claim.id in figures:
                entry["figure"] = figures[claim.id]
                redrawn += 1
            else:
                kept += entry.get("figure") is not None
        if report.get("bnn_figures") and cache is not None:
            report["bnn_figures"] = _redraw_bnn(report, directory, cache) or report["bnn_figures"]
    finally:
        if cache is not None:
            cache.close()
    report_module.render_formats(report_module.clean(report), directory)
    if not args.quiet:
        print(f"re-rendered {directory / 'report.html'}, report.pdf, report.md, report.json, report.tex "
              f"({redrawn} figures redrawn, {kept} kept; {time.perf_counter() - start:.1f} s, nothing recomputed)")
    return 0


def _redraw_bnn(report: dict, directory: Path, cache) -> list[str] | None:
    from relu_hmc.cache import task_key
    from relu_hmc.plots_bnn import make_bnn_figures
    from relu_hmc.report_extras import BNN_FIGURES_BUDGET, BNN_FIGURES_TASK

    config = {"fn": BNN_FIGURES_TASK, "kwargs": {"budget": BNN_FIGURES_BUDGET, "seed": report["summary"]["seed"]}}
    hit = cache.get(task_key(config))
    if hit is None:  # computed by another code version: keep the files the run drew
        return None
    paths = make_bnn_figures(hit[0], directory / "plots")
    return [str(Path(p).relative_to(directory)) for p in paths]
