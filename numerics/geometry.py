"""Measurements on one-hidden-layer ReLU networks and their regression posteriors: finite-
difference Hessians, gradient jumps, crossing leapfrog steps, exact symmetry checks, the
functional dimension, kink recovery in 1D and HMC along rescaling orbits.

Network  f(x; theta) = sum_j a_j relu(w_j . x + b_j) + c,  x in R^n0, j = 1..n1.
Layout   theta = (W row-major (n1 n0), b (n1), a (n1), c): P = n1 (n0 + 2) + 1 (the same
         convention theory.geometry uses; neither imports the other).
Posterior U(theta) = sum_i (y_i - f(x_i))^2 / (2 sigma^2) + |theta|^2 / (2 tau^2).

Everything is NumPy, vectorised over a leading axis of parameter vectors ("chains"), so a
batch of points, finite-difference stencils or HMC chains is one call. Randomness only
through an explicit seed or Generator.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relu_hmc import _fastcore
from relu_hmc.numerics.estimators import Estimate, mean_estimate
from relu_hmc.numerics.validation import check_count, check_step_size, rng_from

#: Unit roundoff of float64.
UNIT_ROUNDOFF = 2.0 ** -53


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
        return _inputs(X, self.n_inputs) @ self.W.T + self.b

    def __call__(self, X) -> np.ndarray:
        return np.maximum(self.preactivations(X), 0.0) @ self.a + self.c


def _inputs(X, n_inputs: int) -> np.ndarray:
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

    def likelihood(self, theta) -> np.ndarray:
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
        theta, a, Z, A, f = self._forward(theta)
        s = -(self.y - f) / self.sigma ** 2               # dL/df_m
        H = (Z > 0).astype(np.float64)
        sH = np.einsum("cm,cmj->cmj", s, H)
        dW = np.einsum("cmj,mk->cjk", sH, self.X) * a[:, :, None]
        db = sH.sum(axis=1) * a
        da = np.einsum("cm,cmj->cj", s, A)
        dc = s.sum(axis=1)
        return pack(dW, db, da, dc) + theta / self.tau ** 2

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


# --------------------------------------------------------------------------------------------
# finite-difference Hessians


def _stencil(theta, h):
    P = theta.size
    E = np.eye(P) * h
    return np.concatenate([theta + E, theta - E])


def fd_jacobian(fn, theta, h: float) -> tuple[np.ndarray, bool]:
    """Central differences of a vectorised map fn: (C, P) -> (C, K) at one theta: (K, P).
    Also returns nothing else; the caller checks that the stencil stays in one cell."""
    theta = np.asarray(theta, dtype=np.float64).ravel()
    values = fn(_stencil(theta, h))
    P = theta.size
    return ((values[:P] - values[P:]) / (2.0 * h)).T


@dataclass(frozen=True)
class FDHessian:
    """Central-difference Hessian of U from its gradient, with the stencil's cell check and a
    rounding bound: entries are differences of gradients rounded to ~ u * scale, divided by
    2h, so |error| <~ rounding_bound for a polynomial-in-cell U (no truncation beyond h^2 U'''')."""

    matrix: np.ndarray
    asymmetry: float
    same_cell: bool
    rounding_bound: float


def fd_hessian(post: RegressionPosterior, theta, h: float) -> FDHessian:
    theta = np.asarray(theta, dtype=np.float64).ravel()
    pts = _stencil(theta, h)
    G = post.gradient(pts)
    P = theta.size
    Hm = ((G[:P] - G[P:]) / (2.0 * h)).T
    labels = post.pattern(np.vstack([theta[None], pts]))
    same = bool(np.all(labels == labels[0]))
    # gradient = sum of ~M (n0 + 2) products per entry; each gradient is exact to about
    # (number of terms) * u * (largest term); the largest term is bounded by |G| + prior part
    terms = post.X.shape[0] * (post.n_inputs + 2)
    scale = float(np.max(np.abs(G))) + 1.0
    bound = 4.0 * terms * UNIT_ROUNDOFF * scale / h
    return FDHessian(0.5 * (Hm + Hm.T), float(np.max(np.abs(Hm - Hm.T))), same, bound)


def fd_output_hessians(post: RegressionPosterior, theta, h: float) -> np.ndarray:
    """Central-difference Hessians of f(x_i) w.r.t. theta, from the output Jacobian: (M, P, P)."""
    theta = np.asarray(theta, dtype=np.float64).ravel()
    pts = _stencil(theta, h)
    J = np.stack([post.output_jacobian(p) for p in pts])          # (2P, M, P)
    P = theta.size
    return np.transpose((J[:P] - J[P:]) / (2.0 * h), (1, 2, 0))


def random_point_in_cell(post: RegressionPosterior, theta, radius: float, seed, *, tries: int = 1000) -> np.ndarray:
    """A point theta + radius * u (u uniform on the sphere) with the same activation pattern."""
    rng = rng_from(seed)
    theta = np.asarray(theta, dtype=np.float64).ravel()
    base = post.pattern(theta)
    for _ in range(tries):
        u = rng.standard_normal(theta.size)
        cand = theta + radius * u / np.linalg.norm(u)
        if np.array_equal(post.pattern(cand), base):
            return cand
    raise RuntimeError("no point of the same cell found at that radius")


def regular_hessian_parts(post: RegressionPosterior, theta, h: float) -> dict:
    """Measured pieces of H_reg at theta: the FD Hessian of U, the Gauss-Newton part
    J^T J / sigma^2 from the output Jacobian, and their eigenvalues."""
    fd = fd_hessian(post, theta, h)
    J = post.output_jacobian(theta)
    GN = J.T @ J / post.sigma ** 2
    return {"hessian": fd, "gauss_newton": GN,
            "hessian_eigenvalues": np.linalg.eigvalsh(fd.matrix),
            "gauss_newton_eigenvalues": np.linalg.eigvalsh(GN)}


# --------------------------------------------------------------------------------------------
# jumps across a surface S_ij


def hessian_jump_fd(post: RegressionPosterior, theta_star, i: int, j: int, *, delta: float = 1e-4,
                    h: float = 1e-6) -> dict:
    """D(d) = H_FD(theta* + d n) - H_FD(theta* - d n) = [H_reg] + O(d) (the smooth drift of the
    cell Hessians); 2 D(delta) - D(2 delta) removes the O(delta) term, and comparing with the
    same combination at 2 delta estimates the O(delta^2) remainder. theta* must lie on S_ij;
    h < delta keeps each stencil on its own side."""
    if not h < delta:
        raise ValueError("h must be smaller than delta so that no stencil crosses the surface")
    n = post.unit_normal(i, j)
    out, same, bound = {}, True, 0.0
    for d in (delta, 2 * delta, 4 * delta):
        plus, minus = fd_hessian(post, theta_star + d * n, h), fd_hessian(post, theta_star - d * n, h)
        same &= plus.same_cell and minus.same_cell
        out[d] = plus.matrix - minus.matrix
        bound = max(bound, plus.rounding_bound + minus.rounding_bound)
    crossed = post.pattern(np.vstack([theta_star + 4 * delta * n, theta_star - 4 * delta * n]))
    only_ij = int(np.sum(crossed[0] != crossed[1])) == 1
    r1 = 2.0 * out[delta] - out[2 * delta]
    r2 = 2.0 * out[2 * delta] - out[4 * delta]
    # r1 - r2 = -3 (error of r1) to leading order (the Richardson error is O(delta^2))
    return {"jump": r1, "jump_delta": out[delta],
            "truncation_estimate": float(np.max(np.abs(r1 - r2)) / 3.0),
            "rounding_bound": 3.0 * bound, "stencils_in_cells": bool(same), "only_surface_ij": only_ij}


def normal_derivative_jump_fd(post: RegressionPosterior, theta_star, i: int, j: int, *, h: float = 1e-4) -> dict:
    """Jump of the derivative of U along n_ij measured from U values alone: second-order
    one-sided differences on each side (error O(h^2)), U evaluated at theta* + k h n."""
    n = post.unit_normal(i, j)
    ks = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    u = post.potential(theta_star[None, :] + (ks * h)[:, None] * n[None, :])
    right = (-u[4] + 4.0 * u[3] - 3.0 * u[2]) / (2.0 * h)
    left = (3.0 * u[2] - 4.0 * u[1] + u[0]) / (2.0 * h)
    return {"jump": float(right - left), "slope_minus": float(left), "slope_plus": float(right),
            "rounding_bound": float(16.0 * UNIT_ROUNDOFF * np.max(np.abs(u)) / h)}


def gradient_jump_limit(post: RegressionPosterior, theta_star, i: int, j: int, *, delta: float = 1e-5) -> np.ndarray:
    """[grad U] across S_ij at theta*: D(d) = grad U(theta* + d n) - grad U(theta* - d n) is
    [grad U] + O(d) (the cell Hessians), so 2 D(delta) - D(2 delta) = [grad U] + O(delta^2)."""
    n = post.unit_normal(i, j)
    G = post.gradient(np.vstack([theta_star + delta * n, theta_star - delta * n,
                                 theta_star + 2 * delta * n, theta_star - 2 * delta * n]))
    return 2.0 * (G[0] - G[1]) - (G[2] - G[3])


@dataclass(frozen=True)
class CrossingSweep:
    """One crossing leapfrog step per eps from q0 = theta* - phase * eps * p (p_n > 0).

    J_hat = dH / (q_rel + eps p_n / 2) -> J (the normal jump) as eps -> 0, error O(eps):
    the crossing-step formula dH = J (q_rel + eps p_n / 2) + O(eps^2) read backwards."""

    eps: np.ndarray
    energy_error: np.ndarray
    q_rel: np.ndarray
    p_n: float
    crossings: np.ndarray
    phase: np.ndarray
    J_hat: np.ndarray


def crossing_sweep(post: RegressionPosterior, theta_star, i: int, j: int, p, eps_values, *,
                   phase: float = 0.25) -> CrossingSweep:
    """Leapfrog steps (the _fastcore engine) that cross S_ij once; p is the momentum (P,)."""
    eps_values = np.asarray([check_step_size(e) for e in eps_values])
    p = np.asarray(p, dtype=np.float64).ravel()
    n = post.unit_normal(i, j)
    if p @ n < 0:
        p = -p
    q0 = theta_star[None, :] - (phase * eps_values)[:, None] * p[None, :]
    p0 = np.broadcast_to(p, q0.shape).copy()
    dH, cross, q_rel = [], [], []
    for k, eps in enumerate(eps_values):
        q1, _, e, c = _fastcore.integrate_callables(post.potential, post.gradient, post.pattern,
                                                    q0[k:k + 1], p0[k:k + 1], float(eps), 1)
        dH.append(e[0])
        cross.append(c[0])
        zs = post.preactivations(np.vstack([q0[k], q1[0]]))[:, i, j]
        q_rel.append(zs[0] / np.linalg.norm(np.append(post.X[i], 1.0)))
    dH, q_rel = np.array(dH), np.array(q_rel)
    p_n = float(p @ n)
    # actual phase of the crossing along the drift (z is linear in theta along the segment)
    phase_actual = -q_rel / (eps_values * p_n)
    return CrossingSweep(eps_values, dH, q_rel, p_n, np.array(cross), phase_actual,
                         dH / (q_rel + eps_values * p_n / 2.0))


# --------------------------------------------------------------------------------------------
# symmetries (each returns a new network)


def rescale(net: ShallowNet, scales) -> ShallowNet:
    """(w_j, b_j, a_j) -> (s_j w_j, s_j b_j, a_j / s_j), s_j > 0."""
    s = np.broadcast_to(np.asarray(scales, dtype=np.float64), (net.width,))
    if np.any(s <= 0) or not np.all(np.isfinite(s)):
        raise ValueError("rescaling factors must be finite and > 0")
    return ShallowNet(net.W * s[:, None], net.b * s, net.a / s, net.c)


def permute(net: ShallowNet, perm) -> ShallowNet:
    perm = np.asarray(perm)
    if sorted(perm.tolist()) != list(range(net.width)):
        raise ValueError("perm must be a permutation of the hidden units")
    return ShallowNet(net.W[perm], net.b[perm], net.a[perm], net.c)


def add_twin(net: ShallowNet, j: int, t: float, share: float) -> ShallowNet:
    """Width n1 + 1: neuron j plus a twin (t w_j, t b_j), t > 0, splitting the output so that
    a_j relu(z) = (1 - share) a_j relu(z) + (share a_j / t) relu(t z)."""
    if not t > 0:
        raise ValueError("a twin needs t > 0 (same orientation)")
    a = net.a.copy()
    a[j] = (1.0 - share) * net.a[j]
    return ShallowNet(np.vstack([net.W, t * net.W[j]]), np.append(net.b, t * net.b[j]),
                      np.append(a, share * net.a[j] / t), net.c)


def redistribute_twins(net: ShallowNet, j: int, k: int, move: float) -> ShallowNet:
    """For twins (w_k, b_k) = t (w_j, b_j), t > 0: a_j -> a_j + t move, a_k -> a_k - move
    (keeps a_j + t a_k, the output weight of the merged neuron)."""
    t = float(np.linalg.norm(np.append(net.W[k], net.b[k])) / np.linalg.norm(np.append(net.W[j], net.b[j])))
    if not np.allclose(np.append(net.W[k], net.b[k]), t * np.append(net.W[j], net.b[j]), rtol=1e-14, atol=0.0):
        raise ValueError(f"neurons {j} and {k} are not positive twins")
    a = net.a.copy()
    a[j] += t * move
    a[k] -= move
    return ShallowNet(net.W.copy(), net.b.copy(), a, net.c)


def flip(net: ShallowNet, subset, *, compensate: bool = True) -> ShallowNet:
    """Orientation flip (w_j, b_j) -> (-w_j, -b_j) for j in subset, a_j kept. Since
    relu(-z) = relu(z) - z the function changes by -sum_S a_j (w_j . x + b_j); with
    `compensate` the constant part is absorbed: c -> c + sum_S a_j b_j. The flip is a
    symmetry iff the linear part vanishes: sum_S a_j w_j = 0 (balanced)."""
    S = np.asarray(sorted(set(int(s) for s in subset)), dtype=int)
    W, b = net.W.copy(), net.b.copy()
    W[S], b[S] = -W[S], -b[S]
    c = net.c + (float(net.a[S] @ net.b[S]) if compensate else 0.0)
    return ShallowNet(W, b, net.a.copy(), c)


def imbalance(net: ShallowNet, subset) -> np.ndarray:
    """sum_S a_j w_j: the linear part a flip of S adds (zero for a balanced flip)."""
    S = np.asarray(sorted(set(int(s) for s in subset)), dtype=int)
    return net.a[S] @ net.W[S]


def balance(net: ShallowNet, subset) -> ShallowNet:
    """Output weights of `subset` replaced by a null vector of the n0 x |S| matrix [w_j]_S,
    scaled to the old norm (needs |S| >= n0 + 1): then sum_S a_j w_j = 0 and the flip of S is
    a symmetry."""
    S = np.asarray(sorted(set(int(s) for s in subset)), dtype=int)
    if S.size < net.n_inputs + 1:
        raise ValueError(f"a balanced subset needs at least n_inputs + 1 = {net.n_inputs + 1} neurons")
    _, _, Vt = np.linalg.svd(net.W[S].T)
    null = Vt[-1]
    a = net.a.copy()
    a[S] = null * np.linalg.norm(net.a[S])
    return ShallowNet(net.W.copy(), net.b.copy(), a, net.c)


def function_discrepancy(net1: ShallowNet, net2: ShallowNet, X) -> float:
    """max_i |f1(x_i) - f2(x_i)| / max(1, max_i |f1(x_i)|)."""
    f1, f2 = net1(X), net2(X)
    return float(np.max(np.abs(f1 - f2)) / max(1.0, float(np.max(np.abs(f1)))))


# --------------------------------------------------------------------------------------------
# functional dimension


@dataclass(frozen=True)
class FunctionalDimension:
    """rank of d(f(x_1..x_M))/d theta, with the singular values and the activity counts the
    prediction's conditions need (dead: inactive on every input, always_active: on every)."""

    rank: int
    n_params: int
    singular_values: np.ndarray
    tolerance: float
    gap: float              # s_rank / s_(rank+1): how clearly the rank is separated
    dead: int
    always_active: int
    n_inputs_used: int
    separated: int          # neurons whose hyperplane is seen by two adjacent cells (see below)


def functional_dimension(net: ShallowNet, X) -> FunctionalDimension:
    """Batch functional dimension (Grigsby, Lindsey, Meyerhoff & Wu 2022): the Jacobian rank
    with numpy's default tolerance s_max * max(M, P) * machine epsilon."""
    X = _inputs(X, net.n_inputs)
    post = RegressionPosterior.build(X, np.zeros(X.shape[0]), 1.0, 1.0, net.width)
    J = post.output_jacobian(net.theta)
    s = np.linalg.svd(J, compute_uv=False)
    tol = float(s[0] * max(J.shape) * np.finfo(np.float64).eps)
    rank = int(np.sum(s > tol))
    gap = float(s[rank - 1] / s[rank]) if 0 < rank < s.size and s[rank] > 0 else float("inf")
    Z = net.preactivations(X)
    return FunctionalDimension(rank, J.shape[1], s, tol, gap, int(np.sum(np.all(Z <= 0, axis=0))),
                               int(np.sum(np.all(Z > 0, axis=0))), X.shape[0],
                               int(np.sum(separated_neurons(net, X))))


def separated_neurons(net: ShallowNet, X) -> np.ndarray:
    """For each neuron j: do two activation cells that differ only in neuron j each hold
    n0 + 1 affinely independent inputs? (The batch condition under which the Jacobian
    columns of neuron j are independent of the rest: see theory.geometry.functional_dimension.)"""
    X = _inputs(X, net.n_inputs)
    pattern = net.preactivations(X) > 0
    keyed: dict[tuple, list[int]] = {}
    for row, bits in enumerate(pattern):
        keyed.setdefault(tuple(bits.tolist()), []).append(row)
    Xt = np.column_stack([X, np.ones(X.shape[0])])

    def spans(rows) -> bool:
        return len(rows) >= net.n_inputs + 1 and np.linalg.matrix_rank(Xt[rows]) == net.n_inputs + 1

    good = {key for key, rows in keyed.items() if spans(rows)}
    out = np.zeros(net.width, dtype=bool)
    for key in good:
        for j in range(net.width):
            if key[j]:
                partner = key[:j] + (False,) + key[j + 1:]
                if partner in good:
                    out[j] = True
    return out


# --------------------------------------------------------------------------------------------
# kinks of a 1D-input network from the function alone


def recover_kinks_1d(f, lo: float, hi: float, *, n_grid: int = 4001, rtol: float = 1e-7,
                     max_depth: int = 8) -> list[dict]:
    """Kinks of a continuous piecewise-linear f on [lo, hi] from values of f only.

    Secant slopes on a uniform grid are exact (to rounding) on kink-free intervals; a slope
    change flags a kink. For an isolated kink the two clean neighbouring intervals give two
    lines whose intersection is the kink and whose slope difference is the jump. A flagged
    cluster that fails the single-kink check (f at the intersection off both lines) is
    re-scanned on a finer grid. Kinks within rounding of each other merge (their jumps add),
    as they do in the function itself."""
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError("need finite lo < hi")
    n_grid = check_count("n_grid", n_grid, 8)
    return _scan(f, float(lo), float(hi), n_grid, rtol, max_depth)


def _scan(f, lo, hi, n_grid, rtol, depth):
    x = np.linspace(lo, hi, n_grid)
    v = np.asarray(f(x), dtype=np.float64)
    dx = x[1] - x[0]
    s = np.diff(v) / np.diff(x)
    scale = float(np.max(np.abs(v))) + 1.0
    tol = max(rtol * (float(np.max(np.abs(s))) + 1.0), 64 * UNIT_ROUNDOFF * scale / dx)
    changed = np.abs(np.diff(s)) > tol      # changed[k]: slope changes at grid point k + 1
    kinks = []
    k = 0
    while k < changed.size:
        if not changed[k]:
            k += 1
            continue
        start = k
        while k + 1 < changed.size and changed[k + 1]:
            k += 1
        left, right = start, k + 1           # clean intervals on both sides of the cluster
        sl, sr = s[left], s[right]
        xk = (v[right] - v[left] - sr * x[right] + sl * x[left]) / (sl - sr)
        fk = float(np.asarray(f(np.array([xk])), dtype=np.float64)[0])
        line = v[left] + sl * (xk - x[left])
        single = (x[left] <= xk <= x[right + 1]) and abs(fk - line) <= 1e3 * tol * max(dx, abs(xk - x[left]))
        if single or depth == 0 or right - left > 3 * n_grid // 4:
            kinks.append({"location": float(xk), "jump": float(sr - sl), "single": bool(single)})
        else:
            kinks.extend(_scan(f, x[left], x[right + 1], n_grid, rtol, depth - 1))
        k += 1
    return kinks


# --------------------------------------------------------------------------------------------
# HMC along a rescaling orbit


@dataclass(frozen=True)
class OrbitHMC:
    """Energy error and acceptance of single trajectories (fresh p ~ N(0, I) each) started
    at theta(s) = rescale(theta_ref, s) for each s, and at random starts."""

    scales: np.ndarray
    likelihood: np.ndarray            # L(theta(s)) per s (constant along the orbit)
    prior: np.ndarray                 # prior energy per s (not constant)
    abs_energy_error: list[Estimate]  # E|dH| per s
    acceptance: list[Estimate]        # E min(1, e^-dH) per s
    random_abs_energy_error: Estimate
    random_acceptance: Estimate
    eps: float
    n_steps: int
    n_traj: int
    energy_error: list[Estimate]      # E dH (signed) per s
    random_energy_error: Estimate


def balanced(net: ShallowNet) -> ShallowNet:
    """The point of each neuron's orbit with |(w_j, b_j)| = |a_j| (minimises the prior)."""
    norm = np.sqrt(np.sum(net.W ** 2, axis=1) + net.b ** 2)
    return rescale(net, np.sqrt(np.abs(net.a) / norm))


def orbit_hmc(post: RegressionPosterior, reference: ShallowNet, scales, eps: float, n_steps: int,
              n_traj: int, seed, *, random_starts=None) -> OrbitHMC:
    """Trajectories of n_steps leapfrog steps from each orbit point (n_traj momenta each) and
    from `random_starts` (an (n, P) array; default n_traj draws theta ~ N(0, tau^2 I), the
    prior). Each trajectory is independent, so SE = sd / sqrt(n)."""
    eps = check_step_size(eps)
    n_steps, n_traj = check_count("n_steps", n_steps), check_count("n_traj", n_traj, 2)
    rng = rng_from(seed)
    scales = np.asarray(scales, dtype=np.float64)
    starts = np.array([rescale(reference, s).theta for s in scales])
    lik, pri = post.likelihood(starts), post.prior(starts)

    def run(q0):
        p0 = rng.standard_normal(q0.shape)
        _, _, dH, _ = _fastcore.integrate_callables(post.potential, post.gradient, None, q0, p0, eps, n_steps)
        dH = np.where(np.isfinite(dH), dH, np.inf)
        return dH, np.exp(-np.maximum(dH, 0.0))

    def clip(x):  # a diverged trajectory (inf) is rejected; keep the means finite
        return np.clip(x, -1e300, 1e300)

    abs_err, acc, signed = [], [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for q in starts:
            e, a = run(np.repeat(q[None, :], n_traj, axis=0))
            abs_err.append(mean_estimate(clip(np.abs(e))))
            signed.append(mean_estimate(clip(e)))
            acc.append(mean_estimate(a))
        if random_starts is None:
            random_starts = post.tau * rng.standard_normal((n_traj, post.n_params))
        e, a = run(np.asarray(random_starts, dtype=np.float64))
    return OrbitHMC(scales, lik, pri, abs_err, acc, mean_estimate(clip(np.abs(e))), mean_estimate(a),
                    eps, n_steps, n_traj, signed, mean_estimate(clip(e)))
