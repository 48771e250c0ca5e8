"""Claims on the geometry of a one-hidden-layer ReLU regression posterior (issue 8).

Predictions are symbolic identities from theory.geometry (checked at prediction time: an
identity that fails gives a failed verdict); the numbers a claim compares come from theory's
closed forms evaluated at the measured network (relu_hmc.geometry.verdict_*), because the
network is drawn by the measurement's seed. Tolerances are derived in relu_hmc.geometry.
"""
from __future__ import annotations

import math

from relu_hmc import geometry as rg
from relu_hmc.claims.base import Claim, Task, Verdict, all_of, register

_MOD = "relu_hmc.claims.geometry"
_RG = "relu_hmc.geometry"

# problem sizes per budget (n_inputs, width, n_points); the quick ones run in seconds
_SURFACE = {"quick": {"n_inputs": 2, "width": 3, "n_points": 40}, "full": {"n_inputs": 3, "width": 6, "n_points": 200}}
_CELL = {"quick": {"n_inputs": 2, "width": 3, "n_points": 10}, "full": {"n_inputs": 2, "width": 4, "n_points": 30}}
# functional dimension: the batch condition needs ~ thousands of inputs for width 4 in 2D
_FDIM = {"n_inputs": 2, "width": 4, "n_points": 3000}
_SYM = {"quick": {"n_inputs": 2, "width": 4, "n_points": 500}, "full": {"n_inputs": 3, "width": 8, "n_points": 5000}}
_ORBIT = {"quick": {"n_inputs": 1, "width": 3, "n_points": 20, "eps": 0.01, "n_steps": 20, "n_traj": 200},
          "full": {"n_inputs": 1, "width": 3, "n_points": 20, "eps": 0.01, "n_steps": 20, "n_traj": 2000}}


# --- theory adapters (predictions: symbolic identities, no seed) ----------------------------

def predict_gradient_jump(n_inputs: int = 2, width: int = 2, n_data: int = 2) -> dict:
    """Brute-force [grad U] (differentiate, take one-sided Heaviside limits) == the closed
    form -(r_i a_j / sigma^2) grad z_ij == J n, on every surface of a symbolic model."""
    import sympy as sp

    from relu_hmc.theory import geometry as tg

    m = tg.shallow_relu_model(n_inputs, width, n_data)
    ok = True
    for i in range(n_data):
        for j in range(width):
            diff = (tg.gradient_jump(m, i, j) - tg.gradient_jump_closed_form(m, i, j)).applyfunc(sp.expand)
            tangential = (tg.gradient_jump_closed_form(m, i, j) - tg.normal_jump(m, i, j) * tg.unit_normal(m, i, j))
            ok &= diff == sp.zeros(*diff.shape) and tangential.applyfunc(sp.simplify) == sp.zeros(*diff.shape)
    return {"identity_holds": bool(ok), "closed_form": "[grad U] = -(r_i a_j / sigma^2) (x_i, 1) in the (w_j, b_j) block",
            "J": "-(r_i a_j / sigma^2) sqrt(1 + |x_i|^2)", "model": [n_inputs, width, n_data]}


def predict_hessian_parts(n_inputs: int = 2, width: int = 2, n_data: int = 2) -> dict:
    """Distributional Hessian = regular (Gauss-Newton + cross terms + prior) + sum of Dirac
    parts [grad U] grad z^T delta(z) (J n n^T per surface measure), checked symbolically."""
    import sympy as sp

    from relu_hmc.theory import geometry as tg

    m = tg.shallow_relu_model(n_inputs, width, n_data)
    H = tg.hessian(m)
    zero = sp.zeros(*H.shape)
    regular_ok = (tg.hessian_regular(m, H) - tg.hessian_regular_closed_form(m)).applyfunc(sp.expand) == zero
    singular_ok = all(
        (tg.hessian_singular(m, i, j, H) - tg.singular_weight_closed_form(m, i, j)["per_dz"]).applyfunc(sp.expand) == zero
        for i in range(n_data) for j in range(width))
    return {"identity_holds": bool(regular_ok and singular_ok), "regular_ok": bool(regular_ok),
            "singular_ok": bool(singular_ok), "model": [n_inputs, width, n_data]}


def predict_crossing_identity() -> dict:
    """dH of one crossing step on g.q + J relu(n.q - h) == J (q_rel + eps p_n/2) + eps^2 J^2/8 (2D, 3D)."""
    from relu_hmc.theory.geometry import crossing_step_identity

    diffs = {d: str(crossing_step_identity(d)["difference"]) for d in (2, 3)}
    return {"identity_holds": all(v == "0" for v in diffs.values()), "difference": diffs,
            "formula": "dH = J (q_rel + eps p_n / 2) + eps^2 J^2 / 8"}


