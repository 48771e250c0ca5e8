"""Limit laws of the log acceptance ratio on the 1D product target prod_i exp(-U(x_i)) along
step = l d^(-gamma), for HMC (any palindromic splitting; fixed time T or fixed steps L), MALA
and RWM. Derivations: proofs_notes/limit_laws.md.

Gaussian laws: dH -> N(Sigma/2, Sigma), Sigma = Sigma_0 l^(2k), a(l) = 2 Phi(-sqrt(Sigma)/2),
efficiency l^m a(l), optimum from theory.tuning (one solver). r = local energy-error order of
the splitting (theory.splitting: leapfrog 3, Yoshida 5).

  algorithm/regime     U        2k        gamma       m  Sigma_0
  hmc, fixed T         smooth   2(r-1)    1/(2(r-1))  1  E[(S(x_0) - S(x_T))^2]   (S: shadow term)
  hmc, fixed T         kinked   2         1/2         1  T sum_b J^2 pi(b) E|p|^3 K_T
  hmc, fixed T         Hoelder  2 alpha   1/(2 alpha) 1  T pi(b) E|p|^(2 alpha+1) int_0^1 G^2 (theory.holder)
  hmc, L steps / mala  Hoelder  2 alpha+1 1/(2alpha+1) 2 pi(b) E|p|^(2 alpha+1) int_R (sum_{j<L} g)^2
  hmc, L steps         smooth   2r        1/(2r)      2  L^2 E[C^2]               (C: local error coeff.)
  hmc, L steps         kinked   3         1/3         2  sum_b J^2 pi(b) E|p|^3 K_L
  mala (= hmc, L = 1, leapfrog)                          RR98: E[(5 U'''^2 + 3 U''^3)/48]; kinked K_1 = 1/12
  rwm (sd = step)      smooth or kinked, 2, 1/2,      2  E[U'^2]                  (RGG 1997)

K_T, K_L: theory.step_errors (crossing phase autocorrelations). Jumps and hard walls are not
Gaussian: theory.jumps (gamma = 1, compound Poisson; HMC at fixed T has no scaling at all).
cost_exponent: work per effectively independent move ~ d^gamma (fixed T: a proposal costs
T/eps gradients and moves O(1)) or d^(2 gamma) (m = 2: a proposal costs O(1) and moves ~ step).
"""
from __future__ import annotations

import sympy as sp

from relu_hmc.splittings import resolve
from relu_hmc.theory.errors import PotentialError, TheoryInputError

ALGORITHMS = ("hmc", "mala", "rwm")
REGIMES = ("fixed_time", "fixed_steps")
MAX_FIXED_STEPS = 10_000

SOURCES = {
    ("hmc", "fixed_time", "smooth"): "Beskos, Pillai, Roberts, Sanz-Serna, Stuart, Bernoulli 19 (2013), arXiv 1001.4460 "
                                     "(leapfrog); other splittings: derived here (theory.step_errors.shadow_term)",
    ("hmc", "fixed_time", "kinked"): "derived here: crossing law theory.splitting + periodised phase constant "
                                     "theory.step_errors (local error Omega(eps): Dinh, Ho, Nguyen, NeurIPS 2024, arXiv 2410.22065)",
    ("hmc", "fixed_time", "holder"): "Hurwitz-zeta passage expansion derived in theory.holder (this toolkit's own derivation; "
                                     "other splittings: derived here, proofs_notes/holder_interpolation.md)",
    ("hmc", "fixed_steps", "holder"): "derived here: L steps near a Hoelder point err by (eps|p|)^alpha sum_j g(x + j) "
                                      "(proofs_notes/holder_interpolation.md)",
    ("mala", "fixed_steps", "holder"): "derived here: one leapfrog step near a Hoelder point errs by (eps|p|)^alpha g(x) "
                                       "(proofs_notes/holder_interpolation.md)",
    ("hmc", "fixed_steps", "smooth"): "derived here: dH = L eps^r C(x_0) + O(eps^(r+1)) (proofs_notes/limit_laws.md)",
    ("hmc", "fixed_steps", "kinked"): "derived here: one crossing with probability ~ L eps |p| pi(b) (proofs_notes/limit_laws.md)",
    ("mala", "fixed_steps", "smooth"): "Roberts & Rosenthal, J. R. Stat. Soc. B 60 (1998) 255-268, Thm 1",
    ("mala", "fixed_steps", "kinked"): "derived here: one leapfrog step crosses with probability ~ eps |p| pi(b) "
                                       "(proofs_notes/limit_laws.md)",
    ("rwm", None, "smooth"): "Roberts, Gelman & Gilks, Ann. Appl. Probab. 7 (1997) 110-120, Thm 1.1",
    ("rwm", None, "kinked"): "Roberts, Gelman & Gilks 1997 form; non-smooth targets: Durmus, Le Corff, Moulines, "
                             "Roberts, J. Appl. Probab. 54 (2017) (L^p mean differentiable densities)",
}

