"""Symmetries of one-hidden-layer ReLU networks, measured exactly in float64: maps that should
leave the function unchanged (positive rescaling, permutation, twins, balanced flips) and
the batch functional dimension (Jacobian rank) with the activity counts its prediction
needs (theory.relu_symmetries.functional_dimension).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relu_hmc.numerics.relu_network import RegressionPosterior, ShallowNet, network_inputs


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


def balanced(net: ShallowNet) -> ShallowNet:
    """The point of each neuron's orbit with |(w_j, b_j)| = |a_j| (minimises the prior)."""
    norm = np.sqrt(np.sum(net.W ** 2, axis=1) + net.b ** 2)
    return rescale(net, np.sqrt(np.abs(net.a) / norm))


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
    X = network_inputs(X, net.n_inputs)
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
    columns of neuron j are independent of the rest: see theory.relu_symmetries.functional_dimension.)"""
    X = network_inputs(X, net.n_inputs)
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
