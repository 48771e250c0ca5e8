"""Energy error law and acceptance of HMC on product targets in dimension d.

- gaussian-dh: for a Gaussian target the leapfrog map is linear, so the mean and variance
  of dH at finite eps, L and d are exact closed forms (theory.acceptance); measured on
  stationary proposals (sample mean, and sample variance with its delta-method SE), tolerance
  4 SE (no bias term: the prediction is exact).
- acceptance-limit: with eps = l d^(-gamma), acceptance -> a(l) = 2 Phi(-sqrt(Sigma_0 l^(2k))/2)
  (Beskos et al. 2013 for smooth targets; derived here for kinks and Hoelder points). The
  limit is measured as a limit: the acceptance at a geometric ladder of d (eps_j = l d_j^-gamma
  halving, whole numbers of steps so l_eff = l exactly) extrapolated to eps -> 0 by
  `estimators.richardson` in the powers of eps of the finite-d correction:
  kinked: dH is a sum of d iid coordinate errors of size eps, so its standardised skewness is
  O(d^-1/2) = O(eps) (and Var(dH)/l^2 - Sigma_0 = O(eps^2), see claims.sigma0): eliminate eps;
  smooth: skewness O(d^-1/2) = O(eps^2), Var correction O(eps^2): eliminate eps^2;
  Hoelder alpha = 3/2: Var(dH)/l^3 - Sigma_0 = a eps log eps + b eps (claims.sigma0) and
  skewness O(d^-1/2) = O(eps^1.5): eliminate eps twice (eps and eps log eps).
  The acceptance at each rung is E min(1, e^-dH) estimated by its conditional expectation
  given |dH| (`estimators.stationary_acceptance_estimate`, exact for stationary starts).
  Tolerance = z SE + b: SE of the extrapolated value sqrt(sum_j w_j^2 se_j^2) (independent runs
  per d, w the Richardson weights); b = the table's remainder estimate plus its own error
  (`Extrapolation.bound`; 2 x remainder when the ladder has no spare point). Var(dH) itself is
  judged precisely by the sigma0/* claims (1D, eps -> 0) and is not repeated here.
- cross-check: the optimal-acceptance equation of theory.tuning reproduces the published
  RWM (0.234) and MALA (0.574) optima; tolerance half a unit of the last published digit.
gaussian-dh and acceptance-limit share one measurement, `measure_acceptance_point` (n stationary
proposals at one (d, eps, L): mean, variance and acceptance of dH); each reads the fields it judges.
"""
from __future__ import annotations

import numpy as np

from relu_hmc import plots
from relu_hmc.claims._predict import predict_scaling_law
from relu_hmc.claims.base import Claim, Task, register, within
from relu_hmc.numerics.estimators import richardson, richardson_weights
from relu_hmc.systems import SYSTEMS

LAPLACE, GAUSSIAN, HOLDER = SYSTEMS["laplace"], SYSTEMS["gaussian"], SYSTEMS["holder_1.5"]
HOLDER_ALPHA = HOLDER.params["alpha"]


# --- theory adapters -----------------------------------------------------------------------

def predict_gaussian_moments(eps: float, n_steps: int, d: int) -> dict:
    from relu_hmc.theory.acceptance import gaussian_energy_error_moments

    m = gaussian_energy_error_moments(eps, n_steps)
    return {"mean": float(m["mean"]) * d, "variance": float(m["variance"]) * d, "d": d}


def predict_optimal_acceptance(k: float, m: float) -> dict:
    from relu_hmc.theory.tuning import optimal_acceptance

    return {"k": k, "m": m, "acceptance": float(optimal_acceptance(k, m))}


# --- measurement that is a literature value ---------------------------------------------------

def predict_acceptance_limit(potential: str, T: float, l: float) -> dict:
    """Sigma_0 and 2k (theory.derive), Sigma = Sigma_0 l^(2k) and a(l) = 2 Phi(-sqrt(Sigma)/2)."""
    from relu_hmc.theory.acceptance import acceptance_limit

    law = predict_scaling_law(potential, T)
    sigma = law["sigma0"] * l ** law["sigma_exponent"]
    return {**law, "l": l, "sigma": sigma, "acceptance": float(acceptance_limit(sigma))}


_LITERATURE = {
    "rwm": (0.234, "Roberts, Gelman, Gilks, Ann. Appl. Probab. 7 (1997) 110-120, Cor. 1.2"),
    "mala": (0.574, "Roberts, Rosenthal, J. R. Stat. Soc. B 60 (1998) 255-268, sec. 2"),
}