FORMULAS = {
    "hmc-fixed_time-smooth": r"\Delta H = \epsilon^{r-1}[S(x_0) - S(x_T)] + o,\ \Sigma_0 = \mathbb{E}\big[(S(x_0)-S(x_T))^2\big]",
    "hmc-fixed_time-kinked": r"\Sigma_0 = T\sum_b J_b^2\,\pi(b)\,\mathbb{E}|p|^3 K_T,\ K_T = \sum_{n\in\mathbb{Z}} \int c(\theta)c(\theta+n)\,d\theta",
    "hmc-fixed_steps-smooth": r"\Delta H = L\,\epsilon^{r} C(x_0) + O(\epsilon^{r+1}),\ \Sigma_0 = L^2\,\mathbb{E}[C^2]",
    "hmc-fixed_time-holder": r"\Sigma_0 = T\,\pi(b)\,\mathbb{E}|p|^{2\alpha+1}\int_0^1 G^2,\ G(\theta) = -\alpha\sum_i k_i[c_+\zeta(1-\alpha,a_i) - c_-\zeta(1-\alpha,1-a_i)],\ a_i = (D_i-\theta) \bmod 1",
    "hmc-fixed_steps-holder": r"\Sigma_0 = \pi(b)\,\mathbb{E}|p|^{2\alpha+1}\int_{\mathbb{R}}\Big(\sum_{j<L} g(x+j)\Big)^2 dx,\ g(x) = \Phi(x+1)-\Phi(x)-\sum_i k_i F(x+D_i)",
    "mala-fixed_steps-holder": r"\Sigma_0 = \pi(b)\,\mathbb{E}|p|^{2\alpha+1}\int_{\mathbb{R}} g(x)^2 dx,\ g(x) = \Phi(x+1)-\Phi(x)-\tfrac12[F(x)+F(x+1)]",
    "hmc-fixed_steps-kinked": r"\Sigma_0 = \sum_b J_b^2\,\pi(b)\,\mathbb{E}|p|^3 K_L,\ K_L = \sum_{j,j'<L}\int c(\theta-j)c(\theta-j')\,d\theta",
    "mala-fixed_steps-smooth": r"\Sigma_0 = \mathbb{E}_\pi\big[(5U'''^2 + 3U''^3)/48\big]",
    "mala-fixed_steps-kinked": r"\Sigma_0 = \sum_b J_b^2\,\pi(b)\,\mathbb{E}|p|^3/12",
    "rwm-smooth": r"\Sigma_0 = \mathbb{E}_\pi[U'(X)^2],\ \sigma = \ell\, d^{-1/2}",
    "jumps": r"a(\ell) = e^{-\ell w}\,\mathbb{E}\min\big(1, e^{-\sum_b \Delta_b (N_b^+ - N_b^-)}\big),\ N_b^\pm \sim \mathrm{Poisson}(\ell L \pi(b^\mp)/\sqrt{2\pi})",
}


def check_fixed_steps(n_steps):
    if n_steps is None:
        return None
    if isinstance(n_steps, bool) or not isinstance(n_steps, int):
        try:
            as_float = float(n_steps)
        except (TypeError, ValueError):
            raise TheoryInputError(f"fixed steps L must be a whole number >= 1, got {n_steps!r}") from None
        if not as_float.is_integer():
            raise TheoryInputError(f"fixed steps L must be a whole number >= 1, got {n_steps!r}")
        n_steps = int(as_float)
    if not 1 <= n_steps <= MAX_FIXED_STEPS:
        raise TheoryInputError(f"fixed steps L must be between 1 and {MAX_FIXED_STEPS}, got {n_steps}")
    return n_steps


