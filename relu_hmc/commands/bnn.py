"""`relu-hmc bnn`: HMC on a Bayesian MLP posterior; acceptance, energy error, crossings.

    relu-hmc bnn --activation NAME --width W [--layers 1|2] [--data synthetic|NAME]
                 [--eps E] [--steps L] [--proposals N] [--chains C] [--seed S] [--json]

Prints the acceptance probability (mean of min(1, e^-dH) per chain, SE across chains), the
mean and variance of dH with standard errors, activation-pattern crossings per trajectory,
and the share of the energy-error variance explained by the predicted crossing
contributions (kinked activations; derivation in numerics.bnn). Defaults are in
numerics.bnn_config.CLI_DEFAULTS.

Limits, checked before anything is allocated: the estimated peak memory
(limits.bnn_memory_bytes) must fit in the available memory, and eps >= MIN_EPS. A statistic
that is not finite is printed as "undefined (reason)" (null in --json), never "nan".
"""
from __future__ import annotations

import argparse
import json
import math
import sys

from relu_hmc.errors import UsageError

#: Smallest leapfrog step: float64 machine epsilon 2^-52. Parameters and momenta are O(1)
#: (prior sd 1, p ~ N(0, I)), so a drift eps * p below the float64 resolution of q
#: (2^-52 |q|) leaves q unchanged: the trajectory cannot move and dH is pure rounding.
MIN_EPS = 2.0 ** -52
#: Work (gradient evaluations x chains x data points x hidden units) above which `relu-hmc
#: bnn` says up front that the run is large and shows progress: ~ a minute at the ~1.5e7
#: units per second measured for width 20000 on a shared 2-core machine.
LARGE_RUN_UNITS = 1e9


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    return value


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def add_parser(subparsers) -> None:
    from relu_hmc.numerics import bnn_config

    d = bnn_config.CLI_DEFAULTS
    parser = subparsers.add_parser(
        "bnn", help="HMC on a Bayesian neural network: acceptance, dH, crossings",
        description="Run HMC on the posterior of a Bayesian MLP and report acceptance, the energy "
                    "error, activation-pattern crossings and the crossing decomposition.")
    parser.add_argument("--activation", required=True, help=", ".join(bnn_config.ACTIVATIONS))
    parser.add_argument("--width", type=_positive_int, default=d["width"], help=f"hidden width (default {d['width']})")
    parser.add_argument("--layers", type=_positive_int, default=d["layers"], help="hidden layers: 1 or 2")
    parser.add_argument("--data", default=d["data"], help=", ".join(bnn_config.DATA_NAMES))
    parser.add_argument("--eps", type=_float, default=d["eps"], help=f"leapfrog step (default {d['eps']})")
    parser.add_argument("--steps", type=_positive_int, default=d["steps"], help=f"leapfrog steps L (default {d['steps']})")
    parser.add_argument("--proposals", type=_positive_int, default=d["proposals"],
                        help=f"proposals per chain after warm-up (default {d['proposals']})")
    parser.add_argument("--chains", type=_positive_int, default=d["chains"], help=f"independent chains (default {d['chains']})")
    parser.add_argument("--seed", type=_positive_int, default=d["seed"], help="random seed (default 0)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def measure(activation: str, width: int, layers: int, data: str, eps: float, steps: int,
            proposals: int, chains: int, seed: int, progress=None) -> dict:
    """The numbers `relu-hmc bnn` prints (ValueError on bad input). A run whose work exceeds
    LARGE_RUN_UNITS is announced on `progress` (a stream) with its size, then shows progress."""
    import numpy as np

    from relu_hmc import limits
    from relu_hmc.numerics import bnn, bnn_config, bnn_data
    from relu_hmc.numerics.estimators import bootstrap_estimate, mean_estimate, variance_estimate
    from relu_hmc.numerics.validation import check_count, check_step_size

    if data not in bnn_config.DATA_NAMES:
        raise ValueError(f"unknown data set {data!r}; choose one of {', '.join(bnn_config.DATA_NAMES)}")
    eps = check_step_size(eps)
    if eps < MIN_EPS:
        raise ValueError(f"eps = {eps:g} is below {MIN_EPS:.3g} (float64 resolution): a step eps * p "
                         f"cannot move parameters of order 1, so dH would be pure rounding")
    check_count("steps", steps)
    check_count("proposals", proposals, minimum=2)
    check_count("chains", chains, minimum=2)
    check_count("width", width)
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    dataset = bnn_data.load(data)
    limits.check_memory(
        "bnn", limits.bnn_memory_bytes(dataset.x.shape[0], dataset.n_in, dataset.n_out, width, layers, chains,
                                       proposals),
        f"{chains} chains x {proposals} proposals at width {width} x {layers} layer(s)",
        "lower --proposals, --chains or --width")
    model = bnn.make_bnn(activation, width, layers, dataset)
    warmup = bnn_config.CLI_DEFAULTS["warmup"]
    evaluations = bnn_config.INIT_DESCENT_STEPS + (warmup + proposals) * steps
    large = float(evaluations) * chains * dataset.x.shape[0] * width * layers > LARGE_RUN_UNITS
    if large and progress is not None:
        print(f"bnn: a large run: {evaluations} gradient evaluations of {chains} chains x {model.d} parameters "
              f"x {dataset.x.shape[0]} data points (may take many minutes); progress follows", file=progress,
              flush=True)
    run = bnn.run_hmc(model, eps, steps, proposals, seed, n_chains=chains, warmup=warmup,
                      progress=large and progress is not None)
    dh = run.energy_error.ravel()
    finite = np.isfinite(dh)
    out = {
        "activation": activation, "width": width, "layers": layers, "data": data, "d": model.d,
        "eps": eps, "steps": steps, "proposals": proposals, "chains": chains, "seed": seed,
        "acceptance": mean_estimate(run.chain_acceptance()).as_dict(),
        "crossings_per_trajectory": mean_estimate(run.crossings.mean(axis=0)).as_dict(),
        "diverged_fraction": float(1.0 - finite.mean()),
    }
    if finite.all():
        out["mean_dH"] = mean_estimate(run.energy_error.mean(axis=0)).as_dict()
        out["var_dH"] = variance_estimate(dh).as_dict()
    else:
        out["mean_dH"] = out["var_dH"] = None
    if model.kinked and finite.sum() >= 4:
        rows = np.column_stack([dh, run.predicted.ravel(), run.boundary.ravel()])[finite]

        def explained(x):
            resid = x[:, 0] - x[:, 2]
            return 1.0 - np.var(resid - x[:, 1]) / np.var(resid)
        out["explained_fraction"] = bootstrap_estimate(rows, explained, seed, n_boot=300).as_dict()
    else:
        out["explained_fraction"] = None
    return out


