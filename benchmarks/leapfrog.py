"""Coordinate-steps per second of the leapfrog kernel: Cython vs the NumPy twin vs plain C.

    python benchmarks/leapfrog.py [--quick] [--steps L] [--repeats R]

For one chain in dimension d = 1e2 .. 1e6 (n_chains * d * L coordinate-steps per call, L = 20
by default) it times, in one run and on the same inputs:

- ``cython``: ``_fastcore._leapfrog_c.trajectory`` (the compiled kernel);
- ``numpy``: ``_fastcore._leapfrog_py.trajectory`` (the pure fallback);
- ``C floor``: benchmarks/leapfrog_floor.c, the same algorithm as a plain C loop, compiled
  here with ``cc -O3 -ffp-contract=off -shared -fPIC`` into benchmarks/_build/ and called
  through ctypes (piecewise-quadratic family only: gaussian, laplace, piecewise linear).

Each time is the best of R repeats of CPU time (time.process_time, so that other load on a
shared machine counts less), each repeat long enough to be timed reliably; the C floor
repeats its work inside one C call, so no Python overhead is in its time, while the Cython
time includes the call and the allocation of the outputs. The three implementations must
return the same numbers, to the bit (checked before timing). Prints a
Markdown table; the targets of issue 2 are Cython within 1.5x of the C floor and at least
5x faster than NumPy at d = 1e3.
"""
from __future__ import annotations

import argparse
import ctypes
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from relu_hmc._fastcore import _leapfrog_c as compiled  # noqa: E402
from relu_hmc._fastcore import _leapfrog_py as pure  # noqa: E402
from relu_hmc.numerics import potentials  # noqa: E402

BUILD = HERE / "_build"
SOURCE = HERE / "leapfrog_floor.c"
FLAGS = ["-O3", "-ffp-contract=off", "-shared", "-fPIC"]

FAMILIES = {
    "gaussian": potentials.gaussian(),
    "laplace": potentials.laplace(),
    "piecewise_linear (4 kinks)": potentials.piecewise_linear([-1.0, -0.3, 0.4, 1.2], [-2.0, -1.0, 0.3, 1.0, 2.5]),
}


def build_floor() -> ctypes.CDLL:
    BUILD.mkdir(exist_ok=True)
    library = BUILD / "leapfrog_floor.so"
    compiler = os.environ.get("CC", "cc")
    subprocess.run([compiler, *FLAGS, "-o", str(library), str(SOURCE), "-lm"], check=True)
    floor = ctypes.CDLL(str(library))
    floor.leapfrog_piecewise_quadratic.restype = None
    floor.leapfrog_piecewise_quadratic.argtypes = (
        [ctypes.c_void_p] * 2 + [ctypes.c_ssize_t] + [ctypes.c_void_p] * 6 + [ctypes.c_ssize_t] * 2
        + [ctypes.c_double, ctypes.c_ssize_t, ctypes.c_ssize_t])
    return floor


class FloorCall:
    """The C floor on fixed arrays; `run(k)` does the whole computation k times in one C call."""

    def __init__(self, floor, potential, q0, p0, eps, n_steps):
        n_chains, d = q0.shape
        self.out = (np.empty_like(q0), np.empty_like(p0), np.empty(n_chains), np.zeros(n_chains, dtype=np.int64))
        self.keep = (potential.params, potential.kinks, q0, p0)  # alive while pointers are in use
        self.function = floor.leapfrog_piecewise_quadratic
        self.args = (potential.params.ctypes.data, potential.kinks.ctypes.data, potential.kinks.size,
                     q0.ctypes.data, p0.ctypes.data, *(a.ctypes.data for a in self.out), n_chains, d, eps, n_steps)

    def run(self, times: int = 1):
        self.function(*self.args, times)
        return self.out


