"""Optimal-scaling results of the literature reproduced by measurement, and laws derived here.

Each law (theory.derive with --algorithm/--support, theory.limit_laws, theory.jumps) is checked
on its MEASURED d -> infinity limit (numerics.limit_law): the per-coordinate increments dh of
the product target's proposals on a geometric ladder of steps (millions of stationary draws,
common random numbers), extrapolated to step -> 0 with Richardson (relu_hmc.claims._limit_law):

- step-exponent: p, the limit of the local log-log slope of Var(dh) (of P(exit) for walls) in
  the step; gamma = 1/p makes the limit law non-degenerate;
- acceptance-limit: a(l) of the measured limit law at three l of the grid, eps = l d^(-gamma)
  (N(mu l^(1/gamma), s2 l^(1/gamma)) from the extrapolated kappa_1, kappa_2 / step^(1/gamma);
  Poisson exits at rate lambda l for walls);
- optimal-acceptance: the acceptance at the argmax of l^2 a(l) of the measured law (from the
  measured p and mean/variance ratio r; walls: e^(-2/p)), against theory.tuning (Gaussian laws)
  or theory.jumps (walls).

Tolerance: 4 SE (jackknife over groups of draws) + the Richardson bound (remainder + its own
error) of the extrapolation, carried to the compared number. The error powers eliminated:
even powers of the step for the Gaussian target under RWM (the cumulants of dh = s x Z + s^2 Z^2/2
are polynomials in s^2); one power (step^1) where no symmetry removes the odd terms (MALA's
single step; a kink or a wall, whose crossing probability is linear in the step). The
finite-d measurements at d_large stay as an observation (literature/<law>-finite-d): the
convergence to the limit at finite d is O(d^(-1/2)) and theory gives no finite-d value.
"""
from __future__ import annotations

import math

from relu_hmc.claims._limit_law import (compare_limit_acceptance, compare_limit_exponent, compare_limit_optimum,
                                        plot_limit_exponent, plot_limit_law)
from relu_hmc.claims.base import Claim, Task, register, within

# (id prefix, expression, support, algorithm, gamma, grid centre ~ predicted l*, target, statement, source;
#  ladder: steps, powers eliminated, draws per budget; d of the finite-d observation)
_LAWS = {
    "rwm": dict(expr="q**2/2", support=None, algorithm="rwm", gamma=0.5, centre=2.4, target="gaussian",
                what="RWM on a Gaussian product target, proposal sd l d^(-1/2)",
                source="Roberts, Gelman & Gilks, Ann. Appl. Probab. 7 (1997) 110-120, Thm 1.1 and Cor. 1.2",
                steps=(0.4, 0.2, 0.1, 0.05), powers=(2,), n={"quick": 1_000_000, "full": 8_000_000},
                dims={"quick": 400, "full": 4000}, n_direct={"quick": 6000, "full": 40000}),
    "mala": dict(expr="q**2/2", support=None, algorithm="mala", gamma=1 / 6, centre=1.65, target="gaussian",
                 what="MALA on a Gaussian product target, step l d^(-1/6) (proposal variance l^2 d^(-1/3))",
                 source="Roberts & Rosenthal, J. R. Stat. Soc. B 60 (1998) 255-268, Thm 1 and Thm 2",
                 steps=(0.4, 0.2, 0.1, 0.05), powers=(1,), n={"quick": 1_000_000, "full": 8_000_000},
                 dims={"quick": 400, "full": 4000}, n_direct={"quick": 4000, "full": 20000}),
    "rwm-walls": dict(expr="0", support=(0.0, 1.0), algorithm="rwm", gamma=1.0, centre=2.5, target="uniform",
                      what="RWM on the uniform target on [0, 1]^d (hard walls), proposal sd l d^(-1)",
                      source="Neal, Roberts & Yuen, Ann. Appl. Probab. 22 (2012) 1880-1927",
                      steps=(0.32, 0.16, 0.08, 0.04), powers=(1,), n={"quick": 4_000_000, "full": 32_000_000},
                      dims={"quick": 200, "full": 1000}, n_direct={"quick": 20000, "full": 200000}),
    "mala-kinked": dict(expr="Abs(q)", support=None, algorithm="mala", gamma=1 / 3, centre=2.3, target="laplace",
                        what="MALA on the Laplace product target (kink at 0), step l d^(-1/3)",
                        source="derived here: theory.limit_laws (one step crosses with probability ~ eps|p|pi(0), "
                               "error Theta(eps)); proofs_notes/limit_laws.md",
                        steps=(0.32, 0.16, 0.08, 0.04), powers=(1,), n={"quick": 5_000_000, "full": 40_000_000},
                        dims={"quick": 400, "full": 4000}, n_direct={"quick": 4000, "full": 20000}),
}
_GRID = 13  # l = centre * exp(u), u on an even grid over [-0.6, 0.6] (a factor 3.3 in l)
_CHECKED = (2, 6, 10)  # grid points whose a(l) is compared
_M = 2  # RWM, MALA: expected squared jump ~ step^2 a(l) per proposal of O(1) cost


def _grid(centre: float) -> list:
    return [centre * math.exp(-0.6 + 1.2 * i / (_GRID - 1)) for i in range(_GRID)]


# --- theory adapter ----------------------------------------------------------------------------

