"""`relu-hmc bnn`: HMC on a Bayesian MLP posterior; acceptance, energy error, crossings.

    relu-hmc bnn --activation NAME --width W [--layers 1|2] [--data synthetic|NAME]
                 [--eps E|auto] [--steps L] [--proposals N] [--chains C] [--seed S]
                 [--beta B] [--json]

Prints the acceptance probability (mean of min(1, e^-dH) per chain, SE across chains), the
mean and variance of dH with standard errors, activation-pattern crossings per trajectory,
and the share of the energy-error variance explained by the predicted crossing
contributions (kinked activations; derivation in numerics.bnn). Defaults are in
numerics.bnn_config.CLI_DEFAULTS, except the step size.

Stiffness (numerics.bnn_stiffness): the largest Hessian eigenvalue lambda_max of U at states
visited by the chains (STIFFNESS_STATES per chain, evenly spaced over the run), eps
sqrt(lambda_max) against the leapfrog linear stability limit 2, the regime this puts the run
in, and the per-trajectory attribution dH = B + S + C + R (telescoped, smooth, crossing, rest).

Default step size ("auto"): chains start as in numerics.bnn_hmc (prior draw, Adam), run
WARMUP_PROPOSALS proposals at the conservative WARMUP_EPS[data], then eps = AUTO_TARGET / sqrt(max
lambda_max) over their states (2 significant digits): the rule eps sqrt(lambda_max) <=
ASYMPTOTIC_LIMIT (= 1) of numerics.bnn_stiffness, where the eps-expansions the theory rests
on converge, with a margin for stiffer states met later. A given --eps
runs exactly as before (same numbers for the same seed).

Limits, checked before anything is allocated: the estimated peak memory
(limits.bnn_memory_bytes) must fit in the available memory, and eps >= MIN_EPS. A statistic
that is not finite is printed as "undefined (reason)" (null in --json), never "nan".
"""
from __future__ import annotations

import json
import math
import sys

from relu_hmc.commands.argtypes import integer, number
from relu_hmc.errors import UsageError

#: Smallest leapfrog step: float64 machine epsilon 2^-52. Parameters and momenta are O(1)
#: (prior sd 1, p ~ N(0, I)), so a drift eps * p below the float64 resolution of q
#: (2^-52 |q|) leaves q unchanged: the trajectory cannot move and dH is pure rounding.
MIN_EPS = 2.0 ** -52
#: Work (gradient evaluations x chains x data points x hidden units) above which `relu-hmc
#: bnn` says up front that the run is large and shows progress: ~ a minute at the ~1.5e7
#: units per second measured for width 20000 on a shared 2-core machine.
LARGE_RUN_UNITS = 1e9
#: eps sqrt(lambda_max) that the auto step aims at on the warm-up states: ASYMPTOTIC_LIMIT (1)
#: less a margin for posterior states stiffer than the few warm-up states (measured, default
#: relu network, seeds 0-3: the run's max lambda_max is up to 1.34x the warm-up max, so the run
#: reaches eps sqrt(lambda_max) <= 0.92; 0.8 allows a ratio up to 1.56).
AUTO_TARGET = 0.8
#: States per chain at which lambda_max is measured, and Lanczos iterations per state.
STIFFNESS_STATES = 10
LANCZOS_ITERATIONS = 40


def _eps(text: str):
    if text == "auto":
        return None
    return number(text)


