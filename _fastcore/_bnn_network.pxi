# Included by _bnn_c.pyx: the fused forward/backward pass of a Bayesian MLP (U, grad U,
# pre-activations z and backpropagated r = dU/da), one chain at a time, without the GIL and
# without temporaries (the trajectory: _bnn_leapfrog.pxi; products and row loops:
# _bnn_rows.pxi). Definitions (spec tuple, formulas, return values): the NumPy twin's
# `evaluate` in _bnn_py.py.

cdef class _Network:
    """One network (spec tuple, see _bnn_py.evaluate) with the work buffers of one chain."""

    cdef int code, n_hidden, n, n_in, width, n_out, d
    cdef bint classification, one_in_one_out, one_in_one_out_kinked
    cdef double neg, beta, zero_slope, inv_noise_var
    cdef const double[:, ::1] x
    cdef const double[:, ::1] y
    cdef const long long[::1] labels
    cdef double[::1] prior_var
    cdef Py_ssize_t off_w[3]
    cdef Py_ssize_t off_b[3]
    cdef double[:, :, ::1] act, dact       # a_l and sigma'(z_l) per hidden layer (n x W)
    cdef double[:, ::1] out                # f, then dU/df (n x n_out)
    cdef double[:, ::1] delta              # dU/dz of the hidden layer being backpropagated
    cdef double[:, ::1] w2t                # W2 transposed (two hidden layers up to TRANSPOSED_COPY_WIDTH)
    cdef bint transposed_copy

    def __init__(self, spec):
        code, parameter, at_zero, x, y, noise_sd, prior_sd, sizes = spec
        if code < RELU or code > SOFTPLUS_BETA:
            raise ValueError(f"unknown activation code {code}")
        sizes = tuple(int(s) for s in sizes)  # (wraparound is off: no negative indices below)
        if len(sizes) not in (3, 4) or len(set(sizes[1:len(sizes) - 1])) != 1:
            raise ValueError(f"sizes must be (n_in, W, n_out) or (n_in, W, W, n_out), got {sizes}")
        self.code = code
        self.neg = 0.0 if code == RELU else parameter
        self.beta = parameter
        self.zero_slope = self.neg if at_zero is None else at_zero
        self.x = np.ascontiguousarray(x, dtype=np.float64)
        self.n, self.n_in = self.x.shape[0], self.x.shape[1]
        self.n_hidden, self.width, self.n_out = len(sizes) - 2, sizes[1], sizes[len(sizes) - 1]
        if self.n_in != sizes[0]:
            raise ValueError(f"x has {self.n_in} columns, the network {sizes[0]} inputs")
        self.classification = noise_sd is None
        if self.classification:
            self.labels = np.ascontiguousarray(y, dtype=np.int64)
            self.y = np.zeros((1, 1))
            self.inv_noise_var = 0.0
        else:
            self.y = np.ascontiguousarray(y, dtype=np.float64)
            self.inv_noise_var = 1.0 / noise_sd ** 2
        self.one_in_one_out = self.n_in == 1 and self.n_out == 1 and not self.classification
        self.one_in_one_out_kinked = self.n_hidden == 1 and self.one_in_one_out and code in KINKED_CODES
        sd = np.asarray(prior_sd, dtype=np.float64)
        self.prior_var = sd * sd
        cdef Py_ssize_t k = 0, layer
        for layer in range(len(sizes) - 1):
            self.off_w[layer] = k
            k += sizes[layer] * sizes[layer + 1]
            self.off_b[layer] = k
            k += sizes[layer + 1]
        self.d = k
        if self.prior_var.shape[0] != k:
            raise ValueError(f"prior_sd has {self.prior_var.shape[0]} entries, the network {k} parameters")
        self.act = np.empty((self.n_hidden, self.n, self.width))
        self.dact = np.empty((self.n_hidden, self.n, self.width))
        self.out = np.empty((self.n, self.n_out))
        self.delta = np.empty((self.n, self.width))
        self.transposed_copy = self.n_hidden == 2 and self.width <= TRANSPOSED_COPY_WIDTH
        side = self.width if self.transposed_copy else 0
        self.w2t = np.empty((side, side))

    cdef double potential(self, const double* theta, double* grad, double* z, double* r) noexcept nogil:
        """U(theta) of one chain; with grad != NULL also grad U, and r = dU/da per hidden layer.
        z, r: (n_hidden, n, W) buffers of this chain (pre-activations, backpropagated signals)."""
        if self.n_hidden == 1:
            return self.potential_shallow(theta, grad, z, r)
        return self.potential_layers(theta, grad, z, r)

    cdef double potential_shallow(self, const double* theta, double* grad, double* z, double* r) noexcept nogil:
        """`potential` of a one-hidden-layer network, one data point at a time: its a, sigma'(z)
        and dU/dz rows stay in L1 and only z and r go to memory (the layer-by-layer version
        streamed seven n x W arrays through the cache per gradient). Same operations, in the
        same order per entry, as `potential_layers`."""
        cdef int n = self.n, w = self.width, n_out = self.n_out, n_in = self.n_in
        cdef Py_ssize_t i, j, k, o
        cdef const double* w1 = theta + self.off_w[0]
        cdef const double* b1 = theta + self.off_b[0]
        cdef const double* wo = theta + self.off_w[1]
        cdef const double* bo = theta + self.off_b[1]
        cdef double* a = &self.act[0, 0, 0]      # row buffers (the first W entries)
        cdef double* da = &self.dact[0, 0, 0]
        cdef double* dl = &self.delta[0, 0]
        cdef double* f = &self.out[0, 0]         # one row: f, then dU/df
        cdef double* zl
        cdef double* rl
        cdef double* gw1 = NULL
        cdef double* gb1 = NULL
        cdef double* gwo = NULL
        cdef double* gbo = NULL
        cdef double xv, u = 0.0, lik = 0.0, mx, s, t
        if grad != NULL:
            gw1, gb1, gwo, gbo = grad + self.off_w[0], grad + self.off_b[0], grad + self.off_w[1], grad + self.off_b[1]
            memset(grad, 0, self.d * sizeof(double))
        for i in range(n):
            zl = z + i * w
            if self.one_in_one_out_kinked and grad != NULL:
                # the paper's setting (one input, one output, ReLU): the same operations as
                # below in two passes over the row instead of eleven (loop overhead dominated
                # at width 20)
                u = u + self.row_fused(i, w1, b1, wo, bo, zl, r + i * w, a, da, gw1, gb1, gwo, gbo)
                continue
            memset(zl, 0, w * sizeof(double))
            for k in range(n_in):
                xv = self.x[i, k]
                for j in range(w):
                    zl[j] = zl[j] + xv * w1[k * w + j]
            for j in range(w):
                zl[j] = zl[j] + b1[j]
            _activate_into(self.code, zl, a, da, w, self.neg, self.beta, self.zero_slope)
            for o in range(n_out):
                f[o] = _dot_strided(a, wo + o, w, n_out) + bo[o]
            if self.classification:
                mx = f[0]
                for o in range(1, n_out):
                    if f[o] > mx:
                        mx = f[o]
                t = f[self.labels[i]]
                s = 0.0
                for o in range(n_out):
                    f[o] = exp(f[o] - mx)
                    s = s + f[o]
                u = u + (mx + log(s) - t)
                for o in range(n_out):
                    f[o] = f[o] / s
                f[self.labels[i]] -= 1.0
            else:
                for o in range(n_out):
                    t = f[o] - self.y[i, o]
                    lik = lik + t * t
                    f[o] = t * self.inv_noise_var
            if grad == NULL:
                continue
            rl = r + i * w
            memset(rl, 0, w * sizeof(double))
            for o in range(n_out):
                t = f[o]
                gbo[o] = gbo[o] + t
                for k in range(w):
                    gwo[k * n_out + o] = gwo[k * n_out + o] + a[k] * t
                for k in range(w):
                    rl[k] = rl[k] + t * wo[k * n_out + o]
            for k in range(w):
                dl[k] = rl[k] * da[k]
            for k in range(n_in):
                xv = self.x[i, k]
                for j in range(w):
                    gw1[k * w + j] = gw1[k * w + j] + xv * dl[j]
            for j in range(w):
                gb1[j] = gb1[j] + dl[j]
        if not self.classification:
            u = 0.5 * self.inv_noise_var * (lik + u)  # u holds row_fused's squared residuals
        u = u + 0.5 * _prior_sum(theta, &self.prior_var[0], self.d)
        if grad != NULL:
            for j in range(self.d):
                grad[j] = grad[j] + theta[j] / self.prior_var[j]
        return u

    cdef double row_fused(self, Py_ssize_t i, const double* w1, const double* b1, const double* wo,
                          const double* bo, double* zl, double* rl, double* a, double* da,
                          double* gw1, double* gb1, double* gwo, double* gbo) noexcept nogil:
        """Data point i of a one-input, one-output regression network with a kinked activation:
        z, a, sigma'(z), f, dU/df, r, dU/dz and their gradient terms; returns the squared
        residual. Entry by entry the arithmetic of potential_shallow's general loops."""
        cdef Py_ssize_t j, w = self.width
        cdef double xv = self.x[i, 0], neg = self.neg, zero_slope = self.zero_slope
        cdef double zj, s, e, t, rj, dj, resid
        for j in range(w):
            zj = (0.0 + xv * w1[j]) + b1[j]
            zl[j] = zj
            s = <double>(zj > 0.0)
            e = <double>(zj == 0.0)
            a[j] = s * zj + (1.0 - s) * (neg * zj)
            da[j] = s + (1.0 - s) * (e * zero_slope + (1.0 - e) * neg)
        resid = (_dot_strided(a, wo, w, 1) + bo[0]) - self.y[i, 0]
        t = resid * self.inv_noise_var
        gbo[0] = gbo[0] + t
        for j in range(w):
            gwo[j] = gwo[j] + a[j] * t
            rj = 0.0 + t * wo[j]
            rl[j] = rj
            dj = rj * da[j]
            gw1[j] = gw1[j] + xv * dj
            gb1[j] = gb1[j] + dj
        return resid * resid

    cdef double potential_layers(self, const double* theta, double* grad, double* z, double* r) noexcept nogil:
        """`potential` layer by layer over all data points (two hidden layers: dgemm). With one
        input and one output (regression) the row loops around the products are fused (the
        row_fused idea): one pass over a data point's W entries per layer and direction instead
        of up to four, the same operations in the same order per entry (at width 20 the loop
        overhead of the short rows cost more than their arithmetic)."""
        cdef int n = self.n, w = self.width, n_out = self.n_out, n_in = self.n_in
        cdef Py_ssize_t m = <Py_ssize_t>n * w
        cdef Py_ssize_t i, j, k, o, layer
        cdef double* a
        cdef double* zl
        cdef const double* wt
        cdef const double* b
        cdef double* f = &self.out[0, 0]
        cdef double* dl = &self.delta[0, 0]
        cdef double xv, acc, u = 0.0, mx, s, t
        # -- forward ---------------------------------------------------------------------------
        wt, b = theta + self.off_w[0], theta + self.off_b[0]
        for i in range(n):
            zl = z + i * w
            if self.one_in_one_out:
                _input_forward_row(w, self.x[i, 0], wt, b, zl)
                continue
            memset(zl, 0, w * sizeof(double))
            for k in range(n_in):
                xv = self.x[i, k]
                for j in range(w):
                    zl[j] = zl[j] + xv * wt[k * w + j]
            for j in range(w):
                zl[j] = zl[j] + b[j]
        _activate_into(self.code, z, &self.act[0, 0, 0], &self.dact[0, 0, 0], m,
                       self.neg, self.beta, self.zero_slope)
        if self.n_hidden == 2:
            zl, b = z + m, theta + self.off_b[1]
            _gemm_rowmajor(b'N', b'N', n, w, w, &self.act[0, 0, 0], w, theta + self.off_w[1], w, zl, w)
            for i in range(n):
                for j in range(w):
                    zl[i * w + j] = zl[i * w + j] + b[j]
            _activate_into(self.code, zl, &self.act[1, 0, 0], &self.dact[1, 0, 0], m,
                           self.neg, self.beta, self.zero_slope)
        a = &self.act[self.n_hidden - 1, 0, 0]
        wt, b = theta + self.off_w[self.n_hidden], theta + self.off_b[self.n_hidden]
        for i in range(n):
            for o in range(n_out):
                f[i * n_out + o] = _dot_strided(a + i * w, wt + o, w, n_out) + b[o]
        # -- likelihood and dU/df (overwrites f) -------------------------------------------------
        if self.classification:
            for i in range(n):
                mx = f[i * n_out]
                for o in range(1, n_out):
                    if f[i * n_out + o] > mx:
                        mx = f[i * n_out + o]
                t = f[i * n_out + self.labels[i]]
                s = 0.0
                for o in range(n_out):
                    f[i * n_out + o] = exp(f[i * n_out + o] - mx)
                    s = s + f[i * n_out + o]
                u = u + (mx + log(s) - t)
                for o in range(n_out):
                    f[i * n_out + o] = f[i * n_out + o] / s
                f[i * n_out + self.labels[i]] -= 1.0
        else:
            for i in range(n):
                for o in range(n_out):
                    t = f[i * n_out + o] - self.y[i, o]
                    u = u + t * t
                    f[i * n_out + o] = t * self.inv_noise_var
            u = 0.5 * self.inv_noise_var * u
        u = u + 0.5 * _prior_sum(theta, &self.prior_var[0], self.d)
        if grad == NULL:
            return u
        # -- backward: output layer, then dU/da and dU/dz of the last hidden layer ---------------
        wt = theta + self.off_w[self.n_hidden]
        cdef double* gw = grad + self.off_w[self.n_hidden]
        cdef double* gb = grad + self.off_b[self.n_hidden]
        memset(gw, 0, <Py_ssize_t>w * n_out * sizeof(double))
        memset(gb, 0, n_out * sizeof(double))
        cdef double* rl = r + (self.n_hidden - 1) * m
        cdef double* da = &self.dact[self.n_hidden - 1, 0, 0]
        # loops with the width innermost (vectorised when n_out = 1, the regression case)
        cdef double* gb2 = grad + self.off_b[1]
        if self.n_hidden == 2:
            memset(gb2, 0, w * sizeof(double))
        for i in range(n):
            if self.one_in_one_out and self.n_hidden == 2:
                # dU/dW_out, dU/da_2 = t W_out^T (0 + t w: the general loop's sum from zero),
                # delta_2 and its bias sum in one pass
                t = f[i]
                gb[0] = gb[0] + t
                _output_backward_row(w, t, a + i * w, wt, da + i * w, gw, rl + i * w, dl + i * w, gb2)
                continue
            memset(rl + i * w, 0, w * sizeof(double))
            for o in range(n_out):
                t = f[i * n_out + o]
                gb[o] = gb[o] + t
                for k in range(w):
                    gw[k * n_out + o] = gw[k * n_out + o] + a[i * w + k] * t
                for k in range(w):
                    rl[i * w + k] = rl[i * w + k] + t * wt[k * n_out + o]
            for k in range(w):
                dl[i * w + k] = rl[i * w + k] * da[i * w + k]
        if self.n_hidden == 2:
            # hidden-to-hidden: dU/dW2 = a_1^T delta_2, dU/da_1 = delta_2 W2^T
            gw = grad + self.off_w[1]
            _gemm_rowmajor(b'T', b'N', w, w, n, &self.act[0, 0, 0], w, dl, w, gw, w)
            if not self.one_in_one_out:  # (fused above)
                for i in range(n):
                    for j in range(w):
                        gb2[j] = gb2[j] + dl[i * w + j]
            rl = r
            wt = theta + self.off_w[1]
            if self.transposed_copy:
                for k in range(w):
                    for j in range(w):
                        self.w2t[j, k] = wt[k * w + j]
                _gemm_rowmajor(b'N', b'N', n, w, w, dl, w, &self.w2t[0, 0], w, rl, w)
            else:
                _gemm_rowmajor(b'N', b'T', n, w, w, dl, w, wt, w, rl, w)
            da = &self.dact[0, 0, 0]
            for j in range(m):
                dl[j] = rl[j] * da[j]
        # -- first layer: dU/dW1 = x^T delta_1, dU/db1 = column sums of delta_1 -------------------
        gw, gb = grad + self.off_w[0], grad + self.off_b[0]
        memset(gw, 0, <Py_ssize_t>n_in * w * sizeof(double))
        memset(gb, 0, w * sizeof(double))
        for i in range(n):
            if self.one_in_one_out:
                _input_backward_row(w, self.x[i, 0], dl + i * w, gw, gb)
                continue
            for k in range(n_in):
                xv = self.x[i, k]
                for j in range(w):
                    gw[k * w + j] = gw[k * w + j] + xv * dl[i * w + j]
            for j in range(w):
                gb[j] = gb[j] + dl[i * w + j]
        for j in range(self.d):
            grad[j] = grad[j] + theta[j] / self.prior_var[j]
        return u


