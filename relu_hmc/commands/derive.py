"""`relu-hmc derive EXPR [--T 1.0] [--json]`: scaling law of HMC for a 1D product potential.

The derivation is `theory.derive.derive_scaling_law` (returns the JSON dict); this module
parses flags, turns theory input errors into `UsageError` (exit 2) and formats the result.
The symbolic derivation runs under a time limit (--time-limit, default
limits.DEFAULT_DERIVE_SECONDS) and a memory limit (limits.run_limited): its cost grows
exponentially with the number of kinks, so a request it cannot finish ends in one line
naming the step that ran out.
"""
from __future__ import annotations

import argparse
import json
import math

from relu_hmc.errors import UsageError


def time_limit_seconds(text: str) -> float:
    """argparse type of --time-limit: a finite number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, got {text!r}")
    return value


def add_time_limit(parser) -> None:
    from relu_hmc.limits import DEFAULT_DERIVE_SECONDS

    parser.add_argument("--time-limit", type=time_limit_seconds, default=DEFAULT_DERIVE_SECONDS, metavar="SECONDS",
                        help=f"time budget of the symbolic derivation (default {DEFAULT_DERIVE_SECONDS:g})")


def run_derivation(command: str, fn, *args, seconds: float, **kwargs):
    """fn(*args, announce=..., **kwargs) under the time and memory limits (limits.run_limited);
    running out is a UsageError naming the step: '<command>: time limit 2 s reached while
    classifying U (...) (step: analyse_potential); raise --time-limit'."""
    from relu_hmc import limits
    from relu_hmc.theory.derive import STEPS

    try:
        return limits.run_limited(fn, *args, seconds=seconds, **kwargs)
    except limits.TimeLimitReached as exc:
        raise UsageError(f"{command}: time limit {exc.seconds:g} s reached while {STEPS.get(exc.step, exc.step)} "
                         f"(step: {exc.step}); raise --time-limit, or simplify U (the cost grows "
                         f"exponentially with the number of kinks)") from None
    except limits.MemoryLimitReached as exc:
        raise UsageError(f"{command}: memory limit {limits.format_bytes(exc.limit)} reached while "
                         f"{STEPS.get(exc.step, exc.step)} (step: {exc.step}); simplify U") from None
    except RuntimeError as exc:
        raise UsageError(f"{command}: {exc}") from None


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
    parser.add_argument("--algorithm", choices=("hmc", "mala", "rwm"), default="hmc",
                        help="hmc (default), mala (one leapfrog step, full refreshment) or rwm (Gaussian proposal)")
    parser.add_argument("--integrator", default=None, metavar="NAME|k1,d1,...",
                        help="HMC splitting: a built-in name (leapfrog, position_verlet, two_stage_bcss, "
                             "two_stage_mclachlan, yoshida4) or kick/drift coefficients 'k0,d1,k1,...' (default leapfrog)")
    parser.add_argument("--T", dest="T", type=float, default=None,
                        help="HMC: fixed integration time T = L * eps (default 1.0)")
    parser.add_argument("--fixed-steps", dest="fixed_steps", type=int, default=None, metavar="L",
                        help="HMC: a fixed number of steps L per proposal instead of a fixed time")
    parser.add_argument("--support", default=None, metavar="LO,HI",
                        help="hard walls: the density is zero outside [LO, HI] (EXPR is U inside)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--check", action="store_true",
                        help="also measure Sigma_0 and gamma for the same combination and print them next to the "
                             "prediction (keys measured_sigma0, measured_sigma0_se, measured_gamma; engine: the "
                             "compiled splitting kernel when U is a built-in family, else NumPy samplers)")
    parser.add_argument("--budget", choices=("quick", "full"), default="quick", help="size of the --check sweep")
    parser.add_argument("--seed", type=int, default=0, help="seed of the --check sweep (default 0)")
    add_time_limit(parser)
    return parser


def compute(args) -> dict:
    """The derivation for parsed arguments (a separate step so that flags such as --check can extend it)."""
    from relu_hmc.limits import DEFAULT_DERIVE_SECONDS
    from relu_hmc.theory.derive import derive_scaling_law

    try:
        result = run_derivation("derive", derive_scaling_law, args.expr, T=args.T,
                                algorithm=getattr(args, "algorithm", "hmc"), integrator=getattr(args, "integrator", None),
                                fixed_steps=getattr(args, "fixed_steps", None),
                                support=parse_support(getattr(args, "support", None)),
                                seconds=getattr(args, "time_limit", DEFAULT_DERIVE_SECONDS))
        if getattr(args, "check", False):
            if args.seed < 0:
                raise UsageError(f"--seed must be >= 0, got {args.seed}")
            result.update(measured_scaling(args.expr, result, budget=args.budget, seed=args.seed))
        return result
    except UsageError:
        raise
    except ValueError as exc:  # theory/numerics input errors are ValueErrors with one-line messages
        raise UsageError(" ".join(str(exc).split())) from None


