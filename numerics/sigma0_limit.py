"""Sigma_0 measured where it is defined: the eps -> 0 limit, at fixed T, of the per-coordinate
energy-error variance Var(dH_1) / eps^(2k) of one coordinate of a product target.

On a product target the d coordinates are independent, so Var(dH) = d Var(dH_1) exactly and
Sigma = lim d Var(dH_1) at eps = l d^(-gamma) equals Sigma_0 l^(2k) with

    Sigma_0 = lim_{eps -> 0} Var(dH_1(eps)) / eps^(2k),   L = T / eps leapfrog steps,

(DESIGN.md item 3; Beskos et al., Bernoulli 19 (2013), sec. 3 for smooth U). One coordinate
needs no large d: `sigma0_limit` runs n independent 1D trajectories from exact stationary
starts (q ~ exp(-u), p ~ N(0, 1)) at each eps of a geometric ladder eps_j = T / L_j, the
same starts at every eps (paired draws), and extrapolates eps -> 0 with
`estimators.richardson` in the stated remainder powers.

Error of the extrapolated value. It is the linear combination sum_j w_j V_j of the ladder's
estimates V_j = Var(dH_1(eps_j)) / eps_j^(2k), w = the Richardson weights (the
extrapolation of the unit vectors). The draws are split into B independent batches; each
batch gives its own V_bj (unbiased sample variance) and its own sum_j w_j V_bj, and the SE
of the mean over batches is their standard deviation / sqrt(B) (batch means: exact for
independent batches, and it keeps the pairing's correlation between the V_j).

Starts. ``starts="random"``: i.i.d. draws from pi x N(0, 1). ``starts="sobol"``: randomised
quasi-Monte Carlo, each batch one independently scrambled Sobol point set of 2^m points in
[0, 1)^2 mapped through the inverse CDFs of pi and N(0, 1) (Owen, "Scrambled net variance for
integrals of smooth functions", Ann. Statist. 25 (1997); L'Ecuyer & Lemieux 2002 for the
replicate SE). Every point is exactly distributed as pi x N(0, 1), so each batch's V_bj is
unbiased as before, the batches are independent and the batch-means SE stays exact; the
points are balanced in (q_0, p_0), which removes most of the variance that the smooth
dependence on the start (the |p|^(2k+1) weight of a crossing) carries. It needs the inverse
CDF of pi, available here for the power family |q/s|^alpha (|q/s|^alpha ~ Gamma(1/alpha)).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import special
from scipy.stats import qmc

from relu_hmc.numerics.estimators import Estimate, richardson, richardson_weights
from relu_hmc.numerics.leapfrog import leapfrog_trajectory
from relu_hmc.numerics.orders import _jsonable
from relu_hmc.numerics.validation import check_count, check_positive, rng_from


@dataclass(frozen=True, kw_only=True)
class LadderLimit:
    """lim_{eps -> 0} V(eps) from independent batches of draws at a ladder of eps.

    per_eps: V at each eps (Estimate, batch-means SE); remainder_powers: the powers of eps
    eliminated (a repeated power also removes its eps^p log eps term); weights: the Richardson
    weights w_j (limit = sum_j w_j V_j); limit: the extrapolated value with its SE propagated
    through w (batch means); remainder, remainder_error, bound: `estimators.Extrapolation`'s
    estimate of the truncation error left in the limit, its own error, and their sum (the
    allowance a check may use).
    """

    eps: list
    n: int
    n_batches: int
    per_eps: list
    remainder_powers: list
    weights: list
    limit: Estimate
    remainder: float
    remainder_error: float
    bound: float

    def as_dict(self) -> dict:
        return _jsonable(asdict(self))


def _batch_sizes(n: int, n_batches: int) -> np.ndarray:
    """Sizes of `n_batches` independent batches of `n` draws (each at least 4, for a batch variance)."""
    if n < 4 * n_batches:
        raise ValueError(f"n = {n} draws are too few for {n_batches} batches of at least 4")
    return np.diff(np.linspace(0, n, n_batches + 1).astype(int))


def _ladder_limit_fields(eps, batch_values, remainder_powers, n: int) -> dict:
    """LadderLimit's fields from batch_values[b, j] = V(eps_j) of batch b (independent batches)."""
    n_batches = batch_values.shape[0]
    per_eps_values = batch_values.mean(axis=0)
    per_eps_se = batch_values.std(axis=0, ddof=1) / np.sqrt(n_batches)
    extrapolation = richardson(eps, per_eps_values, remainder_powers)
    weights = richardson_weights(eps, remainder_powers)
    combined = batch_values @ weights
    return dict(eps=eps.tolist(), n=n, n_batches=n_batches,
                per_eps=[Estimate(float(v), float(s), n=n) for v, s in zip(per_eps_values, per_eps_se)],
                remainder_powers=[float(p) for p in remainder_powers], weights=weights.tolist(),
                limit=Estimate(float(extrapolation.value), float(combined.std(ddof=1) / np.sqrt(n_batches)), n=n),
                remainder=float(extrapolation.remainder), remainder_error=float(extrapolation.remainder_error),
                bound=float(extrapolation.bound))


