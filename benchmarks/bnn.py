"""Throughput of the Bayesian-network kernels (numerics.bnn) against a JAX-jitted leapfrog.

    python benchmarks/bnn.py [--quick] [--widths W ...] [--layers N ...] [--steps L] [--repeats R]

For 1, 8 and 64 chains, widths 20, 100 and 500 and one or two hidden layers (ReLU, the
paper's synthetic regression set, 100 points) it measures, per chain:

- ``grad/s``: gradient evaluations per second of `BNN.evaluate` (U, grad U, pre-activations
  and backpropagated signals: everything the crossing bookkeeping needs);
- ``steps/s``: leapfrog steps per second of `numerics.bnn.trajectory` (L steps, with the
  crossing bookkeeping: pattern changes and predicted contributions of every step; the fused
  compiled kernel `_fastcore._bnn_c.leapfrog`, one chain at a time, in the widest
  instruction-set build the CPU runs: `_bnn_c.ISA`, printed in the header);
- ``jax steps/s``: leapfrog steps per second of the same posterior and the same leapfrog in
  JAX (jax.grad of the same U, lax.fori_loop over the steps, vmap over chains, jit; no
  crossing bookkeeping), when jax is installed (the optional 'peers' extra); otherwise the
  column says "no jax".

Times are CPU time (time.process_time: the machine may be shared; JAX's threads count too),
best of R repeats, each repeat at least ~0.2 s of work; ours and JAX alternate repeat by repeat
so that both see the same load. ``jax CPU/wall`` is JAX's CPU time over its wall time in its
best repeat: above 1 only if XLA ran more than one thread (ours runs one: the one-layer
kernel calls no BLAS, the two-layer one SciPy's dgemm limited to one thread). Before timing, the JAX trajectory is
checked against numerics.bnn's on the same start (same end point to 1e-8 relative). Prints a
Markdown table (README, Performance), then the issue-15 targets: steps/s per chain does not
fall from 1 to 64 chains; ours / jax >= 1 at width 20 and >= 1/1.5 at width 500.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from relu_hmc import _fastcore  # noqa: E402
from relu_hmc.numerics import bnn  # noqa: E402


def calls_for(fn) -> int:
    """How many calls of fn (after one warm-up call) take at least ~0.2 s of CPU time."""
    fn()
    n = 1
    while True:
        t = time.process_time()
        for _ in range(n):
            fn()
        if time.process_time() - t >= 0.2 or n >= 1 << 12:
            return n
        n *= 2


def timed(fn, n: int) -> tuple[float, float]:
    """(CPU time, wall time) per call of fn over n calls."""
    t, w = time.process_time(), time.perf_counter()
    for _ in range(n):
        fn()
    return (time.process_time() - t) / n, (time.perf_counter() - w) / n


def best_cpu_time(fn, repeats: int) -> float:
    """Best CPU time per call of fn over `repeats` repeats of calls_for(fn) calls."""
    n = calls_for(fn)
    return min(timed(fn, n)[0] for _ in range(repeats))


def jax_trajectory(model: bnn.BNN, eps: float, n_steps: int):
    """A jitted leapfrog trajectory of U for a batch of chains, or None without jax."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    x, y = jnp.asarray(model.data.x), jnp.asarray(model.data.y)
    inv_var = 1.0 / model.data.noise_sd ** 2
    inv_prior = jnp.asarray(1.0 / model.prior_sd_vector ** 2)
    shapes = model.shapes

    def potential(theta):
        h, k = x, 0
        for layer, (fan_in, fan_out) in enumerate(shapes):
            w = theta[k:k + fan_in * fan_out].reshape(fan_in, fan_out)
            k += fan_in * fan_out
            b = theta[k:k + fan_out]
            k += fan_out
            h = h @ w + b
            if layer < len(shapes) - 1:
                h = jnp.maximum(h, 0.0)
        r = h - y
        return 0.5 * inv_var * jnp.sum(r * r) + 0.5 * jnp.sum(theta * theta * inv_prior)

    grad = jax.grad(potential)

    def one_chain(q, p):
        def step(_, state):
            q, p, g = state
            p = p - 0.5 * eps * g
            q = q + eps * p
            g = grad(q)
            return q, p - 0.5 * eps * g, g
        return jax.lax.fori_loop(0, n_steps, step, (q, p, grad(q)))[:2]

    run = jax.jit(jax.vmap(one_chain))

    def call(q, p):
        out = run(q, p)
        jax.block_until_ready(out)
        return out
    return call