def setting(algorithm: str = "hmc", integrator=None, fixed_steps=None, T_given: bool = False) -> dict:
    """Validate an (algorithm, integrator, regime) combination: {algorithm, splitting, regime, L}."""
    if algorithm not in ALGORITHMS:
        raise TheoryInputError(f"unknown algorithm {algorithm!r}; choose one of {', '.join(ALGORITHMS)}")
    L = check_fixed_steps(fixed_steps)
    if L is not None and T_given:
        raise TheoryInputError("give either a fixed integration time T or a fixed number of steps L, not both")
    if algorithm == "rwm":
        if integrator is not None or L is not None or T_given:
            raise TheoryInputError("rwm has no integrator, integration time or steps: drop --integrator/--T/--fixed-steps")
        return {"algorithm": "rwm", "splitting": None, "regime": None, "L": None}
    if algorithm == "mala":
        if L is not None or T_given:
            raise TheoryInputError("mala is one leapfrog step with full refreshment: drop --T/--fixed-steps "
                                   "(for L steps use --algorithm hmc --fixed-steps L)")
        if integrator is not None and resolve(integrator).name != "leapfrog":
            raise TheoryInputError("mala is one leapfrog step; for one step of another splitting use "
                                   "--algorithm hmc --fixed-steps 1 --integrator NAME")
        return {"algorithm": "mala", "splitting": resolve("leapfrog"), "regime": "fixed_steps", "L": 1}
    splitting = resolve(integrator if integrator is not None else "leapfrog")
    return {"algorithm": "hmc", "splitting": splitting, "regime": "fixed_steps" if L else "fixed_time", "L": L}


def integrator_order(splitting) -> int | None:
    """Global order r - 1 of a splitting (None for RWM)."""
    if splitting is None:
        return None
    from relu_hmc.theory.splitting import energy_error_order

    return energy_error_order(splitting) - 1


def _kink_sum(info, constant) -> float:
    from relu_hmc.theory.kink import standard_normal_abs_moment

    moment = float(standard_normal_abs_moment(3))
    return sum(float(pt.jump) ** 2 * float(info.density(pt.location)) for pt in info.kinks) * moment * float(constant)


def gaussian_law(info, regularity: str, spec: dict, T: float, announce=lambda step: None) -> dict:
    """(k, m, sigma0 or None, note, source, formula key, crossing order) of a Gaussian limit law.

    `info`: theory.classify.PotentialAnalysis; `regularity`: smooth | kinked | holder;
    `spec`: from `setting`. Raises TheoryInputError naming what the theory does not cover."""
    from relu_hmc.theory import step_errors
    from relu_hmc.theory.splitting import energy_error_order

    algorithm, splitting, regime, L = spec["algorithm"], spec["splitting"], spec["regime"], spec["L"]
    note = None
    if algorithm == "rwm":
        if regularity == "holder":
            regularity = "kinked"  # the same RGG form: only E[U'^2] < oo enters
        announce("sigma0_rwm")
        return {"k": 1.0, "m": 2, "sigma0": step_errors.rwm_sigma0(info), "note": None,
                "source": SOURCES[("rwm", None, "smooth" if regularity == "smooth" else "kinked")],
                "formula": "rwm-smooth", "crossing_order": None, "step_error_order": None}
    r = energy_error_order(splitting)
    if regularity == "holder":
        return _holder_law(info, spec, T, r, announce)
    if regime == "fixed_time":
        if regularity == "kinked":
            announce("sigma0_kinked")
            K = step_errors.crossing_constant_fixed_time(splitting)
            return {"k": 1.0, "m": 1, "sigma0": T * _kink_sum(info, K), "note": None,
                    "source": SOURCES[("hmc", "fixed_time", "kinked")], "formula": "hmc-fixed_time-kinked",
                    "crossing_order": 1, "step_error_order": r, "phase_constant": float(K)}
        if info.curvature_jumps:
            sigma0, note = None, ("U'' jumps: each crossing adds an O(eps^2) phase-dependent error of the order of the "
                                  "shadow term, which the expansion does not cover, so Sigma_0 is not computed")
        else:
            announce("sigma0_smooth")
            sigma0 = step_errors.fixed_time_sigma0(info, splitting, T)
        return {"k": float(r - 1), "m": 1, "sigma0": sigma0, "note": note,
                "source": SOURCES[("hmc", "fixed_time", "smooth")], "formula": "hmc-fixed_time-smooth",
                "crossing_order": None, "step_error_order": r}
    key = "mala" if algorithm == "mala" else "hmc"
    if regularity == "kinked":
        announce("sigma0_kinked")
        K = step_errors.crossing_constant_fixed_steps(splitting, L)
        return {"k": 1.5, "m": 2, "sigma0": _kink_sum(info, K), "note": note,
                "source": SOURCES[(key, "fixed_steps", "kinked")], "formula": f"{key}-fixed_steps-kinked",
                "crossing_order": 1, "step_error_order": r, "phase_constant": float(K)}
    if info.curvature_jumps:
        raise PotentialError("U'' jumps: one crossing step errs by O(eps^2) with probability O(eps), which dominates "
                             "the smooth eps^(2r) variance; this law is not derived")
    announce("sigma0_smooth")
    if algorithm == "mala":
        sigma0 = step_errors.mala_sigma0_rr98(info)
    else:
        sigma0 = L**2 * step_errors.one_step_sigma0(info, splitting)
    return {"k": float(r), "m": 2, "sigma0": sigma0, "note": note,
            "source": SOURCES[(key, "fixed_steps", "smooth")], "formula": f"{key}-fixed_steps-smooth",
            "crossing_order": None, "step_error_order": r}


