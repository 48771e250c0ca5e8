r"""Bayesian multilayer perceptrons: potential, gradient, activation patterns and leapfrog with
crossing bookkeeping (HMC on the posterior: numerics.bnn_hmc).

Model. Hidden layers l = 1..H (H = 1 or 2) of width W, activation sigma:
z_l = a_{l-1} W_l + b_l, a_l = sigma(z_l), a_0 = x; output f = a_H W_o + b_o.
Parameters theta are packed layer by layer, each layer's weight matrix (fan_in, fan_out)
row-major, then its bias. Priors are Gaussian (`bnn_config`: sd PRIOR_SD for biases and the
first layer, PRIOR_SD / sqrt(fan_in) for later weights). Likelihoods: Gaussian with known
noise sd for regression, categorical (softmax) for classification. The potential is
U(theta) = -log p(theta | data) up to a constant:

    U = sum_n |y_n - f_n|^2 / (2 s^2) + sum_i theta_i^2 / (2 tau_i^2)        (regression)
    U = sum_n [logsumexp f_n - f_{n, y_n}] + sum_i theta_i^2 / (2 tau_i^2)    (classification)

Its gradient is backpropagation. Both, and the leapfrog trajectory with its crossing
bookkeeping, run in `_fastcore.bnn` (`evaluate`, `leapfrog`): compiled, one fused pass per
chain without the GIL, or the pure-NumPy twin (same numbers to round-off).

Crossings. For relu / leaky_relu, U is smooth inside each region of constant activation
pattern 1[z_{n,l,i} > 0] (data point n, layer l, unit i) and its gradient jumps across the
surfaces z_{n,l,i} = 0. One leapfrog step is p_h = p - (eps/2) g(q), q' = q + eps p_h,
p' = p_h - (eps/2) g(q'). Writing dq = eps p_h and h(t) = g(q + t dq) . dq, the step's
energy error is exactly

    dH_step = [ int_0^1 h dt - (h(0) + h(1)) / 2 ] + (eps^2 / 8) (|g(q')|^2 - |g(q)|^2),

a trapezoid-rule error plus a term that telescopes over a trajectory to
(eps^2/8)(|g_L|^2 - |g_0|^2). If h is smooth the trapezoid error is -h''/12 = O(eps^3). If
h jumps by Delta h at t = theta in (0, 1), the trapezoid rule misses Delta h (1/2 - theta)
at leading order: this is the 1D crossing formula dH = J eps p (1/2 - theta) with J the
gradient jump, now with J . dq in place of J eps p. For a unit (n, l, i) that changes sign,

    Delta h = (dU/da_{n,l,i}) * [sigma'(0+) - sigma'(0-)] * dz_{n,l,i}/dt
            = r_{n,l,i} * (1 - slope) * |z' - z|,

since sigma' jumps by +(1 - slope) when z increases through 0 and by -(1 - slope) when it
decreases: the sign of the jump and of dz/dt agree. Here r = dU/da is the backpropagated
signal at the unit's output (continuous across the crossing), theta = z / (z - z') (exact
for the first layer, where z is linear in theta along the step; first-order for the second
layer) and r is interpolated linearly to theta. The predicted crossing contribution is

    dH_cross = (1/2 - theta) (1 - slope) |z' - z| r(theta),

summed over every unit and data point that changes sign in the step (errors O(eps^2) per
crossing: curvature of z and r along the step, and several crossings in one step).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from relu_hmc import _fastcore
from relu_hmc._fastcore import _bnn_py
from relu_hmc.numerics import bnn_config
from relu_hmc.numerics.bnn_data import Dataset, check_dataset
from relu_hmc.numerics.validation import check_count, check_step_size

K = _fastcore.bnn
#: Chains the pure-NumPy kernels integrate together (the compiled ones go chain by chain).
CHAIN_BLOCK = _bnn_py.CHAIN_BLOCK


def _blas_controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # optional: without it BLAS keeps its own thread count
        return None
    return ThreadpoolController()


_BLAS = None


def single_blas_thread(fn):
    """Run fn with one BLAS thread. The network's matrix products are stacks of small gemms (one
    per chain) that gain nothing from BLAS threads, and OpenBLAS's threads collapse when the
    cores are shared (measured: (8,100,500) @ (8,500,500) at 18.8 GFLOPS with one thread, 0.77
    with two, on 2 busy cores); one thread also leaves the cores to `relu-hmc verify`'s worker
    processes. Uses threadpoolctl (a scikit-learn dependency) when present."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        global _BLAS
        if _BLAS is None:
            _BLAS = _blas_controller() or False
        if not _BLAS:
            return fn(*args, **kwargs)
        with _BLAS.limit(limits=1, user_api="blas"):
            return fn(*args, **kwargs)
    return wrapper

ACTIVATION_CODES = {"relu": 0, "leaky_relu": 1, "gelu": 2,
                    "sigmoid": 3, "tanh": 4, "softplus": 5, "softplus_beta": 6}


def check_activation(name) -> str:
    if name not in ACTIVATION_CODES:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATION_CODES)}")
    return name