def parse_support(text):
    """--support LO,HI -> (lo, hi) floats (validated by theory.jumps.check_support)."""
    if text is None:
        return None
    parts = str(text).split(",")
    if len(parts) != 2:
        raise UsageError(f"--support must be LO,HI (two numbers), got {text!r}")
    try:
        return float(parts[0]), float(parts[1])
    except ValueError:
        raise UsageError(f"--support must be LO,HI (two numbers), got {text!r}") from None


def numpy_callables(expr_text: str, shift: bool = False):
    """(u, u') as vectorised numpy functions of the parsed potential.

    The expression is the whitelist-parsed SymPy tree (theory.parse), so lambdify only
    prints SymPy objects, never user text. u' is the derivative away from the kinks:
    DiracDelta terms (derivatives of Heaviside factors) vanish there and are dropped.
    """
    import numpy as np
    import sympy as sp

    from relu_hmc.theory.parse import parse_potential

    expr = parse_potential(expr_text)
    (q,) = expr.free_symbols
    if shift:  # the text had "+ q" appended so that a constant U parses (hard walls)
        expr = sp.expand(expr - q)
    derivative = sp.diff(expr, q).replace(sp.DiracDelta, lambda *args: sp.Integer(0))

    def vectorised(e):
        f = sp.lambdify(q, e, modules="numpy")
        return lambda x: np.broadcast_to(np.asarray(f(x), dtype=np.float64), np.shape(x)).copy()

    return vectorised(expr), vectorised(derivative)


def measured_scaling(expr_text: str, predicted: dict, *, budget: str, seed: int) -> dict:
    """The --check measurement (numerics.derive_check) for the predicted gamma, with the
    prediction beside it: measured_sigma0 ± se against sigma0, measured_gamma ± se against gamma."""
    from relu_hmc.numerics.derive_check import check_scaling

    classic = predicted.get("algorithm", "hmc") == "hmc" and predicted.get("regime", "fixed_time") == "fixed_time" \
        and predicted.get("integrator", "leapfrog") == "leapfrog" and predicted["regularity"] != "jump"
    if not classic:
        return measured_limit_law(expr_text, predicted, budget=budget, seed=seed)
    u, du = numpy_callables(expr_text)
    kinks = [k["location"] for k in predicted["kinks"]]
    measured = check_scaling(u, du, kinks=kinks, gamma=predicted["step_size_exponent"], T=predicted["T"],
                             budget=budget, seed=seed, progress=True)
    return {key: measured[key] for key in ("measured_sigma0", "measured_sigma0_se", "measured_gamma",
                                           "measured_gamma_se", "measured_gamma_interval",
                                           "measured_sigma_exponent", "measured_sigma_exponent_se",
                                           "sigma0_per_d", "sigma0_stable")}


def measured_limit_law(expr_text: str, predicted: dict, *, budget: str, seed: int) -> dict:
    """--check for every combination but leapfrog HMC at fixed T: numerics.derive_check.check_limit_law
    (per-coordinate errors of the same algorithm, splitting and regime)."""
    from relu_hmc.numerics.derive_check import check_limit_law, family_potential

    support = predicted.get("support")
    u, du = numpy_callables(expr_text if support is None else f"({expr_text}) + q", shift=support is not None)
    jumps = {j["location"]: j["jump"] for j in predicted.get("jumps", [])}
    family = None
    if predicted["algorithm"] != "rwm" and support is None and not jumps:  # RWM has no integrator
        family = family_potential(u, du, [k["location"] for k in predicted["kinks"]],
                                  predicted.get("holder_points", []))
    measured = check_limit_law(u, du, algorithm=predicted["algorithm"], splitting=predicted.get("integrator") or "leapfrog", T=predicted.get("T"), n_steps=predicted.get("L"),
                               sigma_exponent=predicted.get("sigma_exponent"), support=support,
                               kinks=[k["location"] for k in predicted["kinks"]], jumps=jumps, budget=budget, seed=seed,
                               potential=family)
    keys = ("measured_sigma0", "measured_sigma0_se", "measured_crossing_rate", "measured_crossing_rate_se",
            "measured_gamma", "measured_gamma_se", "measured_sigma_exponent", "measured_sigma_exponent_se",
            "engine")
    out = {key: measured[key] for key in keys if key in measured}
    if "measured_crossing_rate" in out:
        # P(a coordinate crosses a wall or a jump) per unit step: the Poisson rates per unit l
        out["predicted_crossing_rate"] = predicted["wall_rate"] + sum(r["rate_right"] + r["rate_left"]
                                                                      for r in predicted["jump_rates"])
    return out


