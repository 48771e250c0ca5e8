"""Predictions of the ReLU-geometry claims (relu_hmc/claims/geometry.py): theory adapters
that take JSON-able sizes, no seed, and return JSON-able dicts, and the `predicted_*`
functions that evaluate the closed forms at a measured network.

Each adapter checks a symbolic identity of theory.relu_jumps / theory.relu_symmetries on a
small symbolic model (an identity that fails gives a failed verdict). The numbers a claim
compares are those closed forms evaluated at the measured network (theory.relu_values),
because the network is drawn by the measurement's seed.
"""
from __future__ import annotations

import sympy as sp

from relu_hmc.theory import relu_jumps as tj
from relu_hmc.theory import relu_symmetries as ts
from relu_hmc.theory import relu_values as tv
from relu_hmc.theory.relu_model import parameter_count, relu, shallow_relu_model

def predict_gradient_jump(n_inputs: int = 2, width: int = 2, n_data: int = 2) -> dict:
    """Brute-force [grad U] (differentiate, take one-sided Heaviside limits) == the closed
    form -(r_i a_j / sigma^2) grad z_ij == J n, on every surface of a symbolic model."""
    
    m = shallow_relu_model(n_inputs, width, n_data)
    ok = True
    for i in range(n_data):
        for j in range(width):
            diff = (tj.gradient_jump(m, i, j) - tj.gradient_jump_closed_form(m, i, j)).applyfunc(sp.expand)
            tangential = (tj.gradient_jump_closed_form(m, i, j) - tj.normal_jump(m, i, j) * tj.unit_normal(m, i, j))
            ok &= diff == sp.zeros(*diff.shape) and tangential.applyfunc(sp.simplify) == sp.zeros(*diff.shape)
    return {"identity_holds": bool(ok), "closed_form": "[grad U] = -(r_i a_j / sigma^2) (x_i, 1) in the (w_j, b_j) block",
            "J": "-(r_i a_j / sigma^2) sqrt(1 + |x_i|^2)", "model": [n_inputs, width, n_data]}


def predict_hessian_parts(n_inputs: int = 2, width: int = 2, n_data: int = 2) -> dict:
    """Distributional Hessian = regular (Gauss-Newton + cross terms + prior) + sum of Dirac
    parts [grad U] grad z^T delta(z) (J n n^T per surface measure), checked symbolically."""
    
    m = shallow_relu_model(n_inputs, width, n_data)
    H = tj.hessian(m)
    zero = sp.zeros(*H.shape)
    regular_ok = (tj.hessian_regular(m, H) - tj.hessian_regular_closed_form(m)).applyfunc(sp.expand) == zero
    singular_ok = all(
        (tj.hessian_singular(m, i, j, H) - tj.singular_weight_closed_form(m, i, j)["per_dz"]).applyfunc(sp.expand) == zero
        for i in range(n_data) for j in range(width))
    return {"identity_holds": bool(regular_ok and singular_ok), "regular_ok": bool(regular_ok),
            "singular_ok": bool(singular_ok), "model": [n_inputs, width, n_data]}


def predict_crossing_identity() -> dict:
    """dH of one crossing step on g.q + J relu(n.q - h) == J (q_rel + eps p_n/2) + eps^2 J^2/8 (2D, 3D)."""
    diffs = {d: str(tj.crossing_step_identity(d)["difference"]) for d in (2, 3)}
    return {"identity_holds": all(v == "0" for v in diffs.values()), "difference": diffs,
            "formula": "dH = J (q_rel + eps p_n / 2) + eps^2 J^2 / 8"}


def predict_rescaling_curvature(n_inputs: int = 1, width: int = 2, n_data: int = 2) -> dict:
    """Along v_j = (w_j, b_j, -a_j): Gauss-Newton v = 0 and v^T H_reg v = -2 a_j dL/da_j + |v|^2/tau^2."""
    
    m = shallow_relu_model(n_inputs, width, n_data)
    Hr = tj.hessian_regular_closed_form(m)
    G = tj.gauss_newton(m)

    def zero(expr) -> bool:  # relu(z) = z Heaviside(z) makes the cancellations explicit
        return sp.expand(expr.replace(relu, lambda z: z * sp.Heaviside(z))) == 0

    ok = True
    for j in range(width):
        v = ts.rescaling_direction(m, j)
        ok &= all(zero(e) for e in G * v)
        ok &= zero((v.T * Hr * v)[0, 0] - ts.rescaling_curvature_closed_form(m, j))
    return {"identity_holds": bool(ok), "model": [n_inputs, width, n_data]}


