# Included by _bnn_kernels.pxi before _bnn_network.pxi: the products and row loops of the
# network kernels (the _Network class: _bnn_network.pxi).
#
# Matrix products. The first layer (fan_in = n_in, a few inputs) and the output layer
# (fan_out = n_out, a few outputs) are loops whose inner index runs over the width, contiguous
# in memory. The hidden-to-hidden product of a two-layer network (n x W x W, three per
# gradient) goes to BLAS dgemm: SciPy's, found at import through its Cython C-API capsule
# (scipy.linalg.cython_blas), so building needs no BLAS headers.
from cpython.pycapsule cimport PyCapsule_GetName, PyCapsule_GetPointer
from libc.math cimport log
from libc.string cimport memcpy, memset

ctypedef void (*dgemm_t)(char *transa, char *transb, int *m, int *n, int *k, double *alpha,
                         double *a, int *lda, double *b, int *ldb, double *beta, double *c,
                         int *ldc) noexcept nogil


cdef dgemm_t _load_dgemm() except NULL:
    from scipy.linalg import cython_blas

    capsule = cython_blas.__pyx_capi__["dgemm"]
    return <dgemm_t>PyCapsule_GetPointer(capsule, PyCapsule_GetName(capsule))


cdef dgemm_t dgemm = _load_dgemm()


cdef inline void _gemm_rowmajor(char ta, char tb, int m, int n, int k, const double* a, int lda,
                                const double* b, int ldb, double* c, int ldc) noexcept nogil:
    """Row-major C (m x n) = op(A) @ op(B) via column-major dgemm on the transposes."""
    cdef double one = 1.0, zero = 0.0
    dgemm(&tb, &ta, &n, &m, &k, &one, <double*>b, &ldb, <double*>a, &lda, &zero, c, &ldc)


cdef extern from *:
    # restrict-qualified pointers: promise the compiler that a loop's arrays do not overlap,
    # so that it vectorises loops that write several arrays (it gave up on aliasing checks)
    ctypedef double* double_r "double *__restrict__"
    ctypedef const double* cdouble_r "const double *__restrict__"


cdef inline void _output_backward_row(Py_ssize_t w, double t, cdouble_r a, cdouble_r wo, cdouble_r da,
                                      double_r gwo, double_r r, double_r delta, double_r gb) noexcept nogil:
    """One data point of a one-output network, last hidden layer: dU/dW_out += a t, r = dU/da =
    0 + t w_out (the general loop's sum from zero), delta = r sigma'(z), dU/db += delta."""
    cdef Py_ssize_t k
    cdef double rk, dk
    for k in range(w):
        gwo[k] = gwo[k] + a[k] * t
        rk = 0.0 + t * wo[k]
        r[k] = rk
        dk = rk * da[k]
        delta[k] = dk
        gb[k] = gb[k] + dk


cdef inline void _input_backward_row(Py_ssize_t w, double xv, cdouble_r delta, double_r gw, double_r gb) noexcept nogil:
    """One data point of a one-input network, first layer: dU/dW_1 += x delta, dU/db_1 += delta."""
    cdef Py_ssize_t j
    for j in range(w):
        gw[j] = gw[j] + xv * delta[j]
        gb[j] = gb[j] + delta[j]


cdef inline void _input_forward_row(Py_ssize_t w, double xv, cdouble_r wt, cdouble_r b, double_r z) noexcept nogil:
    """One data point of a one-input network, first layer: z = (0 + x w) + b (the general loop's
    sum from zero, then the bias)."""
    cdef Py_ssize_t j
    for j in range(w):
        z[j] = (0.0 + xv * wt[j]) + b[j]


#: widest hidden layer for which dU/da_1 = delta_2 W2^T goes to dgemm as delta_2 @ (a copy of W2^T):
#: OpenBLAS runs small products without transposes in its small-matrix kernel, while the
#: transposed form takes the general path (packing; a tenth of the time at width 20). The copy
#: costs W^2 moves per gradient, nothing next to n W^2 multiply-adds at small widths.
TRANSPOSED_COPY_WIDTH = 64


cdef inline double _prior_sum(const double* theta, const double* var, Py_ssize_t d) noexcept nogil:
    """sum_j theta_j^2 / var_j in four interleaved partial sums (as _dot_strided: the d terms
    are not one chain of dependent additions; a fixed order, the same in every build)."""
    cdef double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    cdef Py_ssize_t j = 0
    while j + 4 <= d:
        s0 = s0 + theta[j] * theta[j] / var[j]
        s1 = s1 + theta[j + 1] * theta[j + 1] / var[j + 1]
        s2 = s2 + theta[j + 2] * theta[j + 2] / var[j + 2]
        s3 = s3 + theta[j + 3] * theta[j + 3] / var[j + 3]
        j += 4
    while j < d:
        s0 = s0 + theta[j] * theta[j] / var[j]
        j += 1
    return (s0 + s1) + (s2 + s3)


cdef inline double _dot_strided(const double* a, const double* b, Py_ssize_t n, Py_ssize_t stride) noexcept nogil:
    """sum_k a[k] b[k * stride] in four interleaved partial sums (independent additions: the
    loop is not one chain of dependent adds)."""
    cdef double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    cdef Py_ssize_t k = 0
    while k + 4 <= n:
        s0 = s0 + a[k] * b[k * stride]
        s1 = s1 + a[k + 1] * b[(k + 1) * stride]
        s2 = s2 + a[k + 2] * b[(k + 2) * stride]
        s3 = s3 + a[k + 3] * b[(k + 3) * stride]
        k += 4
    while k < n:
        s0 = s0 + a[k] * b[k * stride]
        k += 1
    return (s0 + s1) + (s2 + s3)