def _holder_law(info, spec: dict, T: float, r: int, announce) -> dict:
    """The Hoelder points of the smallest alpha (theory.holder.sigma0_holder_splitting): fixed T
    2k = 2 alpha, m = 1; L steps (MALA: leapfrog, L = 1) 2k = 2 alpha + 1, m = 2. The smooth parts
    (eps^(2(r-1)) at fixed T, eps^(2r) per step) are of higher order for alpha < 2."""
    from relu_hmc.theory.holder import MAX_HOLDER_STEPS, sigma0_holder_splitting

    algorithm, splitting, regime, L = spec["algorithm"], spec["splitting"], spec["regime"], spec["L"]
    alpha = min(pt.alpha for pt in info.holder_points)
    points = [pt for pt in info.holder_points if sp.simplify(pt.alpha - alpha) == 0]
    alpha = float(alpha)
    key = "mala" if algorithm == "mala" else "hmc"
    announce("sigma0_holder")
    note = None
    if regime == "fixed_time":
        k, m, kwargs = alpha, 1, {"T": T}
    else:
        k, m, kwargs = alpha + 0.5, 2, {"n_steps": L}
    if regime == "fixed_steps" and L > MAX_HOLDER_STEPS:
        sigma0 = None
        note = (f"Sigma_0 of L steps over a Hoelder point sums L^2 phase correlations; computed for "
                f"L <= {MAX_HOLDER_STEPS}")
    else:
        sigma0 = sum(sigma0_holder_splitting(alpha, splitting=splitting, density_at_point=float(info.density(pt.location)),
                                             c_minus=float(pt.c_minus), c_plus=float(pt.c_plus), **kwargs)
                     for pt in points)
    return {"k": k, "m": m, "sigma0": sigma0, "note": note, "source": SOURCES[(key, regime, "holder")],
            "formula": f"{key}-{regime}-holder", "crossing_order": alpha, "step_error_order": r}


def jump_law(U: sp.Expr, jumps: list, support, spec: dict, announce=lambda step: None) -> dict:
    """The compound-Poisson law (theory.jumps) at step = l d^(-1): keys of the derive JSON."""
    from relu_hmc.theory import jumps as jp

    if spec["algorithm"] == "hmc" and spec["regime"] == "fixed_time":
        where = "walls" if support and not jumps else "jumps"
        raise PotentialError(f"U has {where}: leapfrog does not see a jump, so each crossing changes H by the jump "
                             "whatever eps; at fixed T a trajectory crosses with probability O(1) per coordinate and "
                             "the acceptance -> 0 for every step size; use --fixed-steps L (eps = l d^-1)")
    announce("jump_law")
    target = jp.analyse_jumps(U, jumps, support)
    move = spec["L"] or 1
    rates = jp.crossing_rates(target, move)
    announce("optimal_acceptance")
    l_star, a_star = jp.jump_optimum(rates, 2)
    return {
        "law": "compound_poisson",
        "jumps": [{"location": j.location, "jump": j.delta, "density_left": j.density_left,
                   "density_right": j.density_right} for j in target.jumps],
        "walls": [{"location": w, "density": dens} for w, dens in target.walls],
        "support": list(target.support) if target.support else None,
        "wall_rate": rates["wall"],
        "jump_rates": [{"jump": dlt, "rate_right": up, "rate_left": down} for dlt, up, down in rates["jumps"]],
        "k": None, "m": 2, "step_size_exponent": 1.0, "sigma_exponent": None, "sigma0": None,
        "sigma0_note": "no Gaussian limit: the log acceptance ratio converges to a compound Poisson law "
                       "(crossing counts Poisson(l * rate)); see wall_rate and jump_rates",
        "optimal_acceptance": a_star, "optimal_l": l_star, "cost_exponent": 2.0,
        "log_normaliser": target.log_normaliser,
        "source": jp.SOURCE + ("" if spec["algorithm"] == "rwm" and not jumps else
                               "; jumps and HMC/MALA: derived here (proofs_notes/limit_laws.md)"),
        "formula": "jumps",
    }


def cost_exponent(gamma: float, m: int) -> float:
    """Exponent of d in the work per effectively independent move (module docstring)."""
    return gamma if m == 1 else 2.0 * gamma


__all__ = ["ALGORITHMS", "REGIMES", "setting", "integrator_order", "gaussian_law", "jump_law", "cost_exponent",
           "check_fixed_steps", "FORMULAS", "SOURCES"]
