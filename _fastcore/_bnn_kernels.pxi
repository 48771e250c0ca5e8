# Included by _bnn_c.pyx and by its instruction-set builds _bnn_x86v3.pyx / _bnn_x86v4.pyx:
# every kernel of the Bayesian MLP (the module docstring of _bnn_c.pyx says what and how).
import numpy as np

from libc.math cimport erf, exp, fabs, log1p, sqrt, tanh

cdef enum:
    RELU = 0
    LEAKY_RELU = 1
    GELU = 2
    SIGMOID = 3
    TANH = 4
    SOFTPLUS = 5
    SOFTPLUS_BETA = 6

BACKEND = "cython"
KINKED_CODES = (RELU, LEAKY_RELU)

cdef double INV_SQRT2 = 1.0 / sqrt(2.0)
cdef double INV_SQRT2PI = 1.0 / sqrt(2.0 * 3.141592653589793)


cdef void _activate_into(int code, const double* zf, double* af, double* daf, Py_ssize_t n,
                         double neg, double beta, double zero_slope) noexcept nogil:
    """a = sigma(z), da = sigma'(z) over n contiguous values (see `activate`)."""
    cdef Py_ssize_t j
    cdef double x, e, s, cdf, t
    if code == RELU or code == LEAKY_RELU:
        # no branch: the sign of z is a coin flip per unit, and a branch mispredicted half
        # the time dominated the activation's cost
        for j in range(n):
            # s * u + (1 - s) * v with s in {0, 1} is exactly u or v (finite u, v): the same
            # numbers as the if/else, without a branch the compiler would not turn into a select
            x = zf[j]
            s = <double>(x > 0.0)
            e = <double>(x == 0.0)
            af[j] = s * x + (1.0 - s) * (neg * x)
            daf[j] = s + (1.0 - s) * (e * zero_slope + (1.0 - e) * neg)
    elif code == GELU:
        for j in range(n):
            x = zf[j]
            cdf = 0.5 * (1.0 + erf(x * INV_SQRT2))
            af[j] = x * cdf
            daf[j] = cdf + x * (INV_SQRT2PI * exp(-0.5 * x * x))
    elif code == SIGMOID:
        for j in range(n):
            x = zf[j]
            e = exp(-fabs(x))
            s = 1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)
            af[j] = s
            daf[j] = s * (1.0 - s)
    elif code == TANH:
        for j in range(n):
            t = tanh(zf[j])
            af[j] = t
            daf[j] = 1.0 - t * t
    elif code == SOFTPLUS:
        for j in range(n):
            x = zf[j]
            e = exp(-fabs(x))
            af[j] = (x if x > 0.0 else 0.0) + log1p(e)
            daf[j] = 1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)
    else:  # SOFTPLUS_BETA: log(1 + e^(beta z)) / beta
        for j in range(n):
            x = zf[j]
            e = exp(-beta * fabs(x))
            af[j] = (x if x > 0.0 else 0.0) + log1p(e) / beta
            daf[j] = 1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)


def activate(int code, z, double slope, at_zero=None):
    """(sigma(z), sigma'(z)) elementwise for activation `code`; `slope` is leaky_relu's negative
    slope or softplus_beta's beta; `at_zero` (kinked only) the derivative at z == 0 exactly."""
    if code < RELU or code > SOFTPLUS_BETA:
        raise ValueError(f"unknown activation code {code}")
    zc = np.ascontiguousarray(z, dtype=np.float64)
    cdef const double[::1] zf = zc.reshape(-1)
    a = np.empty(zc.shape, dtype=np.float64)
    da = np.empty(zc.shape, dtype=np.float64)
    cdef double[::1] af = a.reshape(-1), daf = da.reshape(-1)
    cdef double neg = 0.0 if code == RELU else slope
    cdef double zero_slope = neg if at_zero is None else <double>at_zero
    if zf.shape[0] > 0:
        with nogil:
            _activate_into(code, &zf[0], &af[0], &daf[0], zf.shape[0], neg, slope, zero_slope)
    return a, da