def best_time(run, repeats: int, min_seconds: float = 0.05, batched: bool = False) -> float:
    """Best per-call CPU time (time.process_time: the machine may be shared) over `repeats`
    rounds of enough calls to last `min_seconds`. `batched`: run(k) itself repeats k times."""
    start = time.process_time()
    run()
    single = time.process_time() - start
    calls = max(1, int(min_seconds / max(single, 1e-6)))
    best = float("inf") if calls > 1 else single
    for _ in range(repeats):
        start = time.process_time()
        if batched:
            run(calls)
        else:
            for _ in range(calls):
                run()
        best = min(best, (time.process_time() - start) / calls)
    return best


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs (nproc), {model}, {platform.system()} {platform.machine()}, Python {platform.python_version()}, NumPy {np.__version__}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="d up to 1e5, fewer repeats")
    parser.add_argument("--steps", type=int, default=20, help="leapfrog steps per call (default 20)")
    parser.add_argument("--repeats", type=int, default=5, help="timing rounds, best taken (default 5)")
    args = parser.parse_args(argv)
    floor = build_floor()
    dims = [10 ** k for k in range(2, 6 if args.quick else 7)]
    repeats = 2 if args.quick else args.repeats
    eps, n_steps = 0.1, args.steps
    rng = np.random.default_rng(0)

    rows = []
    for name, potential in FAMILIES.items():
        for d in dims:
            q0, p0 = rng.standard_normal((1, d)), rng.standard_normal((1, d))
            fam, params, kinks = potential.family, potential.params, potential.kinks
            floor_call = FloorCall(floor, potential, q0, p0, eps, n_steps)
            runs = {
                "cython": lambda: compiled.trajectory(fam, params, kinks, q0, p0, eps, n_steps),
                "floor": floor_call.run,
                "numpy": lambda: pure.trajectory(fam, params, kinks, q0, p0, eps, n_steps),
            }
            results = {key: run() for key, run in runs.items()}
            for key in ("floor", "numpy"):
                for a, b in zip(results["cython"], results[key]):
                    if not np.array_equal(a, b):
                        raise SystemExit(f"{name}, d={d}: {key} does not return the Cython kernel's numbers")
            seconds = {key: best_time(run, repeats if key != "numpy" or d < 10 ** 6 else 1, batched=key == "floor")
                       for key, run in runs.items()}
            rate = {key: d * n_steps / t for key, t in seconds.items()}
            rows.append((name, d, rate, seconds["cython"] / seconds["floor"], seconds["numpy"] / seconds["cython"]))
            print(f"  {name:28s} d={d:>8d}: cython {rate['cython'] / 1e6:8.1f}  C floor {rate['floor'] / 1e6:8.1f}"
                  f"  numpy {rate['numpy'] / 1e6:8.2f} M coordinate-steps/s", file=sys.stderr, flush=True)

    print(f"Leapfrog kernel throughput, one chain, L = {n_steps} steps per call, eps = {eps} "
          f"(million coordinate-steps per second, best of {repeats}).\n")
    print(f"Machine: {machine()}; {datetime.date.today().isoformat()}.\n")
    print("| family | d | Cython | C floor (-O3) | NumPy | Cython time / C floor time | NumPy time / Cython time |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, d, rate, vs_floor, vs_numpy in rows:
        print(f"| {name} | 1e{round(np.log10(d))} | {rate['cython'] / 1e6:.1f} | {rate['floor'] / 1e6:.1f} | "
              f"{rate['numpy'] / 1e6:.2f} | {vs_floor:.2f} | {vs_numpy:.1f} |")
    at_1e3 = [row for row in rows if row[1] == 1000]
    ok = all(vs_floor <= 1.5 and vs_numpy >= 5.0 for _, _, _, vs_floor, vs_numpy in at_1e3)
    print(f"\nTargets at d = 1e3 (Cython <= 1.5x the C floor's time, >= 5x faster than NumPy): "
          f"{'met' if ok else 'NOT met'}.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