@dataclass(frozen=True, kw_only=True)
class Sigma0Limit(LadderLimit):
    """Sigma_0 = lim_{eps -> 0} V(eps), V(eps) = Var(dH_1) / eps^power of T-long trajectories
    of `steps` leapfrog steps (eps = T / steps) on a 1D `potential`, from `starts` starts."""

    potential: dict
    power: float
    T: float
    steps: list
    starts: str = "random"


STARTS = ("random", "sobol")


def _power_inverse_cdf(potential):
    """q = F^(-1)(u) of pi ∝ exp(-|q/s|^alpha): sign from u < 1/2, |q/s|^alpha = P^(-1)(1/alpha, |2u - 1|)
    (the regularised lower incomplete gamma's inverse), monotone in u."""
    alpha, scale = (float(v) for v in potential.params)

    def inverse(u):
        v = 2.0 * u - 1.0
        return np.sign(v) * scale * special.gammaincinv(1.0 / alpha, np.abs(v)) ** (1.0 / alpha)
    return inverse


def _sobol_starts(potential, size: int, rng):
    """(q_0, p_0), shape (size, 1) each, from one scrambled Sobol set of `size` = 2^m points."""
    if getattr(potential, "name", None) != "power":
        raise ValueError(f"sobol starts need the inverse CDF of pi, known for the power family only, "
                         f"not {getattr(potential, 'name', type(potential).__name__)}")
    m = int(size).bit_length() - 1
    if size != 1 << m:
        raise ValueError(f"sobol starts need a power of 2 points per batch, got {size}")
    u = qmc.Sobol(2, scramble=True, seed=rng).random_base2(m)
    u = np.clip(u, np.finfo(float).tiny, 1.0 - np.finfo(float).epsneg)  # ndtri(0) = -inf
    return _power_inverse_cdf(potential)(u[:, :1]), special.ndtri(u[:, 1:])


def sigma0_limit(potential, *, power: float, steps, remainder_powers, n: int, T: float = 1.0, seed=0,
                 n_batches: int = 32, starts: str = "random") -> Sigma0Limit:
    """Sigma_0 = lim Var(dH_1)/eps^power at fixed T from `n` paired 1D trajectories per eps.

    steps: whole numbers of steps L_j, a geometric sequence (eps_j = T / L_j); power: 2k
    (4 smooth, 2 kinked, 2 alpha Hoelder); remainder_powers: the eps powers of
    V(eps) - Sigma_0 to eliminate, increasing (needs len(steps) >= len(remainder_powers) + 1;
    one more point gives the remainder bound its own error); starts: "random" or "sobol"
    (module docstring; "sobol" needs n / n_batches a power of 2)."""
    power = check_positive("power", power)
    T = check_positive("T", T)
    n = check_count("n", n)
    n_batches = check_count("n_batches", n_batches)
    steps = [check_count("steps", s) for s in steps]
    if starts not in STARTS:
        raise ValueError(f"starts must be one of {', '.join(STARTS)}, got {starts!r}")
    eps = np.array([T / s for s in steps])
    richardson_weights(eps, remainder_powers)  # validates the grid before any draw
    rng = rng_from(seed)
    batch_values = np.empty((n_batches, eps.size))
    for b, size in enumerate(_batch_sizes(n, n_batches)):
        if starts == "sobol":
            q0, p0 = _sobol_starts(potential, size, rng)
        else:
            q0 = potential.sample(rng, (size, 1))
            p0 = rng.standard_normal((size, 1))
        for j, (e, s) in enumerate(zip(eps, steps)):
            dh = leapfrog_trajectory(potential, q0, p0, float(e), s).energy_error
            batch_values[b, j] = np.var(dh, ddof=1) / e ** power
    return Sigma0Limit(potential=potential.config(), power=power, T=T, steps=list(steps), starts=starts,
                       **_ladder_limit_fields(eps, batch_values, remainder_powers, n))


# --------------------------------------------------------------------------------------------
# L steps (MALA: L = 1) over a Hoelder point: Var(dh_1) / eps^power at fixed L, eps -> 0