def measure(width: int, layers: int, chains: int, n_steps: int, repeats: int, eps: float = 1e-4) -> dict:
    model = bnn.make_bnn("relu", width, layers)
    rng = np.random.default_rng(0)
    q = model.sample_prior(rng, chains)
    p = rng.standard_normal(q.shape)
    grad_time = best_cpu_time(bnn.single_blas_thread(lambda: model.evaluate(q)), repeats)  # as in trajectory
    ours = lambda: bnn.trajectory(model, q, p, eps, n_steps)  # noqa: E731
    row = {"width": width, "layers": layers, "d": model.d, "chains": chains,
           "grad_per_s": chains / grad_time, "steps_per_s": None, "jax_steps_per_s": None, "jax_cpu_per_wall": None}
    jt = jax_trajectory(model, eps, n_steps)
    if jt is None:
        row["steps_per_s"] = chains * n_steps / best_cpu_time(ours, repeats)
        return row
    jq, _ = jt(q, p)
    np.testing.assert_allclose(np.asarray(jq), ours().q, rtol=1e-8, atol=1e-10)
    # ours and JAX alternate, repeat by repeat, so that both see the same load
    n_ours, n_jax = calls_for(ours), calls_for(lambda: jt(q, p))
    best_ours, best_jax = (float("inf"), 0.0), (float("inf"), 0.0)
    for _ in range(repeats):
        best_ours = min(best_ours, timed(ours, n_ours))
        best_jax = min(best_jax, timed(lambda: jt(q, p), n_jax))
    row["steps_per_s"] = chains * n_steps / best_ours[0]
    row["jax_steps_per_s"] = chains * n_steps / best_jax[0]
    # > 1 only if XLA ran more than one thread (CPU time counts every thread; < 1: waiting for a core)
    row["jax_cpu_per_wall"] = best_jax[0] / best_jax[1]
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="widths 20 and 500, one layer only")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--widths", type=int, nargs="+", help="only these widths (default 20 100 500)")
    parser.add_argument("--layers", type=int, nargs="+", choices=(1, 2), help="only these depths (default 1 2)")
    args = parser.parse_args(argv)
    widths = args.widths or ((20, 500) if args.quick else (20, 100, 500))
    layer_set = args.layers or ((1,) if args.quick else (1, 2))
    if min(widths) < 1:
        parser.error("widths must be positive")
    isa = getattr(_fastcore.bnn, "ISA", "")
    print(f"<!-- benchmarks/bnn.py {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC "
          f"{platform.processor() or platform.machine()}, bnn kernels: {_fastcore.BACKENDS['bnn']} {isa}, "
          f"L = {args.steps}, per chain, CPU time, load average {os.getloadavg()[0]:.1f} -->")
    print("| width | layers | d | chains | grad/s | steps/s (with crossings) | jax steps/s | ours / jax | jax CPU/wall |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for layers in layer_set:
        for width in widths:
            for chains in (1, 8, 64):
                r = measure(width, layers, chains, args.steps, args.repeats)
                rows.append(r)
                jax_col = "no jax" if r["jax_steps_per_s"] is None else f"{r['jax_steps_per_s']:,.0f}"
                ratio = "" if r["jax_steps_per_s"] is None else f"{r['steps_per_s'] / r['jax_steps_per_s']:.2f}"
                threads = "" if r["jax_cpu_per_wall"] is None else f"{r['jax_cpu_per_wall']:.2f}"
                print(f"| {width} | {layers} | {r['d']} | {chains} | {r['grad_per_s']:,.0f} | "
                      f"{r['steps_per_s']:,.0f} | {jax_col} | {ratio} | {threads} |", flush=True)
    print_targets(rows)
    return 0


def print_targets(rows: list[dict]) -> None:
    """The issue-15 targets, met or not, from the rows of one run (ratios within one run)."""
    print()
    for layers in sorted({r["layers"] for r in rows}):
        for width in sorted({r["width"] for r in rows}):
            per = {r["chains"]: r for r in rows if r["layers"] == layers and r["width"] == width}
            if 1 in per and 64 in per:
                fall = per[64]["steps_per_s"] / per[1]["steps_per_s"]
                print(f"- width {width}, {layers} layer(s): steps/s per chain at 64 chains / at 1 chain = "
                      f"{fall:.2f} ({'does not fall' if fall >= 1 else 'falls'})")
            need = {20: 1.0, 500: 1 / 1.5}.get(width)
            for chains, r in sorted(per.items()):
                if need is not None and r["jax_steps_per_s"]:
                    ratio = r["steps_per_s"] / r["jax_steps_per_s"]
                    print(f"  - {chains} chains: ours / jax = {ratio:.2f} (target >= {need:.2f}: "
                          f"{'met' if ratio >= need else 'not met'})")


if __name__ == "__main__":
    raise SystemExit(main())