def backprop_delta(r, da):
    """dU/dz = dU/da * sigma'(z), elementwise."""
    rc = np.ascontiguousarray(r, dtype=np.float64)
    dc = np.ascontiguousarray(da, dtype=np.float64)
    if rc.shape != dc.shape:
        raise ValueError(f"shapes differ: {rc.shape} and {dc.shape}")
    out = np.empty(rc.shape, dtype=np.float64)
    cdef const double[::1] rf = rc.reshape(-1), df = dc.reshape(-1)
    cdef double[::1] of = out.reshape(-1)
    cdef Py_ssize_t j
    with nogil:
        for j in range(rf.shape[0]):
            of[j] = rf[j] * df[j]
    return out


def pattern(int code, z):
    """int8 1[z > 0] per unit and data point, (n_chains, m); (n_chains, 0) if smooth."""
    zc = np.ascontiguousarray(z, dtype=np.float64)
    cdef Py_ssize_t n_chains = zc.shape[0]
    if code != RELU and code != LEAKY_RELU:
        return np.zeros((n_chains, 0), dtype=np.int8)
    zc = zc.reshape(n_chains, -1)
    out = np.empty(zc.shape, dtype=np.int8)
    cdef const double[:, ::1] zv = zc
    cdef signed char[:, ::1] ov = out
    cdef Py_ssize_t c, j
    with nogil:
        for c in range(zv.shape[0]):
            for j in range(zv.shape[1]):
                ov[c, j] = 1 if zv[c, j] > 0.0 else 0
    return out


def count_changes(old, new):
    """Number of labels that differ, per chain (row)."""
    cdef const signed char[:, ::1] a = np.ascontiguousarray(old, dtype=np.int8)
    cdef const signed char[:, ::1] b = np.ascontiguousarray(new, dtype=np.int8)
    if a.shape[0] != b.shape[0] or a.shape[1] != b.shape[1]:
        raise ValueError("label arrays must have the same shape")
    counts = np.zeros(a.shape[0], dtype=np.int64)
    cdef long long[::1] cv = counts
    cdef Py_ssize_t c, j
    cdef long long k
    with nogil:
        for c in range(a.shape[0]):
            k = 0
            for j in range(a.shape[1]):
                if a[c, j] != b[c, j]:
                    k += 1
            cv[c] = k
    return counts


def crossing_contributions(z0, z1, r0, r1, double jump):
    """Predicted energy error of the kink crossings of one leapfrog step, per chain.

    Returns (sums (n_chains,), counts (n_chains,)); see the NumPy twin for the formula.
    """
    cdef Py_ssize_t n_chains = np.shape(z0)[0]
    cdef const double[:, ::1] a = np.ascontiguousarray(z0, dtype=np.float64).reshape(n_chains, -1)
    cdef const double[:, ::1] b = np.ascontiguousarray(z1, dtype=np.float64).reshape(n_chains, -1)
    cdef const double[:, ::1] ra = np.ascontiguousarray(r0, dtype=np.float64).reshape(n_chains, -1)
    cdef const double[:, ::1] rb = np.ascontiguousarray(r1, dtype=np.float64).reshape(n_chains, -1)
    sums = np.zeros(n_chains, dtype=np.float64)
    counts = np.zeros(n_chains, dtype=np.int64)
    cdef double[::1] sv = sums
    cdef long long[::1] cv = counts
    cdef Py_ssize_t c, j
    cdef double theta, r, total
    cdef long long k
    with nogil:
        for c in range(n_chains):
            total = 0.0
            k = 0
            for j in range(a.shape[1]):
                if (a[c, j] > 0.0) != (b[c, j] > 0.0):
                    theta = a[c, j] / (a[c, j] - b[c, j])
                    r = ra[c, j] + theta * (rb[c, j] - ra[c, j])
                    total = total + (0.5 - theta) * jump * fabs(b[c, j] - a[c, j]) * r
                    k += 1
            sv[c] = total
            cv[c] = k
    return sums, counts


include "_bnn_rows.pxi"
include "_bnn_network.pxi"
include "_bnn_leapfrog.pxi"
