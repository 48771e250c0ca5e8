"""Toy claims for testing the suite machinery (cache, executors, verify, report) quickly.

Registered only when this module is named in RELU_HMC_CLAIM_MODULES (so that pytest's
collection of this file does not add them to a normal run). The measurement draws normal
numbers (their mean has a known SE) and can sleep, so a run can be killed midway.
"""
import os
import time

import numpy as np

from relu_hmc.claims.base import Claim, Task, register, within

MODULE = "test_suite_toys"


def toy_predict(value):
    return {"value": value}


def toy_measure(value, n, sleep, index, seed):
    if sleep:
        time.sleep(sleep)
    x = np.random.default_rng(seed).normal(value, 1.0, n)
    return {"mean": float(x.mean()), "se": float(x.std(ddof=1) / np.sqrt(n)), "index": index}


def toy_raise(seed):
    raise RuntimeError("this toy task always fails")


def compare(prediction, measurements):
    means = np.array([m["mean"] for m in measurements.values()])
    ses = np.array([m["se"] for m in measurements.values()])
    se = float(np.sqrt(np.sum(ses ** 2)) / len(ses))
    return within(prediction["value"], float(means.mean()), se, quantity="mean")


def plot(ax, prediction, measurements):
    ax.errorbar(range(len(measurements)), [m["mean"] for m in measurements.values()],
                yerr=[m["se"] for m in measurements.values()], fmt="o")
    ax.axhline(prediction["value"], label="theory")


def toy_claim(claim_id, predicted, true_value, n_tasks=3, sleep=0.0, fn=None):
    def tasks(budget):
        n = 200 if budget == "quick" else 2000
        if fn is not None:
            return [Task(fn, {}, "t0")]
        return [Task(f"{MODULE}:toy_measure", {"value": true_value, "n": n, "sleep": sleep, "index": i}, f"t{i}")
                for i in range(n_tasks)]
    return Claim(claim_id, f"toy claim {claim_id}", "tests", "toy", Task(f"{MODULE}:toy_predict",
                                                                        {"value": predicted}),
                 tasks, compare, plot)


CLAIMS = [
    toy_claim("toy/pass", 1.0, 1.0),
    toy_claim("toy/pass-shared", 1.0, 1.0),       # identical tasks: computed once
    toy_claim("toy/wrong", 2.0, 1.0),
    toy_claim("toy/raises", 1.0, 1.0, fn=f"{MODULE}:toy_raise"),
    toy_claim("toy/slow", 0.0, 0.0, n_tasks=8, sleep=0.6),
]

if MODULE in os.environ.get("RELU_HMC_CLAIM_MODULES", ""):
    for _claim in CLAIMS:
        register(_claim)
