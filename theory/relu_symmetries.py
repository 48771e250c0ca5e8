"""Symmetries of the one-hidden-layer ReLU network and what they predict: the rescaling
direction and its curvature, the prior along a rescaling orbit, the functional dimension,
the kinks of a 1D-input network, and the scalar identities behind each symmetry.
Derivations: proofs_notes/relu_geometry.md sec. 5-7.

* Positive rescaling (w_j, b_j, a_j) -> (s w_j, s b_j, a_j / s) leaves f and the likelihood
  unchanged, not the Gaussian prior; with S = diag(s on (w_j, b_j), 1/s on a_j, 1 elsewhere)
  L(S theta) = L(theta), hence grad L(S theta) = S^-1 grad L(theta) and
  Hess L(S theta) = S^-1 Hess L(theta) S^-1 (chain rule; `orbit_scaling`).
* Along v_j = (w_j, b_j, -a_j) the Gauss-Newton part vanishes and
      v_j^T H_reg v_j = -2 a_j dL/da_j + |v_j|^2 / tau^2.
* Functional dimension (generic, one hidden layer): n1 (n0 + 1) + 1 = P - n1.
"""
from __future__ import annotations

import functools
import itertools

import sympy as sp

from relu_hmc.theory.errors import TheoryInputError
from relu_hmc.theory.relu_model import ShallowReluModel, check_size, layout, relu, shallow_relu_model


# --------------------------------------------------------------------------------------------
# rescaling symmetry


def rescaling_direction(model: ShallowReluModel, j: int) -> sp.Matrix:
    """v_j = d/ds (s w_j, s b_j, a_j / s) at s = 1 = (w_j, b_j, -a_j) in the layout."""
    v = sp.zeros(len(model.params), 1)
    idx = layout(model.n_inputs, model.width)
    for k in range(model.n_inputs):
        v[idx["W"][j][k]] = model.W[j, k]
    v[idx["b"][j]] = model.b[j]
    v[idx["a"][j]] = -model.a[j]
    return v


def rescaling_curvature_closed_form(model: ShallowReluModel, j: int) -> sp.Expr:
    """v_j^T H_reg v_j = -2 a_j dL/da_j + |v_j|^2 / tau^2 (L the likelihood term)."""
    v = rescaling_direction(model, j)
    dL_da = sp.diff(model.likelihood(), model.a[j])
    return -2 * model.a[j] * dL_da + (v.T * v)[0, 0] / model.tau ** 2


def orbit_prior(w_norm2, b2, a2, s):
    """Prior energy of one neuron along its orbit, times 2 tau^2: s^2 (|w|^2 + b^2) + a^2 / s^2.
    Minimal at s^4 = a^2 / (|w|^2 + b^2) (the balanced point |s w, s b| = |a / s|)."""
    return s ** 2 * (w_norm2 + b2) + a2 / s ** 2


def balanced_scale(w_norm2, b2, a2):
    """s* = (a^2 / (|w|^2 + b^2))^(1/4), the minimiser of `orbit_prior` (mpmath precision)."""
    import mpmath

    return mpmath.root(mpmath.mpf(a2) / (mpmath.mpf(w_norm2) + mpmath.mpf(b2)), 4)



def orbit_scaling(n_inputs: int, width: int, s) -> list[float]:
    """The diagonal of S with S theta = (s_j w_j, s_j b_j, a_j / s_j, c) in the layout; s a
    number > 0 or one per neuron. L(S theta) = L(theta) since relu(s z) = s relu(z), s > 0."""
    n0, n1 = check_size("n_inputs", n_inputs), check_size("width", width)
    scales = [float(s)] * n1 if not isinstance(s, (list, tuple)) else [float(v) for v in s]
    if len(scales) != n1 or not all(v > 0 for v in scales):
        raise TheoryInputError(f"rescaling factors must be {n1} numbers > 0, got {s!r}")
    idx = layout(n0, n1)
    diag = [1.0] * (n1 * (n0 + 2) + 1)
    for j, v in enumerate(scales):
        for k in idx["W"][j]:
            diag[k] = v
        diag[idx["b"][j]] = v
        diag[idx["a"][j]] = 1.0 / v
    return diag

# --------------------------------------------------------------------------------------------
# functional dimension


