"""`relu-hmc geometry`: symmetries, functional dimension and the Hessian jump of a shallow ReLU net.

    relu-hmc geometry --inputs M --width N [--input-dim D] [--seed S] [--json]

On M random inputs (N(0, I_D), D = 2 by default) and a random one-hidden-layer network of
width N it prints the parameter count, the measured functional dimension (Jacobian rank)
against the predicted n1 (n0 + 1) + 1 (and at a twin pair), the exact symmetry checks with
the unbalanced-flip negative control, and the gradient / Hessian jump across one surface
w_j . x_i + b_j = 0 of a regression posterior (data from a teacher network) with the J read
off constructed single-crossing leapfrog steps. The measurements and verdicts are those of
the geometry claims (numerics.geometry, relu_hmc.claims.geometry). A request whose
estimated memory exceeds what the machine holds is refused before anything is allocated.
Exit status 0 if every applicable check passes, 1 otherwise, 2 on bad usage.
"""
from __future__ import annotations

import json
import os

from relu_hmc.commands.argtypes import integer
from relu_hmc.errors import UsageError

#: Above this width the symbolic closed forms take more than a few seconds.
MAX_WIDTH = 32
MAX_INPUT_DIM = 16
MAX_INPUTS = 100_000
#: Share of the physical memory one request may plan to use.
MEMORY_SHARE = 0.5


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "geometry", help="symmetries, functional dimension and Hessian jump of a shallow ReLU network",
        description="Check the symmetries, the functional dimension and the gradient / Hessian jump "
                    "of a random one-hidden-layer ReLU network on M random inputs.")
    parser.add_argument("--inputs", type=integer, required=True, help=f"number M of random inputs (1..{MAX_INPUTS})")
    parser.add_argument("--width", type=integer, required=True, help=f"hidden width N (1..{MAX_WIDTH})")
    parser.add_argument("--input-dim", type=integer, default=2, help=f"input dimension n0 (1..{MAX_INPUT_DIM}, default 2)")
    parser.add_argument("--seed", type=integer, default=0, help="random seed (default 0)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def physical_memory_bytes() -> int | None:
    """Installed physical memory (POSIX sysconf), None where the platform does not say."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def _validate(args) -> None:
    from relu_hmc.numerics.geometry import summary_memory_bytes

    if args.inputs < 1 or args.inputs > MAX_INPUTS:
        raise UsageError(f"--inputs must be an integer in [1, {MAX_INPUTS}], got {args.inputs}")
    if args.width < 1 or args.width > MAX_WIDTH:
        raise UsageError(f"--width must be an integer in [1, {MAX_WIDTH}], got {args.width}")
    if args.input_dim < 1 or args.input_dim > MAX_INPUT_DIM:
        raise UsageError(f"--input-dim must be an integer in [1, {MAX_INPUT_DIM}], got {args.input_dim}")
    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0, got {args.seed}")
    need, have = summary_memory_bytes(args.inputs, args.width, args.input_dim), physical_memory_bytes()
    if have is not None and need > MEMORY_SHARE * have:
        raise UsageError(f"--inputs {args.inputs} --width {args.width} --input-dim {args.input_dim} needs about "
                         f"{need / 2 ** 30:.1f} GiB, more than {MEMORY_SHARE:.0%} of this machine's "
                         f"{have / 2 ** 30:.1f} GiB: use fewer inputs or a smaller network")


def geometry_summary(n_points: int, width: int, seed: int, *, n_inputs: int = 2) -> dict:
    """Everything `relu-hmc geometry` prints: parameter count, functional dimensions,
    symmetry checks, the Hessian-jump and crossing-step checks, with verdicts."""
    import numpy as np

    from relu_hmc.claims import geometry as cg
    from relu_hmc.numerics import geometry as ng
    from relu_hmc.numerics.validation import check_count, rng_from
    from relu_hmc.theory import geometry as tg
    from relu_hmc.theory.relu_model import parameter_count
    from relu_hmc.theory.relu_symmetries import functional_dimension

    n_points, width, n_inputs = (check_count("inputs", n_points), check_count("width", width),
                                 check_count("input-dim", n_inputs))
    seeds = rng_from(seed).integers(0, 2 ** 62, 3).tolist()
    sym = ng.measure_symmetries(n_inputs, width, n_points, seeds[0])
    fdim = ng.measure_functional_dimension(n_inputs, width, n_points, seeds[1])
    surf = ng.measure_surface(n_inputs, width, n_points, seeds[2])
    pred = tg.predicted_surface(surf)
    fd_pred = tg.predicted_functional_dimension(fdim)
    judged = {"symmetries": cg.judge_symmetries(sym, tg.predicted_symmetries(sym)),
              "functional_dimension": cg.judge_functional_dimension(fdim, fd_pred, require_applicable=False),
              "hessian_jump": cg.judge_hessian_jump(surf, pred), "gradient_jump": cg.judge_gradient_jump(surf, pred),
              "crossing_step": cg.judge_crossing(surf, pred)}
    generic, twin = fdim["generic"], fdim["twin"]
    hessian_part = next(p for p in judged["hessian_jump"].verdict.parts if p.quantity.startswith("max |"))
    return {
        "n_inputs": n_inputs, "width": width, "inputs": n_points, "seed": seed,
        "parameters": parameter_count(n_inputs, width),
        "functional_dimension": {
            "measured": generic["rank"],
            "predicted": functional_dimension(n_inputs, width, dead=generic["dead"],
                                              always_active=generic["always_active"]),
            "twin_measured": twin["rank"] if twin else None,
            "twin_predicted": functional_dimension(n_inputs, width, twin_pairs=1, dead=twin["dead"],
                                                   always_active=twin["always_active"]) if twin else None,
            "dead": generic["dead"], "always_active": generic["always_active"],
            "separated": generic["separated"], "cutting": generic["cutting"],
            "applicable": "generic" in fd_pred, "twin_applicable": "twin" in fd_pred},
        "symmetries": {k: (None if sym[k] is None else sym[k]["discrepancy"])
                       for k in ("rescaling", "permutation", "twin_split", "twin_redistribution", "balanced_flip",
                                 "unbalanced_flip")},
        "surface": {"i": surf["i"], "j": surf["j"], "margin": surf["margin"]},
        "hessian_jump": {"predicted_max_abs": float(np.max(np.abs(cg.compared_hessian_jump(surf, pred)))),
                         "max_abs_error": hessian_part.measured, "tolerance": hessian_part.tolerance,
                         "sketched": surf["hessian_jump_directions"] is not None},
        "normal_jump": {"predicted": pred["normal_jump"], "from_U": surf["normal_jump_from_U"],
                        "from_crossing_step": surf["crossing"]["J_hat"][-1],
                        "crossing_eps": surf["crossing"]["eps"][-1],
                        "crossing_limit": next(p.measured for p in judged["crossing_step"].verdict.parts
                                               if p.quantity.startswith("Richardson limit"))},
        "verdicts": {k: None if j is None else dict(j.verdict.as_dict(), resolution=j.resolution)
                     for k, j in judged.items()},
        "passed": all(j.verdict.passed for j in judged.values() if j is not None),
    }


def _mark(verdict: dict | None) -> str:
    if verdict is None:
        return "n/a"
    if verdict["passed"]:
        return "PASS"
    return "FAIL (" + "; ".join(p["quantity"] for p in verdict["parts"] if not p["passed"]) + ")"


def _num(value, spec: str) -> str:
    """A number for the text output; a missing (None / non-finite) one prints as n/a."""
    try:
        return format(float(value), spec) if value is not None else "n/a"
    except (TypeError, ValueError):
        return "n/a"


def run(args) -> int:
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
        print(f"  {label:<28}{_num(value, '.3g')}" +
              ("  (negative control: must be large)" if name == "unbalanced_flip" else ""))
    print(f"  verdict                     {_mark(v['symmetries'])}")
    hj, nj, s = r["hessian_jump"], r["normal_jump"], r["surface"]
    print(f"surface                       z_ij = 0 for datum i = {s['i']}, neuron j = {s['j']}; "
          f"distance to the nearest other surface {_num(s['margin'], '.3g')}")
    what = "max |[H_reg] V| (V random)" if hj.get("sketched") else "max |[H_reg]|"
    print(f"Hessian jump across a surface {what} {_num(hj['predicted_max_abs'], '.6g')}, "
          f"max |measured - predicted| {_num(hj['max_abs_error'], '.3g')} (tolerance {_num(hj['tolerance'], '.3g')})  "
          f"{_mark(v['hessian_jump'])}")
    print(f"normal gradient jump J        predicted {_num(nj['predicted'], '.10g')}, "
          f"from U values {_num(nj['from_U'], '.10g')}  {_mark(v['gradient_jump'])}")
    print(f"J from crossing leapfrog step J_hat(eps = {_num(nj['crossing_eps'], '.3g')}) = "
          f"{_num(nj['from_crossing_step'], '.10g')}, Richardson limit {_num(nj['crossing_limit'], '.10g')}  "
          f"{_mark(v['crossing_step'])}")
    return 0 if r["passed"] else 1
