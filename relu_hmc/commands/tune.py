"""`relu-hmc tune --target smooth|kinked|EXPR [--T 1.0] [--json]`: tuning advice from theory.

Prints the optimal acceptance, the step-size scaling eps ~ d^(-gamma), and the efficiency
lost when a sampler adapts to the default acceptance targets 0.65, 0.75, 0.8 instead of the
optimum (relu_hmc.tuning_table). EXPR is a potential U(q) in SymPy syntax, classified by
theory.derive.derive_scaling_law (smooth, kinked or Hoelder).
"""
from __future__ import annotations

import json
import math

from relu_hmc.errors import UsageError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "tune", help="optimal acceptance and step-size scaling, and the cost of default acceptance targets",
        description="Tuning advice for leapfrog HMC from theory: optimal acceptance, eps ~ d^(-gamma), and the "
                    "efficiency lost at the acceptance targets samplers adapt to by default (0.65, 0.75, 0.8).")
    parser.add_argument("--target", required=True, metavar="smooth|kinked|EXPR",
                        help="a target class, or a potential U(q) such as 'Abs(q)' or 'q**2/2'")
    parser.add_argument("--T", dest="T", type=float, default=1.0,
                        help="integration time for an EXPR's Sigma_0 and optimal l (default 1.0)")
    parser.add_argument("--json", action="store_true", help="print the table as JSON")
    from relu_hmc.commands.derive import add_time_limit

    add_time_limit(parser)


def compute(target: str, T: float = 1.0, time_limit: float | None = None) -> list[dict]:
    """Rows for a target class or EXPR; an EXPR is derived under `time_limit` seconds
    (default limits.DEFAULT_DERIVE_SECONDS; see commands.derive.run_derivation)."""
    from relu_hmc import tuning_table
    from relu_hmc.commands.derive import run_derivation
    from relu_hmc.limits import DEFAULT_DERIVE_SECONDS

    if not isinstance(target, str) or not target.strip():
        raise UsageError("--target must be smooth, kinked or a potential EXPR")
    if not math.isfinite(T) or T <= 0:
        raise UsageError(f"--T must be a finite number > 0, got {T}")
    name = target.strip()
    if name in tuning_table.TARGET_CLASSES:
        k, text = tuning_table.TARGET_CLASSES[name]
        return [tuning_table.tuning_row(name, k, text)]
    try:
        return [run_derivation("tune", tuning_table.expression_row, name, T=T,
                               seconds=DEFAULT_DERIVE_SECONDS if time_limit is None else time_limit)]
    except UsageError:
        raise
    except ValueError as exc:
        raise UsageError(f"--target is not smooth, kinked or a valid potential: {' '.join(str(exc).split())}") from None


def format_rows(rows: list[dict]) -> str:
    lines = []
    for row in rows:
        lines.append(f"target              {row['target']}   ({row['description']})")
        lines.append(f"optimal acceptance  {row['optimal_acceptance']:.4f}")
        lines.append(f"step size           eps = l * d^(-{row['step_size_exponent']:g})   "
                     f"(cost per proposal ~ d^{row['cost_exponent']:g} gradient evaluations)")
        if row.get("optimal_l") is not None:
            lines.append(f"optimal l           {row['optimal_l']:.6g}   (T = {row['T']:g}, Sigma_0 = {row['sigma0']:.6g})")
        lines.append("default target      efficiency   lost    cost factor")
        for d in row["defaults"]:
            lines.append(f"  {d['target_acceptance']:<17g} {d['relative_efficiency']:.4f}     "
                         f"{100 * d['efficiency_lost']:5.1f}%  {d['cost_factor']:.3f}")
    lines.append("efficiency = distance per gradient evaluation relative to the optimum "
                 "(exact theory for fixed-length HMC; no statistical error)")
    return "\n".join(lines)


def run(args) -> int:
    rows = compute(args.target, args.T, args.time_limit)
    if args.json:
        print(json.dumps(rows if len(rows) > 1 else rows[0], indent=2, allow_nan=False))
    else:
        print(format_rows(rows))
    return 0
