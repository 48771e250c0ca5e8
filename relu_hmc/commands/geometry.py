"""`relu-hmc geometry`: symmetries, functional dimension and the Hessian jump of a shallow ReLU net.

    relu-hmc geometry --inputs M --width N [--input-dim D] [--seed S] [--json]

On M random inputs (N(0, I_D), D = 2 by default) and a random one-hidden-layer network of
width N it prints the parameter count, the measured functional dimension (Jacobian rank)
against the predicted n1 (n0 + 1) + 1 (and at a twin pair), the exact symmetry checks with
the unbalanced-flip negative control, and the gradient / Hessian jump across one surface
w_j . x_i + b_j = 0 of a regression posterior (data from a teacher network) with the J read
off crossing leapfrog steps. Exit status 0 if every applicable check passes, 1 otherwise,
2 on bad usage.
"""
from __future__ import annotations

import argparse
import json

from relu_hmc.errors import UsageError

#: Above this width the symbolic closed forms take more than a few seconds.
MAX_WIDTH = 32
MAX_INPUT_DIM = 16
MAX_INPUTS = 100_000


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "geometry", help="symmetries, functional dimension and Hessian jump of a shallow ReLU network",
        description="Check the symmetries, the functional dimension and the gradient / Hessian jump "
                    "of a random one-hidden-layer ReLU network on M random inputs.")
    parser.add_argument("--inputs", type=_int, required=True, help="number M of random inputs")
    parser.add_argument("--width", type=_int, required=True, help="hidden width N")
    parser.add_argument("--input-dim", type=_int, default=2, help="input dimension n0 (default 2)")
    parser.add_argument("--seed", type=_int, default=0, help="random seed (default 0)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def _validate(args) -> None:
    if args.inputs < 1 or args.inputs > MAX_INPUTS:
        raise UsageError(f"--inputs must be an integer in [1, {MAX_INPUTS}], got {args.inputs}")
    if args.width < 1 or args.width > MAX_WIDTH:
        raise UsageError(f"--width must be an integer in [1, {MAX_WIDTH}], got {args.width}")
    if args.input_dim < 1 or args.input_dim > MAX_INPUT_DIM:
        raise UsageError(f"--input-dim must be an integer in [1, {MAX_INPUT_DIM}], got {args.input_dim}")
    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0, got {args.seed}")


def _mark(verdict: dict | None) -> str:
    if verdict is None:
        return "n/a"
    return "PASS" if verdict["passed"] else "FAIL"


def run(args) -> int:
    from relu_hmc.geometry import geometry_summary

    _validate(args)
    try:
        r = geometry_summary(args.inputs, args.width, args.seed, n_inputs=args.input_dim)
    except ValueError as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    if args.json:
        print(json.dumps(r, indent=2, allow_nan=False, default=lambda x: None))
        return 0 if r["passed"] else 1
    v = r["verdicts"]
    fd = r["functional_dimension"]
    print(f"one-hidden-layer ReLU network: input dim {r['n_inputs']}, width {r['width']}, "
          f"{r['inputs']} random inputs, seed {r['seed']}")
    print(f"parameters                    {r['parameters']}")
    def applies(ok: bool) -> str:
        return "" if ok else "  [prediction n/a: batch condition not met, use more inputs]"

    print(f"functional dimension          measured {fd['measured']}, predicted {fd['predicted']} "
          f"(dead {fd['dead']}, always active {fd['always_active']}, separated hyperplanes "
          f"{fd['separated']} of {fd['cutting']}){applies(fd['applicable'])}")
    if fd["twin_measured"] is not None:
        print(f"  with one twin pair          measured {fd['twin_measured']}, predicted {fd['twin_predicted']}"
              f"{applies(fd['twin_applicable'])}")
    print(f"  verdict                     {_mark(v['functional_dimension'])}")
    print("symmetries (max |f1 - f2| / max(1, |f1|); exact to 1e-12)")
    for name, value in r["symmetries"].items():
        label = name.replace("_", " ")
        text = "n/a" if value is None else f"{value:.3g}"
        print(f"  {label:<28}{text}" + ("  (negative control: must be large)" if name == "unbalanced_flip" else ""))
    print(f"  verdict                     {_mark(v['symmetries'])}")
    hj, nj = r["hessian_jump"], r["normal_jump"]
    print(f"Hessian jump across a surface max |[H_reg]| {hj['predicted_max_abs']:.6g}, "
          f"max |measured - predicted| {hj['max_abs_error']:.3g} (tolerance {hj['tolerance']:.3g})  "
          f"{_mark(v['hessian_jump'])}")
    print(f"normal gradient jump J        predicted {nj['predicted']:.10g}, from U values {nj['from_U']:.10g}  "
          f"{_mark(v['gradient_jump'])}")
    print(f"J from crossing leapfrog step J_hat(eps = {nj['crossing_eps']:.3g}) = {nj['from_crossing_step']:.10g}, "
          f"Richardson limit {v['crossing_step']['measured']:.10g}  {_mark(v['crossing_step'])}")
    return 0 if r["passed"] else 1
