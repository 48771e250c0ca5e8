# cython: language_level=3
# cython: boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
"""Compiled leapfrog kernels for product targets; twin of ``_fastcore._leapfrog_py``.

Leapfrog (velocity Verlet), H = sum_j u(q_j) + |p|^2/2:
    p <- p - (eps/2) u'(q);  q <- q + eps p;  p <- p - (eps/2) u'(q)
Each coordinate is an independent scalar recursion, so the loop runs coordinate by
coordinate with the L steps innermost (the state stays in registers) and reuses the last
gradient of one step as the first of the next: one gradient evaluation per step.

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


cdef inline Py_ssize_t piece_of(const double[::1] kinks, double x) noexcept nogil:
    # number of kinks <= x (kinks are sorted and few: a linear scan beats bisection)
    cdef Py_ssize_t i = 0, n = kinks.shape[0]
    while i < n and kinks[i] <= x:
        i += 1
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


cdef inline double u_term(int family, const double[::1] params, const double[::1] kinks,
                          double x) noexcept nogil:
    cdef Py_ssize_t n, i
    cdef double y, x2
    if family == PIECEWISE_QUADRATIC:
        n = kinks.shape[0] + 1
        i = piece_of(kinks, x)
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


cdef inline double grad_term(int family, const double[::1] params, const double[::1] kinks,
                             double x) noexcept nogil:
    cdef Py_ssize_t n, i
    cdef double y
    if family == PIECEWISE_QUADRATIC:
        n = kinks.shape[0] + 1
        i = piece_of(kinks, x)
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


def potential_terms(int family, const double[::1] params, const double[::1] kinks, x):
    """u(x) elementwise for a built-in family (see ``_fastcore._families``)."""
    cdef double[::1] flat = np.ascontiguousarray(x, dtype=np.float64).ravel()
    out = np.empty(flat.shape[0], dtype=np.float64)
    cdef double[::1] out_view = out
    cdef Py_ssize_t j
    with nogil:
        for j in range(flat.shape[0]):
            out_view[j] = u_term(family, params, kinks, flat[j])
    return out.reshape(np.shape(x))


def gradient_terms(int family, const double[::1] params, const double[::1] kinks, x):
    """u'(x) elementwise (the right-hand derivative at a kink)."""
    cdef double[::1] flat = np.ascontiguousarray(x, dtype=np.float64).ravel()
    out = np.empty(flat.shape[0], dtype=np.float64)
    cdef double[::1] out_view = out
    cdef Py_ssize_t j
    with nogil:
        for j in range(flat.shape[0]):
            out_view[j] = grad_term(family, params, kinks, flat[j])
    return out.reshape(np.shape(x))


def trajectory(int family, const double[::1] params, const double[::1] kinks,
               const double[:, ::1] q0, const double[:, ::1] p0, double eps, Py_ssize_t n_steps):
    """n_steps leapfrog steps of size eps for every chain (row) of q0, p0 (n_chains, d).

    Returns (q, p, energy_error, crossings): final states, H(end) - H(start) per chain
    (exactly rounded sum over coordinates, as math.fsum), and kink crossings per chain. Inputs are
    validated by ``numerics.leapfrog`` and are not modified.
    """
    cdef Py_ssize_t n_chains = q0.shape[0], d = q0.shape[1]
    q_out = np.empty((n_chains, d), dtype=np.float64)
    p_out = np.empty((n_chains, d), dtype=np.float64)
    energy = np.empty(n_chains, dtype=np.float64)
    crossings = np.zeros(n_chains, dtype=np.int64)
    cdef double[:, ::1] q_view = q_out, p_view = p_out
    cdef double[::1] energy_view = energy
    cdef long long[::1] crossing_view = crossings
    cdef double half = 0.5 * eps
    cdef double q, p, g, delta
    cdef Py_ssize_t c, j, s, piece, new_piece
    cdef long long count
    cdef ExactSum total
    with nogil:
        for c in range(n_chains):
            exact_sum_reset(&total)
            count = 0
            for j in range(d):
                q = q0[c, j]
                p = p0[c, j]
                g = grad_term(family, params, kinks, q)
                piece = piece_of(kinks, q)
                for s in range(n_steps):
                    p = p - half * g
                    q = q + eps * p
                    new_piece = piece_of(kinks, q)
                    count += new_piece - piece if new_piece >= piece else piece - new_piece
                    piece = new_piece
                    g = grad_term(family, params, kinks, q)
                    p = p - half * g
                q_view[c, j] = q
                p_view[c, j] = p
                delta = ((u_term(family, params, kinks, q) - u_term(family, params, kinks, q0[c, j]))
                         + 0.5 * (p * p - p0[c, j] * p0[c, j]))
                exact_sum_add(&total, delta)
            energy_view[c] = exact_sum_result(&total)
            crossing_view[c] = count
    return q_out, p_out, energy, crossings
