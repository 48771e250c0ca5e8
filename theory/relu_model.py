"""The symbolic one-hidden-layer ReLU regression posterior that the geometry predictions
differentiate (derivations in proofs_notes/relu_geometry.md).

Model::

    f(x; theta) = sum_j a_j relu(w_j . x + b_j) + c,      j = 1..n1,  x in R^n0
    U(theta)    = sum_i (y_i - f(x_i))^2 / (2 sigma^2)  +  |theta|^2 / (2 tau^2)

Parameter layout (shared by convention with numerics.relu_network, which never imports this
module): theta = (W row-major (n1*n0), b (n1), a (n1), c), P = n1 (n0 + 2) + 1 entries.

relu is a SymPy function whose derivative is ``Heaviside(z)``, differentiated once more to
``DiracDelta(z)``, so the distributional Hessian comes out of plain differentiation
(theory.relu_jumps).
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


#: lambdify translation of relu for numeric evaluation (mpmath).
NUMERIC_MODULES = [{"relu": lambda z: max(0, z)}, "mpmath"]


def check_size(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise TheoryInputError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


# --------------------------------------------------------------------------------------------
# parameter layout


def parameter_count(n_inputs: int, width: int) -> int:
    """P = n1 n0 (W) + n1 (b) + n1 (a) + 1 (c)."""
    n_inputs, width = check_size("n_inputs", n_inputs), check_size("width", width)
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
    n0 = check_size("n_inputs", n_inputs)
    n1 = check_size("width", width)
    m = check_size("n_data", n_data)
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


def surface_index(model: ShallowReluModel, i: int, j: int) -> tuple[int, int]:
    if not (0 <= i < model.n_data and 0 <= j < model.width):
        raise TheoryInputError(f"surface (i={i}, j={j}) is outside 0 <= i < {model.n_data}, "
                               f"0 <= j < {model.width}")
    return i, j


def one_sided(expr, z: sp.Expr, side: int):
    """expr on the side sign(z) = side of the surface z = 0: Heaviside(z) -> 1 or 0."""
    value = sp.S.One if side > 0 else sp.S.Zero
    return expr.xreplace({sp.Heaviside(z): value})