@dataclass(frozen=True, kw_only=True)
class FixedStepsLimit(LadderLimit):
    """lim_{eps -> 0} Var(dh_1(eps)) / eps^power for `n_steps` steps of `splitting`."""

    potential: dict
    splitting: str
    n_steps: int
    power: float


def _power_density(potential):
    """pi(q) = exp(-|q/s|^alpha) / (2 s Gamma(1 + 1/alpha)) of the power family."""
    if getattr(potential, "name", None) != "power":
        raise ValueError("the fixed-steps Hoelder measurement samples near the point of the power family only")
    alpha, scale = (float(v) for v in potential.params)
    norm = 2.0 * scale * special.gamma(1.0 + 1.0 / alpha)
    return alpha, lambda q: np.exp(-np.abs(q / scale) ** alpha) / norm


def _near_point_starts(potential, size: int, eps: float, rng, df: float = 2.0):
    """(q_0, p_0, w): draws from the defensive mixture r = (pi x N(0,1) + n)/2, n the near-point
    law (|p| ~ chi_(2 alpha + 2) with a random sign, q_0 = eps |p| x, x ~ Student t_df), and the
    importance weights w = pi(q_0) phi(p_0) / r(q_0, p_0) <= 2: E_r[w f] = E_pi[f] for every f
    (Owen & Zhou, JASA 95 (2000), defensive mixtures). The near-point law puts the draws where
    one step errs by (eps |p|)^alpha g(x) (theory.holder), weighted like |p|^(2 alpha + 1) pi(0)."""
    alpha, density = _power_density(potential)
    k = 2.0 * alpha + 1.0  # |p|^k phi(p) / E|p|^k: |p| ~ chi with k + 1 degrees of freedom
    moment = 2.0 ** (k / 2) * special.gamma((k + 1) / 2) / np.sqrt(np.pi)
    near = rng.random(size) < 0.5
    q = potential.sample(rng, (size,))
    p = rng.standard_normal(size)
    m = int(near.sum())
    p_near = np.sqrt(rng.chisquare(k + 1.0, m)) * rng.choice([-1.0, 1.0], m)
    q[near] = eps * np.abs(p_near) * rng.standard_t(df, m)
    p[near] = p_near
    x = q / (eps * np.abs(p))
    t_pdf = special.gamma((df + 1) / 2) / (np.sqrt(df * np.pi) * special.gamma(df / 2)) * (1 + x * x / df) ** (-(df + 1) / 2)
    with np.errstate(divide="ignore", over="ignore"):  # pi(q) underflows far out: weight 0 there
        ratio = (np.abs(p) ** k / moment) * t_pdf / (eps * np.abs(p) * density(q))  # n(q, p) / (pi(q) phi(p))
    return q[:, None], p[:, None], 1.0 / (0.5 + 0.5 * ratio)


def fixed_steps_limit(potential, *, splitting: str = "leapfrog", n_steps: int = 1, power: float, eps,
                      remainder_powers, n: int, seed=0, n_batches: int = 16) -> FixedStepsLimit:
    """Sigma_0 = lim Var(dh_1)/eps^power of `n_steps` steps of `splitting` (MALA: leapfrog, 1 step)
    on the power family, run on the splitting kernel (numerics.splitting_trajectory) from the
    importance-weighted starts of `_near_point_starts` (fresh draws at each eps, independent
    batches); Var = E_w[dh^2] - E_w[dh]^2 per batch; eps: a geometric ladder, extrapolated with
    `estimators.richardson` in `remainder_powers`."""
    from relu_hmc.numerics.splitting_trajectory import splitting_trajectory

    power = check_positive("power", power)
    n = check_count("n", n)
    n_steps = check_count("n_steps", n_steps)
    n_batches = check_count("n_batches", n_batches)
    eps = np.array([check_positive("eps", e) for e in eps])
    richardson_weights(eps, remainder_powers)  # validates the grid before any draw
    rng = rng_from(seed)
    batch_values = np.empty((n_batches, eps.size))
    for b, size in enumerate(_batch_sizes(n, n_batches)):
        for j, e in enumerate(eps):
            q0, p0, w = _near_point_starts(potential, size, float(e), rng)
            dh = splitting_trajectory(potential, q0, p0, float(e), n_steps, splitting).energy_error.ravel()
            batch_values[b, j] = (np.mean(w * dh * dh) - np.mean(w * dh) ** 2) / e ** power
    return FixedStepsLimit(potential=potential.config(), splitting=str(splitting), n_steps=n_steps, power=power,
                           **_ladder_limit_fields(eps, batch_values, remainder_powers, n))