def _fmt(value) -> str:
    if value is None:
        return "not computed"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def format_report(result: dict) -> str:
    """Human-readable report with the formulas in LaTeX."""
    regime = (f"fixed time T = {_fmt(result['T'])}" if result.get("regime") == "fixed_time"
              else f"fixed steps L = {result.get('L')}" if result.get("regime") == "fixed_steps" else "one proposal")
    lines = [
        f"potential           U(q) = {result['potential']}",
        f"algorithm           {result.get('algorithm', 'hmc')}"
        + (f", integrator {result['integrator']} (global order {result['integrator_order']})"
           if result.get("integrator") else "") + f", {regime}",
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
    if result["regularity"] == "jump":
        return "\n".join(lines + _jump_lines(result))
    lines += [
        f"one-step dH order   eps^{result['one_step_energy_error_order']}",
        f"crossing dH order   {'eps^' + _fmt(result['crossing_step_energy_error_order']) if result['crossing_step_energy_error_order'] is not None else 'no crossings'}",
        f"step size           eps = l * d^(-{_fmt(result['step_size_exponent'])})",
        f"Sigma               Sigma_0 * l^{_fmt(result['sigma_exponent'])},  Sigma_0 = {_fmt(result['sigma0'])}",
        f"optimal acceptance  {result['optimal_acceptance']:.4f}   (optimal l = {_fmt(result['optimal_l'])}, "
        f"efficiency l^{result.get('efficiency_exponent', 1)} a(l))",
        f"cost                ~ d^{_fmt(result['cost_exponent'])} per effectively independent move",
    ]
    if "measured_sigma0" in result:
        lines += [
            f"measured (--check)  Sigma_0 = {_fmt(result['measured_sigma0'])} ± {_fmt(result['measured_sigma0_se'])}"
            f"  (predicted {_fmt(result['sigma0'])})",
            f"                    gamma = {_fmt(result['measured_gamma'])} ± {_fmt(result['measured_gamma_se'])}"
            f"  (predicted {_fmt(result['step_size_exponent'])})",
        ]
        if result.get("engine"):
            lines.append(f"                    engine: {result['engine']}")
    if result.get("sigma0_note"):
        lines.append(f"note                {result['sigma0_note']}")
    lines.append("formulas (LaTeX)")
    for name, tex in result["formulas"].items():
        lines.append(f"  {name:<10} $ {tex} $")
    lines.append(f"source              {result['source']}")
    return "\n".join(lines)


def _jump_lines(result: dict) -> list:
    lines = [f"  jump              q = {_fmt(j['location'])}, U(b+) - U(b-) = {_fmt(j['jump'])}" for j in result["jumps"]]
    lines += [f"  wall              q = {_fmt(w['location'])}, density inside = {_fmt(w['density'])}" for w in result["walls"]]
    lines += [
        "step size           step = l * d^(-1)",
        f"limit law           compound Poisson (wall rate {_fmt(result['wall_rate'])} per unit l)",
        f"optimal acceptance  {result['optimal_acceptance']:.4f}   (optimal l = {_fmt(result['optimal_l'])}, "
        f"efficiency l^2 a(l))",
        f"cost                ~ d^{_fmt(result['cost_exponent'])} per effectively independent move",
    ]
    if "measured_crossing_rate" in result:
        lines += [f"measured (--check)  crossing rate = {_fmt(result['measured_crossing_rate'])} ± "
                  f"{_fmt(result['measured_crossing_rate_se'])}  (predicted {_fmt(result['predicted_crossing_rate'])})",
                  f"                    gamma = {_fmt(result['measured_gamma'])} ± {_fmt(result['measured_gamma_se'])}"
                  "  (predicted 1)"]
    lines.append("formulas (LaTeX)")
    lines += [f"  {name:<10} $ {tex} $" for name, tex in result["formulas"].items()]
    return lines + [f"source              {result['source']}"]


def run(args) -> int:
    result = compute(args)
    if args.json:
        print(json.dumps(result, indent=2, allow_nan=False))
    else:
        print(format_report(result))
    return 0
