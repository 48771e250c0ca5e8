# Included by _bnn_c.pyx after _bnn_network.pxi: the leapfrog trajectory of every chain with
# its crossing bookkeeping, chain by chain without the GIL (definitions: the NumPy twin's
# `leapfrog` in _bnn_py.py; the network's U and gradient: _Network.potential).


cdef inline double _squared_norm(const double* v, Py_ssize_t n) noexcept nogil:
    """sum_j v_j^2 in four interleaved partial sums: as one chain of dependent additions, these
    two per step and the prior sum per gradient cost about a tenth of a step (width 20, two
    layers, d = 481)."""
    return _dot_strided(v, v, n, 1)


cdef void _crossings(const double* a, const double* b, const double* ra, const double* rb,
                     Py_ssize_t m, double jump, double* total, long long* count) noexcept nogil:
    """Add the predicted contributions and the number of sign changes between z0 = a and z1 = b
    (the loop of crossing_contributions, left to right)."""
    cdef Py_ssize_t j, lo = 0, hi
    cdef double theta, r, s = 0.0
    cdef long long k = 0, changed
    while lo < m:
        # count first, in blocks (a branch-free integer sum); most blocks have no crossing
        hi = lo + 256 if lo + 256 < m else m
        changed = 0
        for j in range(lo, hi):
            changed = changed + ((a[j] > 0.0) != (b[j] > 0.0))
        if changed:
            for j in range(lo, hi):
                if (a[j] > 0.0) != (b[j] > 0.0):
                    theta = a[j] / (a[j] - b[j])
                    r = ra[j] + theta * (rb[j] - ra[j])
                    s = s + (0.5 - theta) * jump * fabs(b[j] - a[j]) * r
            k += changed
        lo = hi
    total[0] = total[0] + s
    count[0] += k


#: spare work buffers of `leapfrog` (z and r, old and new, of one chain), reused across calls:
#: fresh buffers of this size were mapped anew per call, and their page faults were a third of
#: the CPU time of a one-chain trajectory at width 500 (README, Bayesian-network kernels).
#: list.pop / append are atomic under the GIL, so concurrent calls never share a buffer.
_WORK_POOL = []
_WORK_POOL_SIZE = 2                  # buffers kept at most
_WORK_POOL_MAX_ENTRIES = 1 << 23     # largest buffer kept (64 MB); larger ones are freed


def _take_work_buffer(Py_ssize_t n_entries):
    """A float64 array of n_entries from the pool (its contents are garbage) or a new one."""
    try:
        spare = _WORK_POOL.pop()
    except IndexError:
        return np.empty(n_entries)
    return spare[:n_entries] if spare.shape[0] >= n_entries else np.empty(n_entries)


def _return_work_buffer(buffer):
    base = buffer if buffer.base is None else buffer.base
    if base.shape[0] <= _WORK_POOL_MAX_ENTRIES and len(_WORK_POOL) < _WORK_POOL_SIZE:
        _WORK_POOL.append(base)


