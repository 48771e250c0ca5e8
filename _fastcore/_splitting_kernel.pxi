# cython: language_level=3
"""The one generic step loop and the one chain/block scaffolding of the compiled kernels
(included by ``_leapfrog_c`` and ``_splitting_c``, after ``_kernel_common.pxi``).

One step of the splitting with kicks k_0..k_m and drifts d_1..d_m (``relu_hmc.splittings``),
H = sum_j u(q_j) + |p|^2/2:

    p <- p - (k_0 eps) u'(q);  q <- q + (d_1 eps) p;  p <- p - (k_1 eps) u'(q);  ...;  p <- p - (k_m eps) u'(q)

Leapfrog is kicks (1/2, 1/2), drift 1: (0.5 eps) u' and (1.0 eps) p are the velocity-Verlet
half = 0.5 eps and eps to the bit. A zero kick is skipped (position Verlet starts and ends with
one); the gradient is evaluated only before a kick that follows a drift, so the last kick's
gradient of a step serves the next step's first (one gradient per stage). Every drift counts
the kinks it crosses (the change of piece index, with multiplicity).

Coordinates are independent scalar recursions: they run in blocks of BLOCK (state in small
local arrays, L1 cache) with the step and stage loops outside the loop over the block, so the
dependent operations of one coordinate (~8 per stage) overlap with its neighbours'. One stage
(drift d_i, then kick k_i; the first also takes the step's leading kick k_0) is one fused pass
over the block. The potential family is hoisted out of the loops: `run_block` calls the inline
`block_steps` with the family (and the usual number of kinks: 0 for the gaussian, 1 for
laplace and families 1-3) as compile-time constants, and `block_steps` calls the inline
`stage_pass` with the kick pattern as constants, so the C compiler specialises the one loop
per family and pattern (loop unswitching by hand) and the gaussian pass vectorises. That needs
the calls really inlined: the including modules raise gcc's inlining limits (their
``# distutils: extra_compile_args``); with the default limits gcc kept some copies out of
line and the leapfrog path took up to 1.6x the former specialised loop's time. Each
coordinate's arithmetic is the pure twin's, in its order.

Safety of the directives of the including modules: indices come from ``range`` over the arrays'
own shapes and the stage arrays are built here with the lengths the loops use.
"""
import numpy as np

from libc.stdlib cimport free, malloc

cdef enum:
    BLOCK = 256


cdef inline const double* data_of(const double[::1] array) noexcept nogil:
    # the first element's address; an empty array gives a pointer that is never dereferenced
    return &array[0] if array.shape[0] > 0 else NULL


cdef inline double gradient_in_piece(int family, const double* params, const double* kinks, Py_ssize_t n_kinks,
                                     double x, Py_ssize_t piece) noexcept nogil:
    # u'(x) given x's piece index: the piecewise-quadratic family reads it (the same
    # curv[i] x + slope[i] as grad_term, so the same bits); the others need only x
    if family == PIECEWISE_QUADRATIC:
        return params[piece] * x + params[n_kinks + 1 + piece]
    return grad_term(family, params, kinks, n_kinks, x)


cdef inline long long stage_pass(int family, const double* params, const double* kinks, Py_ssize_t n_kinks,
                                 bint leading, double lead, double a, bint kicking, double b,
                                 double* q, double* p, double* g, Py_ssize_t* piece, Py_ssize_t m) noexcept nogil:
    # one stage over the block: [the leading kick lead,] the drift a, [the gradient and the
    # kick b]; called with constant family, n_kinks, leading and kicking, so each caller gets
    # a copy of the loop without their branches (gcc does not unswitch a loop with an inner loop)
    cdef Py_ssize_t j, k = 0, change
    cdef double qj, pj, gj
    cdef long long count = 0
    for j in range(m):
        pj = p[j]
        if leading:
            pj = pj - lead * g[j]
        qj = q[j] + a * pj
        if n_kinks > 0:
            k = piece_of(kinks, n_kinks, qj)
            change = k - piece[j]
            count += change if change >= 0 else -change
            piece[j] = k
        if kicking:
            gj = gradient_in_piece(family, params, kinks, n_kinks, qj, k)
            g[j] = gj
            pj = pj - b * gj
        p[j] = pj
        q[j] = qj
    return count


