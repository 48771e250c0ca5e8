"""Energy error law and acceptance of HMC on product targets in dimension d.

- gaussian-dh: for a Gaussian target the leapfrog map is linear, so the mean and variance
  of dH at finite eps, L and d are exact closed forms (theory.acceptance); measured on
  stationary proposals, tolerance 4 SE (no bias term: the prediction is exact).
- acceptance-limit: with eps = l d^(-gamma), acceptance -> a(l) = 2 Phi(-sqrt(Sigma_0 l^(2k))/2)
  (Beskos et al. 2013 for smooth targets; derived here for kinks). Measured at two d with
  the same l; the comparison at the larger d allows, besides 4 SE, the change of the
  measurement between the two d (see `compare_acceptance`): a bound on the remaining
  finite-d correction that does not depend on the prediction.
- acceptance-limit/holder: U = |q|^alpha, eps = l d^(-1/(2 alpha)). Measured at two d a
  factor 64 apart (same l, T, whole numbers of steps so l_eff = l exactly). b = the change of
  the measurement between the two d. Justification: the finite-d deviation decays like
  d^(-r); the slowest known term is the smooth part of U, d eps^4 = l^4 d^(-1/3), relative
  size O(eps) (r = 1/3 at alpha = 3/2); with a ratio of 64 the deviation left at the larger d
  is (64^r - 1)^(-1) times the change, at most the change for any r >= 1/6.
- cross-check: the optimal-acceptance equation of theory.tuning reproduces the published
  RWM (0.234) and MALA (0.574) optima; tolerance half a unit of the last published digit.
"""
from __future__ import annotations

from relu_hmc import plots
from relu_hmc.claims._predict import predict_scaling_law
from relu_hmc.claims.base import Claim, Task, all_of, register, within
from relu_hmc.systems import SYSTEMS

LAPLACE, GAUSSIAN, HOLDER = SYSTEMS["laplace"], SYSTEMS["gaussian"], SYSTEMS["holder_1.5"]
HOLDER_ALPHA = HOLDER.params["alpha"]


# --- theory adapters -----------------------------------------------------------------------

def predict_gaussian_moments(eps: float, n_steps: int, d: int) -> dict:
    from relu_hmc.theory.acceptance import gaussian_energy_error_moments

    m = gaussian_energy_error_moments(eps, n_steps)
    return {"mean": float(m["mean"]) * d, "variance": float(m["variance"]) * d, "d": d}


def predict_acceptance_limit(potential: str, regime: str, T: float, l_values: list) -> dict:
    """Sigma_0 and a(l) at each l (the measured l_eff values) for a kinked or smooth U."""
    from relu_hmc.theory.acceptance import acceptance_limit, gaussian_sigma0, sigma0_kinked
    from relu_hmc.theory.parse import parse_potential

    if regime == "kinked":
        sigma0, k = float(sigma0_kinked(parse_potential(potential), T)), 1
    elif regime == "smooth-gaussian":
        sigma0, k = float(gaussian_sigma0(T, 1, numeric=True)), 2
    else:
        raise ValueError(f"unknown regime {regime!r}")
    return {"sigma0": sigma0, "k": k, "l": l_values,
            "acceptance": [float(acceptance_limit(sigma0 * l ** (2 * k))) for l in l_values]}


def predict_optimal_acceptance(k: float, m: float) -> dict:
    from relu_hmc.theory.tuning import optimal_acceptance

    return {"k": k, "m": m, "acceptance": float(optimal_acceptance(k, m))}


# --- measurement that is a literature value ---------------------------------------------------

def predict_holder_limit(potential: str, T: float, l: float) -> dict:
    """Sigma_0 (theory.holder via theory.derive), Sigma = Sigma_0 l^(2k) and a(l) = 2 Phi(-sqrt(Sigma)/2)."""
    from relu_hmc.theory.acceptance import acceptance_limit

    law = predict_scaling_law(potential, T)
    if law["regularity"] != "holder":
        raise ValueError(f"{potential} is classified {law['regularity']}, not holder")
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


# --- comparisons ---------------------------------------------------------------------------

def compare_gaussian_mean(prediction, measurements):
    m = measurements["dH"]["mean"]
    return within(prediction["mean"], m["value"], m["se"], quantity="E[dH] (exact closed form)")


