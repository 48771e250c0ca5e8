"""One-hidden-layer ReLU networks and their Gaussian regression posteriors, in NumPy.

Network  f(x; theta) = sum_j a_j relu(w_j . x + b_j) + c,  x in R^n0, j = 1..n1.
Layout   theta = (W row-major (n1 n0), b (n1), a (n1), c): P = n1 (n0 + 2) + 1 (the same
         convention theory.relu_model uses; neither imports the other).
Posterior U(theta) = sum_i (y_i - f(x_i))^2 / (2 sigma^2) + |theta|^2 / (2 tau^2).

Vectorised over a leading axis of parameter vectors ("chains"), so a batch of points,
finite-difference stencils or HMC chains is one call; potential and gradient walk the
chains in blocks whose (chains, M, n1) working arrays stay below `WORKING_BYTES`, so memory
is bounded whatever the number of chains. Randomness only through an explicit seed or
Generator.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relu_hmc.numerics.validation import check_count, rng_from

#: Unit roundoff of float64.
UNIT_ROUNDOFF = 2.0 ** -53
#: Bound on the working arrays of one block of chains in potential / gradient (bytes).
WORKING_BYTES = 64 * 2 ** 20
#: float64 arrays of shape (chains, M, n1) alive at once in a gradient evaluation.
_ARRAYS_PER_BLOCK = 5

# --------------------------------------------------------------------------------------------
# layout and the network


def parameter_count(n_inputs: int, width: int) -> int:
    return width * (n_inputs + 2) + 1


def _sizes(n_inputs, width) -> tuple[int, int]:
    return check_count("n_inputs", n_inputs), check_count("width", width)


def split(theta: np.ndarray, n_inputs: int, width: int):
    """(C, P) or (P,) -> W (..., n1, n0), b (..., n1), a (..., n1), c (...)."""
    theta = np.asarray(theta, dtype=np.float64)
    n0, n1 = n_inputs, width
    if theta.shape[-1] != parameter_count(n0, n1):
        raise ValueError(f"theta must have {parameter_count(n0, n1)} entries in its last axis, got {theta.shape}")
    lead = theta.shape[:-1]
    W = theta[..., : n1 * n0].reshape(lead + (n1, n0))
    b = theta[..., n1 * n0: n1 * n0 + n1]
    a = theta[..., n1 * n0 + n1: n1 * n0 + 2 * n1]
    return W, b, a, theta[..., -1]


def pack(W, b, a, c) -> np.ndarray:
    W, b, a = (np.asarray(v, dtype=np.float64) for v in (W, b, a))
    lead = b.shape[:-1]
    return np.concatenate([W.reshape(lead + (-1,)), b, a, np.asarray(c, dtype=np.float64).reshape(lead + (1,))],
                          axis=-1)


@dataclass(frozen=True)
class ShallowNet:
    """A one-hidden-layer ReLU network with scalar output."""

    W: np.ndarray   # (n1, n0)
    b: np.ndarray   # (n1,)
    a: np.ndarray   # (n1,)
    c: float

    @property
    def n_inputs(self) -> int:
        return self.W.shape[1]

    @property
    def width(self) -> int:
        return self.W.shape[0]

    @property
    def theta(self) -> np.ndarray:
        return pack(self.W, self.b, self.a, self.c)

    @classmethod
    def from_theta(cls, theta, n_inputs: int, width: int) -> "ShallowNet":
        W, b, a, c = split(np.asarray(theta, dtype=np.float64), n_inputs, width)
        return cls(W.copy(), b.copy(), a.copy(), float(c))

    def preactivations(self, X) -> np.ndarray:
        """Z (M, n1), Z[i, j] = w_j . x_i + b_j."""
        return network_inputs(X, self.n_inputs) @ self.W.T + self.b

    def __call__(self, X) -> np.ndarray:
        return np.maximum(self.preactivations(X), 0.0) @ self.a + self.c

    def value_error_bound(self, radius: float) -> float:
        """Bound on |computed f(x) - f(x)| for |x|_inf <= radius: each z_j = w_j . x + b_j is
        off by <= (n0 + 1) u (|w_j| radius + |b_j|) (a dot product plus one addition), relu is
        exact, and the sum a . relu(z) + c adds n1 + 1 roundings of at most u times the sum of
        magnitudes: (n0 + n1 + 3) u S with S = sum_j |a_j| (|w_j|_1 radius + |b_j|) + |c|; a
        factor 2 covers the O(u^2) terms and any summation order."""
        S = float(np.abs(self.a) @ (np.abs(self.W).sum(axis=1) * float(radius) + np.abs(self.b)) + abs(self.c))
        return 2.0 * (self.n_inputs + self.width + 3) * UNIT_ROUNDOFF * S


def network_inputs(X, n_inputs: int) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1 and n_inputs == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[1] != n_inputs or not np.all(np.isfinite(X)):
        raise ValueError(f"inputs must be a finite (M, {n_inputs}) array, got shape {X.shape}")
    return X


def random_network(n_inputs: int, width: int, seed, *, scale: float = 1.0) -> ShallowNet:
    """W, b, a, c iid N(0, scale^2): generic parameters (no twins, all a_j != 0 a.s.)."""
    n0, n1 = _sizes(n_inputs, width)
    rng = rng_from(seed)
    return ShallowNet(scale * rng.standard_normal((n1, n0)), scale * rng.standard_normal(n1),
                      scale * rng.standard_normal(n1), float(scale * rng.standard_normal()))


def random_inputs(n: int, n_inputs: int, seed) -> np.ndarray:
    """n inputs iid N(0, I_n0) (general position a.s.)."""
    return rng_from(seed).standard_normal((check_count("n", n), check_count("n_inputs", n_inputs)))


# --------------------------------------------------------------------------------------------
# the regression posterior, vectorised over chains


@dataclass(frozen=True)
class RegressionPosterior:
    """U(theta) = sum_i (y_i - f(x_i))^2 / (2 sigma^2) + |theta|^2 / (2 tau^2)."""

    X: np.ndarray
    y: np.ndarray
    sigma: float
    tau: float
    n_inputs: int
    width: int

    @classmethod
    def build(cls, X, y, sigma: float, tau: float, width: int) -> "RegressionPosterior":
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"X must be (M, n_inputs), got shape {X.shape}")
        y = np.asarray(y, dtype=np.float64).ravel()
        if y.shape[0] != X.shape[0]:
            raise ValueError("X and y must have the same number of rows")
        for name, v in (("sigma", sigma), ("tau", tau)):
            if not (np.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a finite number > 0, got {v}")
        check_count("width", width)
        return cls(X, y, float(sigma), float(tau), X.shape[1], int(width))

    @property
    def n_params(self) -> int:
        return parameter_count(self.n_inputs, self.width)

    def _forward(self, theta):
        theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        W, b, a, c = split(theta, self.n_inputs, self.width)
        Z = np.einsum("cjk,mk->cmj", W, self.X) + b[:, None, :]
        A = np.maximum(Z, 0.0)
        f = np.einsum("cmj,cj->cm", A, a) + c[:, None]
        return theta, a, Z, A, f

    def preactivations(self, theta) -> np.ndarray:
        return self._forward(theta)[2]

    def pattern(self, theta) -> np.ndarray:
        """Activation pattern labels (C, M n1): 1 where z_ij > 0 (the leapfrog piece labels)."""
        Z = self.preactivations(theta)
        return (Z > 0).astype(np.int64).reshape(Z.shape[0], -1)

    def _blocks(self, theta) -> list[np.ndarray]:
        """theta (C, P) cut into blocks of chains whose working arrays fit WORKING_BYTES."""
        theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        per_chain = _ARRAYS_PER_BLOCK * 8 * self.X.shape[0] * self.width
        rows = max(1, WORKING_BYTES // per_chain)
        return [theta[k:k + rows] for k in range(0, theta.shape[0], rows)] or [theta]

    def likelihood(self, theta) -> np.ndarray:
        return np.concatenate([self._likelihood(block) for block in self._blocks(theta)])

    def _likelihood(self, theta) -> np.ndarray:
        _, _, _, _, f = self._forward(theta)
        r = self.y - f
        return np.einsum("cm,cm->c", r, r) / (2.0 * self.sigma ** 2)

    def prior(self, theta) -> np.ndarray:
        theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        return np.einsum("cp,cp->c", theta, theta) / (2.0 * self.tau ** 2)

    def potential(self, theta) -> np.ndarray:
        return self.likelihood(theta) + self.prior(theta)

    def gradient(self, theta) -> np.ndarray:
        """grad U (C, P), Heaviside(0) := 0 (measure zero)."""
        return np.concatenate([self._gradient(block) for block in self._blocks(theta)])

    def _gradient(self, theta) -> np.ndarray:
        theta, a, Z, A, f = self._forward(theta)
        s = -(self.y - f) / self.sigma ** 2               # dL/df_m
        H = (Z > 0).astype(np.float64)
        sH = np.einsum("cm,cmj->cmj", s, H)
        dW = np.einsum("cmj,mk->cjk", sH, self.X) * a[:, :, None]
        db = sH.sum(axis=1) * a
        da = np.einsum("cm,cmj->cj", s, A)
        dc = s.sum(axis=1)
        return pack(dW, db, da, dc) + theta / self.tau ** 2

    def same_pattern(self, theta) -> bool:
        """Do all rows of theta (C, P) share the activation pattern of row 0? (block-wise)"""
        theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        reference = self.pattern(theta[:1])[0]
        return all(bool(np.all(self.pattern(block) == reference)) for block in self._blocks(theta))

    def output_jacobian(self, theta) -> np.ndarray:
        """d f(x_i) / d theta for one theta: (M, P)."""
        theta, a, Z, A, _ = self._forward(theta)
        if theta.shape[0] != 1:
            raise ValueError("output_jacobian takes one parameter vector")
        H = (Z[0] > 0).astype(np.float64)                  # (M, n1)
        dW = (H * a[0])[:, :, None] * self.X[:, None, :]   # (M, n1, n0)
        return pack(dW, H * a[0], A[0], np.ones(self.X.shape[0]))

    def surface_point(self, theta, i: int, j: int) -> np.ndarray:
        """theta moved onto S_ij = {w_j . x_i + b_j = 0} by resetting b_j (a copy)."""
        theta = np.array(theta, dtype=np.float64, copy=True).ravel()
        W, b, _, _ = split(theta, self.n_inputs, self.width)
        b[j] = -W[j] @ self.X[i]
        return theta

    def unit_normal(self, i: int, j: int) -> np.ndarray:
        """n_ij = grad z_ij / |grad z_ij|, grad z_ij = (x_i, 1) in the (w_j, b_j) block."""
        g = np.zeros((1, self.n_params))
        W, b, _, _ = split(g, self.n_inputs, self.width)
        W[0, j] = self.X[i]
        b[0, j] = 1.0
        return g[0] / np.linalg.norm(g[0])


def teacher_data(net: ShallowNet, n: int, sigma: float, seed) -> tuple[np.ndarray, np.ndarray]:
    """n inputs N(0, I) and y = f(x) + sigma * noise."""
    rng = rng_from(seed)
    X = rng.standard_normal((check_count("n", n), net.n_inputs))
    return X, net(X) + sigma * rng.standard_normal(n)

