# cython: language_level=3
# cython: boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
"""Compiled generic splitting kernel for product targets; twin of ``_fastcore._splitting_py``.

One step of the palindromic splitting with kicks k_0..k_m and drifts d_1..d_m
(``relu_hmc.splittings``), H = sum_j u(q_j) + |p|^2/2:

    p <- p - (k_0 eps) u'(q);  q <- q + (d_1 eps) p;  p <- p - (k_1 eps) u'(q);  ...;  p <- p - (k_m eps) u'(q)

A zero kick is skipped (it is no kick: position Verlet starts and ends with one). The
gradient is evaluated only before a kick that follows a drift, so the last kick's gradient
of a step serves the next step's first. Every drift counts the kinks it crosses (the change
of piece index, with multiplicity), as the leapfrog kernel does per position update.
Coordinates run in blocks (state in small local arrays) with the step and stage loops outside
the loop over the block, as in ``_leapfrog_c``. With kicks (1/2, 1/2) and drift 1 the
arithmetic is the leapfrog kernel's: (0.5 eps) u', then eps p, so the bits are the same.

Safety of the directives: indices come from ``range`` over the arrays' own shapes and the
stage arrays are built here with the lengths the loops use (boundscheck/wraparound off);
divisions are those of the family terms (``_kernel_common.pxi``), by parameters validated
finite and > 0 or by 1 + exp(-|z|) >= 1 (cdivision on).
"""
import numpy as np

include "_kernel_common.pxi"

BACKEND = "cython"

cdef enum:
    BLOCK = 256


cdef const double* data_of(const double[::1] array) noexcept nogil:
    # the first element's address; an empty array gives a pointer that is never dereferenced
    return &array[0] if array.shape[0] > 0 else NULL


cdef inline void gradient_block(int family, const double* params, const double* kinks, Py_ssize_t n_kinks,
                                const double* q, const Py_ssize_t* piece, double* g, Py_ssize_t m) noexcept nogil:
    # u'(q) for a block; the piecewise-quadratic family reads the piece index the drift just
    # updated (the same curv[i] x + slope[i] as grad_term, so the same bits), and its one-piece
    # case (gaussian) is a plain loop the compiler vectorises
    cdef Py_ssize_t j, n = n_kinks + 1
    cdef double curv, slope
    if family == PIECEWISE_QUADRATIC and n_kinks == 0:
        curv, slope = params[0], params[1]
        for j in range(m):
            g[j] = curv * q[j] + slope
    elif family == PIECEWISE_QUADRATIC:
        for j in range(m):
            g[j] = params[piece[j]] * q[j] + params[n + piece[j]]
    else:
        for j in range(m):
            g[j] = grad_term(family, params, kinks, n_kinks, q[j])


cdef long long block_steps(int family, const double* params, const double* kinks, Py_ssize_t n_kinks,
                           const double* kick, const double* drift, Py_ssize_t n_drifts,
                           double* q, double* p, double* g, Py_ssize_t* piece, Py_ssize_t m,
                           Py_ssize_t n_steps) noexcept nogil:
    # kick[i] = k_i eps (i = 0..n_drifts), drift[i] = d_{i+1} eps; g holds u'(q) on entry
    cdef Py_ssize_t s, i, j, k, change
    cdef bint fresh = True   # g is the gradient at the current q
    cdef double a
    cdef long long count = 0
    for s in range(n_steps):
        for i in range(n_drifts + 1):
            a = kick[i]
            if a != 0.0:
                if not fresh:
                    gradient_block(family, params, kinks, n_kinks, q, piece, g, m)
                    fresh = True
                for j in range(m):
                    p[j] = p[j] - a * g[j]
            if i < n_drifts:
                a = drift[i]
                for j in range(m):
                    q[j] = q[j] + a * p[j]
                if n_kinks > 0:
                    for j in range(m):
                        k = piece_of(kinks, n_kinks, q[j])
                        change = k - piece[j]
                        count += change if change >= 0 else -change
                        piece[j] = k
                fresh = False
    return count


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
    cdef Py_ssize_t n_chains = q0.shape[0], d = q0.shape[1], n_drifts = drifts.shape[0]
    kick_steps = np.empty(n_drifts + 1, dtype=np.float64)
    drift_steps = np.empty(max(n_drifts, 1), dtype=np.float64)
    cdef double[::1] kick_view = kick_steps, drift_view = drift_steps
    cdef Py_ssize_t i
    for i in range(n_drifts + 1):
        kick_view[i] = kicks[i] * eps
    for i in range(n_drifts):
        drift_view[i] = drifts[i] * eps
    q_out = np.empty((n_chains, d), dtype=np.float64)
    p_out = np.empty((n_chains, d), dtype=np.float64)
    energy = np.empty(n_chains, dtype=np.float64)
    crossings = np.zeros(n_chains, dtype=np.int64)
    cdef double[:, ::1] q_view = q_out, p_view = p_out
    cdef double[::1] energy_view = energy
    cdef long long[::1] crossing_view = crossings
    cdef const double* par = data_of(params)
    cdef const double* kin = data_of(kinks)
    cdef const double* kick = &kick_view[0]
    cdef const double* drift = &drift_view[0]
    cdef Py_ssize_t n_kinks = kinks.shape[0]
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
                count += block_steps(family, par, kin, n_kinks, kick, drift, n_drifts,
                                     q_block, p_block, g_block, piece_block, m, n_steps)
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