def predict_rescaling_curvature(n_inputs: int = 1, width: int = 2, n_data: int = 2) -> dict:
    """Along v_j = (w_j, b_j, -a_j): Gauss-Newton v = 0 and v^T H_reg v = -2 a_j dL/da_j + |v|^2/tau^2."""
    import sympy as sp

    from relu_hmc.theory import geometry as tg

    m = tg.shallow_relu_model(n_inputs, width, n_data)
    Hr = tg.hessian_regular_closed_form(m)
    G = tg.gauss_newton(m)

    def zero(expr) -> bool:  # relu(z) = z Heaviside(z) makes the cancellations explicit
        return sp.expand(expr.replace(tg.relu, lambda z: z * sp.Heaviside(z))) == 0

    ok = True
    for j in range(width):
        v = tg.rescaling_direction(m, j)
        ok &= all(zero(e) for e in G * v)
        ok &= zero((v.T * Hr * v)[0, 0] - tg.rescaling_curvature_closed_form(m, j))
    return {"identity_holds": bool(ok), "model": [n_inputs, width, n_data]}


def predict_functional_dimension(n_inputs: int, width: int) -> dict:
    from relu_hmc.theory.geometry import functional_dimension, parameter_count

    return {"parameters": parameter_count(n_inputs, width),
            "generic": functional_dimension(n_inputs, width),
            "twin": functional_dimension(n_inputs, width, twin_pairs=1)}


def predict_symmetries() -> dict:
    from relu_hmc.theory.geometry import symmetry_identities

    ids = symmetry_identities()
    return {"identity_holds": all(ids.values()), "identities": ids}


def predict_kink_jump() -> dict:
    import sympy as sp

    from relu_hmc.theory.geometry import kink_jump_1d

    jumps = kink_jump_1d()
    a, w = sp.Symbol("a", real=True), sp.Symbol("w", positive=True)
    return {"identity_holds": all(sp.simplify(v - a * w) == 0 for v in jumps.values()),
            "jump": "a_j |w_j| at x = -b_j / w_j"}


def predict_orbit() -> dict:
    return {"likelihood": "constant along (s w, s b, a / s)",
            "prior": "sum_j [s^2 (|w_j|^2 + b_j^2) + a_j^2 / s^2] + c^2, over 2 tau^2",
            "stiffness": "likelihood Hessian at theta(s) = S^-1 H S^-1: hidden block / s^2, output block * s^2"}


# --- comparisons ---------------------------------------------------------------------------

def _with_identity(prediction: dict, verdict: Verdict | None, what: str) -> Verdict:
    ident = Verdict(bool(prediction.get("identity_holds", True)), 0.0, 0.0, 0.0, 0.0,
                    "symbolic identity checked by theory.geometry at prediction time", what)
    if verdict is None:
        return Verdict(False, math.nan, math.nan, 0.0, 0.0, "no applicable measurement", what)
    return all_of([ident, verdict], quantity=verdict.quantity)


def compare_gradient_jump(prediction, measurements):
    return _with_identity(prediction, rg.verdict_gradient_jump(measurements["surface"]), "closed form of [grad U]")


def compare_hessian_jump(prediction, measurements):
    return _with_identity(prediction, rg.verdict_hessian_jump(measurements["surface"]), "Hessian = regular + Dirac")


def compare_crossing(prediction, measurements):
    return _with_identity(prediction, rg.verdict_crossing(measurements["surface"]), "crossing-step identity")


def compare_cell(prediction, measurements):
    return _with_identity(prediction, rg.verdict_cell(measurements["cell"]), "rescaling-direction curvature")


def compare_functional_dimension(prediction, measurements):
    m = measurements["rank"]
    v = rg.verdict_functional_dimension(m)
    if v is None or len(v.parts) < (2 if m["twin"] else 1):
        return Verdict(False, prediction["generic"], m["generic"]["rank"], 0.0, 0.0,
                       "batch condition (separated hyperplanes) not met for every case: increase n_points",
                       "functional dimension")
    return v


def compare_symmetries(prediction, measurements):
    return _with_identity(prediction, rg.verdict_symmetries(measurements["symmetries"]), "scalar relu identities")


def compare_kinks(prediction, measurements):
    parts = [rg.verdict_kinks(measurements[f"net{k}"]) for k in range(3)]
    return _with_identity(prediction, all_of(parts, quantity="kinks recovered from f alone (3 networks)"),
                          "slope jump a |w|")