def _fmt(est, digits=4, reason="not finite") -> str:
    """value ± se; "undefined (reason)" when the value is not a finite number."""
    if est is None:
        return "n/a"
    value, se = est.get("value"), est.get("se")
    if value is None or not math.isfinite(value):
        return f"undefined ({reason})"
    if se is None or not math.isfinite(se):
        return f"{value:.{digits}g} (standard error undefined)"
    return f"{value:.{digits}g} ± {se:.2g}"


def run(args) -> int:
    try:
        result = measure(args.activation, args.width, args.layers, args.data, args.eps, args.steps,
                         args.proposals, args.chains, args.seed, progress=sys.stderr)
    except ValueError as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    if args.json:
        from relu_hmc.commands.audit import json_safe

        print(json.dumps(json_safe(result), indent=2, allow_nan=False))
        return 0
    r = result
    print(f"{r['activation']} network, {r['layers']} hidden layer(s) of width {r['width']} "
          f"(d = {r['d']}), data {r['data']}; eps = {r['eps']:g}, L = {r['steps']}, "
          f"{r['chains']} chains x {r['proposals']} proposals")
    print(f"acceptance                {_fmt(r['acceptance'])}")
    print(f"mean dH                   {_fmt(r['mean_dH'])}")
    print(f"var dH                    {_fmt(r['var_dH'])}")
    print(f"crossings per trajectory  {_fmt(r['crossings_per_trajectory'])}")
    ef = r["explained_fraction"]
    print("explained fraction        " + ("n/a (smooth activation: no kinks)" if ef is None and
                                          r['activation'] not in ("relu", "leaky_relu") else
                                          _fmt(ef, 3, "no energy-error variance left to explain")))
    if r["diverged_fraction"] > 0:
        print(f"diverged trajectories     {r['diverged_fraction']:.3g} (rejected)")
    return 0
