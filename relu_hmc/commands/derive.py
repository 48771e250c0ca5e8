"""`relu-hmc derive EXPR [--T 1.0] [--json]`: scaling law of HMC for a 1D product potential.

The derivation is `theory.derive.derive_scaling_law` (returns the JSON dict); this module
parses flags, turns theory input errors into `UsageError` (exit 2) and formats the result.
"""
from __future__ import annotations

import json

from relu_hmc.errors import UsageError


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "derive",
        help="derive the HMC scaling law for a potential U(q) (smooth / kinked / Hoelder)",
        description=(
            "Derive the leapfrog-HMC scaling law of the product target prod_i exp(-U(x_i)). "
            "EXPR is U in the variable q with Abs, Max, Min, Piecewise, Heaviside, exp, log, sqrt, "
            "cosh, sinh, tanh, cos, sin, Rational, pi, E (parsed from a whitelist, never evaluated). "
            "Put '--' before an EXPR that starts with '-'."
        ),
    )
    parser.add_argument("expr", metavar="EXPR", help="potential U(q), e.g. 'Abs(q)' or 'q**2/2'")
    parser.add_argument("--T", dest="T", type=float, default=1.0, help="integration time T = L * eps (default 1.0)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def compute(args) -> dict:
    """The derivation for parsed arguments (a separate step so that flags such as --check can extend it)."""
    from theory.derive import derive_scaling_law

    try:
        return derive_scaling_law(args.expr, T=args.T)
    except UsageError:
        raise
    except ValueError as exc:  # theory errors are ValueError subclasses with one-line messages
        raise UsageError(" ".join(str(exc).split())) from None


def _fmt(value) -> str:
    if value is None:
        return "not computed"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def format_report(result: dict) -> str:
    """Human-readable report with the formulas in LaTeX."""
    lines = [
        f"potential           U(q) = {result['potential']}   (T = {_fmt(result['T'])})",
        f"regularity          {result['regularity']}",
    ]
    for kink in result["kinks"]:
        lines.append(f"  kink              q = {_fmt(kink['location'])}, gradient jump J = {_fmt(kink['jump'])}")
    for pt in result["holder_points"]:
        lines.append(
            f"  Hoelder point     q = {_fmt(pt['location'])}, alpha = {_fmt(pt['alpha'])}, "
            f"c- = {_fmt(pt['c_minus'])}, c+ = {_fmt(pt['c_plus'])}"
        )
    for pt in result["curvature_jumps"]:
        lines.append(f"  U'' jump          q = {_fmt(pt['location'])}, jump = {_fmt(pt['jump'])}")
    lines += [
        f"one-step dH order   eps^{result['one_step_energy_error_order']}",
        f"crossing dH order   {'eps^' + _fmt(result['crossing_step_energy_error_order']) if result['crossing_step_energy_error_order'] is not None else 'no crossings'}",
        f"step size           eps = l * d^(-{_fmt(result['step_size_exponent'])})",
        f"Sigma               Sigma_0 * l^{_fmt(result['sigma_exponent'])},  Sigma_0 = {_fmt(result['sigma0'])}",
        f"optimal acceptance  {result['optimal_acceptance']:.4f}   (optimal l = {_fmt(result['optimal_l'])})",
        f"cost per proposal   ~ d^{_fmt(result['cost_exponent'])} gradient evaluations",
    ]
    if result.get("sigma0_note"):
        lines.append(f"note                {result['sigma0_note']}")
    lines.append("formulas (LaTeX)")
    for name, tex in result["formulas"].items():
        lines.append(f"  {name:<10} $ {tex} $")
    lines.append(f"source              {result['source']}")
    return "\n".join(lines)


def run(args) -> int:
    result = compute(args)
    if args.json:
        print(json.dumps(result, indent=2, allow_nan=False))
    else:
        print(format_report(result))
    return 0
