"""`relu-hmc verify`: run every claim, show progress, print the table, write the report.

Exit status: 0 when every claim passes, 1 when any fails (or a claim module does not
import, or the BNN figure data cannot be computed: the report is still written
and says why), 2 on bad usage (checked before anything runs; cached results are never lost).
The run ends with the list of failed claims (id, failing part, measured vs predicted); the
summary's wall time covers the whole run, figures and report included.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
import time
from pathlib import Path

from relu_hmc.errors import UsageError

DEFAULT_OUT = "relu-hmc-report"
#: Side file of the report directory: compute seconds per task of earlier runs (the ETA).
TASK_TIMES = "task_seconds.json"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if not 0 <= value < 2 ** 63:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, 2^63), got {value}")
    return value


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "verify", help="run every claim and write the report",
        description="Run every registered claim (theory prediction vs measurement) and write "
                    "report.md, .json, .html, .pdf, .tex (+ report.bib) and figures (PNG, PDF, SVG). "
                    "Exit 0 if all pass, 1 if any fails.")
    parser.add_argument("--budget", choices=("quick", "full"), default="quick",
                        help="task sizes: quick (< 3 min on 2 cores) or full (< 60 min); default quick")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"report directory (default {DEFAULT_OUT})")
    parser.add_argument("--json", action="store_true", help="print report.json to stdout instead of the table")
    parser.add_argument("--seed", type=_seed, default=0, metavar="N", help="run seed (default 0)")
    parser.add_argument("--jobs", type=_positive_int, default=None, metavar="N",
                        help="local worker processes (default: number of CPUs)")
    parser.add_argument("--executor", choices=("local", "dask"), default="local",
                        help="local process pool (default) or a dask.distributed cluster")
    parser.add_argument("--scheduler", metavar="ADDR", help="dask scheduler address (with --executor dask)")
    cache = parser.add_mutually_exclusive_group()
    cache.add_argument("--cache", metavar="PATH", help="results cache (SQLite; default DIR/cache.sqlite)")
    cache.add_argument("--no-cache", action="store_true", help="compute everything, store nothing")
    parser.add_argument("--only", action="append", metavar="PATTERN", default=None,
                        help="run only the claims whose id matches: an id, a family, or a glob such as "
                             "'acceptance-limit/*' (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def select_claims(patterns: list[str] | None):
    """Claims matching any pattern: a glob on claim ids (* ? [) or an id / family
    (relu_hmc.claims.select); a pattern that matches nothing is a usage error."""
    from relu_hmc.claims import all_claims, select

    if not patterns:
        return select(None)
    chosen = {}
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            hits = [c for c in all_claims() if fnmatch.fnmatchcase(c.id, pattern)]
            if not hits:
                raise UsageError(f"--only {pattern!r}: no claim id matches (see relu-hmc claims)")
        else:
            try:
                hits = select([pattern])
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        chosen.update((c.id, c) for c in hits)
    return [chosen[k] for k in sorted(chosen)]


def run(args) -> int:
    from relu_hmc import provenance, report
    from relu_hmc.cache import ResultCache
    from relu_hmc.claims import discovery_errors
    from relu_hmc.executors import make_executor
    from relu_hmc.progress import Phase, TaskTimes
    from relu_hmc.suite import run_suite

    start = time.perf_counter()
    stream = None if args.quiet else sys.stderr
    # --- validate everything before any work starts --------------------------------------
    if args.scheduler is not None and args.executor != "dask":
        raise UsageError("--scheduler is only used with --executor dask")
    if args.executor == "dask" and not args.scheduler:
        raise UsageError("--executor dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    if args.executor == "dask" and args.jobs is not None:
        raise UsageError("--jobs is for the local executor; dask uses its cluster's workers")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {args.out}: exists and is not a directory")
    cache_path = None if args.no_cache else Path(args.cache) if args.cache else out / "cache.sqlite"
    if cache_path is not None and cache_path.exists() and not cache_path.is_file():
        raise UsageError(f"--cache {cache_path}: exists and is not a file")
    claims = select_claims(args.only)
    jobs = args.jobs or (os.cpu_count() or 1)
    try:
        out.mkdir(parents=True, exist_ok=True)
        cache = ResultCache(cache_path)
    except (OSError, ValueError) as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    try:
        executor = make_executor(args.executor, jobs=jobs, scheduler=args.scheduler)
    except ValueError as exc:
        cache.close()
        raise UsageError(str(exc)) from None

    import_errors = discovery_errors() if not args.only else {}
    from relu_hmc import report_extras

    extras = {"tuning_advice": report_extras.tuning_advice()}
    figure_error = None
    with cache, executor:
        suite = run_suite(claims, budget=args.budget, seed=args.seed, executor=executor, cache=cache,
                          progress_stream=stream, import_errors=import_errors,
                          task_times=TaskTimes(out / TASK_TIMES))
        if not args.only:  # a selection is a partial run: no figure sections beyond its claims
            with Phase("BNN figures (acceptance sweeps; cached after a first run)", stream):
                try:
                    extras["bnn_figures"] = report_extras.bnn_figures(out, args.seed, cache, progress=None)
                except Exception as exc:  # noqa: BLE001 - the claims' report must not be lost
                    first = (str(exc).splitlines() or [""])[0]
                    figure_error = f"BNN figures not drawn: {type(exc).__name__}: {first}"
                    print(f"relu-hmc verify: {figure_error}", file=sys.stderr)
    settings = {"executor": executor.description, "jobs": jobs if args.executor == "local" else None,
                "cache": str(cache_path) if cache_path else "disabled", "selected": args.only,
                "out": str(out)}
    if figure_error:
        settings["bnn_figures_error"] = figure_error
    with Phase("writing the report (figures; .md .json .html .pdf .tex)", stream):
        data = report.write(suite, out, provenance.collect(), settings, extras, started=start)
    if args.json:
        print(json.dumps(data, indent=1))
    else:
        print(report.table(data))
        print(f"report: {out / 'report.html'} and {out / 'report.pdf'} (also report.md, .json, .tex, .bib); "
              f"{time.perf_counter() - start:.1f} s in all")
    return 0 if suite.passed and not figure_error else 1