def predict_law(expr: str, algorithm: str, l_values: list, support=None) -> dict:
    """theory.derive's law for (expr, algorithm, support) and a(l) at each l of the grid."""
    from relu_hmc.theory.derive import derive_scaling_law

    law = derive_scaling_law(expr, algorithm=algorithm, support=support)
    if law["regularity"] == "jump":
        from relu_hmc.theory.jumps import jump_acceptance

        rates = {"wall": law["wall_rate"], "jumps": [(r["jump"], r["rate_right"], r["rate_left"])
                                                     for r in law["jump_rates"]]}
        acceptance = [float(jump_acceptance(rates, l)) for l in l_values]
        exponent, statistic = 1.0, "exit"  # P(a coordinate's move leaves the support) ~ step
    else:
        from relu_hmc.theory.acceptance import acceptance_limit

        acceptance = [float(acceptance_limit(law["sigma0"] * l ** law["sigma_exponent"])) for l in l_values]
        exponent, statistic = law["sigma_exponent"], "square"
    return {"gamma": law["step_size_exponent"], "sigma0": law["sigma0"], "sigma_exponent": law["sigma_exponent"],
            "m": law["efficiency_exponent"], "optimal_acceptance": law["optimal_acceptance"],
            "optimal_l": law["optimal_l"], "l": list(l_values), "acceptance": acceptance,
            "step_exponent": exponent, "statistic": statistic, "source": law["source"]}


# --- comparisons (relu_hmc.claims._limit_law) -------------------------------------------------

def compare_acceptance_limit(prediction, measurements):
    return compare_limit_acceptance(prediction, measurements, _CHECKED)


def compare_optimal_acceptance(prediction, measurements):
    return compare_limit_optimum(prediction, measurements)


def compare_step_exponent(prediction, measurements):
    return compare_limit_exponent(prediction, measurements)


def compare_finite_d(prediction, measurements):
    """Observation: the direct optimum at d_large (finite d, O(d^-1/2) from the limit) next to theory's."""
    m = measurements["finite-d"]
    opt = m["optimal_acceptance"]
    return within(prediction["optimal_acceptance"], opt["value"], opt["se"],
                  quantity=f"acceptance at the argmax of l^2 a_d(l), direct runs at d={m['d']} (finite d)",
                  note=f"no finite-d theory: the limit is judged by literature/<law>-optimal-acceptance; "
                       f"measured l* = {m['optimal_l']['value']:.4g} ± {m['optimal_l']['se']:.2g} "
                       f"(limit {prediction['optimal_l']:.4g})")


# --- registration ----------------------------------------------------------------------------

def _limit_task(law: dict, grid: list, budget: str) -> Task:
    return Task("relu_hmc.numerics.limit_law:measure_limit_law",
                {"target_spec": law["target"], "algorithm": law["algorithm"], "steps": list(law["steps"]),
                 "n": law["n"][budget], "m": _M, "gamma": law["gamma"], "slope_powers": list(law["powers"]),
                 "ratio_powers": list(law["powers"]), "level_powers": list(law["powers"]), "l_values": grid}, "limit")


def _finite_d_task(law: dict, grid: list, budget: str) -> Task:
    return Task("relu_hmc.numerics.limit_samplers:acceptance_curve",
                {"target_spec": law["target"], "algorithm": law["algorithm"], "d": law["dims"][budget],
                 "l_values": grid, "gamma": law["gamma"], "n": law["n_direct"][budget], "m": _M}, "finite-d")


def _register(name: str, law: dict) -> None:
    grid = _grid(law["centre"])
    prediction = Task("relu_hmc.claims.literature:predict_law",
                      {"expr": law["expr"], "algorithm": law["algorithm"], "l_values": grid, "support": law["support"]})

    def limit(budget):
        return [_limit_task(law, grid, budget)]

    def limit_and_finite_d(budget):
        return [_limit_task(law, grid, budget), _finite_d_task(law, grid, budget)]

    derived = law["source"].startswith("derived here")
    tag = "derived here" if derived else "literature"
    register(Claim(f"literature/{name}-acceptance-limit",
                   f"{law['what']}: the measured d -> infinity acceptance a(l) is the limit of theory.derive ({tag}).",
                   law["source"], "acceptance-limit", prediction, limit, compare_acceptance_limit, plot_limit_law))
    register(Claim(f"literature/{name}-optimal-acceptance",
                   f"{law['what']}: the acceptance at the argmax of l^2 a(l) of the measured d -> infinity law "
                   f"equals the solver's optimum ({tag}).",
                   law["source"], "optimal-acceptance", prediction, limit, compare_optimal_acceptance, plot_limit_law))
    register(Claim(f"literature/{name}-step-exponent",
                   f"{law['what']}: the per-coordinate error scales with the exponent that fixes gamma ({tag}).",
                   law["source"], "step-size-exponent", prediction, limit, compare_step_exponent,
                   plot_limit_exponent))
    register(Claim(f"literature/{name}-finite-d",
                   f"{law['what']}: the optimum measured directly at finite d, next to the limit ({tag}).",
                   law["source"], "optimal-acceptance", prediction, limit_and_finite_d, compare_finite_d,
                   plot_limit_law, kind="observation"))


for _name, _law in _LAWS.items():
    _register(_name, _law)
