r"""Stiffness and stability of leapfrog on a Bayesian-network posterior (numerics.bnn), and the
attribution of a trajectory's energy error.

Hessian-vector products. `hessian_vector_product` is the exact product H v of the full Hessian
of U = -log posterior (Gauss-Newton term J^T (d^2 loss) J, the cross term sum_n r_n * d^2 f_n
through the activations' second derivatives and the products of weights of different layers,
and the prior's diagonal), by Pearlmutter's R-operator (Pearlmutter 1994, "Fast exact
multiplication by the Hessian", Neural Computation 6:147): the directional derivative
R{.} = d/dt (.)(theta + t v) at t = 0 pushed through the forward and backward passes. For
relu / leaky_relu, sigma'' = 0 off the kinks: H is the Hessian of the smooth piece of U in
the current activation region (U is not twice differentiable on the kink surfaces, a null set).
No finite difference is involved, so no step-size error; rounding only.

Largest eigenvalue. `extreme_eigenvalues` runs `n_iter` steps of Lanczos with full
reorthogonalisation on H at each state (all chains at once) and returns the extreme Ritz values
with their residual norms |H y - theta y|: theta_max <= lambda_max, and some eigenvalue of H
lies within the residual of theta_max (Parlett, The Symmetric Eigenvalue Problem, Thm 11.4.1,
via Kahan's bound). With n_iter = d the Ritz values are the eigenvalues (to rounding).

Stability. Leapfrog on a quadratic mode U = lambda q^2 / 2 is stable iff eps sqrt(lambda) < 2
(the linear stability limit: the one-step map has trace 2 - eps^2 lambda). `stability_number`
is eps sqrt(max(lambda_max, 0)); where it exceeds 2 the energy error grows exponentially in the
number of steps and no asymptotic expansion in eps (theory.kink, theory.shadow) applies.

Attribution of dH (`attribute`). One step's energy error is
dH_step = B_step + trapezoid error (numerics.bnn module doc), B_step = (eps^2/8)(|g'|^2 - |g|^2)
the telescoping term. Over a trajectory, dH = B + S + C + R with
    B: sum of B_step (exact, telescoped);
    S: sum of dH_step - B_step over steps with no activation-pattern change: the smooth
       trapezoid error -h''/12, O(eps^3) per step (every step for a smooth activation);
    C: the predicted crossing contributions (1/2 - theta)(1 - slope)|dz| r;
    R: the rest, dH - B - S - C: the error of the crossing formula on crossing steps (their
       smooth part, curvature of z and r along the step, several crossings in a step), O(eps^2)
       per crossing, plus rounding.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from relu_hmc.numerics.bnn import BNN, BNNTrajectory, K, single_blas_thread
from relu_hmc.numerics.validation import check_count, rng_from

#: The leapfrog linear stability limit of eps sqrt(lambda).
LINEAR_STABILITY_LIMIT = 2.0
#: Where the eps-expansions are trusted: eps sqrt(lambda_max) <= 1 on every measured state.
#: Why 1: on a mode U = lambda q^2 / 2 leapfrog exactly conserves the modified energy
#: p^2/2 + (1 - h^2/4) lambda q^2 / 2 (h = eps sqrt(lambda)), whose expansion in h^2 (the
#: shadow-Hamiltonian series of theory.shadow restricted to the mode) has ratio h^2/4; at
#: h <= 1 the leading term is within 1/3 of the whole, at h -> 2 the series diverges. The
#: default step of `relu-hmc bnn` is chosen by this rule (`stable_step_size`).
ASYMPTOTIC_LIMIT = 1.0


def activation_second_derivative(model: BNN, z: np.ndarray) -> np.ndarray:
    """sigma''(z) elementwise (0 for relu / leaky_relu off the kink, which is where they are
    evaluated: the Hessian of the current smooth piece). Only the Hessian needs it, so it lives
    here and not in the kernels."""
    name = model.activation
    if name in ("relu", "leaky_relu"):
        return np.zeros_like(z)
    if name == "gelu":  # sigma = z Phi(z): sigma'' = phi(z) (2 - z^2)
        return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi) * (2.0 - z * z)
    if name == "sigmoid":
        s = expit(z)
        return s * (1.0 - s) * (1.0 - 2.0 * s)
    if name == "tanh":
        t = np.tanh(z)
        return -2.0 * t * (1.0 - t * t)
    if name in ("softplus", "softplus_beta"):
        beta = model.beta if name == "softplus_beta" else 1.0
        s = expit(beta * z)
        return beta * s * (1.0 - s)
    raise ValueError(f"no second derivative for activation {name!r}")


def hessian_vector_product(model: BNN, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
    """H(theta) v for every chain: theta, v (C, d) -> (C, d); exact (module doc)."""
    theta = np.ascontiguousarray(theta, dtype=np.float64)
    v = np.ascontiguousarray(v, dtype=np.float64)
    params, dirs = model.unpack(theta), model.unpack(v)
    h, rh = model.data.x, None
    acts, racts, zs, rzs, das = [h], [None], [], [], []
    for (w, b), (vw, vb) in zip(params[:-1], dirs[:-1]):
        z = np.matmul(h, w) + b[:, None, :]
        rz = np.matmul(h, vw) + vb[:, None, :]
        if rh is not None:
            rz += np.matmul(rh, w)
        h, da = K.activate(model.code, z, model.kernel_parameter)
        rh = da * rz
        zs.append(z), rzs.append(rz), das.append(da), acts.append(h), racts.append(rh)
    (w, b), (vw, vb) = params[-1], dirs[-1]
    f = np.matmul(h, w) + b[:, None, :]
    rf = np.matmul(h, vw) + vb[:, None, :] + np.matmul(rh, w)
    if model.data.task == "regression":
        inv_var = 1.0 / model.data.noise_sd ** 2
        delta, rdelta = (f - model.data.y) * inv_var, rf * inv_var
    else:  # softmax cross-entropy: d delta = (diag(p) - p p^T) df
        e = np.exp(f - f.max(axis=2, keepdims=True))
        prob = e / e.sum(axis=2, keepdims=True)
        n = np.arange(f.shape[1])
        delta = prob.copy()
        delta[:, n, model.data.y] -= 1.0
        rdelta = prob * (rf - np.einsum("cnk,cnk->cn", prob, rf)[:, :, None])
    out = np.empty_like(theta)
    k = model.d
    for layer in range(len(params) - 1, -1, -1):
        w, _ = params[layer]
        vw, _ = dirs[layer]
        fan_in, fan_out = model.shapes[layer]
        a, ra = acts[layer], racts[layer]
        a_t = a.T if a.ndim == 2 else a.transpose(0, 2, 1)
        k -= fan_out
        out[:, k:k + fan_out] = rdelta.sum(axis=1)
        k -= fan_in * fan_out
        rgw = np.matmul(a_t, rdelta)
        if ra is not None:
            rgw += np.matmul(ra.transpose(0, 2, 1), delta)
        out[:, k:k + fan_in * fan_out] = rgw.reshape(theta.shape[0], -1)
        if layer > 0:
            r = np.matmul(delta, w.transpose(0, 2, 1))
            rr = np.matmul(rdelta, w.transpose(0, 2, 1)) + np.matmul(delta, vw.transpose(0, 2, 1))
            d2 = activation_second_derivative(model, zs[layer - 1])
            rdelta = rr * das[layer - 1] + r * d2 * rzs[layer - 1]
            delta = r * das[layer - 1]
    out += v / model.prior_sd_vector ** 2
    return out


@dataclass(frozen=True)
class Spectrum:
    """Extreme Ritz values of H per state (C,), with residual norms (eigenvalue error bounds)."""

    lambda_max: np.ndarray
    lambda_max_residual: np.ndarray
    lambda_min: np.ndarray
    lambda_min_residual: np.ndarray
    n_iter: int


@single_blas_thread
def extreme_eigenvalues(model: BNN, theta: np.ndarray, seed, n_iter: int = 40) -> Spectrum:
    """Lanczos (full reorthogonalisation) on H(theta) for every row of theta (C, d); the start
    vectors are N(0, I) draws from `seed`. n_iter is capped at d."""
    theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
    n_iter = min(check_count("n_iter", n_iter), model.d)
    rng = rng_from(seed)
    n_chains = theta.shape[0]
    basis = np.empty((n_iter + 1, n_chains, model.d))
    alpha, beta = np.zeros((n_chains, n_iter)), np.zeros((n_chains, n_iter))
    q = rng.standard_normal((n_chains, model.d))
    basis[0] = q / np.linalg.norm(q, axis=1, keepdims=True)
    for j in range(n_iter):
        w = hessian_vector_product(model, theta, basis[j])
        alpha[:, j] = np.einsum("cd,cd->c", w, basis[j])
        for _ in range(2):  # twice is enough (Giraud et al. 2005, "twice is enough")
            w -= np.einsum("jc,jcd->cd", np.einsum("jcd,cd->jc", basis[:j + 1], w), basis[:j + 1])
        norm = np.linalg.norm(w, axis=1)
        beta[:, j] = norm
        scale = np.maximum(np.abs(alpha[:, :j + 1]).max(axis=1), 1e-300)
        lost = norm <= 1e-12 * scale  # invariant subspace found: continue with a fresh direction
        if np.any(lost):
            fresh = rng.standard_normal((n_chains, model.d))
            fresh -= np.einsum("jc,jcd->cd", np.einsum("jcd,cd->jc", basis[:j + 1], fresh), basis[:j + 1])
            w = np.where(lost[:, None], fresh, w)
            beta[lost, j] = 0.0
        basis[j + 1] = w / np.linalg.norm(w, axis=1, keepdims=True)
    lam_max, res_max, lam_min, res_min = (np.empty(n_chains) for _ in range(4))
    for c in range(n_chains):
        t = np.diag(alpha[c]) + np.diag(beta[c, :-1], 1) + np.diag(beta[c, :-1], -1)
        vals, vecs = np.linalg.eigh(t)
        lam_min[c], lam_max[c] = vals[0], vals[-1]
        res_min[c], res_max[c] = abs(beta[c, -1] * vecs[-1, 0]), abs(beta[c, -1] * vecs[-1, -1])
    return Spectrum(lam_max, res_max, lam_min, res_min, n_iter)


def stability_number(eps: float, lambda_max: np.ndarray) -> np.ndarray:
    """eps sqrt(max(lambda_max, 0)): leapfrog is linearly stable where this is < 2."""
    return eps * np.sqrt(np.maximum(np.asarray(lambda_max, dtype=np.float64), 0.0))


def stable_step_size(lambda_max: np.ndarray, target: float) -> float:
    """The largest eps with eps sqrt(lambda) <= target for every given lambda_max."""
    top = float(np.max(lambda_max))
    if not (math.isfinite(top) and top > 0):
        raise ValueError("no positive curvature measured: cannot derive a step size")
    return target / math.sqrt(top)


def state_stiffness(model: BNN, states: np.ndarray, eps: float, seed, n_iter: int = 40) -> dict:
    """lambda_max and eps sqrt(lambda_max) at states (K, C, d) (one Lanczos batch of C states
    at a time, to bound memory), and the regime they put the run in (`regime`)."""
    states = np.asarray(states, dtype=np.float64).reshape(-1, np.shape(states)[-1])
    rng = rng_from(seed)
    batch = max(1, min(states.shape[0], 8))
    parts = [extreme_eigenvalues(model, states[i:i + batch], rng, n_iter)
             for i in range(0, states.shape[0], batch)]
    lam = np.concatenate([p.lambda_max for p in parts])
    res = np.concatenate([p.lambda_max_residual for p in parts])
    number = stability_number(eps, lam)
    return {"n_states": int(lam.size), "n_iter": parts[0].n_iter,
            "lambda_max_median": float(np.median(lam)), "lambda_max_max": float(lam.max()),
            "lambda_max_relative_residual": float(np.max(res / np.maximum(np.abs(lam), 1e-300))),
            "stability_number_median": float(np.median(number)), "stability_number_max": float(number.max()),
            "beyond_limit_fraction": float(np.mean(number >= LINEAR_STABILITY_LIMIT)),
            "beyond_asymptotic_fraction": float(np.mean(number > ASYMPTOTIC_LIMIT)),
            "regime": regime(number)}


def regime(number: np.ndarray) -> str:
    """'asymptotic' (every eps sqrt(lambda_max) <= ASYMPTOTIC_LIMIT), 'near-limit' (all below
    2, some above ASYMPTOTIC_LIMIT) or 'unstable' (some >= 2)."""
    number = np.asarray(number)
    if np.any(number >= LINEAR_STABILITY_LIMIT) or not np.all(np.isfinite(number)):
        return "unstable"
    return "asymptotic" if np.all(number <= ASYMPTOTIC_LIMIT) else "near-limit"


# -- attribution of dH ---------------------------------------------------------------------------
def attribute(tr: BNNTrajectory) -> dict:
    """Split each trajectory's dH into B, S, C, R (module doc); needs trajectory(record=True).
    Returns arrays (C,) keyed boundary, smooth, crossing, rest."""
    if tr.step_energy_error is None or tr.step_boundary is None:
        raise ValueError("attribution needs a trajectory recorded with record=True")
    non_telescoped = tr.step_energy_error - tr.step_boundary
    free = tr.step_crossings == 0
    boundary = tr.step_boundary.sum(axis=0)
    smooth = np.where(free, non_telescoped, 0.0).sum(axis=0)
    rest = tr.energy_error - boundary - smooth - tr.predicted
    return {"boundary": boundary, "smooth": smooth, "crossing": tr.predicted, "rest": rest}