def evaluate(spec, theta, bint gradient=True):
    """(u (C,), grad (C, d) or None, [z_l (C, n, W)], [r_l (C, n, W)] or []): see the NumPy twin."""
    cdef _Network net = _Network(spec)
    cdef const double[:, ::1] th = np.ascontiguousarray(theta, dtype=np.float64)
    if th.shape[1] != net.d:
        raise ValueError(f"theta must have shape (n_chains, {net.d}), got {np.shape(theta)}")
    cdef Py_ssize_t n_chains = th.shape[0], c
    u = np.empty(n_chains)
    grad = np.empty((n_chains, net.d)) if gradient else np.empty((0, net.d))
    zs = np.empty((net.n_hidden, n_chains, net.n, net.width))
    rs = np.empty((net.n_hidden, n_chains, net.n, net.width)) if gradient else np.empty((net.n_hidden, 0, net.n, net.width))
    cdef double[::1] uv = u
    cdef double[:, ::1] gv = grad
    cdef double[:, :, :, ::1] zv = zs, rv = rs
    cdef Py_ssize_t layer, m = <Py_ssize_t>net.n * net.width
    # this chain's z and r (every entry written before it is read): pooled, see _take_work_buffer
    work = _take_work_buffer(2 * net.n_hidden * m)
    cdef double[:, :, ::1] zc = work[:net.n_hidden * m].reshape(net.n_hidden, net.n, net.width)
    cdef double[:, :, ::1] rc = work[net.n_hidden * m:].reshape(net.n_hidden, net.n, net.width)
    with nogil:
        for c in range(n_chains):
            uv[c] = net.potential(&th[c, 0], &gv[c, 0] if gradient else NULL, &zc[0, 0, 0], &rc[0, 0, 0])
            for layer in range(net.n_hidden):
                memcpy(&zv[layer, c, 0, 0], &zc[layer, 0, 0], m * sizeof(double))
                if gradient:
                    memcpy(&rv[layer, c, 0, 0], &rc[layer, 0, 0], m * sizeof(double))
    _return_work_buffer(work)
    return u, (grad if gradient else None), list(zs), (list(rs) if gradient else [])
