"""`derive_scaling_law`: the scaling law of HMC on the 1D product target with potential U.

Implements the JSON contract of ``relu-hmc derive`` (DESIGN.md, "Contracts"). Classification
(theory.classify): kinked if U' jumps somewhere (k = 1), else Hoelder if some point has
U ~ c|q - b|^alpha, 1 < alpha < 2 (k = alpha_min), else smooth (k = 2). Then
gamma = 1/(2k) (eps = l d^-gamma), Sigma = Sigma_0 l^(2k), cost per proposal ~ d^gamma
gradient evaluations, optimal acceptance from Phi(-x) = k x phi(x) (m = 1).
"""
from __future__ import annotations

import math
from typing import Callable

import sympy as sp

from relu_hmc.theory.classify import analyse_potential
from relu_hmc.theory.errors import PotentialError, TheoryInputError, one_line
from relu_hmc.theory.parse import parse_potential

SOURCES = {
    "smooth": "Beskos, Pillai, Roberts, Sanz-Serna, Stuart, Bernoulli 2013, arXiv 1001.4460",
    "kinked": "crossing expansion derived in theory.kink (local error Omega(eps): Dinh, Ho, Nguyen, NeurIPS 2024, arXiv 2410.22065)",
    "holder": "Hurwitz-zeta passage expansion derived in theory.holder (this toolkit's own derivation)",
}

FORMULAS = {
    "acceptance": r"a(\ell) = 2\,\Phi\!\left(-\tfrac{\sqrt{\Sigma}}{2}\right),\quad \Sigma = \Sigma_0\,\ell^{2k},\quad \epsilon = \ell\, d^{-1/(2k)}",
    "optimum": r"\Phi(-x^*) = \tfrac{k}{m}\, x^*\varphi(x^*),\quad a^* = 2\Phi(-x^*),\quad \ell^* = \left(2x^*/\sqrt{\Sigma_0}\right)^{1/k}",
    "smooth": r"\Delta H = \epsilon^2\,[S(x_0) - S(x_T)] + O(\epsilon^4),\ S = \tfrac{p^2 U''}{12} - \tfrac{U'^2}{24},\ \Sigma_0 = \mathbb{E}\big[(S(x_0)-S(x_T))^2\big]",
    "kinked": r"\Delta H_{\mathrm{cross}} = \epsilon J p\left(\tfrac12 - \theta\right) + O(\epsilon^2),\ \Sigma_0 = T\sum_b \frac{J_b^2\,\pi(b)\,\mathbb{E}|p|^3}{12}",
    "holder": r"\Delta H_{\mathrm{pass}} = (\epsilon|p|)^{\alpha} G_\alpha(\theta),\ G_\alpha(\theta) = -\alpha\,[c_+\zeta(1-\alpha,1-\theta) - c_-\zeta(1-\alpha,\theta)],\ \Sigma_0 = T\,\pi(b)\,\mathbb{E}|p|^{2\alpha+1}\int_0^1 G_\alpha^2\,d\theta",
}


def _finite_float(x) -> float:
    value = float(sp.N(x, 30)) if isinstance(x, sp.Basic) else float(x)
    if not math.isfinite(value):
        raise TheoryInputError(f"non-finite value {x} in the derivation")
    return value


def _check_T(T) -> float:
    try:
        T = float(T)
    except (TypeError, ValueError):
        raise TheoryInputError(f"T must be a number, got {T!r}") from None
    if not (math.isfinite(T) and T > 0):
        raise TheoryInputError(f"T must be positive and finite, got {T}")
    if T > 1000:
        raise TheoryInputError(f"T = {T} is too large (limit 1000)")
    return T


#: The steps `derive_scaling_law` announces, with what each computes (for time-limit messages).
STEPS = {
    "parse": "parsing U",
    "analyse_potential": "classifying U (kinks, Hoelder points, normaliser)",
    "sigma0_kinked": "computing Sigma_0 (kink sum)",
    "sigma0_holder": "computing Sigma_0 (Hoelder passages)",
    "sigma0_smooth": "computing Sigma_0 (shadow-Hamiltonian quadrature)",
    "optimal_acceptance": "solving for the optimal acceptance",
    "find_jumps": "looking for jumps of U (one-sided limits)",
    "jump_law": "computing the jump law (normaliser, densities beside the jumps and walls)",
    "sigma0_rwm": "computing Sigma_0 = E[U'^2] (RWM)",
}


def _silent(step: str) -> None:
    pass


