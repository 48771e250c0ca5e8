"""Sigma_0 measured where it is defined: lim_{eps -> 0} Var(dH_1)/eps^(2k) of one coordinate
at fixed T (numerics.sigma0_limit), against theory's constant (theory.derive: sigma0_kinked,
gaussian / smooth quadrature, sigma0_holder).

Tolerance = z SE + b. SE: the extrapolated value is the Richardson-weighted sum of the
ladder's estimates (paired draws), its SE by batch means through those weights. b: the
Richardson table's own estimate of the truncation error left in the extrapolated value,
remainder + its error (`estimators.Extrapolation.bound`), computed from the measurement.

Remainder powers eliminated, and why (V(eps) = Var(dH_1(eps)) / eps^(2k), T fixed):

- smooth (Gaussian): dH = eps^2 (S_2(end) - S_2(start)) + eps^4 (...) + ... (the shadow
  Hamiltonian expansion is in even powers), so V = Sigma_0 + O(eps^2): eliminate eps^2.
- kinked (Laplace, offset kink, piecewise linear): a crossing step contributes
  J eps p (1/2 - theta) + O(eps^2). Its square averaged over the phase theta has no eps^1
  term: the phase density is 1 + O(eps) with an O(eps) part odd about theta = 1/2, which
  (1/2 - theta)^2 does not see; the cross term eps p (1/2 - theta) x O(eps^2) has phase mean
  O(eps), i.e. O(eps^4); (E dH)^2 = O(eps^4); the smooth part's error eps^2 adds
  O(eps^4)/eps^2. So V = Sigma_0 + O(eps^2): eliminate eps^2. (Measured: on the offset kink
  V - Sigma_0 falls by 4.1 per halving of eps from eps = 1/4 to 1/8, not 2.)
- Hoelder |q|^alpha (alpha = 3/2), theory.holder.variance_remainder_powers: the passage of the
  Hoelder point gives (eps |p|)^alpha G(theta); the smooth part's shadow error eps^2 Delta S_2
  has E[U''(q)^2] = int |q|^(2 alpha - 4) pi = infinity, cut off at |q| ~ eps |p|: variance
  eps^4 (A log(1/eps) + B), i.e. relative eps log eps and eps (A = 2 E[p^4] (alpha (alpha-1))^2
  2 pi(0) / 144 = 0.02596 here); starts within O(eps) of the point add relative eps; the next
  terms are eps^alpha = eps^1.5 (momentum change inside a passage) and eps^2. So
  V = Sigma_0 + A eps log(1/eps) + b eps + O(eps^1.5): eliminate eps twice (a repeated power
  removes h^p log h, `estimators.richardson`). The ladder's ratio is 4 (L = 3, 12, 48, 192),
  not 2: the weights of (1, 1) on the finest three are then (0.11, -0.89, 1.78) instead of
  (1, -4, 4), five times less variance for the same draws; the coarsest point gives the
  remainder (the size of the eps log eps term at the finest eps, which the O(eps^1.5) terms left
  in the limit do not reach) its own error (`estimators.Extrapolation`). Starts are scrambled
  Sobol points (numerics.sigma0_limit, "sobol"): 16 independent scrambles of 2^17 (quick) or
  2^19 (full) points, the SE by batch means over them (8x less variance than i.i.d. starts at
  eps = 1/32 for 2^19 points per scramble). Resolution: 1.4% (quick, seed 0; 6.8% before),
  1.1% (full, seed 0).
  (Measured, 8 x 2^18 Sobol starts per eps: V - Sigma_0 = 0.0475, 0.0251, 0.0134, 0.0072,
  0.0039, 0.0022 at L = 4 ... 128, within 0.001 of 0.026 eps log(1/eps) + 0.14 eps.)
"""
from __future__ import annotations

from relu_hmc import plots
from relu_hmc.claims.base import Claim, Task, register, within
from relu_hmc.systems import SYSTEMS
from relu_hmc.theory.holder import variance_remainder_powers

#: T of every sigma0 claim.
T = 1.0

#: per regularity: steps of the geometric eps ladder (eps = T / L) and remainder powers
_LADDER = {"smooth": ((8, 16, 32, 64), (2,)), "kinked": ((8, 16, 32, 64), (2,)),
           "holder": ((3, 12, 48, 192), variance_remainder_powers(SYSTEMS["holder_1.5"].params["alpha"]))}
#: draws per eps (the Hoelder ones: batches x 2^m scrambled Sobol points, module docstring)
_N = {"quick": {"smooth": 1_000_000, "kinked": 1_000_000, "holder": 16 << 17},
      "full": {"smooth": 20_000_000, "kinked": 20_000_000, "holder": 32 << 18}}
#: how the starts are drawn, and in how many independent batches (numerics.sigma0_limit)
_STARTS = {"smooth": ("random", 32), "kinked": ("random", 32), "holder": ("sobol", 16)}


def measure_sigma0_limit(potential: dict, power: float, steps: list, remainder_powers: list, n: int, T: float,
                         seed, starts: str = "random", n_batches: int = 32) -> dict:
    """numerics.sigma0_limit.sigma0_limit on the potential spec (JSON dict)."""
    from relu_hmc.numerics.potentials import from_spec
    from relu_hmc.numerics.sigma0_limit import sigma0_limit

    return sigma0_limit(from_spec(potential), power=power, steps=steps, remainder_powers=remainder_powers, n=n,
                        T=T, seed=seed, starts=starts, n_batches=n_batches).as_dict()