def functional_dimension(n_inputs: int, width: int, *, twin_pairs: int = 0, dead: int = 0,
                         always_active: int = 0) -> int:
    """Predicted rank of the Jacobian of theta -> (f(x_1), ..., f(x_M)).

    Generic value n1 (n0 + 1) + 1 = P - n1 (P = n1 (n0 + 2) + 1 parameters; one rescaling
    direction per hidden neuron is lost). This is the upper bound "parameters minus hidden
    neurons" of Grigsby, Lindsey, Meyerhoff & Wu (2022, "Functional dimension of feedforward
    ReLU neural networks", arXiv 2209.04036); Grigsby, Lindsey & Rolnick (ICML 2023, "Hidden
    symmetries of ReLU networks") prove it is attained on an open set of parameters when no
    layer is narrower than the input. For one hidden layer we state and prove (proofs_notes/
    relu_geometry.md) the batch version used here: the rank on inputs x_1..x_M equals
    n1 (n0 + 1) + 1 whenever
      (i) every a_j != 0;
      (ii) for every neuron j there are two activation cells of the batch that differ only in
           neuron j and each contain n0 + 1 affinely independent inputs ("separated": this
           needs distinct hyperplanes, no dead or always-active neuron, and enough inputs near
           each hyperplane; it holds with probability -> 1 as M -> infinity for inputs with a
           positive density).
    Proof sketch: the Jacobian columns span {1, 1[z_j > 0] x_k, 1[z_j > 0]} (relu(z_j) =
    z_j 1[z_j > 0] lies in that span). If sum_j 1[z_j > 0] (u_j . x + v_j) + c0 = 0 on the batch,
    the affine function g = sum_{k active on both cells} (u_k . x + v_k) + c0 vanishes on the
    n0 + 1 independent inputs of the cell where j is off, so g = 0, and then u_j . x + v_j = 0 on
    those of the cell where j is on, so u_j = v_j = 0; after all j, c0 = 0.
    Without (ii) the batch rank can be lower than the function-space value (e.g. two nearly
    parallel hyperplanes with only two inputs between them): a finite-batch effect, not a
    hidden symmetry.

    Degenerate cases counted here (condition (ii) then for the remaining distinct, cutting
    hyperplanes; each case changes the span as stated):
      twin_pairs: pairs with (w_k, b_k) = t (w_j, b_j), t > 0: the pair spans what one neuron
        spans, -(n0 + 1) each;
      dead: neurons inactive on every input: -(n0 + 1) each (their columns vanish except
        relu(z) = 0 too);
      always_active: neurons active on every input: together with c they span only the
        affine functions, n0 + 1 dimensions instead of k (n0 + 1) + 1.
    """
    n0, n1 = check_size("n_inputs", n_inputs), check_size("width", width)
    for name, value in (("twin_pairs", twin_pairs), ("dead", dead), ("always_active", always_active)):
        check_size(name, value, 0)
    cutting = n1 - twin_pairs - dead - always_active
    if cutting < 0 or 2 * twin_pairs > n1 - dead - always_active:
        raise TheoryInputError(f"twin_pairs={twin_pairs}, dead={dead}, always_active={always_active} "
                               f"do not fit in width {n1}")
    affine = (n0 + 1) if always_active > 0 else 1
    return (n0 + 1) * cutting + affine


# --------------------------------------------------------------------------------------------
# kinks of a one-dimensional-input network


@functools.lru_cache(maxsize=None)
def kink_jump_1d() -> dict[int, sp.Expr]:
    """Slope jump of a relu(w x + b) at x = -b/w, from the derivative a w Heaviside(w x + b):
    a |w| for either sign of w (returned as {+1: ..., -1: ...} for w > 0 and w < 0)."""
    x, a, b = sp.symbols("x a b", real=True)
    out = {}
    for sign in (+1, -1):
        w = sp.Symbol("w", positive=True) * sign
        slope = sp.diff(a * relu(w * x + b), x)
        kink = -b / w
        d = sp.Symbol("d", positive=True)
        jump = sp.limit(slope.subs(x, kink + d), d, 0, "+") - sp.limit(slope.subs(x, kink - d), d, 0, "+")
        out[sign] = sp.simplify(jump)
    return out


