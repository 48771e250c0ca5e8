"""Constructed single-surface crossings of a ReLU regression posterior (numerics.relu_network).

A surface S_ij = {z_ij = w_j . x_i + b_j = 0} is a hyperplane of parameter space. To measure
the energy error of a leapfrog step that crosses S_ij and nothing else, the crossing is
built, not searched for:

1. `choose_surface`: among candidate (i, j) (all of them for small problems), put theta on
   S_ij by resetting b_j and keep the pair whose point theta* is farthest from every other
   surface (`surface_margin`, an exact distance to hyperplanes).
2. `crossing_sweep`: for each eps the step starts at q0 = theta* - phase eps v and its
   momentum is p0 = v + (eps / 2) grad U(q0), so that after the first half kick the drift is
   exactly eps v: the straight drift passes S_ij at the given phase and stays within
   eps |v| of theta*. The eps ladder starts below margin / (2 |v|), so no other surface is
   within reach for any eps on it; the leapfrog engine's own crossing count confirms it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relu_hmc import _fastcore
from relu_hmc.numerics.relu_network import UNIT_ROUNDOFF, RegressionPosterior, split
from relu_hmc.numerics.validation import check_count, rng_from

#: Candidate surfaces examined when there are more than this many (drawn at random).
MAX_CANDIDATES = 256


def surface_margin(post: RegressionPosterior, theta_star, i: int, j: int) -> float:
    """Distance from theta* to the nearest surface S_i'k other than S_ij:
    min over (i', k) != (i, j) of |z_i'k(theta*)| / |(x_i', 1)| (exact for hyperplanes)."""
    Z = post.preactivations(theta_star)[0]
    distance = np.abs(Z) / np.sqrt(1.0 + np.sum(post.X ** 2, axis=1))[:, None]
    distance[i, j] = np.inf
    return float(np.min(distance))


@dataclass(frozen=True)
class Surface:
    """A point theta* on S_ij and its distance to every other surface."""

    i: int
    j: int
    theta_star: np.ndarray
    margin: float


def choose_surface(post: RegressionPosterior, theta, seed, *, candidates: int = MAX_CANDIDATES) -> Surface:
    """The surface point (theta with b_j reset onto S_ij) farthest from all other surfaces,
    over every (i, j) if M n1 <= candidates, else over `candidates` random pairs."""
    rng = rng_from(seed)
    M, n1 = post.X.shape[0], post.width
    pairs = [(i, j) for i in range(M) for j in range(n1)] if M * n1 <= candidates else \
        [(int(k) // n1, int(k) % n1) for k in rng.choice(M * n1, size=candidates, replace=False)]
    best = None
    for i, j in pairs:
        ts = post.surface_point(theta, i, j)
        margin = surface_margin(post, ts, i, j)
        if best is None or margin > best.margin:
            best = Surface(i, j, ts, margin)
    if not best.margin > 0:
        raise ValueError("every surface point touches another surface (coincident inputs?)")
    return best


def crossing_direction(post: RegressionPosterior, i: int, j: int, seed) -> np.ndarray:
    """Drift direction v = n_ij + t, t a random unit vector tangent to S_ij (v . n_ij = 1)."""
    n = post.unit_normal(i, j)
    t = rng_from(seed).standard_normal(n.size)
    t -= (t @ n) * n
    return n + t / np.linalg.norm(t)


def stiffness_time(post: RegressionPosterior, theta_star, direction) -> float:
    """A time scale of the dynamics near theta*: 1 / max(sqrt(lambda), |grad U| / |v|), with
    lambda >= the largest eigenvalue of H_reg bounded by |J_f|_F^2 / sigma^2 (Gauss-Newton,
    J_f the output Jacobian) + sum_i |r_i| |D_i|_F / sigma^2 (cross terms, |D_i|_F^2 =
    2 sum_j H(z_ij) (|x_i|^2 + 1)) + 1 / tau^2. The crossing step's error series in eps
    has terms (eps / time)^k, so steps well below it are in the asymptotic regime."""
    theta_star = np.asarray(theta_star, dtype=np.float64)
    jac = post.output_jacobian(theta_star)
    r = post.y - _outputs(post, theta_star)
    active = (post.preactivations(theta_star)[0] > 0).sum(axis=1)
    D_norm = np.sqrt(2.0 * active * (np.sum(post.X ** 2, axis=1) + 1.0))
    lam = (np.sum(jac ** 2) + np.sum(np.abs(r) * D_norm)) / post.sigma ** 2 + 1.0 / post.tau ** 2
    g = float(np.linalg.norm(post.gradient(theta_star)[0]))
    return 1.0 / max(float(np.sqrt(lam)), g / float(np.linalg.norm(direction)))


def _outputs(post: RegressionPosterior, theta) -> np.ndarray:
    W, b, a, c = split(np.asarray(theta, dtype=np.float64), post.n_inputs, post.width)
    return np.maximum(post.X @ W.T + b, 0.0) @ a + c


def eps_ladder(margin: float, direction, time_scale: float, *, n_eps: int = 6,
               fraction: float = 1.0 / 16.0) -> np.ndarray:
    """eps_0 2^-k, k = 0..n_eps-1, with eps_0 = min(fraction * time_scale, margin / (2 |v|))
    rounded down to a power of 2: every drift [theta* - phase eps v, theta* + (1 - phase) eps v]
    stays within half the margin of theta*, and every eps is a small fraction of the
    dynamics' time scale (`stiffness_time`)."""
    n_eps = check_count("n_eps", n_eps, 2)
    reach = margin / (2.0 * float(np.linalg.norm(direction)))
    top = 2.0 ** np.floor(np.log2(min(fraction * time_scale, reach)))
    return top * 2.0 ** -np.arange(n_eps)


@dataclass(frozen=True)
class CrossingSweep:
    """One constructed crossing leapfrog step per eps (see the module doc).

    J_hat = dH / (q_rel + eps p_n / 2) -> J (the normal jump) as eps -> 0, error O(eps):
    the crossing-step formula dH = J (q_rel + eps p_n / 2) + O(eps^2) read backwards.
    rounding: a bound on the round-off in each J_hat (dH is a difference of energies of size
    |U| + |p|^2 / 2, each rounded to a few units of u)."""

    eps: np.ndarray
    energy_error: np.ndarray
    q_rel: np.ndarray
    p_n: np.ndarray
    crossings: np.ndarray
    phase: np.ndarray
    J_hat: np.ndarray
    rounding: np.ndarray
    energy_scale: float


def crossing_sweep(post: RegressionPosterior, surface: Surface, direction, eps_values, *,
                   phase: float = 0.25) -> CrossingSweep:
    """Leapfrog steps (the _fastcore engine, with the activation pattern as piece labels)
    whose drift is eps * direction through theta* at the given phase."""
    if not 0.0 < phase < 0.5:
        raise ValueError(f"phase must be in (0, 1/2) (the crossing term J eps p_n (1/2 - phase)), got {phase}")
    eps_values = np.asarray(eps_values, dtype=np.float64)
    v = np.asarray(direction, dtype=np.float64)
    n = post.unit_normal(surface.i, surface.j)
    grad_norm = float(np.linalg.norm(np.append(post.X[surface.i], 1.0)))
    q0 = surface.theta_star[None, :] - (phase * eps_values)[:, None] * v[None, :]
    p0 = v[None, :] + 0.5 * eps_values[:, None] * post.gradient(q0)
    dH, cross, scale = [], [], 0.0
    for k, eps in enumerate(eps_values):
        _, _, e, c = _fastcore.integrate_callables(post.potential, post.gradient, post.pattern,
                                                   q0[k:k + 1], p0[k:k + 1], float(eps), 1)
        dH.append(e[0])
        cross.append(c[0])
        scale = max(scale, float(abs(post.potential(q0[k])[0])) + 0.5 * float(p0[k] @ p0[k]))
    dH = np.array(dH)
    q_rel = post.preactivations(q0)[:, surface.i, surface.j] / grad_norm
    p_n = p0 @ n
    denominator = q_rel + eps_values * p_n / 2.0
    return CrossingSweep(eps_values, dH, q_rel, p_n, np.array(cross), -q_rel / (eps_values * (v @ n)),
                         dH / denominator, 16.0 * UNIT_ROUNDOFF * scale / np.abs(denominator), scale)
