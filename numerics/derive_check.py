"""The measured side of ``relu-hmc derive EXPR --check``: a quick acceptance sweep on a user
potential given as numpy callables, reporting the measured Sigma_0 and step-size exponent
gamma next to the predicted ones (the CLI joins them; theory/ is not imported here).

Public API
----------
- ``check_scaling(u, du, kinks=(), gamma=None, T=1.0, budget="quick", seed=0, *, l=1.0,
  progress=False, jobs=2) -> dict`` with keys
  measured_sigma0, measured_sigma0_se, measured_gamma, measured_gamma_se,
  measured_gamma_interval ([lo, hi], 95%), measured_sigma_exponent (2k),
  measured_sigma_exponent_se, truncation_slack (on 2k) with its SE truncation_slack_se,
  gamma_used, sigma0_per_d (list of {d, value, se}), sigma0_stable, sigma0_p_value, d_for_exponent, eps_grid,
  budget, seed, seconds.

Estimators
----------
1. Exponent: at fixed d and T, Var(dH) = d Var(dh_1(eps)) ~ d S eps^(2k) as eps -> 0, so the
   least-squares slope of log Var(dH) against log eps on a geometric eps grid estimates 2k
   (numerics.variance_scaling.variance_exponent_in_eps, pooled coordinate estimator, parametric
   bootstrap interval). Var(dH) stays O(1) along eps = l d^(-gamma) exactly when
   d eps^(2k) = l^(2k) d^(1 - 2k gamma) is constant, so gamma = 1/(2k); its SE is the
   delta-method se(2k)/(2k)^2 and its interval the image of the interval of 2k.
   (The exponent of Var(dH) in d at fixed eps is 1 for every product target, since dH is
   a sum of d independent coordinate errors; it carries no information about gamma.)
2. Sigma_0 = Var(dH)/l_eff^(2k) at eps ~ l d^(-gamma) for the quick dimensions, with
   gamma the predicted exponent if given, else the measured one, and 2k = 1/gamma;
   numerics.variance_scaling.measure_sigma0 (value at the largest d, chi-square stability).
Sources: Beskos, Pillai, Roberts, Sanz-Serna, Stuart, Bernoulli 19(5A) 2013, arXiv
1001.4460 (smooth, gamma = 1/4); Dinh, Ho, Nguyen, NeurIPS 2024, arXiv 2410.22065 (kinked,
Omega(eps) crossing error, hence gamma = 1/2).
"""
from __future__ import annotations

import math
import time

import numpy as np

from relu_hmc.numerics.acceptance import _check_gamma
from relu_hmc.numerics.variance_scaling import measure_sigma0, variance_exponent_in_eps
from relu_hmc.numerics.validation import check_budget, check_positive
from relu_hmc.numerics.potentials import CallablePotential

_CHECK = {  # d for the exponent, eps grid, dims for Sigma_0, work per point
    "quick": (1000, (0.2, 0.1, 0.05, 0.025), (100, 1000, 10_000), 5e6),
    "full": (1000, (0.2, 0.1, 0.05, 0.025, 0.0125, 0.00625), (100, 1000, 10_000, 100_000), 5e8),
}


def _probe(name, fn):
    """A callable that maps a float array to finite floats of the same shape, or ValueError."""
    if not callable(fn):
        raise ValueError(f"{name} must be a callable mapping a numpy array to an array")
    x = np.linspace(-5.0, 5.0, 101)
    try:
        out = np.asarray(fn(x), dtype=np.float64)
    except Exception as exc:  # noqa: BLE001 - user code: report, never trace back
        raise ValueError(f"{name} failed on a float array: {type(exc).__name__}: {exc}") from None
    if out.shape != x.shape:
        raise ValueError(f"{name} must return an array of its input's shape {x.shape}, got {out.shape}")
    if not np.all(np.isfinite(out)):
        bad = float(x[~np.isfinite(out)][0])
        raise ValueError(f"{name} is not finite at x = {bad:g}")