def compare_gaussian_variance(prediction, measurements):
    m = measurements["dH"]["variance"]
    return within(prediction["variance"], m["value"], m["se"], quantity="Var[dH] (exact closed form)",
                  note="SE by the delta method (fourth central moment)")


def compare_acceptance(prediction, measurements):
    """At the larger d: acceptance and Var dH against the limit. The finite-d allowance is the
    change of the measurement between the two d (same l): if the deviation decays like
    d^(-r) with r >= 1/2 (O(eps) for kinks at d ratio 4, O(eps^2) for smooth at ratio 16),
    what remains at the larger d is at most that change. It never uses the prediction."""
    small, large = measurements["d-small"], measurements["d-large"]
    sigma_th = prediction["sigma0"] * prediction["l"][1] ** (2 * prediction["k"])
    parts = []
    for key, predicted, name in (("acceptance", prediction["acceptance"][1], "acceptance"),
                                 ("variance", sigma_th, "Var dH = Sigma")):
        change = abs(large[key]["value"] - small[key]["value"])
        parts.append(within(predicted, large[key]["value"], large[key]["se"], quantity=f"{name} at d={large['d']}",
                            bias=change or 0.0,
                            bias_reason=f"finite-d allowance: change {change:.3g} of the measurement from "
                                        f"d={small['d']} to d={large['d']}"))
    return all_of(parts, quantity="a(l) = 2 Phi(-sqrt(Sigma_0 l^2k)/2)")


def compare_literature(prediction, measurements):
    lit = measurements["literature"]
    return within(lit["value"], prediction["acceptance"], 0.0, quantity="optimal acceptance (theory vs published)",
                  bias=lit["half_unit"], bias_reason=f"published to 3 decimals: {lit['source']}")


def compare_holder(prediction, measurements):
    """Pooled Var(dH) against Sigma = Sigma_0 l^(2k) and acceptance against a(l) at the larger d,
    allowance = change of the measurement from the smaller d (module docstring)."""
    small, large = (measurements[label]["points"][0] for label in ("d-small", "d-large"))
    for m in (small, large):
        if abs(m["l_eff"] - prediction["l"]) > 1e-9 * prediction["l"]:
            raise ValueError(f"l_eff = {m['l_eff']} at d = {m['d']} differs from the predicted l = {prediction['l']}")
    parts = []
    for key, predicted, name in (("variance", prediction["sigma"], "Var dH = Sigma_0 l^(2 alpha)"),
                                 ("acceptance", prediction["acceptance"], "acceptance a(l)")):
        change = abs(large[key]["value"] - small[key]["value"])
        parts.append(within(predicted, large[key]["value"], large[key]["se"], quantity=f"{name} at d={large['d']}",
                            bias=change or 0.0,
                            bias_reason=f"finite-d allowance: change {change:.3g} of the measurement from "
                                        f"d={small['d']} to d={large['d']} (ratio 64; bounds the rest for "
                                        f"decay d^-r, r >= 1/6)"))
    sigma0_measured = large["variance"]["value"] / prediction["l"] ** prediction["sigma_exponent"]
    return all_of(parts, quantity=f"Hoelder alpha={prediction['k']:g}: Sigma_0 = {prediction['sigma0']:.4g} "
                                  f"(measured {sigma0_measured:.4g} at d={large['d']})")


def _acceptance_plot(ax, prediction, measurements):
    ms = [measurements["d-small"], measurements["d-large"]]
    ds = [m["d"] for m in ms]
    plots.measured_vs_theory(ax, ds, [m["acceptance"]["value"] for m in ms], [m["acceptance"]["se"] for m in ms],
                             theory_points=prediction["acceptance"], xlabel="d", ylabel="acceptance",
                             theory_label="a(l_eff) limit", logx=True)


# --- registration ----------------------------------------------------------------------------

def _plot_holder(ax, prediction, measurements):
    ms = [measurements[label]["points"][0] for label in ("d-small", "d-large")]
    plots.measured_vs_theory(ax, [m["d"] for m in ms], [m["variance"]["value"] for m in ms],
                             [m["variance"]["se"] for m in ms], theory_points=[prediction["sigma"]] * 2,
                             xlabel="d", ylabel="Var(dH)", theory_label="Sigma_0 l^(2 alpha)", logx=True)


_N = {"quick": 2000, "full": 20000}


def _grid(d: int, gamma: float, l: float, T: float = 1.0):
    n_steps = max(1, round(T * d ** gamma / l))
    eps = T / n_steps
    return eps, n_steps, eps * d ** gamma