cdef inline long long block_steps(int family, const double* params, const double* kinks, Py_ssize_t n_kinks,
                                  const double* kick, const double* drift, Py_ssize_t n_drifts,
                                  double* q, double* p, double* g, Py_ssize_t* piece, Py_ssize_t m,
                                  Py_ssize_t n_steps) noexcept nogil:
    # kick[i] = k_i eps (i = 0..n_drifts), drift[i] = d_{i+1} eps; g holds u'(q) on entry.
    # Called with constant family / n_kinks from run_block, so the branches on them fold away.
    cdef Py_ssize_t s, i, j
    cdef double lead = kick[0], a, b
    cdef bint fresh = True   # g is the gradient at the current q
    cdef bint leading, kicking
    cdef long long count = 0
    for s in range(n_steps):
        if lead != 0.0 and not fresh:  # a last kick of zero before a nonzero first one
            for j in range(m):
                g[j] = gradient_in_piece(family, params, kinks, n_kinks, q[j], piece[j])
            fresh = True
        if n_drifts == 0:  # kicks only: q never moves, g stays fresh
            for j in range(m):
                p[j] = p[j] - lead * g[j]
        for i in range(n_drifts):
            leading = i == 0 and lead != 0.0
            a, b = drift[i], kick[i + 1]
            kicking = b != 0.0
            if leading and kicking:  # leapfrog's one stage, the inner stages of most splittings
                count += stage_pass(family, params, kinks, n_kinks, True, lead, a, True, b, q, p, g, piece, m)
            elif kicking:
                count += stage_pass(family, params, kinks, n_kinks, False, lead, a, True, b, q, p, g, piece, m)
            elif leading:
                count += stage_pass(family, params, kinks, n_kinks, True, lead, a, False, b, q, p, g, piece, m)
            else:
                count += stage_pass(family, params, kinks, n_kinks, False, lead, a, False, b, q, p, g, piece, m)
            fresh = kicking
    return count


cdef long long run_block(int family, const double* params, const double* kinks, Py_ssize_t n_kinks,
                         const double* kick, const double* drift, Py_ssize_t n_drifts,
                         double* q, double* p, double* g, Py_ssize_t* piece, Py_ssize_t m,
                         Py_ssize_t n_steps) noexcept nogil:
    # the family hoisted out of the step loop: one specialised copy of block_steps per family
    # and usual number of kinks (_families.py), so the piece count unrolls; anything else runs
    # the copy with both read at run time
    if family == PIECEWISE_QUADRATIC and n_kinks == 0:  # gaussian: a vectorised pass
        return block_steps(PIECEWISE_QUADRATIC, params, kinks, 0, kick, drift, n_drifts, q, p, g, piece, m, n_steps)
    elif family == PIECEWISE_QUADRATIC and n_kinks == 1:  # laplace, one ReLU kink
        return block_steps(PIECEWISE_QUADRATIC, params, kinks, 1, kick, drift, n_drifts, q, p, g, piece, m, n_steps)
    elif family == PIECEWISE_QUADRATIC:
        return block_steps(PIECEWISE_QUADRATIC, params, kinks, n_kinks, kick, drift, n_drifts,
                           q, p, g, piece, m, n_steps)
    elif family == POWER and n_kinks == 1:
        return block_steps(POWER, params, kinks, 1, kick, drift, n_drifts, q, p, g, piece, m, n_steps)
    elif family == SOFTPLUS_KINK and n_kinks == 1:
        return block_steps(SOFTPLUS_KINK, params, kinks, 1, kick, drift, n_drifts, q, p, g, piece, m, n_steps)
    elif family == LOGCOSH and n_kinks == 1:
        return block_steps(LOGCOSH, params, kinks, 1, kick, drift, n_drifts, q, p, g, piece, m, n_steps)
    elif family == QUARTIC and n_kinks == 0:
        return block_steps(QUARTIC, params, kinks, 0, kick, drift, n_drifts, q, p, g, piece, m, n_steps)
    return block_steps(family, params, kinks, n_kinks, kick, drift, n_drifts, q, p, g, piece, m, n_steps)


cdef object run_chains(int family, const double[::1] params, const double[::1] kinks,
                       const double* kicks, const double* drifts, Py_ssize_t n_drifts,
                       const double[:, ::1] q0, const double[:, ::1] p0, double eps, Py_ssize_t n_steps):
    # (q, p, energy_error, crossings) of n_steps steps for every chain (row) of q0, p0;
    # kicks[0..n_drifts], drifts[0..n_drifts-1] are the coefficients k_i, d_i
    cdef Py_ssize_t n_chains = q0.shape[0], d = q0.shape[1]
    # the step's k_i eps and d_i eps, in C memory (no array objects: a call costs little at small d)
    cdef double* kick = <double*> malloc((2 * n_drifts + 1) * sizeof(double))
    if kick == NULL:
        raise MemoryError("no memory for the splitting's stage coefficients")
    cdef double* drift = kick + n_drifts + 1
    cdef Py_ssize_t i
    for i in range(n_drifts + 1):
        kick[i] = kicks[i] * eps
    for i in range(n_drifts):
        drift[i] = drifts[i] * eps
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
                count += run_block(family, par, kin, n_kinks, kick, drift, n_drifts,
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
    free(kick)
    return q_out, p_out, energy, crossings