def check_scaling(u, du, kinks=(), gamma=None, T: float = 1.0, budget: str = "quick", seed=0, *,
                  l: float = 1.0, progress: bool = False, jobs: int = 2) -> dict:
    """Measure 2k (hence gamma = 1/(2k)) and Sigma_0 for the 1D product target exp(-u)."""
    start = time.perf_counter()
    check_budget(budget)
    T, l = check_positive("T", T), check_positive("l", l)
    if gamma is not None:
        gamma = _check_gamma(gamma)
    _probe("u", u)
    _probe("du", du)
    try:
        kinks = np.asarray(kinks, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"kinks must be a sequence of numbers, got {kinks!r}") from None
    potential = CallablePotential(u, du, kinks=kinks, description="derive --check potential")
    d_exp, grid, dims, work = _CHECK[budget]
    exponent = variance_exponent_in_eps(potential, d=d_exp, T=T, eps_grid=grid, budget=budget, seed=seed,
                                        progress=progress, jobs=jobs, work=work)
    two_k = exponent.exponent
    if not two_k.value > 0:
        raise ValueError(f"Var(dH) does not decrease with eps (fitted exponent {two_k.value:.3g}): "
                         "no step-size scaling to measure")
    gamma_meas = 1.0 / two_k.value
    gamma_se = two_k.se / two_k.value ** 2
    gamma_used = gamma if gamma is not None else gamma_meas
    sigma = measure_sigma0(potential, gamma_used, T, l=l, dims=dims, budget=budget, seed=seed + 1 if isinstance(
        seed, int) else seed, progress=progress, jobs=jobs, work=work)
    return {
        "measured_sigma0": sigma.sigma0.value,
        "measured_sigma0_se": sigma.sigma0.se,
        "measured_gamma": gamma_meas,
        "measured_gamma_se": gamma_se,
        "measured_gamma_interval": [1.0 / two_k.hi, 1.0 / two_k.lo] if two_k.lo > 0 else None,
        "measured_sigma_exponent": two_k.value,
        "measured_sigma_exponent_se": two_k.se,
        "truncation_slack": exponent.truncation_slack,
        "truncation_slack_se": exponent.truncation_slack_se,
        "gamma_used": gamma_used,
        "sigma0_per_d": [{"d": d, "value": e.value, "se": e.se} for d, e in zip(sigma.dims, sigma.per_d)],
        "sigma0_stable": sigma.stable,
        "sigma0_p_value": sigma.p_value,
        "d_for_exponent": d_exp,
        "eps_grid": exponent.x,
        "T": T,
        "l": l,
        "budget": budget,
        "seed": seed if isinstance(seed, int) else None,
        "seconds": math.floor((time.perf_counter() - start) * 100) / 100,
    }


# --------------------------------------------------------------------------------------------
# a user potential as a built-in family (so that --check runs the compiled splitting kernel)


def _piece_points(lo: float, hi: float, count: int) -> np.ndarray:
    """`count` interior points of (lo, hi) (infinite ends replaced by a finite reach)."""
    a = lo if np.isfinite(lo) else (hi if np.isfinite(hi) else 0.0) - 4.0
    b = hi if np.isfinite(hi) else (lo if np.isfinite(lo) else 0.0) + 4.0
    return np.linspace(a, b, count + 2)[1:-1]


def _agrees(f, g, x) -> bool:
    fx, gx = np.asarray(f(x), dtype=np.float64), np.asarray(g(x), dtype=np.float64)
    return bool(np.all(np.abs(fx - gx) <= 1e-9 * (1.0 + np.abs(fx))))


def family_potential(u, du, kinks=(), holder_points=()):
    """The built-in numerics.potentials family that equals exp(-u) up to a constant, or None.

    Tried in turn, each verified at points of every piece: piecewise quadratic (u' linear
    between the kinks: Gaussian, Laplace, ReLU-like, offset kinks), |q/s|^alpha (one Hoelder
    point at 0 with c_- = c_+ = s^-alpha) and a2 q^2/2 + a4 q^4/4. The splitting kernel
    (numerics.splitting_trajectory) runs only these families."""
    from relu_hmc.numerics import potentials as P

    kinks = np.sort(np.asarray(kinks, dtype=np.float64).ravel())
    edges = np.concatenate([[-np.inf], kinks, [np.inf]])
    candidates = []
    curv, slopes = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        x0, x1 = _piece_points(lo, hi, 2)
        g0, g1 = float(du(np.array([x0]))[0]), float(du(np.array([x1]))[0])
        c = (g1 - g0) / (x1 - x0)
        curv.append(0.0 if abs(c) < 1e-12 else c)
        slopes.append(g0 - c * x0)
    try:
        candidates.append(P.piecewise_quadratic(kinks, curv, slopes))
    except ValueError:
        pass
    for pt in holder_points:
        if len(holder_points) == 1 and pt["location"] == 0.0 and pt["c_minus"] == pt["c_plus"] > 0:
            candidates.append(P.power(pt["alpha"], pt["c_plus"] ** (-1.0 / pt["alpha"])))
    if kinks.size == 0 and not holder_points:
        g1, g2 = float(du(np.array([1.0]))[0]), float(du(np.array([2.0]))[0])
        a4 = (g2 - 2.0 * g1) / 6.0  # u' = a2 x + a4 x^3
        if a4 > 0:
            candidates.append(P.quartic(g1 - a4, a4))
    probes = np.concatenate([_piece_points(lo, hi, 5) for lo, hi in zip(edges[:-1], edges[1:])])
    for candidate in candidates:
        shift = float(u(np.array([probes[0]]))[0] - candidate.u(np.array([probes[0]]))[0])
        if _agrees(du, candidate.grad, probes) and _agrees(lambda x: u(x) - shift, candidate.u, probes):
            return candidate
    return None


# --------------------------------------------------------------------------------------------
# any algorithm / splitting / regime (numerics.limit_samplers): per-coordinate errors

