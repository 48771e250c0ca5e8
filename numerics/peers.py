"""Adapters: the velocity-Verlet integrators of BlackJAX and NumPyro as audit step functions.

``blackjax_velocity_verlet`` and ``numpyro_velocity_verlet`` have the audit signature
step(q, p, eps, grad_U) -> (q, p) on 1-D float64 numpy arrays and run one step of the
library's own integrator (blackjax.mcmc.integrators.velocity_verlet;
numpyro.infer.hmc_util.velocity_verlet) with a unit mass matrix, on the CPU, in float64
(``jax_enable_x64``). The libraries differentiate a log density / potential with JAX; the
audit only has a numpy ``grad_U``, so the adapters hand them a function whose value is a
dummy (the integrators never use it for the update) and whose JAX gradient calls ``grad_U``
through ``jax.pure_callback`` (a custom VJP). jax, blackjax and numpyro are imported on first
use: the package works without the optional ``peers`` extra; `available()` says whether it is
installed.
"""
from __future__ import annotations

import functools
import importlib.util
import os

import numpy as np

PEERS = ("blackjax", "numpyro")


def available(name: str | None = None) -> bool:
    """True if jax and the named peer (or all peers) are importable."""
    names = ("jax",) + ((name,) if name else PEERS)
    return all(importlib.util.find_spec(n) is not None for n in names)


@functools.lru_cache(maxsize=1)
def _jax():
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    try:
        import jax
    except ImportError as exc:  # pragma: no cover - exercised without the extra
        raise ImportError("the peers adapters need the optional extra: pip install 'relu-hmc[peers]'") from exc
    jax.config.update("jax_enable_x64", True)
    return jax


def _potential_with_gradient(grad_U):
    """A JAX function U(x) with value 0 whose gradient is grad_U(x) (numpy, via pure_callback)."""
    jax = _jax()
    jnp = jax.numpy

    def numpy_grad(x):
        # JAX hands the callback a read-only buffer; give grad_U a writable copy
        return np.asarray(grad_U(np.array(x, dtype=np.float64, copy=True)), dtype=np.float64)

    @jax.custom_vjp
    def potential(x):
        return jnp.zeros((), dtype=x.dtype)

    def forward(x):
        return potential(x), x

    def backward(x, cotangent):
        shape = jax.ShapeDtypeStruct(x.shape, x.dtype)
        return (cotangent * jax.pure_callback(numpy_grad, shape, x),)

    potential.defvjp(forward, backward)
    return potential


@functools.lru_cache(maxsize=64)
def _blackjax_step(grad_U):
    """jit-compiled one step for this grad_U (cached: the audit reuses a few gradients)."""
    jax = _jax()
    jnp = jax.numpy
    from blackjax.mcmc import integrators, metrics

    potential = _potential_with_gradient(grad_U)

    def logdensity(x):
        return -potential(x)

    @jax.jit
    def step(q, p, g, eps):
        metric = metrics.default_metric(jnp.ones_like(q))
        integrator = integrators.velocity_verlet(logdensity, metric.kinetic_energy)
        new = integrator(integrators.IntegratorState(q, p, jnp.zeros((), q.dtype), -g), eps)
        return new.position, new.momentum

    return step


@functools.lru_cache(maxsize=64)
def _numpyro_step(grad_U):
    jax = _jax()
    jnp = jax.numpy
    from numpyro.infer.hmc_util import euclidean_kinetic_energy, velocity_verlet

    potential = _potential_with_gradient(grad_U)
    init_fn, update_fn = velocity_verlet(potential, euclidean_kinetic_energy)

    @jax.jit
    def step(q, p, g, eps):
        state = init_fn(q, p, potential_energy=jnp.zeros((), q.dtype), z_grad=g)
        new = update_fn(eps, jnp.ones_like(q), state)
        return new.z, new.r

    return step


def _run(step, q, p, eps, grad_U):
    jnp = _jax().numpy
    q = np.asarray(q, dtype=np.float64)
    g = np.asarray(grad_U(q), dtype=np.float64)  # the state carries the gradient at the start
    q1, p1 = step(jnp.asarray(q), jnp.asarray(p, dtype=jnp.float64), jnp.asarray(g), jnp.float64(eps))
    return np.array(q1, dtype=np.float64), np.array(p1, dtype=np.float64)  # writable copies


def blackjax_velocity_verlet(q, p, eps, grad_U):
    """One step of BlackJAX's velocity_verlet (blackjax.mcmc.integrators; unit mass matrix)
    in the audit signature."""
    return _run(_blackjax_step(grad_U), q, p, eps, grad_U)


def numpyro_velocity_verlet(q, p, eps, grad_U):
    """One step of NumPyro's velocity_verlet (numpyro.infer.hmc_util; unit mass matrix)
    in the audit signature."""
    return _run(_numpyro_step(grad_U), q, p, eps, grad_U)
