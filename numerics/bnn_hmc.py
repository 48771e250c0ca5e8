"""HMC with full momentum refreshment on a Bayesian neural-network posterior (numerics.bnn):
starts moved toward posterior modes by Adam, warm-up, and per-proposal energy errors with
their crossing decomposition (`numerics.bnn.trajectory`).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from relu_hmc.numerics import bnn_config, bnn_stiffness
from relu_hmc.numerics.bnn import BNN, single_blas_thread, trajectory
from relu_hmc.numerics.estimators import acceptance_probability
from relu_hmc.numerics.validation import check_count, check_step_size, rng_from


@dataclass(frozen=True)
class BNNRun:
    """HMC chains on a BNN posterior after warm-up.

    Arrays (n_proposals, n_chains): energy_error, accept_prob (min(1, e^-dH)), accepted,
    crossings, predicted (sum of predicted crossing contributions), boundary. q: final
    states (C, d); jump2: squared jump distance |q_new - q_old|^2 of each proposal (0 if
    rejected); pred_mean: per-chain posterior-predictive mean on the test inputs (C, n, k)
    or None; gradient_evaluations: per chain, after warm-up.

    With run_hmc(attribute=True): smooth, rest (n_proposals, n_chains), the smooth trapezoid
    part S and the remainder R of dH = B + S + C + R (numerics.bnn_stiffness.attribute; B is
    `boundary`, C is `predicted`). With run_hmc(keep_states=K): states (K, n_chains, d), the
    chains' positions at the start of K proposals evenly spaced over the run. With
    run_hmc(record_draws=True) (regression data with test inputs): draws_prediction
    (n_proposals, n_chains, n_test, k), the network's output at the test inputs after each
    proposal, and draws_potential (n_proposals, n_chains), U after each proposal: the draws whose
    autocorrelation gives effective sample sizes (numerics.bnn_efficiency).
    """

    energy_error: np.ndarray
    accept_prob: np.ndarray
    accepted: np.ndarray
    crossings: np.ndarray
    predicted: np.ndarray
    boundary: np.ndarray
    jump2: np.ndarray
    q: np.ndarray
    pred_mean: np.ndarray | None
    eps: float
    n_steps: int
    gradient_evaluations: int
    smooth: np.ndarray | None = None
    rest: np.ndarray | None = None
    states: np.ndarray | None = None
    draws_prediction: np.ndarray | None = None
    draws_potential: np.ndarray | None = None

    def chain_acceptance(self) -> np.ndarray:
        """Mean acceptance probability of each chain (independent units for standard errors)."""
        return self.accept_prob.mean(axis=0)


@single_blas_thread
def descend(model: BNN, theta: np.ndarray, n_steps: int, lr: float = 0.01) -> np.ndarray:
    """Adam (Kingma & Ba 2015, default betas) on U for every chain at once; deterministic."""
    theta = np.array(theta, dtype=np.float64, copy=True)
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    b1, b2 = 0.9, 0.999
    for t in range(1, n_steps + 1):
        g = model.evaluate(theta).grad
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta -= lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + 1e-8)
    return theta


def initial_states(model: BNN, n_chains: int, rng, descent_steps: int | None = None) -> np.ndarray:
    """Prior draws moved toward posterior modes by Adam (one Generator draw: the prior)."""
    theta = model.sample_prior(rng, n_chains)
    steps = bnn_config.INIT_DESCENT_STEPS if descent_steps is None else descent_steps
    return descend(model, theta, steps) if steps > 0 else theta


@single_blas_thread
def run_hmc(model: BNN, eps: float, n_steps: int, n_proposals: int, seed, *, n_chains: int = 8,
            warmup: int = 20, q0: np.ndarray | None = None, progress: bool = False,
            attribute: bool = False, keep_states: int = 0, record_draws: bool = False) -> BNNRun:
    """HMC with full momentum refreshment on the posterior of `model`.

    RNG discipline (one Generator): the prior draw of the starts (unless q0 is given), then
    per proposal (warm-up included) p ~ N(0, I) (C, d) and one uniform per chain.
    """
    eps = check_step_size(eps)
    n_steps = check_count("n_steps", n_steps)
    n_proposals = check_count("n_proposals", n_proposals)
    n_chains = check_count("n_chains", n_chains)
    warmup = check_count("warmup", warmup, minimum=0)
    keep_states = check_count("keep_states", keep_states, minimum=0)
    if keep_states > n_proposals:
        raise ValueError(f"keep_states = {keep_states} exceeds n_proposals = {n_proposals}")
    kept_at = {int(i): k for k, i in enumerate(np.linspace(0, n_proposals - 1, keep_states).round())}
    rng = rng_from(seed)
    q = initial_states(model, n_chains, rng) if q0 is None else np.array(q0, dtype=np.float64)
    n_chains = q.shape[0]
    shape = (n_proposals, n_chains)
    energy, accept_prob, predicted, boundary, jump2 = (np.empty(shape) for _ in range(5))
    accepted = np.empty(shape, dtype=bool)
    crossings = np.empty(shape, dtype=np.int64)
    smooth, rest = (np.empty(shape), np.empty(shape)) if attribute else (None, None)
    states = np.empty((keep_states, n_chains, model.d)) if keep_states else None
    x_test = model.data.x_test
    if record_draws and (x_test is None or model.data.task != "regression"):
        raise ValueError("record_draws needs regression data with test inputs")
    draws_prediction = np.empty((n_proposals, n_chains, x_test.shape[0], model.data.n_out)) if record_draws else None
    draws_potential = np.empty(shape) if record_draws else None
    pred_sum = None
    ev = model.evaluate(q)
    for i in range(-warmup, n_proposals):
        p = rng.standard_normal((n_chains, model.d))
        if i in kept_at:
            states[kept_at[i]] = q
        tr = trajectory(model, q, p, eps, n_steps, start=ev, record=attribute)
        dh = tr.energy_error
        accept = np.log(rng.random(n_chains)) < -dh
        new_q = np.where(accept[:, None], tr.q, q)
        if np.any(accept):
            ev = model.evaluate(new_q)
        if i >= 0:
            energy[i], accepted[i], crossings[i] = dh, accept, tr.crossings
            accept_prob[i] = acceptance_probability(dh)
            predicted[i], boundary[i] = tr.predicted, tr.boundary
            if attribute:
                parts = bnn_stiffness.attribute(tr)
                smooth[i], rest[i] = parts["smooth"], parts["rest"]
            jump2[i] = np.einsum("cd,cd->c", new_q - q, new_q - q)
            if x_test is not None and model.data.task == "regression":
                f = model.predict(new_q, x_test)
                pred_sum = f if pred_sum is None else pred_sum + f
                if record_draws:
                    draws_prediction[i], draws_potential[i] = f, ev.u
        q = new_q
        if progress and (i + 1) % max(1, n_proposals // 10) == 0:
            print(f"\r  bnn hmc: {i + 1}/{n_proposals}", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    pred_mean = None if pred_sum is None else pred_sum / n_proposals
    return BNNRun(energy, accept_prob, accepted, crossings, predicted, boundary, jump2, q,
                  pred_mean, eps, n_steps, n_proposals * n_steps, smooth, rest, states, draws_prediction,
                  draws_potential)