def literature_value(name: str, seed=None) -> dict:
    """A published optimum, quoted to 3 decimals (the 'measurement' of a cross-check)."""
    value, source = _LITERATURE[name]
    return {"value": value, "half_unit": 0.0005, "source": source}


# --- measurement ----------------------------------------------------------------------------

def measure_acceptance_point(potential: dict, d: int, eps: float, n_steps: int, n: int, seed) -> dict:
    """The energy error dH of n proposals of n_steps leapfrog steps of size eps, started in
    stationarity in dimension d (numerics.acceptance.energy_error_point): its sample mean and
    sample variance (delta-method SE), and the acceptance E min(1, e^-dH) estimated by its
    conditional expectation given |dH| (`estimators.stationary_acceptance_estimate`, exact in
    expectation for stationary starts). The one measurement of the gaussian-dh (mean, variance)
    and acceptance-limit (acceptance) claims."""
    from relu_hmc.numerics.acceptance import energy_error_point
    from relu_hmc.numerics.potentials import from_spec

    p = energy_error_point(from_spec(potential), d, eps=eps, n_steps=n_steps, n_proposals=n, seed=seed, jobs=1)
    return {"d": p.d, "eps": p.eps, "n_steps": p.n_steps, "n": p.n_proposals, "acceptance": p.acceptance.as_dict(),
            "mean": p.mean_dH.as_dict(), "variance": p.var_dH.as_dict()}


# --- comparisons ---------------------------------------------------------------------------

def compare_gaussian_mean(prediction, measurements):
    m = measurements["dH"]["mean"]
    return within(prediction["mean"], m["value"], m["se"], quantity="E[dH] (exact closed form)")


def compare_gaussian_variance(prediction, measurements):
    m = measurements["dH"]["variance"]
    return within(prediction["variance"], m["value"], m["se"], quantity="Var[dH] (exact closed form)",
                  note="SE by the delta method (fourth central moment)")


def compare_literature(prediction, measurements):
    lit = measurements["literature"]
    return within(lit["value"], prediction["acceptance"], 0.0, quantity="optimal acceptance (theory vs published)",
                  bias=lit["half_unit"], bias_reason=f"published to 3 decimals: {lit['source']}")


def _remainder_text(limit, powers) -> str:
    eliminated = ", ".join(f"{p:g}" for p in powers)
    if np.isfinite(limit.remainder_error):
        return (f"Richardson remainder {limit.remainder:.2g} + its error {limit.remainder_error:.2g} "
                f"(eps powers {eliminated} eliminated)")
    return f"2 x Richardson remainder {limit.remainder:.2g} (eps powers {eliminated} eliminated; no spare point)"


def acceptance_limit_comparison(powers: tuple):
    """The comparison of an acceptance-limit claim: Richardson in eps with these powers."""
    def compare_acceptance_limit(prediction, measurements):
        pts = sorted(measurements.values(), key=lambda m: m["d"])
        for m in pts:
            l_eff = m["eps"] * m["d"] ** prediction["step_size_exponent"]
            if abs(l_eff - prediction["l"]) > 1e-9 * prediction["l"]:
                raise ValueError(f"l_eff = {l_eff} at d = {m['d']} differs from the predicted l = {prediction['l']}")
        eps = np.array([m["eps"] for m in pts])
        values = np.array([m["acceptance"]["value"] for m in pts])
        ses = np.array([m["acceptance"]["se"] for m in pts])
        limit = richardson(eps, values, powers)
        se = float(np.sqrt(np.sum((richardson_weights(eps, powers) * ses) ** 2)))
        ladder = ", ".join(f"d={m['d']}: {v:.4f}±{e:.2g}" for m, v, e in zip(pts, values, ses))
        return within(prediction["acceptance"], limit.value, se,
                      quantity=f"acceptance limit a(l={prediction['l']:g}) as eps -> 0 "
                               f"(Sigma_0 = {prediction['sigma0']:.5g})",
                      bias=float(limit.bound) or 0.0,
                      bias_reason=_remainder_text(limit, powers),
                      note=f"acceptance at {ladder}; SE through the Richardson weights (independent runs)")
    return compare_acceptance_limit