@dataclass(frozen=True, eq=False)
class BNN:
    """A Bayesian MLP on a data set: U, grad U, activation patterns (see the module doc)."""

    activation: str
    widths: tuple[int, ...]
    data: Dataset
    prior_sd: float = bnn_config.PRIOR_SD
    slope: float = bnn_config.LEAKY_SLOPE
    #: softplus_beta's sharpness: sigma(z) = log(1 + e^(beta z)) / beta (-> relu as beta grows)
    beta: float = 1.0
    #: sigma'(0) of relu / leaky_relu at a pre-activation exactly 0 (None: the off side's slope)
    derivative_at_zero: float | None = None
    shapes: tuple = field(init=False, repr=False)
    prior_sd_vector: np.ndarray = field(init=False, repr=False)
    #: the network as the kernels take it (_fastcore.bnn.evaluate / leapfrog)
    spec: tuple = field(init=False, repr=False)

    def __post_init__(self):
        sizes = (self.data.n_in, *self.widths, self.data.n_out)
        shapes = tuple((sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1))
        sds = []
        for layer, (fan_in, fan_out) in enumerate(shapes):
            w_sd = self.prior_sd
            if layer > 0 and bnn_config.SCALE_HIDDEN_PRIOR_BY_FAN_IN:
                w_sd = self.prior_sd / math.sqrt(fan_in)
            sds.append(np.full(fan_in * fan_out, w_sd))
            sds.append(np.full(fan_out, self.prior_sd))
        object.__setattr__(self, "shapes", shapes)
        object.__setattr__(self, "prior_sd_vector", np.concatenate(sds))
        data = self.data
        classification = data.task == "classification"
        y = np.ascontiguousarray(data.y, dtype=np.int64 if classification else np.float64)
        object.__setattr__(self, "spec", (
            self.code, self.kernel_parameter, self.derivative_at_zero,
            np.ascontiguousarray(data.x, dtype=np.float64), y, None if classification else data.noise_sd,
            self.prior_sd_vector, sizes))

    # -- layout ---------------------------------------------------------------------------
    @property
    def d(self) -> int:
        return int(self.prior_sd_vector.size)

    @property
    def code(self) -> int:
        return ACTIVATION_CODES[self.activation]

    @property
    def kernel_parameter(self) -> float:
        """The kernels' activation parameter: beta for softplus_beta, else the leaky slope."""
        return self.beta if self.activation == "softplus_beta" else self.slope

    @property
    def kinked(self) -> bool:
        return self.activation in bnn_config.KINKED

    @property
    def jump(self) -> float:
        """sigma'(0+) - sigma'(0-): 1 for relu, 1 - slope for leaky_relu, 0 if smooth."""
        return {"relu": 1.0, "leaky_relu": 1.0 - self.slope}.get(self.activation, 0.0)

    def unpack(self, theta: np.ndarray):
        """[(W (C, fan_in, fan_out), b (C, fan_out)), ...] views into theta (C, d)."""
        out, k = [], 0
        for fan_in, fan_out in self.shapes:
            # contiguous copies: matmul on strided views skips BLAS (10x slower)
            w = np.ascontiguousarray(theta[:, k:k + fan_in * fan_out]).reshape(-1, fan_in, fan_out)
            k += fan_in * fan_out
            out.append((w, np.ascontiguousarray(theta[:, k:k + fan_out])))
            k += fan_out
        return out

    def sample_prior(self, rng, n_chains: int) -> np.ndarray:
        return rng.standard_normal((n_chains, self.d)) * self.prior_sd_vector

    # -- evaluation -----------------------------------------------------------------------
    def predict(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Network outputs f (C, n, n_out) at inputs x for every chain's parameters."""
        theta = np.atleast_2d(theta)
        h = np.asarray(x, dtype=np.float64)
        params = self.unpack(theta)
        for w, b in params[:-1]:
            h, _ = K.activate(self.code, np.matmul(h, w) + b[:, None, :], self.kernel_parameter)
        w, b = params[-1]
        return np.matmul(h, w) + b[:, None, :]

    def evaluate(self, theta: np.ndarray, gradient: bool = True) -> "Evaluation":
        """U, grad U, pre-activations z_l and backpropagated r_l = dU/da_l for theta (C, d)."""
        u, grad, zs, rs = K.evaluate(self.spec, np.atleast_2d(theta), gradient)
        return Evaluation(u, grad, zs, rs)

    # -- callables for the generic engine (_fastcore.integrate_callables) ------------------
    def potential(self, theta: np.ndarray) -> np.ndarray:
        return self.evaluate(theta, gradient=False).u

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        return self.evaluate(theta).grad

    def activation_pattern(self, theta: np.ndarray) -> np.ndarray:
        """int8 labels 1[z > 0] of every hidden unit and data point, (C, m); m = 0 if smooth."""
        zs = self.evaluate(np.atleast_2d(theta), gradient=False).z
        return np.concatenate([K.pattern(self.code, z) for z in zs], axis=1)


@dataclass(frozen=True)
class Evaluation:
    u: np.ndarray
    grad: np.ndarray | None
    z: list
    r: list


def make_bnn(activation: str, width: int, layers: int = 1, data: Dataset | None = None, *,
             prior_sd: float | None = None, beta: float = 1.0,
             derivative_at_zero: float | None = None) -> BNN:
    """A validated BNN: ValueError (one line) for an unknown activation, width < 1, layers
    not in {1, 2}, non-finite data, prior_sd <= 0, beta <= 0 or a non-finite derivative_at_zero."""
    from relu_hmc.numerics.bnn_data import synthetic

    activation = check_activation(activation)
    width = check_count("width", width)
    if isinstance(layers, bool) or layers not in (1, 2):
        raise ValueError(f"layers must be 1 or 2, got {layers!r}")
    data = check_dataset(synthetic() if data is None else data)
    prior_sd = bnn_config.PRIOR_SD if prior_sd is None else float(prior_sd)
    if not math.isfinite(prior_sd) or prior_sd <= 0:
        raise ValueError(f"prior_sd must be a finite number > 0, got {prior_sd}")
    beta = float(beta)
    if not math.isfinite(beta) or beta <= 0:
        raise ValueError(f"beta must be a finite number > 0, got {beta}")
    if derivative_at_zero is not None:
        derivative_at_zero = float(derivative_at_zero)
        if not math.isfinite(derivative_at_zero):
            raise ValueError(f"derivative_at_zero must be finite, got {derivative_at_zero}")
    return BNN(activation, (width,) * layers, data, prior_sd, beta=beta, derivative_at_zero=derivative_at_zero)


def n_parameters(n_in: int, n_out: int, width: int, layers: int) -> int:
    sizes = (n_in, *(width,) * layers, n_out)
    return sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 1))