def derive_scaling_law(expr, T: float | None = None, *, algorithm: str = "hmc", integrator=None,
                       fixed_steps: int | None = None, support=None,
                       announce: Callable[[str], None] = _silent) -> dict:
    """The scaling law of `algorithm` on the product target prod_i exp(-U(x_i)) (JSON-able dict).

    algorithm: "hmc" (splitting `integrator`, default leapfrog; fixed time T, default 1, or
    `fixed_steps` L), "mala" or "rwm" (theory.limit_laws); `support` = (lo, hi): hard walls
    (density zero outside). Keys: potential, T, L, algorithm, integrator, integrator_order (global),
    regime ("fixed_time" | "fixed_steps" | None for RWM), regularity ("smooth" | "kinked" |
    "holder" | "jump"), k, kinks [{location, jump}], holder_points, curvature_jumps,
    one_step_energy_error_order, crossing_step_energy_error_order, step_size_exponent gamma,
    sigma_exponent 2k, sigma0 (None only when it cannot be computed or the law is not Gaussian;
    see sigma0_note), optimal_acceptance (k, m), efficiency_exponent m, optimal_l, cost_exponent,
    log_normaliser, formulas (LaTeX), source. Raises PotentialError / TheoryInputError
    (ValueError, one line) on bad input or a combination outside the theory.
    `announce(step)` is called with a key of STEPS before each step (progress and time limits).
    """
    from relu_hmc.theory import limit_laws
    from relu_hmc.theory.jumps import check_support, find_jumps

    spec = limit_laws.setting(algorithm, integrator, fixed_steps, T_given=T is not None)
    T = _check_T(1.0 if T is None else T) if spec["regime"] == "fixed_time" else None
    support = check_support(support)
    announce("parse")
    U = _parse(expr, support)
    splitting = spec["splitting"]
    header = {
        "potential": str(U),
        "T": T,
        "L": spec["L"],
        "algorithm": spec["algorithm"],
        "integrator": None if splitting is None else splitting.name,
        "integrator_coefficients": None if splitting is None else str(splitting),
        "integrator_order": limit_laws.integrator_order(splitting),
        "regime": spec["regime"],
    }
    jumps = []
    if support is None:
        announce("analyse_potential")
        try:
            analyse_potential(U)
        except PotentialError as refused:  # a discontinuous U is refused there: look for jumps
            announce("find_jumps")
            try:
                jumps = find_jumps(U)
            except (TypeError, ValueError, NotImplementedError):
                jumps = []
            if not jumps:
                raise refused from None
    else:
        announce("find_jumps")
        jumps = find_jumps(U, support)
    if jumps or support is not None:
        law = limit_laws.jump_law(U, jumps, support, spec, announce)
        formula = law.pop("formula")
        return {**header, "regularity": "jump", "kinks": [], "holder_points": [], "curvature_jumps": [],
                "one_step_energy_error_order": None, "crossing_step_energy_error_order": 0,
                "efficiency_exponent": law.pop("m"), **law,
                "formulas": {"acceptance": limit_laws.FORMULAS[formula], "optimum": r"\max_\ell\ \ell^2 a(\ell)",
                             "limit": FORMULAS_JUMP}}
    classic = spec["algorithm"] == "hmc" and spec["regime"] == "fixed_time" and splitting.name == "leapfrog"
    result = _leapfrog_fixed_time(U, T, announce) if classic else _general(U, T, spec, announce)
    result.update(header)
    result["sigma_exponent"] = 2.0 * result["k"]
    return result


def _parse(expr, support):
    """The whitelist parser; with a support (hard walls) a constant U (uniform target) is allowed."""
    if not isinstance(expr, str):
        return sp.sympify(expr)
    if support is None:
        return parse_potential(expr)
    from relu_hmc.theory.parse import Q

    return sp.expand(parse_potential(f"({expr}) + q") - Q)


FORMULAS_JUMP = r"\epsilon = \ell\, d^{-1}:\ \Delta H \to \sum_b \Delta_b (N_b^+ - N_b^-) + \infty \cdot N_{\mathrm{wall}}"