def compare_orbit(prediction, measurements):
    return rg.verdict_orbit(measurements["orbit"])


# --- registration ------------------------------------------------------------------------------

def _surface(budget):
    return [Task(f"{_RG}:measure_surface", _SURFACE[budget], "surface")]


register(Claim(
    id="geometry/gradient-jump",
    statement="Across w_j.x_i + b_j = 0 the posterior gradient jumps by -(r_i a_j/sigma^2)(x_i, 1), normal to the surface.",
    source="derived here: theory.geometry.gradient_jump (proofs_notes/relu_geometry.md sec. 2)",
    family="relu-geometry",
    prediction=Task(f"{_MOD}:predict_gradient_jump"),
    measurements=_surface,
    compare=compare_gradient_jump,
))

register(Claim(
    id="geometry/hessian-jump",
    statement="The regular Hessian changes across a surface by the closed-form Gauss-Newton and cross-term jump.",
    source="derived here: theory.geometry.hessian_regular_jump_closed_form (proofs_notes/relu_geometry.md sec. 3)",
    family="relu-geometry",
    prediction=Task(f"{_MOD}:predict_hessian_parts"),
    measurements=_surface,
    compare=compare_hessian_jump,
))

register(Claim(
    id="geometry/crossing-jump",
    statement="The J of a crossing leapfrog step on a ReLU posterior is the normal component of the gradient jump.",
    source="derived here: theory.geometry.crossing_step_identity; Dinh, Ho, Nguyen, arXiv 2410.22065",
    family="crossing-step",
    prediction=Task(f"{_MOD}:predict_crossing_identity"),
    measurements=_surface,
    compare=compare_crossing,
))

register(Claim(
    id="geometry/regular-hessian",
    statement="On a cell d2f/dtheta2 is constant, H_reg = GN + cross + prior, GN is PSD and H_reg is indefinite.",
    source="derived here: theory.geometry.hessian_regular_closed_form, rescaling_curvature_closed_form",
    family="relu-geometry",
    prediction=Task(f"{_MOD}:predict_rescaling_curvature"),
    measurements=lambda budget: [Task(f"{_RG}:measure_cell", _CELL[budget], "cell")],
    compare=compare_cell,
))

register(Claim(
    id="geometry/functional-dimension",
    statement="The Jacobian rank of a generic one-hidden-layer ReLU net is n1(n0+1)+1 = P - n1, and n0+1 less at a twin pair.",
    source="Grigsby, Lindsey, Meyerhoff, Wu, arXiv 2209.04036 (upper bound); Grigsby, Lindsey, Rolnick, ICML 2023; "
           "batch condition derived here",
    family="relu-symmetry",
    prediction=Task(f"{_MOD}:predict_functional_dimension", {k: _FDIM[k] for k in ("n_inputs", "width")}),
    measurements=lambda budget: [Task(f"{_RG}:measure_functional_dimension", _FDIM, "rank")],
    compare=compare_functional_dimension,
))

register(Claim(
    id="geometry/symmetries",
    statement="Rescaling, permutation, twin redistribution and balanced flips leave f unchanged; an unbalanced flip does not.",
    source="Rolnick & Kording (ICML 2020); Grigsby, Lindsey, Rolnick (ICML 2023); arXiv 2604.14037",
    family="relu-symmetry",
    prediction=Task(f"{_MOD}:predict_symmetries"),
    measurements=lambda budget: [Task(f"{_RG}:measure_symmetries", _SYM[budget], "symmetries")],
    compare=compare_symmetries,
))

register(Claim(
    id="geometry/kinks-1d",
    statement="From f alone (1D input) the kinks sit at -b_j/w_j with slope jumps a_j|w_j|.",
    source="Rolnick & Kording, Reverse-engineering deep ReLU networks (ICML 2020); arXiv 2604.14037",
    family="relu-symmetry",
    prediction=Task(f"{_MOD}:predict_kink_jump"),
    measurements=lambda budget: [Task(f"{_RG}:measure_kinks", {"width": w}, f"net{k}")
                                 for k, w in enumerate((3, 6, 12))],
    compare=compare_kinks,
))

register(Claim(
    id="geometry/orbit-hmc",
    statement="Along a rescaling orbit the likelihood is constant but the prior and the leapfrog energy error E|dH| are not.",
    source="derived here: theory.geometry.orbit_prior; measured by relu_hmc.geometry.measure_orbit_hmc",
    family="relu-symmetry",
    prediction=Task(f"{_MOD}:predict_orbit"),
    measurements=lambda budget: [Task(f"{_RG}:measure_orbit_hmc", _ORBIT[budget], "orbit")],
    compare=compare_orbit,
))
