"""Per-integrator claims: for each built-in splitting (relu_hmc.splittings) its global energy
order on a smooth target and its kinked Sigma_0 constant, measured on the generic splitting
kernel (numerics.splitting_trajectory) against theory.splitting.

- integrator/NAME/global-order: over a fixed time T = 1 the energy error on the quartic
  u = q^4/4 is O(eps^(n - 1)), n the local order of theory.splitting.energy_error_order (3 for
  leapfrog, position Verlet and the two-stage family, 5 for Yoshida). Measured by
  numerics.energy_orders.energy_error_order, method "half_grid" (the audit's, on the same
  ladder and target): the least-squares slope of log E|dH| over the finest 3 rungs of a halving
  ladder, SE from a paired bootstrap over starts; tolerance = Z SE + the half-grid truncation
  bound (estimators.half_grid_truncation_slack: a bound if log E|dH| has one correction term
  a eps^r, r >= 1; symmetric splittings have r = 2, an even series in eps) + that bound's own
  delta-method SE.
- integrator/NAME/kinked-sigma0: on the Laplace target u = |q| (kink b = 0, gradient jump
  J = 2, pi(b) = 1/2), Var(dH) over time T per coordinate is eps^2 T J^2 pi(b) E|p|^3 K + o(eps^2).
  Measured Var(dH) / (T eps^2) on a halving ladder of eps (same starts at every eps),
  extrapolated to eps -> 0 with estimators.richardson (power 1); tolerance = Z SE (paired
  bootstrap of the extrapolated value) + the extrapolation's bound.
  K: the steps of one crossing event whose stage positions straddle the kink add their
  first-order errors eps J |p| c(theta + j) (theory.splitting.crossing_phase_function, the phase
  of consecutive steps differing by 1), so K = int_0^1 (sum_j c(theta + j))^2 dtheta
  (theory.splitting.crossing_phase_constant). For every splitting whose cumulative drifts stay
  in [0, 1] (leapfrog, position Verlet, two-stage) one step carries the whole event and K =
  int c^2; Yoshida's negative drift takes stage positions beyond the step, and the per-step
  int c^2 (2^(1/3)/12 = 0.105) undercounts it: K = 1/2 - 2^(1/3)/4 = 0.185.
- integrator/two-stage/kinked-optimum-b (derived here): K(b) = (2/3)(b^3 + (1/2 - b)^3) is
  minimal at b = 1/4; measured K at b = 1/5, 1/4, 3/10 matches K(b) and K(1/4) is the
  smallest. Per gradient evaluation (two per step, so twice leapfrog's step at equal cost)
  n_grad^2 K(1/4) = 1/12 = leapfrog's K: on kinked targets no two-stage b beats leapfrog.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from relu_hmc.claims.base import Claim, Task, Verdict, all_of, register, within
from relu_hmc.splittings import BUILTIN_NAMES
from relu_hmc.systems import SYSTEMS

SMOOTH_SYSTEM = "quartic"
KINKED_SYSTEM = "laplace"
#: T = 1, L = 4 ... 128 steps (a halving ladder of eps = T / L).
GLOBAL_STEPS = tuple(4 * 2**k for k in range(6))
#: eps ladders of the kinked Sigma_0 (T = 1); the full budget halves them, and halves them again
#: for splittings whose stages leave the step (`_leaves_step`: Yoshida, whose O(eps) correction
#: of Var / eps^2 is ~5% at eps = 0.1; the Richardson bound scales with it).
SIGMA0_EPS = {"quick": (0.2, 0.1, 0.05), "full": (0.1, 0.05, 0.025)}
#: independent coordinates of the kinked measurement (each a 1D trajectory) and bootstrap blocks
SIGMA0_N = {"quick": 2_000_000, "full": 8_000_000}
SIGMA0_BLOCKS = 2000
#: coordinates per chain: the kernel's per-chain overhead makes dim = 4 ~3x faster than 1 per
#: coordinate, at 1.3x the SE (the kurtosis of a sum of 4 crossing errors is ~4.5, not ~9)
SIGMA0_DIM = 4
GLOBAL_N = {"quick": 512, "full": 2048}
TWO_STAGE_B = ("1/5", "1/4", "3/10")
#: the built-ins whose kinked law no paper states (theory.splitting; derived here)
DERIVED_HERE = {"two_stage_bcss", "two_stage_mclachlan", "yoshida4"}


# --- prediction ----------------------------------------------------------------------------

def predict_global_order(integrator: str) -> dict:
    """Local energy order n and its coefficient (theory.splitting.energy_error_leading_coefficient);
    global order over a fixed time n - 1."""
    from relu_hmc.theory.splitting import energy_error_leading_coefficient

    n, coefficient = energy_error_leading_coefficient(integrator)
    return {"integrator": integrator, "local_order": n, "global_order": n - 1, "coefficient": str(coefficient)}


@functools.lru_cache(maxsize=None)
def _kink_data(system: str) -> tuple[float, float]:
    """(J, pi(b)) of the single kink of a registered system (theory.classify, exact density)."""
    import sympy as sp

    from relu_hmc.theory.classify import analyse_potential
    from relu_hmc.theory.parse import Q, parse_potential

    U = parse_potential(SYSTEMS[system].expression)
    kinks = [pt for pt in analyse_potential(U).points if pt.kind == "kink"]
    if len(kinks) != 1:
        raise ValueError(f"{system}: the kinked Sigma_0 claim needs exactly one kink, found {len(kinks)}")
    Z = sp.integrate(sp.exp(-U), (Q, -sp.oo, sp.oo))
    return float(abs(kinks[0].jump)), float(sp.exp(-U.subs(Q, kinks[0].location)) / Z)


def predict_kinked_sigma0(integrator: str, system: str = KINKED_SYSTEM) -> dict:
    """Sigma_0 / (T eps^2) = J^2 pi(b) E|p|^3 K per coordinate (module doc), with the per-step
    int c^2 reported alongside (it differs from K when the stages leave the step)."""
    from relu_hmc.splittings import resolve
    from relu_hmc.theory.kink import standard_normal_abs_moment
    from relu_hmc.theory.splitting import crossing_phase_constant, crossing_phase_moments

    J, pi_b = _kink_data(system)
    moment = float(standard_normal_abs_moment(3))
    K = float(crossing_phase_constant(integrator))
    return {"integrator": integrator, "J": J, "pi_b": pi_b, "E_abs_p3": moment, "K": K,
            "K_per_step_int_c2": float(crossing_phase_moments(integrator)[1]),
            "n_grad": resolve(integrator).gradient_evaluations, "sigma0_rate": J**2 * pi_b * moment * K}


def predict_two_stage_constants(system: str = KINKED_SYSTEM) -> dict:
    """K(b) (theory, as `predict_kinked_sigma0`) for each b of TWO_STAGE_B and the closed form
    (2/3)(b^3 + (1/2 - b)^3), minimal at b = 1/4."""
    from fractions import Fraction

    from relu_hmc.splittings import two_stage

    out = {}
    for b in TWO_STAGE_B:
        x = float(Fraction(b))
        out[b] = {**predict_kinked_sigma0(str(two_stage(b)), system),
                  "closed_form_K": 2.0 / 3.0 * (x**3 + (0.5 - x) ** 3)}
    return {"b": list(TWO_STAGE_B), "minimiser": "1/4", "by_b": out}


# --- measurement ---------------------------------------------------------------------------

def measure_global_order(integrator: str, n: int, seed: int, system: str = SMOOTH_SYSTEM,
                         n_steps: list = list(GLOBAL_STEPS), T: float = 1.0) -> dict:
    """numerics.energy_orders.energy_error_order of dH after time T on the splitting kernel, n stationary starts."""
    from relu_hmc.numerics.energy_orders import energy_error_order
    from relu_hmc.numerics.potentials import from_spec
    from relu_hmc.numerics.splitting_trajectory import splitting_trajectory

    potential = from_spec(SYSTEMS[system].spec)
    rng = np.random.default_rng(seed)
    q0 = potential.sample(rng, (n, 1))
    p0 = rng.standard_normal((n, 1))
    eps = np.array([T / L for L in n_steps])
    errors = np.column_stack([splitting_trajectory(potential, q0, p0, e, L, integrator).energy_error
                              for e, L in zip(eps, n_steps)])
    scale = float(np.max(np.asarray(potential.u(q0)) + 0.5 * p0**2))
    m = energy_error_order(errors, eps, rng, energy_scale=scale, method="half_grid")
    return {**m.as_dict(), "order": m.value, "se": m.estimate.se, "systematic": m.systematic,
            "systematic_se": m.systematic_se}


def measure_kinked_sigma0(integrator: str, n: int, seed: int, system: str = KINKED_SYSTEM,
                          eps: list = list(SIGMA0_EPS["quick"]), T: float = 1.0, dim: int = SIGMA0_DIM,
                          n_blocks: int = SIGMA0_BLOCKS, n_boot: int = 400) -> dict:
    """lim Var(dH) / (T eps^2) per coordinate from n independent coordinates, run as n / dim
    chains of dim coordinates (the same starts at every eps): the per-eps values, their
    Richardson extrapolation (power 1) with its bound, and the paired-bootstrap SE of the
    extrapolated value. dH of a chain sums its coordinates' (independent) errors, so
    Var(chain dH) / dim is the per-coordinate variance. The bootstrap resamples blocks of
    chains (their first two moments of dH): the same SE as resampling chains for a
    statistic of the moments, at n_blocks rows."""
    from relu_hmc.numerics.estimators import column_means_bootstrap, richardson
    from relu_hmc.numerics.potentials import from_spec
    from relu_hmc.numerics.splitting_trajectory import splitting_trajectory

    if n % (n_blocks * dim):
        raise ValueError(f"n = {n} must be a multiple of n_blocks x dim = {n_blocks * dim}")
    potential = from_spec(SYSTEMS[system].spec)
    rng = np.random.default_rng(seed)
    q0 = potential.sample(rng, (n // dim, dim))
    p0 = rng.standard_normal((n // dim, dim))
    h = np.array(eps, dtype=float)
    moments = []
    for e in h:
        dH = splitting_trajectory(potential, q0, p0, e, int(round(T / e)), integrator).energy_error
        blocks = dH.reshape(n_blocks, -1)
        moments += [blocks.mean(axis=1), (blocks**2).mean(axis=1)]
    draws = np.column_stack(moments)  # (blocks, 2 n_eps): E dH, E dH^2 per eps

    def rates(means):
        m1, m2 = means[0::2], means[1::2]
        return (m2 - m1**2) / (dim * T * (h**2).reshape((-1,) + (1,) * (m1.ndim - 1)))

    def extrapolated(means):
        return richardson(h, rates(means), [1]).value

    per_eps = rates(draws.mean(axis=0))
    extrapolation = richardson(h, per_eps, [1])
    estimate = column_means_bootstrap(draws, extrapolated, rng, n_boot=n_boot)
    return {"eps": list(h), "T": T, "n": n, "dim": dim, "per_eps": list(per_eps), "value": extrapolation.value,
            "se": estimate.se, "bound": extrapolation.bound, "remainder": extrapolation.remainder}


# --- comparisons ---------------------------------------------------------------------------

def compare_global_order(prediction: dict, measurements: dict) -> Verdict:
    m = measurements["smooth"]
    if m["roundoff_limited"]:
        return Verdict(False, prediction["global_order"], m["order"], m["se"], math.nan,
                       "energy errors at rounding level: no order measured", "global energy order")
    return within(prediction["global_order"], m["order"], m["se"], quantity="global energy order (T = 1)",
                  bias=m["systematic"] + m["systematic_se"],
                  bias_reason="half-grid truncation bound of the fitted slope + its SE (as numerics.audit)",
                  note=f"theory: local order {prediction['local_order']} - 1; {SMOOTH_SYSTEM} target")


def _sigma0_verdict(prediction: dict, m: dict, quantity: str) -> Verdict:
    note = (f"K = {prediction['K']:.6g} (crossing event); per-step int c^2 = "
            f"{prediction['K_per_step_int_c2']:.6g}; per gradient n_grad^2 K = "
            f"{prediction['n_grad'] ** 2 * prediction['K']:.4g} (leapfrog 1/12)")
    return within(prediction["sigma0_rate"], m["value"], m["se"], quantity=quantity, bias=m["bound"],
                  bias_reason="Richardson bound of the eps -> 0 extrapolation", note=note)


def compare_kinked_sigma0(prediction: dict, measurements: dict) -> Verdict:
    return _sigma0_verdict(prediction, measurements["kinked"], "Sigma_0 / (T eps^2) per coordinate")


def compare_two_stage_optimum(prediction: dict, measurements: dict) -> Verdict:
    """Each K(b) within its tolerance, and K(1/4) below K(1/5) and K(3/10) by more than
    Z times the SE of the difference plus both extrapolation bounds."""
    from relu_hmc.claims.base import Z

    parts = []
    for b in prediction["b"]:
        p, m = prediction["by_b"][b], measurements[f"b={b}"]
        if abs(p["K"] - p["closed_form_K"]) > 1e-12:
            raise ValueError(f"theory's K({b}) = {p['K']} differs from the closed form {p['closed_form_K']}")
        parts.append(_sigma0_verdict(p, m, f"Sigma_0 rate at b = {b}"))
    best = measurements["b=" + prediction["minimiser"]]
    for b in prediction["b"]:
        if b == prediction["minimiser"]:
            continue
        other = measurements[f"b={b}"]
        gap = other["value"] - best["value"]
        se = math.hypot(other["se"], best["se"])  # conservative: the paired draws are positively correlated
        tolerance = Z * se + other["bound"] + best["bound"]
        parts.append(Verdict(bool(gap > tolerance), 0.0, gap, se, tolerance,
                             f"one-sided: rate(b={b}) - rate(b=1/4) > {Z:g} SE + both bounds",
                             f"b = 1/4 beats b = {b}"))
    return all_of(parts, quantity="two-stage kinked Sigma_0 minimal at b = 1/4")


# --- figures --------------------------------------------------------------------------------

def _plot_global_order(ax, prediction, measurements):
    """Mean |dH| over T = 1 (± SE) against eps on log-log axes with a line of the predicted
    global order (local order - 1) through the points."""
    from relu_hmc import plots

    m = measurements["smooth"]
    plots.loglog_with_slope(ax, m["eps"], m["mean_abs_error"], m["mean_abs_error_se"],
                            slope=prediction["global_order"], fitted=m["order"],
                            label=f"mean |dH| on the {SMOOTH_SYSTEM} target",
                            xlabel=plots.axis_label("step size", "eps"),
                            ylabel="mean |H(T) - H(0)| at T = 1 (energy units)")


def _draw_sigma0_ladder(ax, m, predicted, *, color=None, prefix="") -> None:
    """Var(dH) / (T eps^2) per eps (the measurement reports no per-eps SE: drawn without bars)
    and its Richardson limit eps -> 0 (± SE) at eps = 0, with the predicted rate as a line;
    `prefix` starts each legend label (one ladder among several)."""
    from relu_hmc import plots

    eps = np.asarray(m["eps"], float)
    ax.plot(eps, m["per_eps"], "o", ms=4, color=color, label=f"{prefix}measured per eps (no per-eps SE)")
    ax.errorbar([0.0], [m["value"]], yerr=[m["se"]], fmt="D", ms=5, capsize=3, color=color or "tab:green",
                zorder=4, label=f"{prefix}Richardson limit eps -> 0 (± SE)")
    ax.plot([0.0, float(eps.max())], [predicted] * 2, "--", lw=1.2, color=color or plots.THEORY_COLOR,
            label=f"{prefix}theory {predicted:.5g}")


def _plot_kinked_sigma0(ax, prediction, measurements):
    """The eps ladder of Var(dH) / (T eps^2) on the Laplace target, its eps -> 0 limit and the
    predicted rate J^2 pi(b) E|p|^3 K."""
    from relu_hmc import plots

    _draw_sigma0_ladder(ax, measurements["kinked"], prediction["sigma0_rate"])
    ax.set_xlim(left=-0.05 * max(measurements["kinked"]["eps"]))
    ax.set_xlabel(plots.axis_label("step size", "eps"))
    ax.set_ylabel("Var(dH) / (T eps^2) (energy^2 / time^3)")


def _plot_two_stage_optimum(ax, prediction, measurements):
    """The Sigma_0 rate of the two-stage splitting at each b: eps ladders, limits and predicted
    rates (K(b) minimal at b = 1/4), one colour per b."""
    from relu_hmc import plots

    for b, color in zip(prediction["b"], plots.color_cycle()):
        m = measurements[f"b={b}"]
        _draw_sigma0_ladder(ax, m, prediction["by_b"][b]["sigma0_rate"], color=color, prefix=f"b = {b}: ")
        ax.set_xlim(left=-0.05 * max(m["eps"]))
    ax.set_xlabel(plots.axis_label("step size", "eps"))
    ax.set_ylabel("Var(dH) / (T eps^2) (energy^2 / time^3)")
    ax.legend(fontsize=5.5, ncol=2, loc="center")  # the b = 1/4 ladder lies well below the other two


# --- registration --------------------------------------------------------------------------

def _global_tasks(name):
    return lambda budget: [Task("relu_hmc.claims.integrators:measure_global_order",
                                {"integrator": name, "n": GLOBAL_N[budget]}, "smooth")]


def _leaves_step(integrator) -> bool:
    """True if a cumulative drift D_i lies outside [0, 1] (stage positions beyond the step)."""
    from itertools import accumulate

    from relu_hmc.splittings import resolve

    return any(not 0.0 <= d <= 1.0 for d in accumulate(resolve(integrator).drift_values))


def _sigma0_task(integrator, label, budget):
    eps = SIGMA0_EPS[budget]
    if budget == "full" and _leaves_step(integrator):
        eps = tuple(e / 2 for e in eps)
    return Task("relu_hmc.claims.integrators:measure_kinked_sigma0",
                {"integrator": integrator, "n": SIGMA0_N[budget], "eps": list(eps)}, label)


for _name in BUILTIN_NAMES:
    _derived = "derived here: theory.splitting; " if _name in DERIVED_HERE else ""
    register(Claim(
        id=f"integrator/{_name}/global-order",
        statement=f"Over a fixed time the energy error of {_name} on a smooth target has theory.splitting's "
                  f"global order (local order - 1).",
        source="Hairer, Lubich & Wanner, Geometric Numerical Integration (2006), sec. II.4, IX.8; theory.splitting",
        family="integrator",
        prediction=Task("relu_hmc.claims.integrators:predict_global_order", {"integrator": _name}),
        measurements=_global_tasks(_name),
        compare=compare_global_order,
        plot=_plot_global_order,
    ))
    register(Claim(
        id=f"integrator/{_name}/kinked-sigma0",
        statement=f"On the Laplace target Var(dH) of {_name} over time T is eps^2 T J^2 pi(b) E|p|^3 K, "
                  f"K the squared crossing-event phase function integrated over the phase.",
        source=f"{_derived}theory.splitting.crossing_phase_function, summed over the steps of a crossing "
               f"event (relu_hmc.claims.integrators module doc); leapfrog K = 1/12: Dinh, Ho & Nguyen 2024",
        family="integrator",
        prediction=Task("relu_hmc.claims.integrators:predict_kinked_sigma0", {"integrator": _name}),
        measurements=lambda budget, _name=_name: [_sigma0_task(_name, "kinked", budget)],
        compare=compare_kinked_sigma0,
        plot=_plot_kinked_sigma0,
    ))


def _two_stage_tasks(budget):
    from relu_hmc.splittings import two_stage

    return [_sigma0_task(str(two_stage(b)), f"b={b}", budget) for b in TWO_STAGE_B]


register(Claim(
    id="integrator/two-stage/kinked-optimum-b",
    statement="On kinked targets the two-stage splitting's Sigma_0 constant K(b) = (2/3)(b^3 + (1/2 - b)^3) "
              "is minimal at b = 1/4, where per gradient it equals leapfrog's (4 K(1/4) = 1/12).",
    source="derived here: theory.splitting.crossing_phase_constant of the two-stage family "
           "(relu_hmc.claims.integrators module doc)",
    family="integrator",
    prediction=Task("relu_hmc.claims.integrators:predict_two_stage_constants"),
    measurements=_two_stage_tasks,
    compare=compare_two_stage_optimum,
    plot=_plot_two_stage_optimum,
))