def _plot_acceptance_limit(powers: tuple):
    """The figure of an acceptance-limit claim whose ladder is extrapolated in these eps powers."""
    def plot(ax, prediction, measurements):
        """Acceptance (± SE) at each rung of the ladder against eps = l d^-gamma, the Richardson
        limit eps -> 0 (± SE) the claim is judged by, drawn at eps = 0, and the predicted
        d -> infinity limit a(l) as a line from eps = 0."""
        pts = sorted(measurements.values(), key=lambda m: m["d"])
        eps = np.array([m["eps"] for m in pts])
        values = np.array([m["acceptance"]["value"] for m in pts])
        ses = np.array([m["acceptance"]["se"] for m in pts])
        plots.measured_vs_theory(ax, eps, values, ses, theory_x=[0.0, float(eps.max())],
                                 theory_y=[prediction["acceptance"]] * 2,
                                 xlabel="step size eps = l d^-gamma (d on the ladder)",
                                 ylabel="acceptance probability (dimensionless)",
                                 label="measured acceptance at d = " + ", ".join(str(m["d"]) for m in pts),
                                 theory_label=f"theory: limit a(l = {prediction['l']:g}) = "
                                              f"{prediction['acceptance']:.4f}")
        # the same extrapolation as the comparison (acceptance_limit_comparison)
        limit = richardson(eps, values, powers).value
        se = float(np.sqrt(np.sum((richardson_weights(eps, powers) * ses) ** 2)))
        ax.errorbar([0.0], [limit], yerr=[se], fmt="D", ms=5, capsize=3, color="tab:green", zorder=4,
                    label="Richardson limit eps -> 0 (± SE), as judged")
        ax.set_xlim(left=-0.04 * float(eps.max()))
    return plot


def _plot_literature(ax, prediction, measurements):
    """The optimum theory.tuning computes (no SE: a root of an equation) against the published
    value, with the band of its last published digit (± half a unit) the comparison allows."""
    lit = measurements["literature"]
    plots.predicted_value(ax, prediction["acceptance"], None, lit["value"],
                          ylabel="optimal acceptance probability (dimensionless)",
                          label="theory.tuning optimum", theory_label="published")
    ax.axhspan(lit["value"] - lit["half_unit"], lit["value"] + lit["half_unit"], color="grey", alpha=0.2,
               label="published ± half a unit of its last digit")


def _plot_gaussian_moment(moment: str, name: str):
    def plot(ax, prediction, measurements):
        m = measurements["dH"][moment]
        plots.predicted_value(ax, m["value"], m.get("se"), prediction[moment],
                              ylabel=f"{name} (energy units{' squared' if moment == 'variance' else ''})",
                              label=f"measured {name}", theory_label="exact closed form")
    return plot


# --- registration ----------------------------------------------------------------------------

# Var(dH) = 0.84, E dH = 0.42 (acceptance ~0.7): at E dH ~ Var/2 ~ 1/2 the relative SE of the
# mean, sqrt(Var/n)/E dH, is smallest for a given n; tiny dH would leave the mean unresolved
_GAUSSIAN_DH = {"eps": 0.6, "n_steps": 3, "d": 100}
_N = {"quick": 200_000, "full": 2_000_000}


for _moment, _name, _compare in (("mean", "E[dH]", compare_gaussian_mean),
                                 ("variance", "Var[dH]", compare_gaussian_variance)):
    register(Claim(
        id=f"gaussian-dh/{_moment}",
        statement=f"For a Gaussian target, {_name} at finite eps, L, d equals the exact closed form of the linear "
                  f"leapfrog map.",
        source="theory.acceptance.gaussian_energy_error_moments (trace formula for Gaussian quadratic forms)",
        family="gaussian-dh",
        prediction=Task("relu_hmc.claims.acceptance:predict_gaussian_moments", _GAUSSIAN_DH),
        measurements=lambda budget: [Task("relu_hmc.claims.acceptance:measure_acceptance_point",
                                          {"potential": GAUSSIAN.spec, **_GAUSSIAN_DH, "n": _N[budget]}, "dH")],
        compare=_compare,
        plot=_plot_gaussian_moment(_moment, _name),
    ))


