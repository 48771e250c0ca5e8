# cython: language_level=3
# cython: boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
# distutils: extra_compile_args = --param max-inline-insns-single=4000 --param max-inline-insns-auto=4000 --param large-function-growth=4000 --param inline-unit-growth=4000
"""Compiled generic splitting kernel for product targets; twin of ``_fastcore._splitting_py``.

Any splitting with kicks k_0..k_m and drifts d_1..d_m (``relu_hmc.splittings``) on
H = sum_j u(q_j) + |p|^2/2, run by the one generic step loop of ``_splitting_kernel.pxi``
(shared with ``_leapfrog_c``; the step, the block scaffolding and the crossing count are
documented there). With kicks (1/2, 1/2) and drift 1 it is the leapfrog kernel, bit for bit.

Safety of the directives: indices come from ``range`` over the arrays' own shapes and the
stage arrays are built with the lengths the loops use (boundscheck/wraparound off);
divisions are those of the family terms (``_kernel_common.pxi``), by parameters validated
finite and > 0 or by 1 + exp(-|z|) >= 1 (cdivision on).
"""
include "_kernel_common.pxi"
include "_splitting_kernel.pxi"

BACKEND = "cython"


def trajectory(int family, const double[::1] params, const double[::1] kinks,
               const double[::1] kicks, const double[::1] drifts,
               const double[:, ::1] q0, const double[:, ::1] p0, double eps, Py_ssize_t n_steps):
    """n_steps steps of the splitting (kicks, drifts) of size eps for every chain (row) of q0, p0.

    kicks: k_0..k_m, drifts: d_1..d_m (validated by ``relu_hmc.splittings``). Returns
    (q, p, energy_error, crossings) as ``_fastcore.trajectory``: final states, H(end) - H(start)
    per chain (exactly rounded sum over coordinates, as math.fsum), kink crossings per chain
    summed over every drift. Inputs are validated by the numerics wrapper and not modified.
    """
    if kicks.shape[0] != drifts.shape[0] + 1:
        raise ValueError(f"a splitting needs one more kick than drifts, got {kicks.shape[0]} and {drifts.shape[0]}")
    return run_chains(family, params, kinks, &kicks[0], data_of(drifts), drifts.shape[0], q0, p0, eps, n_steps)
