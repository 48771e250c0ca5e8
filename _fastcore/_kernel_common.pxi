# cython: language_level=3
"""Inline C pieces shared by the compiled kernels (included, not a module of its own).

The family terms and the exactly rounded sum, in the arithmetic order of the pure twins
(``_leapfrog_py``: ``potential_terms``, ``gradient_terms``, ``exact_sum``), so every kernel
that includes this file (``_leapfrog_c``, ``_splitting_c``) gives their bits. One definition:
both kernels include it.
Family codes: ``_fastcore/_families.py`` (tests/test_splitting_kernel.py checks they agree).
Every function is ``noexcept nogil`` and reads only the arrays it is handed; indices come from
the callers' loops over the arrays' own shapes.
"""
from libc.math cimport NAN, exp, fabs, isfinite, log, log1p, pow, tanh

cdef double LOG2 = log(2.0)

# Same codes as _fastcore/_families.py (tests check they agree).
cdef enum:
    PIECEWISE_QUADRATIC = 0
    POWER = 1
    SOFTPLUS_KINK = 2
    LOGCOSH = 3
    QUARTIC = 4


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