def predict_functional_dimension(n_inputs: int, width: int) -> dict:
    return {"parameters": parameter_count(n_inputs, width),
            "generic": ts.functional_dimension(n_inputs, width),
            "twin": ts.functional_dimension(n_inputs, width, twin_pairs=1)}


def predict_symmetries() -> dict:
    ids = ts.symmetry_identities()
    return {"identity_holds": all(ids.values()), "identities": ids}


def predict_kink_jump() -> dict:
    jumps = ts.kink_jump_1d()
    a, w = sp.Symbol("a", real=True), sp.Symbol("w", positive=True)
    return {"identity_holds": all(sp.simplify(v - a * w) == 0 for v in jumps.values()),
            "jump": "a_j |w_j| at x = -b_j / w_j"}


def predict_orbit() -> dict:
    """The orbit laws (their numbers are theory.relu_values.orbit_prior_values and
    orbit_hessian_value at the measured network), resting on relu(s z) = s relu(z), s > 0."""
    return {"identity_holds": bool(ts.symmetry_identities()["rescaling"]),
            "likelihood": "constant along (s w, s b, a / s)",
            "prior": "sum_j [s^2 (|w_j|^2 + b_j^2) + a_j^2 / s^2] + c^2, over 2 tau^2",
            "hessian": "H_reg(S theta) = S^-1 (H_reg(theta) - I/tau^2) S^-1 + I/tau^2: hidden block / s^2, output block * s^2"}


#: The measured maps of numerics.geometry.measure_symmetries that the symmetries predict gain 1 for.
SYMMETRY_MAPS = ("rescaling", "permutation", "twin_split", "twin_redistribution", "balanced_flip",
                 "unbalanced_flip_change")


# --- the closed forms at a measured network (a measurement's JSON dict of numbers) ------------
# The claims draw the network from the measurement's seed, so these take the measured numbers.


def predicted_surface(m: dict) -> dict:
    """Closed forms on S_ij at the measured theta* (theory.relu_values.surface_predictions)."""
    p = tv.surface_predictions(m["x_i"], m["y_i"], m["theta_star"], m["sigma"], m["j"],
                            n_inputs=m["n_inputs"], width=m["width"])
    return {"gradient_jump": p["gradient_jump"], "normal_jump": p["normal_jump"], "normal": p["normal"],
            "hessian_jump": p["hessian_jump"]}


def predicted_cell(m: dict) -> dict:
    kw = {"n_inputs": m["n_inputs"], "width": m["width"]}
    args = (m["X"], m["y"], m["theta"], m["sigma"], m["tau"])
    return {"hessian": tv.regular_hessian_value(*args, **kw), "rayleigh": tv.rescaling_curvature_value(*args, **kw)["rayleigh"]}


def predicted_symmetries(m: dict) -> dict:
    """Each map multiplies f by exactly 1 (the gain of f_after on f_before); the flip change
    equals -a_0 w_0 . x (gain 1 on it)."""
    return {"gain": {k: 1.0 for k in SYMMETRY_MAPS if m.get(k) is not None}}


def predicted_functional_dimension(m: dict) -> dict:
    """The predicted rank per case whose batch condition holds (theory.relu_symmetries)."""
    out = {}
    for case in ("generic", "twin"):
        r = m[case]
        if r is not None and r["separated"] == r["cutting"]:
            out[case] = ts.functional_dimension(m["n_inputs"], m["width"], twin_pairs=1 if case == "twin" else 0,
                                             dead=r["dead"], always_active=r["always_active"])
    return out


def predicted_kinks(m: dict) -> dict:
    """The network's kinks at the resolution the measurement states (spacing, detection floor,
    window): theory.relu_symmetries.predicted_kinks_1d's criterion."""
    return {"kinks": ts.predicted_kinks_1d(m["W"], m["b"], m["a"], spacing=m["spacing"], min_jump=m["min_jump"],
                                           window=(m["lo"], m["hi"]))}


def predicted_orbit(m: dict) -> dict:
    """Prior energies along the orbit and H_reg at each theta(s), transformed from theta_ref."""
    kw = {"n_inputs": m["n_inputs"], "width": m["width"]}
    return {"prior": tv.orbit_prior_values(m["theta_ref"], m["tau"], m["scales"], **kw),
            "hessian": [tv.orbit_hessian_value(m["X"], m["y"], m["theta_ref"], m["sigma"], m["tau"], s, **kw)
                        for s in m["scales"]]}