def leapfrog(spec, q0, p0, double eps, int n_steps, u0, g0, z0, r0, double jump):
    """`n_steps` leapfrog steps with crossing bookkeeping for every chain: see the NumPy twin.
    u0 = g0 = z0 = r0 = None: each chain's start is evaluated here, just before its trajectory,
    into the chain's own buffers (the same `potential`, so the same bits as `evaluate`): no
    (C, n, W) arrays of z and r for all chains, which at width 500 and 64 chains were 51 MB of
    fresh memory written by `evaluate` and read back cold here, per chain twice the time of a
    gradient (README, Bayesian-network kernels)."""
    cdef _Network net = _Network(spec)
    q = np.array(q0, dtype=np.float64, order="C", copy=True)
    p = np.array(p0, dtype=np.float64, order="C", copy=True)
    cdef Py_ssize_t n_chains = q.shape[0], d = net.d, c, j, s, layer
    cdef Py_ssize_t m = <Py_ssize_t>net.n * net.width, hm = net.n_hidden * m
    cdef double[:, ::1] qv = q, pv = p
    cdef const double[:, ::1] p0v = np.ascontiguousarray(p0, dtype=np.float64)
    cdef bint given_start = u0 is not None
    if not given_start:  # empty placeholders: nothing is read from them
        u0, g0 = np.empty(0), np.empty((0, d))
        z0 = r0 = [np.empty((0, net.n, net.width))] * net.n_hidden
    cdef const double[::1] u0v = np.ascontiguousarray(u0, dtype=np.float64)
    cdef const double[:, ::1] g0v = np.ascontiguousarray(g0, dtype=np.float64)
    # the start's z and r per hidden layer, (C, n, W) each, read in place (no stacked copy: at 64
    # chains of width 500 that copy alone was 50 MB of fresh memory per trajectory)
    cdef const double[:, :, ::1] z0_first = np.ascontiguousarray(z0[0], dtype=np.float64)
    cdef const double[:, :, ::1] r0_first = np.ascontiguousarray(r0[0], dtype=np.float64)
    cdef const double[:, :, ::1] z0_last = np.ascontiguousarray(z0[net.n_hidden - 1], dtype=np.float64)
    cdef const double[:, :, ::1] r0_last = np.ascontiguousarray(r0[net.n_hidden - 1], dtype=np.float64)
    energy, predicted, boundary, u_end = (np.zeros(n_chains) for _ in range(4))
    crossings = np.zeros(n_chains, dtype=np.int64)
    step_dh, step_pred, step_bound = (np.zeros((n_steps, n_chains)) for _ in range(3))
    step_cross = np.zeros((n_steps, n_chains), dtype=np.int64)
    cdef double[::1] ev = energy, pv_ = predicted, bv = boundary, uv = u_end
    cdef long long[::1] cv = crossings
    cdef double[:, ::1] sdh = step_dh, spred = step_pred, sbound = step_bound
    cdef long long[:, ::1] scross = step_cross
    # per chain: two sets (old, new) of gradient, z and r, swapped after every step (every entry
    # is written before it is read: the pooled buffers' old contents never matter)
    cdef double[:, ::1] gbuf = np.empty((2, d))
    work = _take_work_buffer(4 * hm)
    cdef double[:, ::1] zbuf = work[:2 * hm].reshape(2, hm), rbuf = work[2 * hm:].reshape(2, hm)
    cdef bint kinked = net.code == RELU or net.code == LEAKY_RELU
    cdef double half = 0.5 * eps, u_old, u_new, kin_old, kin_new, g2_old, g2_new, total, ksum, kc, term, tt
    cdef double bscale = eps * eps / 8.0, g2_0, u_start
    cdef long long count
    cdef int old, new
    cdef double* qc
    cdef double* pc
    with nogil:
        for c in range(n_chains):
            qc, pc = &qv[c, 0], &pv[c, 0]
            old, new = 0, 1
            if given_start:
                memcpy(&gbuf[old, 0], &g0v[c, 0], d * sizeof(double))
                memcpy(&zbuf[old, 0], &z0_first[c, 0, 0], m * sizeof(double))
                memcpy(&rbuf[old, 0], &r0_first[c, 0, 0], m * sizeof(double))
                if net.n_hidden == 2:
                    memcpy(&zbuf[old, m], &z0_last[c, 0, 0], m * sizeof(double))
                    memcpy(&rbuf[old, m], &r0_last[c, 0, 0], m * sizeof(double))
                u_start = u0v[c]
            else:
                u_start = net.potential(qc, &gbuf[old, 0], &zbuf[old, 0], &rbuf[old, 0])
            u_old = u_start
            kin_old = 0.5 * _squared_norm(pc, d)
            g2_old = _squared_norm(&gbuf[old, 0], d)
            g2_0 = g2_old
            for s in range(n_steps):
                for j in range(d):
                    pc[j] = pc[j] - half * gbuf[old, j]
                for j in range(d):
                    qc[j] = qc[j] + eps * pc[j]
                u_new = net.potential(qc, &gbuf[new, 0], &zbuf[new, 0], &rbuf[new, 0])
                for j in range(d):
                    pc[j] = pc[j] - half * gbuf[new, j]
                if kinked:
                    total, count = 0.0, 0
                    for layer in range(net.n_hidden):
                        _crossings(&zbuf[old, layer * m], &zbuf[new, layer * m], &rbuf[old, layer * m],
                                   &rbuf[new, layer * m], m, jump, &total, &count)
                    spred[s, c] = total
                    scross[s, c] = count
                    pv_[c] = pv_[c] + total
                    cv[c] += count
                kin_new = 0.5 * _squared_norm(pc, d)
                g2_new = _squared_norm(&gbuf[new, 0], d)
                sdh[s, c] = (u_new - u_old) + (kin_new - kin_old)
                sbound[s, c] = bscale * (g2_new - g2_old)
                u_old, kin_old, g2_old = u_new, kin_new, g2_new
                old, new = new, old
            # kinetic part of dH by a compensated (Neumaier) sum: the difference of two large
            # sums would lose the digits of a small dH at large d
            ksum, kc = 0.0, 0.0
            for j in range(d):
                term = 0.5 * (pc[j] * pc[j] - p0v[c, j] * p0v[c, j])
                tt = ksum + term
                if fabs(ksum) >= fabs(term):
                    kc = kc + ((ksum - tt) + term)
                else:
                    kc = kc + ((term - tt) + ksum)
                ksum = tt
            ev[c] = (u_old - u_start) + (ksum + kc)
            bv[c] = bscale * (g2_old - g2_0)
            uv[c] = u_old
    _return_work_buffer(work)
    return (q, p, energy, crossings, predicted, boundary, u_end,
            step_dh, step_pred, step_cross, step_bound)