# The ladders stop where one more halving of eps would cost 8x (kinked: d x L grows like eps^-3;
# smooth eps^-5; Hoelder eps^-4): the full budget buys proposals, not another rung.
def _acceptance_claim(key, system, statement, source, gamma, l, steps, powers, n_proposals):
    """Tasks at d_j = (l L_j)^(1/gamma) (an integer by the choice of l and L_j) with L_j whole
    steps at T = 1: eps_j = 1 / L_j = l d_j^(-gamma) exactly. steps, n_proposals: per budget
    (n_proposals one count for every rung, or one per rung)."""
    def tasks(budget):
        out = []
        counts = n_proposals[budget]
        counts = counts if isinstance(counts, tuple) else (counts,) * len(steps[budget])
        for n, count in zip(steps[budget], counts):
            d = round((l * n) ** (1 / gamma))
            if abs(d - (l * n) ** (1 / gamma)) > 1e-6 * d:
                raise ValueError(f"(l L)^(1/gamma) = {(l * n) ** (1 / gamma)} is not a whole dimension")
            out.append(Task("relu_hmc.claims.acceptance:measure_acceptance_point",
                            {"potential": system.spec, "d": d, "eps": 1.0 / n, "n_steps": n, "n": count}, f"d={d}"))
        return out

    return register(Claim(f"acceptance-limit/{key}", statement, source, "acceptance-limit",
                          Task("relu_hmc.claims.acceptance:predict_acceptance_limit",
                               {"potential": system.expression, "T": 1.0, "l": l}),
                          tasks, acceptance_limit_comparison(tuple(powers)), _plot_acceptance_limit(tuple(powers))))


_acceptance_claim(
    "kinked", LAPLACE,
    "Laplace product target, eps = l d^(-1/2): acceptance -> 2 Phi(-sqrt(Sigma_0) l/2), Sigma_0 = T J^2 pi(0) "
    "E|p|^3/12, measured as the eps -> 0 limit of a ladder of d.",
    "derived here (theory.kink, theory.acceptance.sigma0_kinked); DESIGN.md item 3",
    0.5, 1.0, {"quick": (10, 20, 40), "full": (10, 20, 40)}, (1,), {"quick": 8000, "full": 40000})

_acceptance_claim(
    "smooth", GAUSSIAN,
    "Gaussian product target, eps = l d^(-1/4): acceptance -> 2 Phi(-sqrt(Sigma_0) l^2/2), Sigma_0 = sin^2(T)/16, "
    "measured as the eps -> 0 limit of a ladder of d.",
    "Beskos, Pillai, Roberts, Sanz-Serna, Stuart, Bernoulli 19 (2013), Thm 3.6; theory.acceptance.gaussian_sigma0",
    0.25, 1.5, {"quick": (2, 4, 8), "full": (2, 4, 8)}, (2,), {"quick": 6000, "full": 40000})

_acceptance_claim(
    "holder", HOLDER,
    "U = |q|^1.5 product target, eps = l d^(-1/3): acceptance -> 2 Phi(-sqrt(Sigma_0 l^3)/2), Sigma_0 = T pi(0) "
    "E|p|^4 int_0^1 G_alpha^2 (Hurwitz zeta), measured as the eps -> 0 limit of a ladder of d.",
    "derived here: theory.holder (proofs_notes/holder_interpolation.md); DESIGN.md item 3",
    1 / (2 * HOLDER_ALPHA), 1.0, {"quick": (2, 4, 8, 16), "full": (2, 4, 8, 16)}, (1, 1),
    # d = 8 (cost 16 per proposal) is the spare rung that turns the bound from 2 x remainder into
    # remainder + its error (0.0113 -> 0.0086 at seed 6); on the others n_j ~ |w_j| sd_j / sqrt(cost_j)
    # (Richardson weights 1, -4, 4; cost d L = 256, 4096, 65536 per proposal) minimises the SE of the
    # limit at the cost of 4000 proposals per rung
    {"quick": (20000, 16000, 14000, 3300), "full": (100000, 80000, 70000, 16500)})


for _name, _k, _m, _text in (("rwm", 1, 2, "random-walk Metropolis"), ("mala", 3, 2, "MALA")):
    register(Claim(
        id=f"cross-check/{_name}-optimal-acceptance",
        statement=f"The optimal-acceptance equation Phi(-x) = (k/m) x phi(x) with (k, m) = ({_k}, {_m}) "
                  f"gives the published {_text} optimum {_LITERATURE[_name][0]}.",
        source=_LITERATURE[_name][1] + "; theory.tuning.optimal_acceptance",
        family="cross-check",
        prediction=Task("relu_hmc.claims.acceptance:predict_optimal_acceptance", {"k": _k, "m": _m}),
        measurements=lambda budget, _name=_name: [Task("relu_hmc.claims.acceptance:literature_value",
                                                       {"name": _name}, "literature")],
        compare=compare_literature,
        plot=_plot_literature,
    ))
