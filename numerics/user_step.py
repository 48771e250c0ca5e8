"""The user's one-step integrator under audit, called safely: `CheckedStep` validates every
call (signature, exceptions, shape, finiteness) and turns any problem into a one-line
`StepFunctionError`; `toolkit_step` is the toolkit's own leapfrog as such a step function.

A step is ``step(q, p, eps, grad_U) -> (q, p)`` on 1-D float64 arrays (numerics.audit).
"""
from __future__ import annotations

import inspect
from typing import Callable

import numpy as np


class StepFunctionError(ValueError):
    """The step function cannot be audited: wrong signature, an exception inside it, a result
    that is not two finite arrays of the input's shape. The message is one line."""


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(fn) -> str:
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__
    return f"{module}.{name}" if module else str(name)


class CheckedStep:
    """The user's step wrapped so that every call is validated.

    Each call passes fresh float64 copies (the user may modify them in place) and converts the
    result to two float64 arrays; an exception, a malformed or a non-finite result raises
    `StepFunctionError` with one line naming the function and the problem.
    """

    def __init__(self, step: Callable, name: str | None = None):
        if not callable(step):
            raise StepFunctionError(f"{name or _describe(step)} is not callable (a {type(step).__name__})")
        self.step = step
        self.name = name or _describe(step)
        self.calls = 0
        self._gradients: dict = {}
        try:
            signature = inspect.signature(step)
        except (TypeError, ValueError):  # builtins without a signature: the first call decides
            signature = None
        if signature is not None:
            try:
                signature.bind(np.zeros(1), np.zeros(1), 0.1, _zero_grad)
            except TypeError:
                raise StepFunctionError(
                    f"{self.name} has the signature {getattr(step, '__name__', 'step')}{signature}; "
                    f"the audit needs step(q, p, eps, grad_U) -> (q, p)") from None

    def _gradient(self, grad_U: Callable) -> Callable:
        """grad_U accepting any array-like (read-only JAX buffers, lists) as a fresh float64
        array; one wrapper per gradient, so a step may cache work per grad_U."""
        wrapped = self._gradients.get(grad_U)
        if wrapped is None:
            def wrapped(x, _grad=grad_U):
                return _grad(np.array(x, dtype=np.float64, copy=True))
            self._gradients[grad_U] = wrapped
        return wrapped

    def __call__(self, q: np.ndarray, p: np.ndarray, eps: float, grad_U: Callable) -> tuple[np.ndarray, np.ndarray]:
        q_in = np.array(q, dtype=np.float64, copy=True)
        p_in = np.array(p, dtype=np.float64, copy=True)
        self.calls += 1
        try:
            out = self.step(q_in, p_in, float(eps), self._gradient(grad_U))
        except (StepFunctionError, KeyboardInterrupt):
            raise
        except BaseException as exc:  # noqa: BLE001 - anything the user's code raises (even SystemExit)
            message = _one_line(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            raise StepFunctionError(f"{self.name} raised {message} (eps={eps:g}, {q_in.size} coordinates)") from None
        try:
            q1, p1 = out
        except (TypeError, ValueError):
            raise StepFunctionError(f"{self.name} must return a pair (q, p), got {_one_line(type(out).__name__)}") from None
        arrays = []
        for what, value in (("q", q1), ("p", p1)):
            try:
                array = np.array(value, dtype=np.float64, copy=True)  # writable, owned by us
            except (TypeError, ValueError):
                raise StepFunctionError(
                    f"{self.name} returned a {what} that is not an array of numbers ({type(value).__name__})") from None
            if array.shape != q_in.shape:
                raise StepFunctionError(f"{self.name} returned {what} of shape {array.shape} for input of shape "
                                        f"{q_in.shape}; it must keep the shape")
            if not np.all(np.isfinite(array)):
                bad = int(np.count_nonzero(~np.isfinite(array)))
                raise StepFunctionError(f"{self.name} returned non-finite {what} ({bad} of {array.size} values) "
                                        f"for finite input (eps={eps:g})")
            arrays.append(array)
        return arrays[0], arrays[1]


def _zero_grad(x):
    return np.zeros_like(x)


def as_checked(step) -> CheckedStep:
    return step if isinstance(step, CheckedStep) else CheckedStep(step)


def toolkit_step(q, p, eps, grad_U):
    """The toolkit's own leapfrog kernel (numerics.leapfrog, general callable path) as a step
    function: one step of size eps for the potential whose gradient is grad_U (which may couple
    coordinates: the kernel calls it on the whole state, one chain of d coordinates)."""
    from relu_hmc.numerics.leapfrog import leapfrog_trajectory
    from relu_hmc.numerics.potentials import CallablePotential

    q = np.asarray(q, dtype=np.float64)
    potential = CallablePotential(np.zeros_like, np.zeros_like)
    # CallablePotential validates du on a 7-point probe as if it acted per coordinate; grad_U
    # acts on the state vector, so it is installed after validation (the kernel only calls it
    # on the (1, d) state).
    object.__setattr__(potential, "du_fn",
                       lambda x: np.asarray(grad_U(x.ravel()), dtype=np.float64).reshape(x.shape))
    trajectory = leapfrog_trajectory(potential, q[None, :], np.asarray(p, dtype=np.float64)[None, :], eps, 1)
    return trajectory.q[0], trajectory.p[0]
