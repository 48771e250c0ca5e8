"""Seed sweep of the verification suite (run by hand): every claim must pass at every seed.

    python benchmarks/seed_sweep.py [--seeds 0 1 2 3 4 5 6 7 8 9] [--budget quick] [--out DIR]

Each seed is a fresh `relu-hmc verify --budget B --seed S --out DIR/seed-S --quiet` process
(its own results cache, so no seed reuses another's numbers). Prints a Markdown table: one row
per claim, one column per seed, PASS / FAIL (observations, which cannot fail, are marked
"obs"), then the failing verdicts with their numbers. Exit 1 if any claim failed at any seed.
With z = 4 and a few dozen claims a correct suite fails spuriously at a given seed with
probability ~0.3% (relu_hmc.claims.base.Z), so a failure here points at a claim, not at luck.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_seed(seed: int, budget: str, out: Path) -> tuple[list[dict], float, int]:
    exe = shutil.which("relu-hmc")
    if exe is None:
        sys.exit("relu-hmc is not on PATH: pip install -e . first")
    report = out / f"seed-{seed}"
    start = time.perf_counter()
    proc = subprocess.run([exe, "verify", "--budget", budget, "--seed", str(seed), "--out", str(report), "--quiet"],
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    path = report / "report.json"
    if not path.exists():
        sys.exit(f"seed {seed}: relu-hmc verify exited {proc.returncode} without a report:\n{proc.stderr[-2000:]}")
    return json.loads(path.read_text())["claims"], wall, proc.returncode


def cell(claim: dict) -> str:
    if claim.get("kind", "claim") == "observation":
        return "obs"
    return "PASS" if claim["verdict"]["passed"] else "FAIL"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(10)))
    parser.add_argument("--budget", choices=("quick", "full"), default="quick")
    parser.add_argument("--out", type=Path, default=None, help="report directories (default: a temporary one)")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="seed-sweep-"))
    table, failures, walls = {}, [], {}
    for seed in args.seeds:
        claims, walls[seed], code = run_seed(seed, args.budget, out)
        print(f"seed {seed}: exit {code}, {walls[seed]:.0f} s", file=sys.stderr)
        for c in claims:
            table.setdefault(c["id"], {})[seed] = cell(c)
            if cell(c) == "FAIL":
                v = c["verdict"]
                failures.append(f"seed {seed} {c['id']}: {v['quantity']}: measured {v['measured']} ± {v['se']} "
                                f"vs predicted {v['predicted']} (tolerance {v['tolerance']}); {v['detail']}")
    print(f"| claim | {' | '.join(f'seed {s}' for s in args.seeds)} |")
    print(f"|---|{'---|' * len(args.seeds)}")
    for claim_id in sorted(table):
        print(f"| {claim_id} | {' | '.join(table[claim_id].get(s, '-') for s in args.seeds)} |")
    print(f"\nbudget {args.budget}; wall per seed: " + ", ".join(f"{s}: {walls[s]:.0f} s" for s in args.seeds))
    for line in failures:
        print(line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
