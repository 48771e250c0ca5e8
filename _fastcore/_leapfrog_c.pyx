# cython: language_level=3
# cython: boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
"""Compiled leapfrog kernels for product targets; twin of ``_fastcore._leapfrog_py``.

Leapfrog (velocity Verlet), H = sum_j u(q_j) + |p|^2/2:
    p <- p - (eps/2) u'(q);  q <- q + eps p;  p <- p - (eps/2) u'(q)
Each coordinate is an independent scalar recursion: the kernel integrates blocks of
coordinates (state in small local arrays) with the steps outside the loop over the block, so
independent recursions overlap, and reuses the last gradient of one step as the first of the
next: one gradient evaluation per step. The piecewise-quadratic family (gaussian, laplace,
piecewise linear) has its own loops; the others share one.

Safety of the directives: indices come from ``range`` over the arrays' own shapes
(boundscheck/wraparound off); every division is by eps-independent parameters that
``numerics.potentials`` validates to be finite and > 0 (width, scale), or by
1 + exp(-|z|) >= 1 (cdivision on).
"""
import numpy as np

from libc.math cimport INFINITY, isinf, isnan

include "_kernel_common.pxi"

BACKEND = "cython"


cdef const double* data_of(const double[::1] array) noexcept nogil:
    # the first element's address; an empty array gives a pointer that is never dereferenced
    return &array[0] if array.shape[0] > 0 else NULL


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


# Coordinates are integrated in blocks of BLOCK: the step loop runs over a block whose state
# (q, p, u', piece) sits in small local arrays (L1 cache), so the L dependent steps of one
# coordinate overlap with those of its neighbours instead of stalling on each other's latency
# (a single coordinate's step is a chain of ~8 dependent floating-point operations), and the
# gaussian loop vectorises. Each coordinate's arithmetic is exactly the pure twin's.
cdef enum:
    BLOCK = 256


cdef void steps_quadratic(double curv, double slope, double* q, double* p, double* g, Py_ssize_t m,
                          double eps, Py_ssize_t n_steps) noexcept nogil:
    # one piece, no kinks (gaussian): u' = curv x + slope
    cdef double half = 0.5 * eps, qj, pj, gj
    cdef Py_ssize_t s, j
    for s in range(n_steps):
        for j in range(m):
            pj = p[j] - half * g[j]
            qj = q[j] + eps * pj
            gj = curv * qj + slope
            g[j] = gj
            p[j] = pj - half * gj
            q[j] = qj


cdef long long steps_piecewise_quadratic(const double* params, const double* kinks, Py_ssize_t n_kinks,
                                         double* q, double* p, double* g, Py_ssize_t* piece, Py_ssize_t m,
                                         double eps, Py_ssize_t n_steps) noexcept nogil:
    # piece i: u' = curv[i] x + slope[i]; the piece index serves the gradient and the crossings
    cdef const double* curv = params
    cdef const double* slope = params + (n_kinks + 1)
    cdef double half = 0.5 * eps, qj, pj, gj
    cdef Py_ssize_t s, j, i, change
    cdef long long count = 0
    for s in range(n_steps):
        for j in range(m):
            pj = p[j] - half * g[j]
            qj = q[j] + eps * pj
            i = piece_of(kinks, n_kinks, qj)
            change = i - piece[j]
            count += change if change >= 0 else -change
            piece[j] = i
            gj = curv[i] * qj + slope[i]
            g[j] = gj
            p[j] = pj - half * gj
            q[j] = qj
    return count


cdef long long steps_generic(int family, const double* params, const double* kinks, Py_ssize_t n_kinks,
                             double* q, double* p, double* g, Py_ssize_t* piece, Py_ssize_t m,
                             double eps, Py_ssize_t n_steps) noexcept nogil:
    # the other families: their libm calls (pow, exp, tanh) dominate a step's cost
    cdef double half = 0.5 * eps, qj, pj, gj
    cdef Py_ssize_t s, j, i, change
    cdef long long count = 0
    for s in range(n_steps):
        for j in range(m):
            pj = p[j] - half * g[j]
            qj = q[j] + eps * pj
            i = piece_of(kinks, n_kinks, qj)
            change = i - piece[j]
            count += change if change >= 0 else -change
            piece[j] = i
            gj = grad_term(family, params, kinks, n_kinks, qj)
            g[j] = gj
            p[j] = pj - half * gj
            q[j] = qj
    return count


def trajectory(int family, const double[::1] params, const double[::1] kinks,
               const double[:, ::1] q0, const double[:, ::1] p0, double eps, Py_ssize_t n_steps):
    """n_steps leapfrog steps of size eps for every chain (row) of q0, p0 (n_chains, d).

    Returns (q, p, energy_error, crossings): final states, H(end) - H(start) per chain
    (exactly rounded sum over coordinates, as math.fsum), and kink crossings per chain.
    Inputs are validated by ``numerics.leapfrog`` and are not modified.
    """
    cdef Py_ssize_t n_chains = q0.shape[0], d = q0.shape[1]
    q_out = np.empty((n_chains, d), dtype=np.float64)
    p_out = np.empty((n_chains, d), dtype=np.float64)
    energy = np.empty(n_chains, dtype=np.float64)
    crossings = np.zeros(n_chains, dtype=np.int64)
    cdef double[:, ::1] q_view = q_out, p_view = p_out
    cdef double[::1] energy_view = energy
    cdef long long[::1] crossing_view = crossings
    cdef const double* par = data_of(params)
    cdef const double* kin = data_of(kinks)
    cdef Py_ssize_t n_kinks = kinks.shape[0]
    cdef bint one_quadratic = family == PIECEWISE_QUADRATIC and n_kinks == 0
    cdef double q_block[BLOCK]
    cdef double p_block[BLOCK]
    cdef double g_block[BLOCK]
    cdef Py_ssize_t piece_block[BLOCK]
    cdef double x, x0, v, v0
    cdef Py_ssize_t c, b, j, j0, m
    cdef long long count
    cdef ExactSum total
    with nogil:
        for c in range(n_chains):
            exact_sum_reset(&total)
            count = 0
            for b in range((d + BLOCK - 1) // BLOCK):
                j0 = b * BLOCK
                m = min(BLOCK, d - j0)
                for j in range(m):
                    x = q0[c, j0 + j]
                    q_block[j] = x
                    p_block[j] = p0[c, j0 + j]
                    piece_block[j] = piece_of(kin, n_kinks, x)
                    g_block[j] = grad_term(family, par, kin, n_kinks, x)
                if one_quadratic:
                    steps_quadratic(par[0], par[1], q_block, p_block, g_block, m, eps, n_steps)
                elif family == PIECEWISE_QUADRATIC:
                    count += steps_piecewise_quadratic(par, kin, n_kinks, q_block, p_block, g_block,
                                                       piece_block, m, eps, n_steps)
                else:
                    count += steps_generic(family, par, kin, n_kinks, q_block, p_block, g_block,
                                           piece_block, m, eps, n_steps)
                for j in range(m):
                    x, v = q_block[j], p_block[j]
                    x0, v0 = q0[c, j0 + j], p0[c, j0 + j]
                    q_view[c, j0 + j] = x
                    p_view[c, j0 + j] = v
                    exact_sum_add(&total, (u_term(family, par, kin, n_kinks, x)
                                           - u_term(family, par, kin, n_kinks, x0)) + 0.5 * (v * v - v0 * v0))
            energy_view[c] = exact_sum_result(&total)
            crossing_view[c] = count
    return q_out, p_out, energy, crossings