_LAW_CHECK = {"quick": ((0.2, 0.1, 0.05, 0.025), 100_000), "full": ((0.2, 0.1, 0.05, 0.025, 0.0125), 1_000_000)}


def check_limit_law(u, du, *, algorithm: str, splitting: str = "leapfrog", T: float | None = None,
                    n_steps: int | None = None, sigma_exponent: float | None = None, support=None, kinks=(),
                    jumps=(), budget: str = "quick", seed=0, potential=None) -> dict:
    """Measured exponent and constant of the per-coordinate error of `algorithm` on exp(-u)
    (d Var(dh_1) = Sigma at step = l d^(-gamma), so Var(dh_1) ~ Sigma_0 step^(2k)):
    Gaussian laws (sigma_exponent = 2k given): E[dh^2] on a paired step grid, exponent 2k ->
    gamma = 1/(2k), Sigma_0 = E[dh^2]/step^(2k) at the smallest step. Jump laws
    (sigma_exponent None): P(the coordinate crosses a jump or a wall) ~ rate * step, exponent 1
    -> gamma = 1, measured_crossing_rate = P/step at the smallest step. HMC at fixed T runs
    round(T/step) steps (step adjusted to T/L).

    `potential`: the user's U as a built-in family (`family_potential`); MALA and HMC then run on
    the compiled splitting kernel (numerics.splitting_trajectory: the integrator the law was
    derived for, kink crossings counted), starts from the family's exact sampler; without it
    (or for RWM, jumps and walls) the plain-NumPy samplers of numerics.limit_samplers run.
    The result says which: key "engine"."""
    from relu_hmc.numerics.estimators import half_grid_slopes, power_law_exponent
    from relu_hmc.numerics.limit_samplers import coordinate_errors, target
    from relu_hmc.numerics.validation import rng_from

    start = time.perf_counter()
    check_budget(budget)
    _probe("u", u)
    _probe("du", du)
    grid, n = _LAW_CHECK[budget]
    tgt = target({"u": u, "du": du, "support": support, "kinks": list(kinks) + [j for j in jumps]})
    kernel = potential is not None and algorithm in ("mala", "hmc") and support is None and not jumps
    rng = rng_from(seed)
    x = potential.sample(rng, (n,)) if kernel else tgt.sample(rng, (n,))
    noise = rng.standard_normal(n)
    steps, columns = [], []
    threshold = 0.5 * min([abs(j) for j in jumps.values()]) if isinstance(jumps, dict) and jumps else None
    for s in grid:
        L = n_steps if n_steps else (max(1, round(T / s)) if T else 1)
        step = T / L if (algorithm == "hmc" and not n_steps and T) else s
        if kernel:
            from relu_hmc.numerics.splitting_trajectory import splitting_trajectory

            one = algorithm == "mala"
            dh = splitting_trajectory(potential, x[:, None], noise[:, None], step, 1 if one else L,
                                      "leapfrog" if one else splitting).energy_error.ravel()
        else:
            dh = coordinate_errors(tgt, algorithm, x, noise, step, splitting=splitting, n_steps=L)
        if sigma_exponent is None:
            crossed = ~np.isfinite(dh) | (np.abs(dh) > threshold if threshold else False)
            columns.append(crossed.astype(np.float64))
        else:
            columns.append(np.where(np.isfinite(dh), dh, 0.0) ** 2)
        steps.append(step)
    draws = np.column_stack(columns)
    exponent = power_law_exponent(np.array(steps), draws, rng.integers(2**31), n_boot=200)
    means = draws.mean(axis=0)
    ses = draws.std(axis=0, ddof=1) / math.sqrt(n)
    power = 1.0 if sigma_exponent is None else float(sigma_exponent)
    constant, constant_se = means[-1] / steps[-1] ** power, ses[-1] / steps[-1] ** power
    out = {"measured_sigma_exponent": exponent.value, "measured_sigma_exponent_se": exponent.se,
           "measured_gamma": 1.0 / exponent.value if exponent.value > 0 else None,
           "measured_gamma_se": exponent.se / exponent.value ** 2 if exponent.value > 0 else None,
           "half_grid_slopes": list(half_grid_slopes(np.array(steps), means)), "steps": steps,
           "budget": budget, "seed": seed if isinstance(seed, int) else None,
           "engine": (f"splitting kernel ({_kernel_backend()}) on {potential.description}" if kernel
                      else "numpy samplers (numerics.limit_samplers)"),
           "seconds": math.floor((time.perf_counter() - start) * 100) / 100}
    if sigma_exponent is None:
        out.update(measured_crossing_rate=constant, measured_crossing_rate_se=constant_se)
    else:
        out.update(measured_sigma0=constant, measured_sigma0_se=constant_se)
    return out


def _kernel_backend() -> str:
    from relu_hmc import _fastcore

    return _fastcore.BACKENDS["splitting"]
