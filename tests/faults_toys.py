"""Helpers for the fault tests: task functions that crash their process, and a script that
runs toy claims through `run_suite` with a cache (so that a test can kill it mid-run).

Importable by worker processes (tests/ is on their path: pytest's rootdir conftest, and
spawned processes inherit sys.path).
"""
import json
import os
import sys
import time
from pathlib import Path


def die_once(marker: str, value: float, seed: int) -> dict:
    """Kill this process the first time it runs (no marker file yet), succeed afterwards."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died once")
        os._exit(1)
    return {"value": value, "seed": seed}


def always_die(seed: int) -> dict:
    os._exit(1)


def sleepy(value: float, sleep: float, seed: int) -> dict:
    time.sleep(sleep)
    return {"value": value, "seed": seed, "pid": os.getpid()}


def overflow(seed: int) -> dict:
    """Overflows twice (numpy RuntimeWarnings) and returns the non-finite count."""
    import numpy as np

    with np.errstate(over="warn"):
        x = np.exp(np.full(2, 1000.0))
        y = np.exp(np.full(2, 2000.0))
    return {"infinite": int(np.isinf(x).sum() + np.isinf(y).sum())}


def main(cache_path: str, claim_ids: str) -> None:
    """Run the named toy claims with a cache; print one JSON line of verdicts and task counts."""
    from relu_hmc.cache import ResultCache
    from relu_hmc.claims import select
    from relu_hmc.suite import run_suite

    with ResultCache(cache_path) as cache:
        suite = run_suite(select(claim_ids.split(",")), cache=cache, progress_stream=None)
    print(json.dumps({"verdicts": {r.claim.id: r.verdict.as_dict() for r in suite.results},
                      "run": suite.tasks_run, "cached": suite.tasks_cached}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
