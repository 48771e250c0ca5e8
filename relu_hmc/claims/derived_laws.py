"""Laws this toolkit derives and no paper states, measured on the splitting kernel: Hoelder
points (U ~ |q|^alpha, 1 < alpha < 2) under MALA, fixed-steps HMC and another splitting
(theory.holder.sigma0_holder_splitting, proofs_notes/holder_interpolation.md, "Other
splittings, MALA and fixed steps").

L steps (MALA: leapfrog, L = 1) from a stationary start err by (eps |p|)^alpha sum_{j<L} g(x + j)
near the point, so Var(dh_1) = Sigma_0 eps^(2 alpha + 1) + ...: the claim measures
lim_{eps -> 0} Var(dh_1)/eps^(2 alpha + 1) (numerics.sigma0_limit.fixed_steps_limit: importance-
weighted starts near the point, the splitting kernel) against theory's Sigma_0.

Remainder powers: inside the region the momentum changes by eps f ~ eps (eps|p|)^(alpha-1),
relative eps^alpha, and the one-step terms of second order (eps^2 f^2) are relative eps^alpha
too; the smooth one-step error away from the point, eps^(2r) with r >= 3, enters relative
eps^(2r - 2 alpha - 1) = eps^2 (leapfrog, alpha = 3/2). So V(eps) = Sigma_0 + a eps^alpha +
O(eps^2): eliminate eps^1.5 on a ratio-2 ladder of three steps, the coarsest giving the
remainder (the size of the eps^1.5 term) its own error. (Measured, MALA, 2^20 draws per eps:
V - Sigma_0 = 0.0175, 0.0062, 0.0022 at eps = 0.2, 0.1, 0.05, falling by 2.8 = 2^1.5 per halving.)

Tolerance = 4 SE (batch means through the Richardson weights) + remainder + its error.
"""
from __future__ import annotations

from relu_hmc.claims.base import Claim, Task, register, within
from relu_hmc.claims.sigma0 import plot_limit_ladder

#: the Hoelder target of these claims (relu_hmc.systems "holder_1.5")
POTENTIAL = "Abs(q)**(3/2)"
SPEC = {"family": "power", "alpha": 1.5, "scale": 1.0}
ALPHA = 1.5
EPS = (0.05, 0.025, 0.0125)
REMAINDER_POWERS = (ALPHA,)
N = {"quick": 1 << 20, "full": 1 << 23}


def predict_law(algorithm: str, integrator: str | None, fixed_steps: int | None) -> dict:
    """theory.derive's law for the combination (JSON-able)."""
    from relu_hmc.theory.derive import derive_scaling_law

    law = derive_scaling_law(POTENTIAL, algorithm=algorithm, integrator=integrator, fixed_steps=fixed_steps)
    return {key: law[key] for key in ("potential", "algorithm", "integrator", "regime", "sigma_exponent",
                                      "step_size_exponent", "sigma0", "optimal_acceptance", "source")}


def measure_fixed_steps(splitting: str, n_steps: int, power: float, eps: list, remainder_powers: list, n: int,
                        seed) -> dict:
    from relu_hmc.numerics.potentials import from_spec
    from relu_hmc.numerics.sigma0_limit import fixed_steps_limit

    return fixed_steps_limit(from_spec(SPEC), splitting=splitting, n_steps=n_steps, power=power, eps=eps,
                             remainder_powers=remainder_powers, n=n, seed=seed).as_dict()


def compare(prediction, measurements):
    m = measurements["ladder"]
    if abs(m["power"] - prediction["sigma_exponent"]) > 1e-12:
        raise ValueError(f"measured Var/eps^{m['power']:g}, theory's Sigma scales like l^{prediction['sigma_exponent']:g}")
    ladder = ", ".join(f"{e['value']:.5g}" for e in m["per_eps"])
    return within(prediction["sigma0"], m["limit"]["value"], m["limit"]["se"],
                  quantity=f"Sigma_0 = lim Var(dh_1)/eps^{m['power']:g}, {m['n_steps']} step(s) of {m['splitting']}",
                  bias=m["bound"], bias_reason=f"Richardson remainder {m['remainder']:.2g} + its error "
                                               f"{m['remainder_error']:.2g} (eps^1.5 eliminated)",
                  note=f"{m['n']} importance-weighted 1D draws per eps = {m['eps']} (V = {ladder}); SE by batch "
                       f"means over {m['n_batches']} batches through the Richardson weights")


_CLAIMS = (
    ("mala-holder", "mala", None, None, "leapfrog", 1,
     "MALA on |q|^1.5: Var(dh_1) ~ Sigma_0 eps^(2 alpha + 1) = Sigma_0 eps^4, so gamma = 1/4 and the optimal "
     "acceptance is 0.452; Sigma_0 = pi(0) E|p|^4 int g^2 (g: the trapezoid error of F = U' over a cell)"),
    ("fixed-steps-holder", "hmc", None, 3, "leapfrog", 3,
     "Leapfrog HMC with L = 3 steps on |q|^1.5: Sigma_0 = pi(0) E|p|^4 int (g(x) + g(x+1) + g(x+2))^2 dx, "
     "Sigma ~ l^4"),
    ("two-stage-step-holder", "hmc", "two_stage_bcss", 1, "two_stage_bcss", 1,
     "One step of the two-stage splitting (b = 0.21178) on |q|^1.5: Sigma_0 = pi(0) E|p|^4 int g_BCSS^2, "
     "g_BCSS the splitting's own quadrature error of F"),
)

for _id, _algorithm, _integrator, _L, _splitting, _steps, _text in _CLAIMS:
    register(Claim(
        id=f"derived-laws/{_id}",
        statement=f"{_text}; the eps -> 0 limit of Var(dh_1)/eps^4 at fixed L.",
        source="derived here: theory.holder.sigma0_holder_splitting (proofs_notes/holder_interpolation.md)",
        family="derived-laws",
        prediction=Task("relu_hmc.claims.derived_laws:predict_law",
                        {"algorithm": _algorithm, "integrator": _integrator, "fixed_steps": _L}),
        measurements=(lambda splitting, steps: lambda budget: [Task(
            "relu_hmc.claims.derived_laws:measure_fixed_steps",
            {"splitting": splitting, "n_steps": steps, "power": 2 * ALPHA + 1, "eps": list(EPS),
             "remainder_powers": list(REMAINDER_POWERS), "n": N[budget]}, "ladder")])(_splitting, _steps),
        compare=compare,
        plot=plot_limit_ladder,
    ))