for _moment, _name, _compare in (("mean", "E[dH]", compare_gaussian_mean),
                                 ("variance", "Var[dH]", compare_gaussian_variance)):
    register(Claim(
        id=f"gaussian-dh/{_moment}",
        statement=f"For a Gaussian target, {_name} at finite eps, L, d equals the exact closed form of the linear "
                  f"leapfrog map.",
        source="theory.acceptance.gaussian_energy_error_moments (trace formula for Gaussian quadratic forms)",
        family="gaussian-dh",
        prediction=Task("relu_hmc.claims.acceptance:predict_gaussian_moments", {"eps": 0.2, "n_steps": 5, "d": 100}),
        measurements=lambda budget: [Task("relu_hmc.claims._measure:energy_error_moments",
                                          {"potential": GAUSSIAN.spec, "d": 100, "eps": 0.2, "n_steps": 5,
                                           "n": 10 * _N[budget]}, "dH")],
        compare=_compare,
    ))


def _acceptance_claim(claim_id, statement, source, potential_spec, expr, regime, gamma, l, dims):
    grids = {d: _grid(d, gamma, l) for d in dims}

    def tasks(budget):
        return [Task("relu_hmc.claims._measure:energy_error_moments",
                     {"potential": potential_spec, "d": d, "eps": grids[d][0], "n_steps": grids[d][1],
                      "n": _N[budget]}, label)
                for label, d in zip(("d-small", "d-large"), dims)]

    return register(Claim(claim_id, statement, source, "acceptance-limit",
                          Task("relu_hmc.claims.acceptance:predict_acceptance_limit",
                               {"potential": expr, "regime": regime, "T": 1.0,
                                "l_values": [grids[d][2] for d in dims]}),
                          tasks, compare_acceptance, _acceptance_plot))


_acceptance_claim(
    "acceptance-limit/kinked",
    "Laplace product target, eps = l d^(-1/2): acceptance -> 2 Phi(-sqrt(Sigma_0) l/2), Sigma_0 = T J^2 pi(0) E|p|^3/12.",
    "derived here (theory.kink, theory.acceptance.sigma0_kinked); DESIGN.md item 3",
    LAPLACE.spec, LAPLACE.expression, "kinked", 0.5, 1.0, (400, 1600))

_acceptance_claim(
    "acceptance-limit/smooth",
    "Gaussian product target, eps = l d^(-1/4): acceptance -> 2 Phi(-sqrt(Sigma_0) l^2/2), Sigma_0 = sin^2(T)/16.",
    "Beskos, Pillai, Roberts, Sanz-Serna, Stuart, Bernoulli 19 (2013), Thm 3.6; theory.acceptance.gaussian_sigma0",
    GAUSSIAN.spec, GAUSSIAN.expression, "smooth-gaussian", 0.25, 1.5, (81, 1296))

# Hoelder: d = n^3 so that n_steps = d^(1/3) / l is whole at l = 1 (l_eff = l exactly).
_HOLDER_DIMS = {"quick": (64, 4096), "full": (512, 32768)}
_HOLDER_N = {"quick": (2000, 200), "full": (8000, 300)}


def _holder_tasks(budget):
    return [Task("relu_hmc.claims._measure:measure_sweep",
                 {"potential": HOLDER.spec, "gamma": 1 / (2 * HOLDER_ALPHA), "l": 1.0, "T": 1.0, "dims": [d],
                  "n_proposals": [n]}, label)
            for label, d, n in zip(("d-small", "d-large"), _HOLDER_DIMS[budget], _HOLDER_N[budget])]


register(Claim(
    id="acceptance-limit/holder",
    statement="U = |q|^1.5 product target, eps = l d^(-1/3): Var(dH) -> Sigma_0 l^3 and acceptance -> "
              "2 Phi(-sqrt(Sigma_0 l^3)/2), Sigma_0 = T pi(0) E|p|^4 int_0^1 G_alpha^2 (Hurwitz zeta).",
    source="derived here: theory.holder (proofs_notes/holder_interpolation.md); DESIGN.md item 3",
    family="acceptance-limit",
    prediction=Task("relu_hmc.claims.acceptance:predict_holder_limit",
                    {"potential": HOLDER.expression, "T": 1.0, "l": 1.0}),
    measurements=_holder_tasks,
    compare=compare_holder,
    plot=_plot_holder,
))


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
    ))
