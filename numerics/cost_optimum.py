"""The optimal acceptance as what it is: the acceptance at the argmax over l of the
cost-normalised acceptance l a_d(l) of HMC at fixed integration time T in dimension d.

At eps = l d^(-gamma) a proposal costs L = T / eps = T d^gamma / l gradients and, at fixed T,
moves a distance that does not depend on l, so the efficiency per gradient is proportional to
a_d(l) / L, i.e. to l a_d(l) (DESIGN.md item 3: maximise l^m a(l), m = 1; Beskos et al.,
Bernoulli 19 (2013), sec. 4). `cost_normalised_optimum` measures a_d(l) at a grid of whole step
numbers L_j (l_j = T d^gamma / L_j) from the SAME n stationary starts at every L_j (paired:
the acceptance probabilities of one start at different L_j are correlated, which the bootstrap
keeps), and returns the acceptance at the maximum of l a(l) located by `argmax_acceptance`
(a cubic spline of log a on log l, maximised on a fine grid), with a paired-bootstrap SE
(`estimators.column_means_bootstrap`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.interpolate import CubicSpline

from relu_hmc.numerics.estimators import Estimate, acceptance_probability, column_means_bootstrap
from relu_hmc.numerics.leapfrog import leapfrog_trajectory
from relu_hmc.numerics.orders import _jsonable
from relu_hmc.numerics.validation import check_count, check_positive, rng_from


@dataclass(frozen=True)
class CostOptimum:
    """a_d(l_j) ± SE at each grid point, and the acceptance at the argmax of l a_d(l).

    optimum: Estimate (paired bootstrap SE); at_boundary: the fitted maximum sits at an end of the
    measured acceptance range (not resolved); l_star: l at the optimum (interpolated)."""

    potential: dict
    d: int
    gamma: float
    T: float
    steps: list
    l: list
    acceptance: list
    n: int
    optimum: Estimate
    at_boundary: bool
    l_star: float

    def as_dict(self) -> dict:
        return _jsonable(asdict(self))


def argmax_acceptance(l, acceptance) -> tuple[float, float, bool]:
    """(a*, l*, at_boundary): the maximum of l a(l) over the measured range of l, with log a a
    natural cubic spline in log l through the points (interpolation error O(h^4) in the grid
    spacing h of log l for a smooth curve; a(l) is smooth and decreasing in l)."""
    x = np.log(np.asarray(l, dtype=float))
    order = np.argsort(x)
    spline = CubicSpline(x[order], np.log(np.asarray(acceptance, dtype=float)[order]), bc_type="natural")
    grid = np.linspace(x[order][0], x[order][-1], 4001)
    i = int(np.argmax(grid + spline(grid)))
    return float(np.exp(spline(grid[i]))), float(np.exp(grid[i])), i in (0, grid.size - 1)


def _argmax(means: np.ndarray, ls: np.ndarray):
    """a* of one vector of column means, or of each column of (n_cols, B)."""
    if means.ndim == 1:
        return argmax_acceptance(ls, means)[0]
    return np.array([argmax_acceptance(ls, m)[0] for m in means.T])


def cost_normalised_optimum(potential, *, d: int, gamma: float, T: float, steps, n: int, seed=0,
                            n_boot: int = 300) -> CostOptimum:
    """The acceptance maximising l a_d(l) at dimension d (module docstring); steps: the L_j."""
    d = check_count("d", d)
    gamma, T = check_positive("gamma", gamma), check_positive("T", T)
    n = check_count("n", n)
    steps = np.array([check_count("steps", s) for s in steps], dtype=float)
    if steps.size < 4 or np.unique(steps).size != steps.size:
        raise ValueError(f"the l grid needs at least 4 distinct step numbers, got {steps.tolist()}")
    rng = rng_from(seed)
    probs = np.empty((n, steps.size))
    batch = max(1, (1 << 21) // d)
    for start in range(0, n, batch):
        m = min(batch, n - start)
        q0 = potential.sample(rng, (m, d))
        p0 = rng.standard_normal((m, d))
        for j, L in enumerate(steps):
            dh = leapfrog_trajectory(potential, q0, p0, T / L, int(L)).energy_error
            probs[start:start + m, j] = acceptance_probability(dh)
    means = probs.mean(axis=0)
    ls = T * d ** gamma / steps
    optimum = column_means_bootstrap(probs, lambda x: _argmax(x, ls), rng, n_boot=n_boot)
    _, l_star, edge = argmax_acceptance(ls, means)
    ses = probs.std(axis=0, ddof=1) / np.sqrt(n)
    return CostOptimum(potential.config(), d, gamma, T, steps.astype(int).tolist(), ls.tolist(),
                       [Estimate(float(v), float(s), n=n) for v, s in zip(means, ses)], n, optimum, bool(edge), l_star)
