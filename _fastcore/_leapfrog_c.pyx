# cython: language_level=3
# cython: boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
# distutils: extra_compile_args = --param max-inline-insns-single=4000 --param max-inline-insns-auto=4000 --param large-function-growth=4000 --param inline-unit-growth=4000
"""Compiled leapfrog kernels for product targets; twin of ``_fastcore._leapfrog_py``.

Leapfrog (velocity Verlet), H = sum_j u(q_j) + |p|^2/2:
    p <- p - (eps/2) u'(q);  q <- q + eps p;  p <- p - (eps/2) u'(q)
is the splitting with kicks (1/2, 1/2) and drift 1, run by the one generic step loop
(``_splitting_kernel.pxi``, shared with ``_splitting_c``): one gradient evaluation per step,
one fused pass over a block of coordinates per step, the family hoisted out of the loop.
The family terms ``potential_terms`` / ``gradient_terms`` are the shared inline C of
``_kernel_common.pxi`` applied elementwise.

Safety of the directives: indices come from ``range`` over the arrays' own shapes
(boundscheck/wraparound off); every division is by eps-independent parameters that
``numerics.potentials`` validates to be finite and > 0 (width, scale), or by
1 + exp(-|z|) >= 1 (cdivision on).
"""
import numpy as np

include "_kernel_common.pxi"
include "_splitting_kernel.pxi"

BACKEND = "cython"

#: leapfrog as a splitting: kicks k_0, k_1 and drift d_1 (relu_hmc.splittings "leapfrog")
LEAPFROG_KICKS = (0.5, 0.5)
LEAPFROG_DRIFTS = (1.0,)


cdef object _elementwise(bint gradient, int family, const double[::1] params, const double[::1] kinks, x):
    # u(x) or u'(x) for every element of x, returned in x's shape
    cdef const double[::1] flat = np.ascontiguousarray(x, dtype=np.float64).ravel()
    out = np.empty(flat.shape[0], dtype=np.float64)
    cdef double[::1] out_view = out
    cdef const double* par = data_of(params)
    cdef const double* kin = data_of(kinks)
    cdef Py_ssize_t j, n_kinks = kinks.shape[0]
    with nogil:
        if gradient:
            for j in range(flat.shape[0]):
                out_view[j] = grad_term(family, par, kin, n_kinks, flat[j])
        else:
            for j in range(flat.shape[0]):
                out_view[j] = u_term(family, par, kin, n_kinks, flat[j])
    return out.reshape(np.shape(x))


def potential_terms(int family, const double[::1] params, const double[::1] kinks, x):
    """u(x) elementwise for a built-in family (see ``_fastcore._families``)."""
    return _elementwise(False, family, params, kinks, x)


def gradient_terms(int family, const double[::1] params, const double[::1] kinks, x):
    """u'(x) elementwise (the right-hand derivative at a kink)."""
    return _elementwise(True, family, params, kinks, x)


def trajectory(int family, const double[::1] params, const double[::1] kinks,
               const double[:, ::1] q0, const double[:, ::1] p0, double eps, Py_ssize_t n_steps):
    """n_steps leapfrog steps of size eps for every chain (row) of q0, p0 (n_chains, d).

    Returns (q, p, energy_error, crossings): final states, H(end) - H(start) per chain
    (exactly rounded sum over coordinates, as math.fsum), and kink crossings per chain.
    Inputs are validated by ``numerics.leapfrog`` and are not modified.
    """
    cdef double kicks[2]
    cdef double drifts[1]
    kicks[0], kicks[1], drifts[0] = 0.5, 0.5, 1.0  # LEAPFROG_KICKS, LEAPFROG_DRIFTS
    return run_chains(family, params, kinks, kicks, drifts, 1, q0, p0, eps, n_steps)