def predicted_kinks_1d(w, b, a, *, spacing: float = 0.0, min_jump: float = 0.0,
                       window: tuple[float, float] | None = None) -> list[dict]:
    """Kinks of x -> sum_j a_j relu(w_j x + b_j) + c as seen at resolution (spacing, min_jump):
    each neuron with w_j != 0 and a_j != 0 has a kink at -b_j/w_j with slope jump a_j |w_j|
    (`kink_jump_1d`). Criterion of resolvability (the limits numerics.relu_kinks states):
    - kinks closer than `spacing` to the previous one merge into one cluster (single linkage;
      exact twins are the case spacing = 0): f outside the cluster is two lines meeting at the
      jump-weighted mean sum J_k x_k / sum J_k with jump sum J_k, which is the cluster's kink;
    - with a `window` (lo, hi), only kinks inside it count, and a cluster with a kink closer
      than `spacing` to an edge is not resolvable (no line of length `spacing` on that side);
    - a cluster with |sum J_k| < min_jump (or = 0) is below the detection floor.
    Inputs are numbers; arithmetic in mpmath (50 digits)."""
    import mpmath

    if not (len(w) == len(b) == len(a)):
        raise TheoryInputError("w, b, a must have the same length")
    if not (spacing >= 0 and min_jump >= 0):
        raise TheoryInputError(f"spacing and min_jump must be >= 0, got {spacing}, {min_jump}")
    with mpmath.workdps(50):
        items = []
        for wj, bj, aj in zip(w, b, a):
            wj, bj, aj = mpmath.mpf(wj), mpmath.mpf(bj), mpmath.mpf(aj)
            if wj == 0 or aj == 0:
                continue
            items.append((-bj / wj, aj * abs(wj)))
        if window is not None:
            lo, hi = (mpmath.mpf(e) for e in window)
            items = [t for t in items if lo < t[0] < hi]
        items.sort(key=lambda t: t[0])
        clusters: list[list] = []
        for loc, jump in items:
            if clusters and (loc - clusters[-1][-1][0] < spacing or loc == clusters[-1][-1][0]):
                clusters[-1].append((loc, jump))
            else:
                clusters.append([(loc, jump)])
        out = []
        for members in clusters:
            total = mpmath.fsum(j for _, j in members)
            if window is not None and (members[0][0] - lo < spacing or hi - members[-1][0] < spacing):
                continue
            if total == 0 or abs(total) < min_jump:
                continue
            loc = mpmath.fsum(x * j for x, j in members) / total
            out.append({"location": float(loc), "jump": float(total)})
        return out


@functools.lru_cache(maxsize=None)
def symmetry_identities() -> dict[str, bool]:
    """The scalar identities behind the symmetries, proved by splitting on the sign of z
    (z = t and z = -t with t > 0; relu is Max(0, .) here so SymPy evaluates each case):
      rescaling   relu(s z) = s relu(z), s > 0           -> (w, b, a) ~ (s w, s b, a / s)
      twins       a1 relu(z) + a2 relu(t z) = (a1 + t a2) relu(z), t > 0
      flip        relu(-z) = relu(z) - z                 -> flipping S adds -sum_S a_j z_j
      balanced    sum_S a_j (w_j . x + b_j) = sum_S a_j b_j when sum_S a_j w_j = 0
      permutation U(theta) with the hidden units relabelled, (w_j, b_j, a_j) -> (w_pi(j), ...),
                  equals U(theta) on a symbolic posterior (`permutation_changes_potential`)."""
    t, s, a1, a2 = sp.symbols("t s a1 a2", positive=True)
    R = lambda z: sp.Max(0, z)  # noqa: E731

    def both_signs(expr_of_z) -> bool:
        return all(sp.simplify(expr_of_z(sign * t)) == 0 for sign in (1, -1))

    n = 3
    w = sp.Matrix(sp.symbols(f"v1:{n + 1}", real=True))
    x = sp.Matrix(sp.symbols(f"x1:{n + 1}", real=True))
    coef = sp.symbols(f"c1:{n + 1}", real=True)
    # three neurons with a_j w_j summing to zero: a_3 w_3 = -(a_1 w_1 + a_2 w_2) (write a_j w_j = u_j)
    u = [w * coef[0], w * coef[1], -w * (coef[0] + coef[1])]
    linear = sum(((u_j.T * x)[0, 0] for u_j in u), sp.S.Zero)
    return {
        "rescaling": both_signs(lambda z: R(s * z) - s * R(z)),
        "twins": both_signs(lambda z: a1 * R(z) + a2 * R(s * z) - (a1 + s * a2) * R(z)),
        "flip": both_signs(lambda z: R(-z) - (R(z) - z)),
        "balanced_linear_part_vanishes": sp.expand(linear) == 0,
        "permutation": all(permutation_changes_potential(perm) is False
                           for perm in itertools.permutations(range(3))),
        # control: relabelling the output weights alone is not a symmetry, and the check sees it
        "output_weights_alone_is_not": permutation_changes_potential((1, 2, 0), output_weights_only=True),
    }


def permutation_changes_potential(perm, *, output_weights_only: bool = False) -> bool:
    """Does relabelling the hidden units by `perm` change the symbolic posterior U of a model
    with n0 = 1, n1 = len(perm), two data points? Substitutes (w_j, b_j, a_j) -> (w_perm(j),
    b_perm(j), a_perm(j)) simultaneously into U and expands the difference; with
    `output_weights_only` only a_j is relabelled (not a symmetry: the difference is non-zero)."""
    perm = tuple(int(k) for k in perm)
    if sorted(perm) != list(range(len(perm))):
        raise TheoryInputError(f"{perm} is not a permutation of 0..{len(perm) - 1}")
    model = shallow_relu_model(1, len(perm), 2)
    U = model.potential()
    mapping = {model.a[j]: model.a[perm[j]] for j in range(len(perm))}
    if not output_weights_only:
        for j, k in enumerate(perm):
            mapping[model.W[j, 0]] = model.W[k, 0]
            mapping[model.b[j]] = model.b[k]
    return sp.expand(U.xreplace(mapping) - U) != 0