def width_for_parameters(target: int, n_in: int, n_out: int, layers: int) -> int:
    """The width whose network has the number of parameters closest to `target`."""
    best = min(range(1, 4096), key=lambda w: abs(n_parameters(n_in, n_out, w, layers) - target))
    return best


# -- leapfrog with crossing bookkeeping ----------------------------------------------------
@dataclass(frozen=True)
class BNNTrajectory:
    """End of a leapfrog trajectory per chain, with its crossing decomposition.

    energy_error: H(end) - H(start); crossings: activation-pattern changes (sum over steps);
    predicted: sum of the predicted crossing contributions (module doc); boundary: the exact
    telescoped term (eps^2/8)(|g_L|^2 - |g_0|^2). With record=True, per-step arrays
    (n_steps, C): step_energy_error, step_predicted, step_crossings, step_boundary (each
    step's (eps^2/8)(|g'|^2 - |g|^2)).
    """

    q: np.ndarray
    p: np.ndarray
    energy_error: np.ndarray
    crossings: np.ndarray
    predicted: np.ndarray
    boundary: np.ndarray
    u_end: np.ndarray
    step_energy_error: np.ndarray | None = None
    step_predicted: np.ndarray | None = None
    step_crossings: np.ndarray | None = None
    step_boundary: np.ndarray | None = None


@single_blas_thread
def trajectory(model: BNN, q0: np.ndarray, p0: np.ndarray, eps: float, n_steps: int, *,
               record: bool = False, start: Evaluation | None = None) -> BNNTrajectory:
    """`n_steps` leapfrog steps of size eps from (q0, p0) (C, d); inputs are not modified.
    `start`: the evaluation at q0 if the caller has it (saves one gradient)."""
    eps = check_step_size(eps)
    n_steps = check_count("n_steps", n_steps)
    # no copies here: the kernel copies q0 and p0 into its outputs (two more copies cost 12% of a
    # trajectory at width 500, two layers, 64 chains: 258 MB of fresh pages per call)
    q = np.asarray(q0, dtype=np.float64)
    p = np.asarray(p0, dtype=np.float64)
    if q.ndim != 2 or q.shape[1] != model.d or p.shape != q.shape:
        raise ValueError(f"q0 and p0 must have shape (n_chains, {model.d}), got {q.shape} and {p.shape}")
    if not (np.all(np.isfinite(q)) and np.all(np.isfinite(p))):
        raise ValueError("q0 and p0 must be finite")
    # without `start` the kernel evaluates each chain's start itself, just before its trajectory
    u0, g0, z0, r0 = (start.u, start.grad, start.z, start.r) if start is not None else (None,) * 4
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging trajectory is rejected
        out = K.leapfrog(model.spec, q, p, eps, n_steps, u0, g0, z0, r0, model.jump)
    return BNNTrajectory(*out) if record else BNNTrajectory(*out[:7])


def __getattr__(name):
    """The HMC half (run_hmc, initial_states, descend, BNNRun) lives in numerics.bnn_hmc; the old
    path bnn.run_hmc keeps working (lazily, so bnn_hmc may import this module)."""
    if name in ("BNNRun", "descend", "initial_states", "run_hmc"):
        from relu_hmc.numerics import bnn_hmc

        return getattr(bnn_hmc, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
