"""Wall time of `relu-hmc derive` on piecewise-linear potentials with n kinks (run by hand).

    python benchmarks/derive.py [--kinks 2 4 8 16 32] [--repeats 1]

For each n the potential is U(q) = sum_{i<n} |q - i/10| (jump 2 at each kink). Each run is a
fresh `relu-hmc derive EXPR --json` process, so the time includes Python start-up and the
imports (what a user waits for) and no memoised analysis is reused between runs. Prints a
Markdown table (best of R wall times) with sigma0 and the machine, for README's Performance
section. Before issue 16 the analysis folded the whole Piecewise (2^n branches): 1.0 s at
n = 2, 15 s at n = 8, minutes at n = 20.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time


def potential(n_kinks: int) -> str:
    return "+".join(f"Abs(q-{i}/10)" for i in range(n_kinks))


def time_derive(n_kinks: int, repeats: int) -> tuple[float, dict]:
    exe = shutil.which("relu-hmc")
    command = [exe] if exe else [sys.executable, "-m", "relu_hmc.cli"]
    best, law = float("inf"), {}
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run([*command, "derive", potential(n_kinks), "--json"], capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"derive failed for {n_kinks} kinks: {done.stderr.strip()}")
        best, law = min(best, elapsed), json.loads(done.stdout)
    return best, law


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinks", type=int, nargs="+", default=[2, 4, 8, 16, 32])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    rows = []
    for n in args.kinks:
        seconds, law = time_derive(n, args.repeats)
        rows.append((n, seconds, law["sigma0"]))
        print(f"  {n} kinks: {seconds:.2f} s", file=sys.stderr)
    print(f"`relu-hmc derive` wall time, U = sum_i |q - i/10| (best of {args.repeats}, fresh process each).\n")
    print(f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}; "
          f"{datetime.date.today().isoformat()}.\n")
    print("| kinks | " + " | ".join(str(n) for n, _, _ in rows) + " |")
    print("| --- | " + " | ".join("---:" for _ in rows) + " |")
    print("| wall time (s) | " + " | ".join(f"{s:.2f}" for _, s, _ in rows) + " |")
    print("| sigma0 (T = 1) | " + " | ".join(f"{v:.4g}" for _, _, v in rows) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