def add_parser(subparsers) -> None:
    from relu_hmc.numerics import bnn_config

    d = bnn_config.CLI_DEFAULTS
    parser = subparsers.add_parser(
        "bnn", help="HMC on a Bayesian neural network: acceptance, dH, crossings",
        description="Run HMC on the posterior of a Bayesian MLP and report acceptance, the energy "
                    "error, activation-pattern crossings and the crossing decomposition.")
    parser.add_argument("--activation", required=True, help=", ".join(bnn_config.ACTIVATIONS))
    parser.add_argument("--width", type=integer, default=d["width"], help=f"hidden width (default {d['width']})")
    parser.add_argument("--layers", type=integer, default=d["layers"], help="hidden layers: 1 or 2")
    parser.add_argument("--data", default=d["data"], help=", ".join(bnn_config.DATA_NAMES))
    parser.add_argument("--eps", type=_eps, default=None,
                        help="leapfrog step, or 'auto' (default): 0.8 / sqrt(lambda_max) after warm-up")
    parser.add_argument("--steps", type=integer, default=d["steps"], help=f"leapfrog steps L (default {d['steps']})")
    parser.add_argument("--proposals", type=integer, default=d["proposals"],
                        help=f"proposals per chain after warm-up (default {d['proposals']})")
    parser.add_argument("--chains", type=integer, default=d["chains"], help=f"independent chains (default {d['chains']})")
    parser.add_argument("--seed", type=integer, default=d["seed"], help="random seed (default 0)")
    parser.add_argument("--beta", type=number, default=1.0,
                        help="softplus_beta's sharpness: log(1 + e^(beta z)) / beta (default 1)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def measure(activation: str, width: int, layers: int, data: str, eps: float | None, steps: int,
            proposals: int, chains: int, seed: int, progress=None, beta: float = 1.0) -> dict:
    """The numbers `relu-hmc bnn` prints (ValueError on bad input); eps None: "auto" (module
    doc). A run whose work exceeds LARGE_RUN_UNITS is announced on `progress` (a stream) with
    its size, then shows progress."""
    import numpy as np

    from relu_hmc import limits
    from relu_hmc.numerics import bnn, bnn_config, bnn_data, bnn_hmc, bnn_stiffness
    from relu_hmc.numerics.estimators import bootstrap_estimate, mean_estimate, variance_estimate
    from relu_hmc.numerics.validation import check_count, check_step_size

    if data not in bnn_config.DATA_NAMES:
        raise ValueError(f"unknown data set {data!r}; choose one of {', '.join(bnn_config.DATA_NAMES)}")
    if eps is not None:
        eps = check_step_size(eps)
    if eps is not None and eps < MIN_EPS:
        raise ValueError(f"eps = {eps:g} is below {MIN_EPS:.3g} (float64 resolution): a step eps * p "
                         f"cannot move parameters of order 1, so dH would be pure rounding")
    check_count("steps", steps)
    check_count("proposals", proposals, minimum=2)
    check_count("chains", chains, minimum=2)
    check_count("width", width)
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    dataset = bnn_data.load(data)
    d = bnn.n_parameters(dataset.n_in, dataset.n_out, width, layers)
    what = f"{chains} chains x {proposals} proposals at width {width} x {layers} layer(s)"
    sampler_bytes = limits.bnn_memory_bytes(dataset.x.shape[0], dataset.n_in, dataset.n_out, width, layers, chains,
                                            proposals)
    limits.check_memory("bnn", sampler_bytes, what, "lower --proposals, --chains or --width")
    # then with the stiffness diagnostic: kept states (STIFFNESS_STATES x chains x d) and one Lanczos
    # basis (iterations x 8 states x d)
    stiffness_bytes = 8.0 * d * (STIFFNESS_STATES * chains + (LANCZOS_ITERATIONS + 1) * min(chains, 8))
    limits.check_memory("bnn", sampler_bytes + stiffness_bytes, what + " with its stiffness diagnostic",
                        "lower --chains or --width")
    model = bnn.make_bnn(activation, width, layers, dataset, beta=beta)
    warmup = bnn_config.CLI_DEFAULTS["warmup"]
    evaluations = bnn_config.INIT_DESCENT_STEPS + (warmup + proposals) * steps
    large = float(evaluations) * chains * dataset.x.shape[0] * width * layers > LARGE_RUN_UNITS
    if large and progress is not None:
        print(f"bnn: a large run: {evaluations} gradient evaluations of {chains} chains x {model.d} parameters "
              f"x {dataset.x.shape[0]} data points (may take many minutes); progress follows", file=progress,
              flush=True)
    auto = eps is None
    seed_or_rng, q0 = seed, None
    if auto:
        seed_or_rng = np.random.default_rng(seed)
        pre = bnn_hmc.run_hmc(model, bnn_config.WARMUP_EPS[data], bnn_config.WARMUP_LEAPFROG_STEPS,
                              bnn_config.WARMUP_PROPOSALS, seed_or_rng, n_chains=chains, warmup=0)
        q0 = pre.q
        start = bnn_stiffness.state_stiffness(model, q0, 1.0, seed, LANCZOS_ITERATIONS)
        out_start = start["lambda_max_max"]
        eps = float(f"{bnn_stiffness.stable_step_size([out_start], AUTO_TARGET):.2g}")
    run = bnn_hmc.run_hmc(model, eps, steps, proposals, seed_or_rng, n_chains=chains, warmup=warmup, q0=q0,
                          progress=large and progress is not None, attribute=True,
                          keep_states=min(STIFFNESS_STATES, proposals))
    dh = run.energy_error.ravel()
    finite = np.isfinite(dh)
    out = {
        "activation": activation, "width": width, "layers": layers, "data": data, "d": model.d,
        "eps": eps, "eps_rule": "auto: AUTO_TARGET / sqrt(max lambda_max) after warm-up" if auto else "given",
        "beta": beta if activation == "softplus_beta" else None, "steps": steps, "proposals": proposals, "chains": chains, "seed": seed,
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
    out["stiffness"] = bnn_stiffness.state_stiffness(model, run.states, eps, seed, LANCZOS_ITERATIONS)
    parts = {"dH": run.energy_error, "boundary": run.boundary, "crossing": run.predicted,
             "smooth": run.smooth, "rest": run.rest}
    out["attribution_rms"] = ({k: float(np.sqrt(np.mean(v ** 2))) for k, v in parts.items()}
                              if finite.all() else None)
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
                         args.proposals, args.chains, args.seed, progress=sys.stderr, beta=args.beta)
    except ValueError as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    if args.json:
        from relu_hmc.commands.audit import json_safe

        print(json.dumps(json_safe(result), indent=2, allow_nan=False))
        return 0
    r = result
    beta = f" (beta = {r['beta']:g})" if r["beta"] is not None else ""
    rule = f" (auto: eps sqrt(lambda_max) = {AUTO_TARGET:g} after warm-up)" if r["eps_rule"] != "given" else ""
    print(f"{r['activation']}{beta} network, {r['layers']} hidden layer(s) of width {r['width']} "
          f"(d = {r['d']}), data {r['data']}; eps = {r['eps']:g}{rule}, L = {r['steps']}, "
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
    print(f"regime                    {regime_line(r['stiffness'])}")
    s = r["stiffness"]
    print(f"lambda_max (Hessian of U) median {s['lambda_max_median']:.3g}, max {s['lambda_max_max']:.3g} "
          f"over {s['n_states']} chain states (Lanczos, {s['n_iter']} iterations)")
    a = r["attribution_rms"]
    if a is not None:
        print(f"dH attribution (RMS)      dH {a['dH']:.3g} = telescoped {a['boundary']:.3g} + crossings "
              f"{a['crossing']:.3g} + smooth O(eps^3)/step {a['smooth']:.3g} + rest {a['rest']:.3g}")
    return 0


def regime_line(s: dict) -> str:
    """The one-line verdict on the run's regime (numerics.bnn_stiffness.regime)."""
    if s["regime"] == "unstable":
        return (f"beyond the linear stability limit on {100 * s['beyond_limit_fraction']:.3g}% of states "
                f"(eps sqrt(lambda_max) up to {s['stability_number_max']:.3g} >= 2): theory does not apply")
    if s["regime"] == "near-limit":
        return (f"stable but near the limit: eps sqrt(lambda_max) up to {s['stability_number_max']:.3g} "
                f"(> 1 on {100 * s['beyond_asymptotic_fraction']:.3g}% of states, < 2 everywhere): "
                f"eps-expansions converge slowly, expect a large rest")
    return f"stable: eps sqrt(lambda_max) = {s['stability_number_max']:.2g} <= 1 < 2 on every state (asymptotic regime)"