def compare_sigma0(prediction, measurements):
    m = measurements["ladder"]
    if abs(m["power"] - prediction["sigma_exponent"]) > 1e-12:
        raise ValueError(f"measured Var/eps^{m['power']:g}, theory's Sigma scales like l^{prediction['sigma_exponent']:g}")
    if prediction["sigma0"] is None:
        raise ValueError("theory gives no Sigma_0 for this potential")
    powers = ", ".join(f"{p:g}" for p in m["remainder_powers"])
    ladder = ", ".join(f"{e['value']:.5g}" for e in m["per_eps"])
    return within(prediction["sigma0"], m["limit"]["value"], m["limit"]["se"],
                  quantity=f"Sigma_0 = lim Var(dH_1)/eps^{m['power']:g} at T = {m['T']:g}",
                  bias=m["bound"] or 0.0,
                  bias_reason=f"Richardson remainder {m['remainder']:.2g} + its error {m['remainder_error']:.2g} "
                              f"(eps powers {powers} eliminated)",
                  note=f"{m['n']} paired 1D trajectories per eps ({m.get('starts', 'random')} starts), L = {m['steps']} (V = {ladder}); SE through the "
                       f"Richardson weights by batch means over {m['n_batches']} batches")


def plot_limit_ladder(ax, prediction, measurements):
    """Var(dH_1)/eps^(2k) (± SE) at each eps of the ladder, the Richardson limit at eps -> 0
    (± its SE, drawn at the smallest eps / 2), and the predicted Sigma_0 as a line."""
    m = measurements["ladder"]
    eps = [float(e) for e in m["eps"]]
    plots.measured_vs_theory(ax, eps, [e["value"] for e in m["per_eps"]], [e["se"] for e in m["per_eps"]],
                             xlabel=plots.axis_label("step size", "eps"),
                             ylabel=f"Var(dH_1)/eps^{m['power']:g} (energy units squared)",
                             label="measured ratio", logx=True)
    limit = m.get("limit")
    if limit is not None:
        ax.errorbar([min(eps) / 2], [limit["value"]], yerr=[limit["se"]], fmt="D", ms=5, capsize=2.5,
                    color="tab:green", label="Richardson limit eps -> 0 (± SE), drawn at eps_min/2")
    ax.axhline(prediction["sigma0"], color=plots.THEORY_COLOR, ls="--", lw=1.2,
               label=f"theory: Sigma_0 = {prediction['sigma0']:.5g}")


def _tasks(system):
    regularity = system.regularity

    def tasks(budget):
        steps, powers = _LADDER[regularity]
        starts, n_batches = _STARTS[regularity]
        extra = {} if starts == "random" else {"starts": starts, "n_batches": n_batches}
        return [Task("relu_hmc.claims.sigma0:measure_sigma0_limit",
                     {"potential": system.spec, "power": _POWER[regularity], "steps": list(steps),
                      "remainder_powers": list(powers), "n": _N[budget][regularity], "T": T, **extra}, "ladder")]
    return tasks


_POWER = {"smooth": 4.0, "kinked": 2.0, "holder": 2.0 * SYSTEMS["holder_1.5"].params["alpha"]}

_CLAIMS = (
    ("gaussian", "gaussian", "Gaussian: Sigma_0 = sin^2(T)/16",
     "Beskos et al., Bernoulli 19 (2013), sec. 3; theory.acceptance.gaussian_sigma0"),
    ("laplace", "laplace", "Laplace |q|: Sigma_0 = T J^2 pi(0) E|p|^3/12 = sqrt(2/pi)/3 at T = 1",
     "derived here: theory.acceptance.sigma0_kinked; DESIGN.md item 3"),
    ("offset-kink", "offset_kink", "kink at q = 0.3 on a Gaussian, |q - 0.3| + q^2/2: Sigma_0 = T J^2 pi(0.3) E|p|^3/12",
     "derived here: theory.acceptance.sigma0_kinked; DESIGN.md item 3"),
    ("piecewise-linear", "two_kink_piecewise_linear",
     "two kinks (jumps 2 and 1.5): Sigma_0 = T sum_b J_b^2 pi(b) E|p|^3/12",
     "derived here: theory.acceptance.sigma0_kinked; DESIGN.md item 3"),
    ("holder", "holder_1.5", "|q|^1.5: Sigma_0 = T pi(0) E|p|^4 int_0^1 G_1.5^2 (Hurwitz zeta phase function)",
     "derived here: theory.holder.sigma0_holder (proofs_notes/holder_interpolation.md)"),
)

for _id, _name, _text, _source in _CLAIMS:
    _system = SYSTEMS[_name]
    register(Claim(
        id=f"sigma0/{_id}",
        statement=f"{_text}, the eps -> 0 limit of the per-coordinate Var(dH)/eps^(2k) at fixed T.",
        source=_source,
        family="sigma0",
        prediction=Task("relu_hmc.claims._predict:predict_scaling_law", {"potential": _system.expression, "T": T}),
        measurements=_tasks(_system),
        compare=compare_sigma0,
        plot=plot_limit_ladder,
    ))