def _general(U, T, spec, announce) -> dict:
    """Every combination other than leapfrog HMC at fixed T (theory.limit_laws)."""
    from relu_hmc.theory import limit_laws
    from relu_hmc.theory.tuning import optimal_acceptance, optimal_l

    announce("analyse_potential")
    info = analyse_potential(U)
    regularity = "kinked" if info.kinks else "holder" if info.holder_points else "smooth"
    law = limit_laws.gaussian_law(info, regularity, spec, T, announce)
    k, m, sigma0 = law["k"], law["m"], law["sigma0"]
    announce("optimal_acceptance")
    gamma = 1.0 / (2.0 * k)
    result = {
        "regularity": regularity,
        "k": k,
        "kinks": _points(info.kinks),
        "holder_points": _holder(info),
        "curvature_jumps": _points(info.curvature_jumps),
        "one_step_energy_error_order": law["step_error_order"],
        "crossing_step_energy_error_order": law["crossing_order"],
        "step_size_exponent": gamma,
        "sigma0": None if sigma0 is None else _finite_float(sigma0),
        "optimal_acceptance": float(optimal_acceptance(k, m)),
        "efficiency_exponent": m,
        "optimal_l": None if not sigma0 else float(optimal_l(sigma0, k, m)),
        "cost_exponent": limit_laws.cost_exponent(gamma, m),
        "log_normaliser": _finite_float(info.log_normaliser),
        "formulas": {"acceptance": FORMULAS["acceptance"], "optimum": FORMULAS["optimum"],
                     "sigma0": limit_laws.FORMULAS[law["formula"]]},
        "source": law["source"],
    }
    if "phase_constant" in law:
        result["crossing_phase_constant"] = law["phase_constant"]
    if law["note"]:
        result["sigma0_note"] = one_line(law["note"])
    if regularity == "holder" and spec["algorithm"] == "rwm":
        result["sigma0_note"] = "Hoelder points do not change the RWM law: only E[U'^2] < oo enters"
    return result


def _points(points) -> list:
    return [{"location": _finite_float(pt.location), "jump": _finite_float(pt.jump)} for pt in points]


def _holder(info) -> list:
    return [{"location": _finite_float(pt.location), "alpha": _finite_float(pt.alpha),
             "c_minus": _finite_float(pt.c_minus), "c_plus": _finite_float(pt.c_plus)} for pt in info.holder_points]


def _leapfrog_fixed_time(U, T: float, announce) -> dict:
    """Leapfrog HMC at fixed T (the original engine: theory.acceptance, theory.holder)."""
    announce("analyse_potential")
    info = analyse_potential(U)
    note = None
    kinks, holder, curvature = _points(info.kinks), _holder(info), _points(info.curvature_jumps)
    if kinks:
        from relu_hmc.theory.acceptance import sigma0_kinked

        regularity, k, crossing_order = "kinked", 1.0, 1
        announce("sigma0_kinked")
        sigma0 = sigma0_kinked(U, T)
        if holder:
            note = "Hoelder points present but subleading to the kinks (eps^(2 alpha) d -> 0)"
    elif holder:
        from relu_hmc.theory.holder import sigma0_holder

        regularity = "holder"
        alpha_min = min(pt.alpha for pt in info.holder_points)
        k = _finite_float(alpha_min)
        crossing_order = k
        announce("sigma0_holder")
        sigma0 = sum(
            sigma0_holder(_finite_float(pt.alpha), T, info.density(pt.location), _finite_float(pt.c_minus), _finite_float(pt.c_plus))
            for pt in info.holder_points
            if sp.simplify(pt.alpha - alpha_min) == 0
        )
    else:
        regularity, k, crossing_order = "smooth", 2.0, None
        if curvature:
            sigma0 = None
            note = (
                "U'' jumps at q = " + ", ".join(f"{c['location']:g}" for c in curvature)
                + ": each crossing adds an O(eps^2) phase-dependent error of the same order as the shadow term,"
                " which the shadow expansion does not cover, so Sigma_0 is not computed"
            )
        else:
            from relu_hmc.theory.acceptance import sigma0_smooth

            announce("sigma0_smooth")
            try:
                sigma0 = sigma0_smooth(U, T)
            except PotentialError as exc:  # the law holds; only the quadrature is out of reach
                sigma0, note = None, str(exc)
    from relu_hmc.theory.tuning import optimal_acceptance, optimal_l

    announce("optimal_acceptance")
    gamma = 1.0 / (2.0 * k)
    result = {
        "regularity": regularity,
        "k": k,
        "kinks": kinks,
        "holder_points": holder,
        "curvature_jumps": curvature,
        "one_step_energy_error_order": 3,
        "crossing_step_energy_error_order": crossing_order,
        "step_size_exponent": gamma,
        "sigma0": None if sigma0 is None else _finite_float(sigma0),
        "optimal_acceptance": float(optimal_acceptance(k, 1)),
        "efficiency_exponent": 1,
        "optimal_l": None if not sigma0 else float(optimal_l(sigma0, k, 1)),
        "cost_exponent": gamma,
        "log_normaliser": _finite_float(info.log_normaliser),
        "formulas": {
            "acceptance": FORMULAS["acceptance"],
            "optimum": FORMULAS["optimum"],
            "sigma0": FORMULAS[regularity],
        },
        "source": SOURCES[regularity],
    }
    if note:
        result["sigma0_note"] = one_line(note)
    return result


__all__ = ["derive_scaling_law", "STEPS", "PotentialError", "TheoryInputError"]
