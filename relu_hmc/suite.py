"""Run claims: collect their tasks, reuse cached results, execute the rest, judge each claim.

`run_suite` is the engine behind `relu-hmc verify`:

1. each claim contributes its theory call (no seed) and its measurement tasks for the budget
   (seed = `derive_seed(run seed, task config)`); identical tasks of different claims are
   merged (same key), so they are computed once;
2. tasks whose key is in the cache are reused; the others go to the executor, and each
   result is written to the cache the moment it arrives (a killed run resumes from there);
3. every claim's comparison turns (prediction, measurements) into a `Verdict`. A claim one
   of whose tasks raised fails with that error; it is not skipped.
4. observations (``Claim.kind == "observation"``) run and get a verdict like claims, but
   `SuiteResult.passed` and the counts ignore their verdicts (only an error in one counts).
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Callable, TextIO

from relu_hmc.cache import ResultCache, task_key
from relu_hmc.claims.base import Claim, Verdict, derive_seed
from relu_hmc.executors import Executor, InlineExecutor
from relu_hmc.progress import Progress, TaskTimes


@dataclass
class TaskRecord:
    """A unique task of the run: its config, key, outcome and where the outcome came from."""

    config: dict
    key: str
    result: dict | None = None
    error: str | None = None
    seconds: float = 0.0
    cached: bool = False
    done: bool = False


@dataclass
class ClaimResult:
    claim: Claim
    verdict: Verdict
    prediction: dict | None
    measurements: dict
    task_keys: dict            # label -> key ("__prediction__" for the theory call)
    compute_seconds: float     # sum of the compute times of its tasks (cached ones included)
    cached_tasks: int
    total_tasks: int

    def as_dict(self) -> dict:
        c = self.claim
        return {
            "id": c.id, "kind": c.kind, "statement": c.statement, "source": c.source, "family": c.family,
            "verdict": self.verdict.as_dict(), "prediction": self.prediction,
            "measurements": self.measurements, "task_keys": self.task_keys,
            "compute_seconds": self.compute_seconds, "cached_tasks": self.cached_tasks,
            "total_tasks": self.total_tasks,
        }


@dataclass
class SuiteResult:
    results: list[ClaimResult]
    budget: str
    seed: int
    wall_seconds: float
    tasks_run: int
    tasks_cached: int
    tasks_failed: int
    import_errors: dict = field(default_factory=dict)

    @property
    def claims(self) -> list[ClaimResult]:
        """Results of the falsifiable claims (kind "claim"): what pass/fail counts."""
        return [r for r in self.results if r.claim.kind == "claim"]

    @property
    def observations(self) -> list[ClaimResult]:
        """Results of the observations: computed and reported, never counted as passed."""
        return [r for r in self.results if r.claim.kind == "observation"]

    @property
    def passed(self) -> bool:
        """Every claim passed and nothing broke: an observation's verdict does not count, but an
        observation whose tasks or comparison raised (quantity "error") does."""
        return (not self.import_errors and all(r.verdict.passed for r in self.claims)
                and not any(r.verdict.quantity == "error" for r in self.observations))


PREDICTION = "__prediction__"


def plan(claims: list[Claim], budget: str, seed: int) -> tuple[dict[str, TaskRecord], dict[str, dict], dict]:
    """(records by key, {claim id: {label: key}}, {claim id: error}) for the claims' tasks."""
    records: dict[str, TaskRecord] = {}
    keys_by_claim: dict[str, dict] = {}
    plan_errors: dict[str, str] = {}
    for claim in claims:
        try:
            tasks = [claim.prediction.with_seed(None)]
            tasks += [t.with_seed(derive_seed(seed, t)) for t in claim.tasks(budget)]
        except Exception as exc:  # noqa: BLE001 - a claim that cannot list its tasks fails
            plan_errors[claim.id] = f"could not list tasks: {type(exc).__name__}: {exc}".splitlines()[0]
            keys_by_claim[claim.id] = {}
            continue
        labels = {}
        for i, task in enumerate(tasks):
            config = task.config()
            key = task_key(config)
            records.setdefault(key, TaskRecord(config, key))
            labels[PREDICTION if i == 0 else task.label] = key
        keys_by_claim[claim.id] = labels
    return records, keys_by_claim, plan_errors


def run_suite(claims: list[Claim], *, budget: str = "quick", seed: int = 0,
              executor: Executor | None = None, cache: ResultCache | None = None,
              progress_stream: TextIO | None = sys.stderr, import_errors: dict | None = None,
              on_task: Callable[[TaskRecord], None] | None = None,
              task_times: TaskTimes | None = None) -> SuiteResult:
    """Run `claims` (see the module docstring); returns every verdict with its data.

    `task_times` (relu_hmc.progress.TaskTimes): compute times of earlier runs for the ETA;
    this run's times are added to it and saved."""
    start = time.perf_counter()
    executor = InlineExecutor() if executor is None else executor
    cache = ResultCache(None) if cache is None else cache  # (an empty cache is falsy: len 0)
    records, keys_by_claim, plan_errors = plan(claims, budget, seed)
    owners: dict[str, str] = {}
    for claim_id, labels in keys_by_claim.items():
        for label, key in labels.items():
            owners.setdefault(key, f"{claim_id} {label}")

    slots = 1 if isinstance(executor, InlineExecutor) else getattr(executor, "jobs", None)
    progress = Progress(len(records), progress_stream, slots=slots, times=task_times)
    pending = []
    for key, record in records.items():
        hit = cache.get(key)
        if hit is not None:
            record.result, record.seconds = hit
            record.cached = record.done = True
            progress.cached(owners[key])
        else:
            pending.append(record)
    # theory calls first (they are cheap and every comparison needs one), then measurements
    pending.sort(key=lambda r: r.config["seed"] is not None)
    progress.start([(r.config, owners[r.key]) for r in pending])
    try:
        for index, outcome in executor.run([r.config for r in pending]):
            record = pending[index]
            record.result, record.error, record.seconds = outcome.result, outcome.error, outcome.seconds
            record.done = True
            if outcome.error is None:
                cache.put(record.key, record.config, outcome.result, outcome.seconds)
            progress.finished(index, outcome.seconds, failed=outcome.error is not None)
            if on_task is not None:
                on_task(record)
    finally:
        progress.close()

    results = []
    for claim in claims:
        labels = keys_by_claim[claim.id]
        used = [records[k] for k in labels.values()]
        errors = [f"{label}: {records[k].error}" for label, k in labels.items() if records[k].error]
        prediction = records[labels[PREDICTION]].result if PREDICTION in labels else None
        measurements = {label: records[k].result for label, k in labels.items() if label != PREDICTION}
        if claim.id in plan_errors:
            verdict = _error_verdict(plan_errors[claim.id])
        elif errors:
            verdict = _error_verdict(f"{len(errors)} task(s) raised; first: {errors[0]}")
        else:
            verdict = claim.evaluate(prediction, measurements)
        results.append(ClaimResult(claim, verdict, prediction, measurements, labels,
                                   sum(r.seconds for r in used), sum(r.cached for r in used), len(used)))
    return SuiteResult(results, budget, seed, time.perf_counter() - start,
                       tasks_run=sum(not r.cached for r in records.values()),
                       tasks_cached=sum(r.cached for r in records.values()),
                       tasks_failed=sum(r.error is not None for r in records.values()),
                       import_errors=dict(import_errors or {}))


def _error_verdict(message: str) -> Verdict:
    nan = float("nan")
    return Verdict(False, nan, nan, nan, nan, message, "error")
