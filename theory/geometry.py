"""Geometry of a one-hidden-layer ReLU regression posterior: gradient jumps, the regular and
singular (Dirac) parts of the Hessian, the crossing-step energy error, and the symmetries.

Model (symbolic data, derived in proofs_notes/relu_geometry.md)::

    f(x; theta) = sum_j a_j relu(w_j . x + b_j) + c,      j = 1..n1,  x in R^n0
    U(theta)    = sum_i (y_i - f(x_i))^2 / (2 sigma^2)  +  |theta|^2 / (2 tau^2)

Parameter layout (shared by convention with numerics.geometry, which never imports this
module): theta = (W row-major (n1*n0), b (n1), a (n1), c), P = n1 (n0 + 2) + 1 entries.

relu is a SymPy function whose derivative is ``Heaviside(z)``, differentiated once more to
``DiracDelta(z)``, so the distributional Hessian comes out of plain differentiation.
Results (each checked by tests/test_geometry_theory.py):

* Across the surface S_ij = {z_ij = w_j . x_i + b_j = 0} (a hyperplane in parameter space,
  unit normal n_ij = grad z_ij / |grad z_ij|, grad z_ij = (x_i, 1) in the (w_j, b_j) block)
  grad U jumps, going from z_ij < 0 to z_ij > 0, by
      [grad U] = -(r_i a_j / sigma^2) grad z_ij = J_ij n_ij,
      J_ij = -(r_i a_j / sigma^2) sqrt(1 + |x_i|^2),       r_i = y_i - f(x_i)
  (normal to the surface: the tangential derivative is continuous because U is).
* Hessian = regular part + singular part. Regular (on each activation cell)
      H_reg = (1/sigma^2) sum_i grad f_i grad f_i^T                (Gauss-Newton, PSD)
            - (1/sigma^2) sum_i r_i D_i                             (output/hidden cross terms)
            + I / tau^2                                             (prior)
  where D_i has entries d^2 f_i / da_j d(w_j, b_j) = H(z_ij) (x_i, 1) and nothing else:
  piecewise constant in theta (f is a quadratic polynomial of theta on each cell, U a
  quartic, so H_reg is a polynomial on each cell, not a constant).
  Singular: sum_ij [grad U]_ij grad z_ij^T delta(z_ij) = sum_ij J_ij n_ij n_ij^T delta_{S_ij},
  delta_{S_ij} the surface measure of S_ij (delta(z) = delta_S / |grad z|): the weight on
  each surface is the normal jump J_ij times the projector n n^T.
* One leapfrog step that crosses a surface with normal jump J (potential locally
  g . q + J relu(n . q - h), any dimension) has exactly
      dH = J (q_rel + eps p_n / 2) + eps^2 J^2 / 8,   q_rel = n . q - h,  p_n = n . p,
  the 1D formula of the DESIGN applied to the normal coordinate: the J of the crossing-step
  error is the jump of grad U projected on the unit normal (the jump of the directional
  derivative along the motion is J (n . p / |p|)).
* Symmetries: positive rescaling (w_j, b_j, a_j) -> (s w_j, s b_j, a_j / s) leaves f and the
  likelihood unchanged, not the Gaussian prior; along the rescaling direction
  v_j = (w_j, b_j, -a_j) the Gauss-Newton part vanishes and
      v_j^T H_reg v_j = -2 a_j dL/da_j + |v_j|^2 / tau^2,
  which makes H_reg indefinite whenever it is negative for some j (Rayleigh quotient).
* Functional dimension (generic, one hidden layer): n1 (n0 + 1) + 1 = P - n1.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp

from relu_hmc.theory.errors import TheoryInputError

#: The step size symbol (the same name theory.smooth uses).
EPS = sp.Symbol("epsilon", positive=True)


class relu(sp.Function):
    """relu(z) = max(0, z). Distributional derivatives: relu' = Heaviside, relu'' = DiracDelta.
    Stays unevaluated on symbols (cheaper than Max, which queries assumptions)."""

    @classmethod
    def eval(cls, z):
        if z.is_number:
            return sp.Max(0, z)
        return None

    def fdiff(self, argindex=1):
        return sp.Heaviside(self.args[0])

    def _eval_rewrite_as_Max(self, z, **kwargs):
        return sp.Max(0, z)


#: lambdify translation of relu for numeric evaluation.
_NUMERIC = [{"relu": lambda z: max(0, z)}, "mpmath"]


def _check_size(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise TheoryInputError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


# --------------------------------------------------------------------------------------------
# parameter layout


def parameter_count(n_inputs: int, width: int) -> int:
    """P = n1 n0 (W) + n1 (b) + n1 (a) + 1 (c)."""
    n_inputs, width = _check_size("n_inputs", n_inputs), _check_size("width", width)
    return width * (n_inputs + 2) + 1


def layout(n_inputs: int, width: int) -> dict[str, object]:
    """Index of each parameter in theta: W[j][k], b[j], a[j], c (the shared convention)."""
    n0, n1 = n_inputs, width
    return {
        "W": [[j * n0 + k for k in range(n0)] for j in range(n1)],
        "b": [n1 * n0 + j for j in range(n1)],
        "a": [n1 * n0 + n1 + j for j in range(n1)],
        "c": n1 * (n0 + 2),
    }


# --------------------------------------------------------------------------------------------
# the symbolic model


@dataclass(frozen=True, eq=False)
class ShallowReluModel:
    """Symbols of a one-hidden-layer ReLU regression on n_data symbolic data points."""

    n_inputs: int
    width: int
    n_data: int
    X: sp.Matrix        # (n_data, n_inputs) data inputs x_i
    y: sp.Matrix        # (n_data, 1) targets
    W: sp.Matrix        # (width, n_inputs)
    b: sp.Matrix        # (width, 1)
    a: sp.Matrix        # (width, 1)
    c: sp.Symbol
    sigma: sp.Symbol    # likelihood noise scale
    tau: sp.Symbol      # prior scale

    @property
    def params(self) -> tuple[sp.Symbol, ...]:
        return tuple(self.W) + tuple(self.b) + tuple(self.a) + (self.c,)

    def preactivation(self, i: int, j: int) -> sp.Expr:
        return sum((self.W[j, k] * self.X[i, k] for k in range(self.n_inputs)), sp.S.Zero) + self.b[j]

    def output(self, i: int) -> sp.Expr:
        return sum((self.a[j] * relu(self.preactivation(i, j)) for j in range(self.width)),
                   sp.S.Zero) + self.c

    def residual(self, i: int) -> sp.Expr:
        return self.y[i] - self.output(i)

    def likelihood(self) -> sp.Expr:
        """Negative log-likelihood (up to a constant): sum_i r_i^2 / (2 sigma^2)."""
        return sum((self.residual(i) ** 2 for i in range(self.n_data)), sp.S.Zero) / (2 * self.sigma ** 2)

    def prior(self) -> sp.Expr:
        return sum((t ** 2 for t in self.params), sp.S.Zero) / (2 * self.tau ** 2)

    def potential(self) -> sp.Expr:
        return self.likelihood() + self.prior()

    def gradient(self, expr: sp.Expr | None = None) -> sp.Matrix:
        expr = self.potential() if expr is None else expr
        return sp.Matrix([sp.diff(expr, t) for t in self.params])

    def grad_preactivation(self, i: int, j: int) -> sp.Matrix:
        """grad_theta z_ij: (x_i, 1) in the (w_j, b_j) block, zero elsewhere."""
        return self.gradient(self.preactivation(i, j))


def shallow_relu_model(n_inputs: int, width: int, n_data: int) -> ShallowReluModel:
    """Real symbols x_i_k, y_i, w_j_k, b_j, a_j, c and positive sigma, tau (one shared
    instance per size, so derived quantities are cached)."""
    n0 = _check_size("n_inputs", n_inputs)
    n1 = _check_size("width", width)
    m = _check_size("n_data", n_data)
    return _model(n0, n1, m)


@functools.lru_cache(maxsize=None)
def _model(n0: int, n1: int, m: int) -> ShallowReluModel:
    real = dict(real=True)
    X = sp.Matrix(m, n0, lambda i, k: sp.Symbol(f"x_{i + 1}_{k + 1}", **real))
    y = sp.Matrix(m, 1, lambda i, _: sp.Symbol(f"y_{i + 1}", **real))
    W = sp.Matrix(n1, n0, lambda j, k: sp.Symbol(f"w_{j + 1}_{k + 1}", **real))
    b = sp.Matrix(n1, 1, lambda j, _: sp.Symbol(f"b_{j + 1}", **real))
    a = sp.Matrix(n1, 1, lambda j, _: sp.Symbol(f"a_{j + 1}", **real))
    return ShallowReluModel(n0, n1, m, X, y, W, b, a, sp.Symbol("c", real=True),
                            sp.Symbol("sigma", positive=True), sp.Symbol("tau", positive=True))


def _index(model: ShallowReluModel, i: int, j: int) -> tuple[int, int]:
    if not (0 <= i < model.n_data and 0 <= j < model.width):
        raise TheoryInputError(f"surface (i={i}, j={j}) is outside 0 <= i < {model.n_data}, "
                               f"0 <= j < {model.width}")
    return i, j


def _one_sided(expr, z: sp.Expr, side: int):
    """expr on the side sign(z) = side of the surface z = 0: Heaviside(z) -> 1 or 0."""
    value = sp.S.One if side > 0 else sp.S.Zero
    return expr.xreplace({sp.Heaviside(z): value})


# --------------------------------------------------------------------------------------------
# gradient jump (brute force from differentiation, and the closed form)


def gradient_jump(model: ShallowReluModel, i: int, j: int) -> sp.Matrix:
    """[grad U] across S_ij, from z_ij < 0 to z_ij > 0, by differentiating U and taking the
    difference of the two one-sided limits of Heaviside(z_ij)."""
    i, j = _index(model, i, j)
    z = model.preactivation(i, j)
    g = model.gradient()
    return (_one_sided(g, z, +1) - _one_sided(g, z, -1)).applyfunc(sp.expand)


def gradient_jump_closed_form(model: ShallowReluModel, i: int, j: int) -> sp.Matrix:
    """-(r_i a_j / sigma^2) grad z_ij."""
    i, j = _index(model, i, j)
    return -(model.residual(i) * model.a[j] / model.sigma ** 2) * model.grad_preactivation(i, j)


def unit_normal(model: ShallowReluModel, i: int, j: int) -> sp.Matrix:
    """n_ij = grad z_ij / |grad z_ij| (points into z_ij > 0)."""
    i, j = _index(model, i, j)
    g = model.grad_preactivation(i, j)
    return g / sp.sqrt((g.T * g)[0, 0])


def normal_jump(model: ShallowReluModel, i: int, j: int) -> sp.Expr:
    """J_ij = [grad U] . n_ij = -(r_i a_j / sigma^2) sqrt(1 + |x_i|^2)."""
    i, j = _index(model, i, j)
    norm2 = sum((model.X[i, k] ** 2 for k in range(model.n_inputs)), sp.S.One)
    return -(model.residual(i) * model.a[j] / model.sigma ** 2) * sp.sqrt(norm2)


def directional_jump(model: ShallowReluModel, i: int, j: int, direction: sp.Matrix) -> sp.Expr:
    """Jump of the derivative along `direction` (any non-zero vector): J_ij (n . d) / |d|."""
    d = sp.Matrix(direction)
    return normal_jump(model, i, j) * (unit_normal(model, i, j).T * d)[0, 0] / sp.sqrt((d.T * d)[0, 0])


# --------------------------------------------------------------------------------------------
# Hessian: regular and singular parts


def hessian(model: ShallowReluModel) -> sp.Matrix:
    """The distributional Hessian of U: Heaviside and DiracDelta terms included."""
    g = model.gradient()
    return sp.Matrix(len(model.params), len(model.params),
                     lambda r, s: sp.expand(sp.diff(g[r], model.params[s])))


def _drop_delta(expr: sp.Expr) -> sp.Expr:
    return expr.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)


def hessian_regular(model: ShallowReluModel, H: sp.Matrix | None = None) -> sp.Matrix:
    """The Hessian with every DiracDelta term dropped: its value inside an activation cell."""
    H = hessian(model) if H is None else H
    return H.applyfunc(_drop_delta)


def hessian_singular(model: ShallowReluModel, i: int, j: int, H: sp.Matrix | None = None) -> sp.Matrix:
    """Coefficient matrix of DiracDelta(z_ij) in the Hessian (the weight w.r.t. dz)."""
    i, j = _index(model, i, j)
    H = hessian(model) if H is None else H
    delta = sp.DiracDelta(model.preactivation(i, j))
    return H.applyfunc(lambda e: sp.expand(e).coeff(delta))


def output_hessian_regular(model: ShallowReluModel, i: int) -> sp.Matrix:
    """Regular part of d^2 f(x_i) / dtheta^2, by differentiation (DiracDelta terms dropped)."""
    f = model.output(i)
    P = len(model.params)
    H = sp.Matrix(P, P, lambda r, s: sp.diff(f, model.params[r], model.params[s]))
    return H.applyfunc(_drop_delta)


@functools.lru_cache(maxsize=None)
def output_gradient_closed_form(model: ShallowReluModel, i: int) -> sp.Matrix:
    """grad f(x_i): a_j H(z_ij) x_i (w_j), a_j H(z_ij) (b_j), relu(z_ij) (a_j), 1 (c)."""
    idx = layout(model.n_inputs, model.width)
    g = sp.zeros(len(model.params), 1)
    for j in range(model.width):
        z = model.preactivation(i, j)
        for k in range(model.n_inputs):
            g[idx["W"][j][k]] = model.a[j] * sp.Heaviside(z) * model.X[i, k]
        g[idx["b"][j]] = model.a[j] * sp.Heaviside(z)
        g[idx["a"][j]] = relu(z)
    g[idx["c"]] = sp.S.One
    return g


@functools.lru_cache(maxsize=None)
def output_hessian_closed_form(model: ShallowReluModel, i: int) -> sp.Matrix:
    """D_i: H(z_ij) (x_i, 1) in the (a_j, (w_j, b_j)) blocks (both orders), zero elsewhere;
    constant on every activation cell."""
    idx = layout(model.n_inputs, model.width)
    P = len(model.params)
    D = sp.zeros(P, P)
    for j in range(model.width):
        H = sp.Heaviside(model.preactivation(i, j))
        col = [(idx["W"][j][k], model.X[i, k]) for k in range(model.n_inputs)] + [(idx["b"][j], sp.S.One)]
        for r, value in col:
            D[r, idx["a"][j]] = D[idx["a"][j], r] = H * value
    return D


def gauss_newton(model: ShallowReluModel) -> sp.Matrix:
    """(1/sigma^2) sum_i grad f_i grad f_i^T (positive semi-definite)."""
    P = len(model.params)
    G = sp.zeros(P, P)
    for i in range(model.n_data):
        gf = output_gradient_closed_form(model, i)
        G += gf * gf.T
    return G / model.sigma ** 2


def hessian_regular_closed_form(model: ShallowReluModel) -> sp.Matrix:
    """Gauss-Newton - (1/sigma^2) sum_i r_i D_i + I / tau^2."""
    P = len(model.params)
    cross = sp.zeros(P, P)
    for i in range(model.n_data):
        cross += model.residual(i) * output_hessian_closed_form(model, i)
    return gauss_newton(model) - cross / model.sigma ** 2 + sp.eye(P) / model.tau ** 2


def hessian_regular_jump_closed_form(model: ShallowReluModel, i: int, j: int) -> sp.Matrix:
    """Change of H_reg across S_ij (z_ij < 0 -> z_ij > 0): only datum i's terms change,
    (1/sigma^2)(g+ g+^T - g- g-^T) - (r_i/sigma^2)(D_i+ - D_i-), g = grad f_i."""
    i, j = _index(model, i, j)
    z = model.preactivation(i, j)
    gf = output_gradient_closed_form(model, i)
    D = output_hessian_closed_form(model, i)
    gp, gm = _one_sided(gf, z, +1), _one_sided(gf, z, -1)
    return ((gp * gp.T - gm * gm.T) - model.residual(i) * (_one_sided(D, z, +1) - _one_sided(D, z, -1))) \
        / model.sigma ** 2


def singular_weight_closed_form(model: ShallowReluModel, i: int, j: int) -> dict[str, sp.Matrix]:
    """The Dirac part on S_ij in two normalisations:
    per dz:              [grad U] grad z^T            (coefficient of DiracDelta(z_ij));
    per surface measure: J_ij n n^T                    (delta(z) = delta_S / |grad z|)."""
    n = unit_normal(model, i, j)
    return {"per_dz": gradient_jump_closed_form(model, i, j) * model.grad_preactivation(i, j).T,
            "per_surface": normal_jump(model, i, j) * n * n.T}


# --------------------------------------------------------------------------------------------
# the crossing leapfrog step


@functools.lru_cache(maxsize=None)
def crossing_step_identity(dim: int = 2) -> dict[str, sp.Expr]:
    """One leapfrog step on U(q) = g . q + J relu(n . q - h) in `dim` dimensions that starts
    with n . q0 < h and ends with n . q1 > h. n = unit vector (n = (cos phi, sin phi) in 2D;
    in higher dimensions the normal is e_1 rotated by phi in the (e_1, e_2) plane).

    Returns dH (exact, symbolic), the formula J (q_rel + eps p_n / 2) + eps^2 J^2 / 8 and
    their difference simplified (zero)."""
    dim = _check_size("dim", dim, 2)
    phi, J, h = sp.Symbol("phi", real=True), sp.Symbol("J", real=True), sp.Symbol("h", real=True)
    n = sp.Matrix([sp.cos(phi), sp.sin(phi)] + [0] * (dim - 2))
    g = sp.Matrix(sp.symbols(f"g1:{dim + 1}", real=True))
    q = sp.Matrix(sp.symbols(f"q1:{dim + 1}", real=True))
    p = sp.Matrix(sp.symbols(f"p1:{dim + 1}", real=True))
    eps = EPS
    grad_minus, grad_plus = g, g + J * n
    p_half = p - eps / 2 * grad_minus
    q1 = q + eps * p_half
    p1 = p_half - eps / 2 * grad_plus
    u0 = (g.T * q)[0, 0]                                    # n.q0 < h: relu inactive
    u1 = (g.T * q1)[0, 0] + J * ((n.T * q1)[0, 0] - h)      # n.q1 > h: relu active
    dH = u1 - u0 + ((p1.T * p1)[0, 0] - (p.T * p)[0, 0]) / 2
    q_rel = (n.T * q)[0, 0] - h
    p_n = (n.T * p)[0, 0]
    formula = J * (q_rel + eps * p_n / 2) + eps ** 2 * J ** 2 / 8
    return {"dH": sp.expand(dH), "formula": formula,
            "difference": sp.simplify(sp.trigsimp(sp.expand(dH - formula)))}


def crossing_energy_error(J, q_rel, p_n, eps):
    """dH = J (q_rel + eps p_n / 2) + eps^2 J^2 / 8 (exact for piecewise-linear U; the leading
    O(eps) term for piecewise-smooth U, where the remainder is O(eps^2))."""
    return J * (q_rel + eps * p_n / 2) + eps ** 2 * J ** 2 / 8


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
    n0, n1 = _check_size("n_inputs", n_inputs), _check_size("width", width)
    for name, value in (("twin_pairs", twin_pairs), ("dead", dead), ("always_active", always_active)):
        _check_size(name, value, 0)
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


def predicted_kinks_1d(w, b, a, *, merge_tol: float = 0.0) -> list[dict]:
    """Kinks of x -> sum_j a_j relu(w_j x + b_j) + c: location -b_j/w_j, slope jump a_j |w_j|;
    neurons with w_j = 0 or a_j = 0 have none; kinks at the same location (twins, opposite
    orientations) merge with summed jumps, and merged jumps that vanish are dropped.
    Inputs are numbers; arithmetic in mpmath (50 digits)."""
    import mpmath

    if not (len(w) == len(b) == len(a)):
        raise TheoryInputError("w, b, a must have the same length")
    with mpmath.workdps(50):
        items = []
        for wj, bj, aj in zip(w, b, a):
            wj, bj, aj = mpmath.mpf(wj), mpmath.mpf(bj), mpmath.mpf(aj)
            if wj == 0 or aj == 0:
                continue
            items.append((-bj / wj, aj * abs(wj)))
        items.sort(key=lambda t: t[0])
        merged: list[list] = []
        for loc, jump in items:
            if merged and abs(loc - merged[-1][0]) <= merge_tol * max(1, abs(loc)):
                merged[-1][1] += jump
            else:
                merged.append([loc, jump])
        return [{"location": float(loc), "jump": float(jump)} for loc, jump in merged if jump != 0]


# --------------------------------------------------------------------------------------------
# numeric evaluation of the closed forms (for the joins in relu_hmc.geometry)


@functools.lru_cache(maxsize=None)
def _surface_evaluator(n_inputs: int, width: int, j: int):
    """Lambdified (mpmath) closed forms on S_1j of a one-datum model."""
    model = shallow_relu_model(n_inputs, width, 1)
    args = list(model.X) + list(model.y) + list(model.params) + [model.sigma]
    exprs = [gradient_jump_closed_form(model, 0, j), normal_jump(model, 0, j), unit_normal(model, 0, j),
             hessian_regular_jump_closed_form(model, 0, j), singular_weight_closed_form(model, 0, j)["per_surface"]]
    return sp.lambdify(args, exprs, modules=_NUMERIC)


def surface_predictions(x_i, y_i, theta, sigma, j: int, *, n_inputs: int, width: int) -> dict:
    """Closed forms on the surface S_ij evaluated at numbers (x_i (n0,), y_i, theta (P,),
    sigma): gradient_jump (P,), normal_jump J, normal (P,), hessian_jump (P, P) of the regular
    part, singular_weight (P, P) = J n n^T. Only datum i enters; the prior is continuous."""
    import mpmath

    P = parameter_count(n_inputs, width)
    x_i, theta = list(x_i), list(theta)
    if len(x_i) != n_inputs or len(theta) != P:
        raise TheoryInputError(f"x_i must have {n_inputs} entries and theta {P}")
    _check_size("j", j, 0)
    if j >= width:
        raise TheoryInputError(f"neuron j={j} is outside 0 <= j < {width}")
    with mpmath.workdps(30):
        args = [mpmath.mpf(float(v)) for v in x_i + [y_i] + theta + [sigma]]
        grad_jump, J, n, dH, sing = _surface_evaluator(n_inputs, width, j)(*args)
        to_vec = lambda m: [float(v) for v in m]  # noqa: E731
        to_mat = lambda m: [[float(m[r, s]) for s in range(P)] for r in range(P)]  # noqa: E731
        return {"gradient_jump": to_vec(grad_jump), "normal_jump": float(J), "normal": to_vec(n),
                "hessian_jump": to_mat(dH), "singular_weight": to_mat(sing)}


@functools.lru_cache(maxsize=None)
def _datum_evaluator(n_inputs: int, width: int):
    """Lambdified (mpmath) r_i, grad f_i and D_i of a one-datum model."""
    model = shallow_relu_model(n_inputs, width, 1)
    args = list(model.X) + list(model.y) + list(model.params)
    exprs = [model.residual(0), list(output_gradient_closed_form(model, 0)),
             output_hessian_closed_form(model, 0).tolist()]
    return sp.lambdify(args, exprs, modules=_NUMERIC)


def regular_hessian_value(X, y, theta, sigma, tau, *, n_inputs: int, width: int) -> list[list[float]]:
    """H_reg at theta (inside a cell: no pre-activation zero) from the closed form
    sum_i (grad f_i grad f_i^T - r_i D_i) / sigma^2 + I / tau^2, evaluated in mpmath (30
    digits); X rows are the inputs. The prediction a finite-difference Hessian is held to."""
    import mpmath

    P = parameter_count(n_inputs, width)
    theta = [float(t) for t in theta]
    if len(theta) != P:
        raise TheoryInputError(f"theta must have {P} entries")
    evaluate = _datum_evaluator(n_inputs, width)
    with mpmath.workdps(30):
        total = mpmath.zeros(P, P)
        for x_i, y_i in zip(X, y):
            r, gf, D = evaluate(*[mpmath.mpf(float(v)) for v in list(x_i) + [y_i] + theta])
            g = mpmath.matrix(gf)
            total += g * g.T - r * mpmath.matrix(D)
        total = total / mpmath.mpf(sigma) ** 2 + mpmath.eye(P) / mpmath.mpf(tau) ** 2
        return [[float(total[r, s]) for s in range(P)] for r in range(P)]


def rescaling_curvature_value(X, y, theta, sigma, tau, *, n_inputs: int, width: int,
                              neurons=None) -> dict:
    """v^T H_reg v for v = sum_{j in neurons} v_j (all neurons by default), from the closed
    form: the Gauss-Newton part vanishes on v (f is invariant along every orbit) and the
    cross-term blocks are per neuron, so  v^T H_reg v = sum_j (-2 a_j dL/da_j) + |v|^2 / tau^2,
    dL/da_j = -(1/sigma^2) sum_i r_i relu(z_ij). Returns the value, |v|^2 and the Rayleigh
    quotient (an upper bound on the smallest eigenvalue of H_reg)."""
    import mpmath

    P = parameter_count(n_inputs, width)
    theta = [float(t) for t in theta]
    if len(theta) != P:
        raise TheoryInputError(f"theta must have {P} entries")
    neurons = list(range(width)) if neurons is None else [int(j) for j in neurons]
    idx = layout(n_inputs, width)
    evaluate = _datum_evaluator(n_inputs, width)
    with mpmath.workdps(30):
        th = [mpmath.mpf(t) for t in theta]
        dL_da = [mpmath.mpf(0)] * width
        for x_i, y_i in zip(X, y):
            r, gf, _ = evaluate(*[mpmath.mpf(float(v)) for v in list(x_i) + [y_i] + theta])
            for j in range(width):
                dL_da[j] -= r * gf[idx["a"][j]] / mpmath.mpf(sigma) ** 2
        v2 = mpmath.mpf(0)
        curvature = mpmath.mpf(0)
        for j in neurons:
            a_j = th[idx["a"][j]]
            v2 += sum(th[k] ** 2 for k in idx["W"][j]) + th[idx["b"][j]] ** 2 + a_j ** 2
            curvature += -2 * a_j * dL_da[j]
        value = curvature + v2 / mpmath.mpf(tau) ** 2
        return {"value": float(value), "norm2": float(v2), "rayleigh": float(value / v2),
                "neurons": neurons}


@functools.lru_cache(maxsize=None)
def symmetry_identities() -> dict[str, bool]:
    """The scalar identities behind the symmetries, proved by splitting on the sign of z
    (z = t and z = -t with t > 0; relu is Max(0, .) here so SymPy evaluates each case):
      rescaling   relu(s z) = s relu(z), s > 0           -> (w, b, a) ~ (s w, s b, a / s)
      twins       a1 relu(z) + a2 relu(t z) = (a1 + t a2) relu(z), t > 0
      flip        relu(-z) = relu(z) - z                 -> flipping S adds -sum_S a_j z_j
      balanced    sum_S a_j (w_j . x + b_j) = sum_S a_j b_j when sum_S a_j w_j = 0
      permutation the sum over hidden units is symmetric (a relabelling of the terms)."""
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
    perm_terms = [sp.Symbol(f"a{j}") * sp.Function("relu")(sp.Symbol(f"z{j}")) for j in range(3)]
    return {
        "rescaling": both_signs(lambda z: R(s * z) - s * R(z)),
        "twins": both_signs(lambda z: a1 * R(z) + a2 * R(s * z) - (a1 + s * a2) * R(z)),
        "flip": both_signs(lambda z: R(-z) - (R(z) - z)),
        "balanced_linear_part_vanishes": sp.expand(linear) == 0,
        "permutation": sp.Add(*perm_terms) == sp.Add(*reversed(perm_terms)),
    }
