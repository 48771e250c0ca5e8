"""Hamiltonian Monte Carlo on product targets: stationary energy errors and HMC chains.

A proposal draws p ~ N(0, I), runs L = n_steps leapfrog steps of size eps and accepts with
probability min(1, exp(-dH)), dH = H(end) - H(start) (Duane, Kennedy, Pendleton, Roweth
1987; Neal, "MCMC using Hamiltonian dynamics", 2011, sec. 5.2). All randomness comes from one
numpy Generator seeded by the caller, so the compiled kernel and the pure-NumPy fallback
give the same chains.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from relu_hmc.numerics.estimators import acceptance_probability
from relu_hmc.numerics.leapfrog import leapfrog_trajectory
from relu_hmc.numerics.potentials import CallablePotential, Potential
from relu_hmc.numerics.validation import check_count, check_step_size, rng_from


@dataclass(frozen=True)
class EnergyErrorSample:
    """dH of independent proposals from exact stationary starts (q ~ pi^d, p ~ N(0, I)).

    energy_error: (n,) dH values; crossings: (n,) kink crossings per proposal.
    """

    energy_error: np.ndarray
    crossings: np.ndarray
    d: int
    eps: float
    n_steps: int

    @property
    def acceptance(self) -> np.ndarray:
        """Metropolis acceptance probabilities min(1, exp(-dH)) (0 for a diverged, nan dH)."""
        return acceptance_probability(self.energy_error)


def _check_potential(potential) -> None:
    if not isinstance(potential, (Potential, CallablePotential)):
        raise ValueError(f"potential must be a numerics.potentials Potential or CallablePotential, "
                         f"got {type(potential).__name__}")


def stationary_energy_errors(potential: Potential | CallablePotential, d: int, eps: float, n_steps: int,
                             n_proposals: int, seed, *, batch: int | None = None) -> EnergyErrorSample:
    """dH of `n_proposals` independent trajectories started in stationarity, in dimension d.

    Exact starts make each proposal's dH an independent draw of the equilibrium energy
    error, the quantity whose law the acceptance asymptotics describe (Beskos et al. 2013,
    Bernoulli 19(5A), sec. 3: dH -> N(Sigma/2, Sigma)). Chains are processed in batches of
    about 2^22 coordinates to bound memory (`batch` chains per batch if given; the batch size
    changes the order of the random draws, so it is part of what a seed reproduces).
    """
    d = check_count("d", d)
    eps = check_step_size(eps)
    n_steps = check_count("n_steps", n_steps)
    n_proposals = check_count("n_proposals", n_proposals)
    _check_potential(potential)
    rng = rng_from(seed)
    batch = max(1, min(n_proposals, (1 << 22) // d)) if batch is None else check_count("batch", batch)
    errors, crossings = [], []
    for start in range(0, n_proposals, batch):
        n = min(batch, n_proposals - start)
        q0 = potential.sample(rng, (n, d))
        p0 = rng.standard_normal((n, d))
        trajectory = leapfrog_trajectory(potential, q0, p0, eps, n_steps)
        errors.append(trajectory.energy_error)
        crossings.append(trajectory.crossings)
    return EnergyErrorSample(np.concatenate(errors), np.concatenate(crossings), d, eps, n_steps)


@dataclass(frozen=True)
class HMCRun:
    """An HMC run of `n_chains` independent chains for `n_proposals` proposals each.

    samples: (n_proposals, n_chains, n_keep) first `n_keep` coordinates after each proposal;
    energy_error, accept_prob, accepted: (n_proposals, n_chains); gradient_evaluations: total
    gradient evaluations of the full d-dimensional U (n_steps per proposal per chain).
    """

    samples: np.ndarray
    energy_error: np.ndarray
    accept_prob: np.ndarray
    accepted: np.ndarray
    gradient_evaluations: int

    @property
    def acceptance_rate(self) -> float:
        return float(self.accepted.mean())


def run_hmc(potential: Potential | CallablePotential, d: int, eps: float, n_steps: int, n_proposals: int,
            seed, *, n_chains: int = 1, n_keep: int = 1, stationary_start: bool = True,
            progress: bool = False) -> HMCRun:
    """HMC chains with full momentum refreshment and a Metropolis accept/reject.

    Starts are exact stationary draws (the chains are in equilibrium from the first
    proposal) unless `stationary_start` is False (then q = 0). Per proposal the generator
    draws p (n_chains, d), then one uniform per chain.
    """
    d = check_count("d", d)
    eps = check_step_size(eps)
    n_steps = check_count("n_steps", n_steps)
    n_proposals = check_count("n_proposals", n_proposals)
    n_chains = check_count("n_chains", n_chains)
    n_keep = min(check_count("n_keep", n_keep), d)
    _check_potential(potential)
    rng = rng_from(seed)
    q = potential.sample(rng, (n_chains, d)) if stationary_start else np.zeros((n_chains, d))
    samples = np.empty((n_proposals, n_chains, n_keep))
    energy = np.empty((n_proposals, n_chains))
    accept_prob = np.empty((n_proposals, n_chains))
    accepted = np.empty((n_proposals, n_chains), dtype=bool)
    report_every = max(1, n_proposals // 20)
    for i in range(n_proposals):
        p = rng.standard_normal((n_chains, d))
        trajectory = leapfrog_trajectory(potential, q, p, eps, n_steps)
        dh = trajectory.energy_error
        accept = np.log(rng.random(n_chains)) < -dh
        q = np.where(accept[:, None], trajectory.q, q)
        energy[i], accepted[i] = dh, accept
        accept_prob[i] = acceptance_probability(dh)
        samples[i] = q[:, :n_keep]
        if progress and (i + 1) % report_every == 0:
            print(f"\r  hmc: {i + 1}/{n_proposals} proposals, acceptance {accepted[:i + 1].mean():.3f}",
                  end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    return HMCRun(samples, energy, accept_prob, accepted, n_proposals * n_chains * n_steps)
