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

from libc.math cimport INFINITY, NAN, exp, fabs, isfinite, isinf, isnan, log, log1p, pow, tanh

# Same codes as _fastcore/_families.py (tests/test_fastcore.py checks they agree).
cdef enum:
    PIECEWISE_QUADRATIC = 0
    POWER = 1
    SOFTPLUS_KINK = 2
    LOGCOSH = 3
    QUARTIC = 4

BACKEND = "cython"

cdef double LOG2 = log(2.0)


# --- exactly rounded sum: CPython's math.fsum (Shewchuk's algorithm), term by term --------
# The pure twin sums with math.fsum, so the energy errors agree to the last bit. Partials are
# non-overlapping doubles, so there are at most 2098 of them (the exponent range of binary64).
cdef enum:
    MAX_PARTIALS = 2100

cdef struct ExactSum:
    Py_ssize_t n            # partials in use
    double special          # sum of the non-finite terms
    bint overflow           # an intermediate partial overflowed (fsum raises; we give nan)
    double partials[MAX_PARTIALS]


cdef inline void exact_sum_reset(ExactSum* acc) noexcept nogil:
    acc.n = 0
    acc.special = 0.0
    acc.overflow = False


cdef inline void exact_sum_add(ExactSum* acc, double x) noexcept nogil:
    cdef Py_ssize_t i = 0, j
    cdef double y, t, hi, lo, xsave = x
    for j in range(acc.n):
        y = acc.partials[j]
        if fabs(x) < fabs(y):
            t = x
            x = y
            y = t
        hi = x + y
        lo = y - (hi - x)
        if lo != 0.0:
            acc.partials[i] = lo
            i += 1
        x = hi
    acc.n = i
    if x != 0.0:
        if not isfinite(x):
            if isfinite(xsave):
                acc.overflow = True
            acc.special += xsave
            acc.n = 0
        else:
            acc.partials[acc.n] = x
            acc.n += 1


cdef inline double exact_sum_result(ExactSum* acc) noexcept nogil:
    cdef Py_ssize_t n = acc.n
    cdef double hi = 0.0, lo = 0.0, x, y
    if acc.overflow:
        return NAN
    if acc.special != 0.0:  # also true for nan
        return acc.special
    if n > 0:
        n -= 1
        hi = acc.partials[n]
        while n > 0:
            x = hi
            n -= 1
            y = acc.partials[n]
            hi = x + y
            lo = y - (hi - x)
            if lo != 0.0:
                break
        # half-even rounding across partials (as CPython does)
        if n > 0 and ((lo < 0.0 and acc.partials[n - 1] < 0.0) or (lo > 0.0 and acc.partials[n - 1] > 0.0)):
            y = lo * 2.0
            x = hi + y
            if y == x - hi:
                hi = x
    return hi


cdef inline Py_ssize_t piece_of(const double* kinks, Py_ssize_t n_kinks, double x) noexcept nogil:
    # number of kinks <= x: a branch-free count (kinks are sorted and few)
    cdef Py_ssize_t i = 0, k
    for k in range(n_kinks):
        i += kinks[k] <= x
    return i


cdef inline double sign_of(double y) noexcept nogil:
    return (y > 0.0) - (y < 0.0)


cdef inline double softplus(double z) noexcept nogil:
    return (z if z > 0.0 else 0.0) + log1p(exp(-fabs(z)))


cdef inline double sigmoid(double z) noexcept nogil:
    cdef double e = exp(-fabs(z))
    return 1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)


cdef inline double logcosh(double z) noexcept nogil:
    cdef double a = fabs(z)
    return a + log1p(exp(-2.0 * a)) - LOG2


cdef inline double u_term(int family, const double* params, const double* kinks, Py_ssize_t n_kinks,
                          double x) noexcept nogil:
    cdef Py_ssize_t n, i
    cdef double y, x2
    if family == PIECEWISE_QUADRATIC:
        n = n_kinks + 1
        i = piece_of(kinks, n_kinks, x)
        return 0.5 * params[i] * x * x + params[n + i] * x + params[2 * n + i]
    elif family == POWER:
        return pow(fabs(x - kinks[0]) / params[1], params[0])
    elif family == SOFTPLUS_KINK:
        y = x - kinks[0]
        return (0.5 * params[3] * x * x + params[0] * y
                + (params[1] - params[0]) * params[2] * softplus(y / params[2]))
    elif family == LOGCOSH:
        return params[0] * logcosh((x - kinks[0]) / params[0])
    else:  # QUARTIC
        x2 = x * x
        return 0.5 * params[0] * x2 + 0.25 * params[1] * x2 * x2


cdef inline double grad_term(int family, const double* params, const double* kinks, Py_ssize_t n_kinks,
                             double x) noexcept nogil:
    cdef Py_ssize_t n, i
    cdef double y
    if family == PIECEWISE_QUADRATIC:
        n = n_kinks + 1
        i = piece_of(kinks, n_kinks, x)
        return params[i] * x + params[n + i]
    elif family == POWER:
        y = x - kinks[0]
        return (params[0] / params[1]) * pow(fabs(y) / params[1], params[0] - 1.0) * sign_of(y)
    elif family == SOFTPLUS_KINK:
        return params[3] * x + params[0] + (params[1] - params[0]) * sigmoid((x - kinks[0]) / params[2])
    elif family == LOGCOSH:
        return tanh((x - kinks[0]) / params[0])
    else:  # QUARTIC
        return params[0] * x + params[1] * x * x * x


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
