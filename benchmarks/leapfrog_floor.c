/* The arithmetic floor for benchmarks/leapfrog.py: the leapfrog kernel of
 * _fastcore/_leapfrog_c.pyx for the piecewise-quadratic family (gaussian, laplace,
 * piecewise linear), written as a plain C loop with raw pointers and no Python anywhere.
 *
 * Same algorithm, same arithmetic order, same outputs as the Cython kernel: final (q, p),
 * the energy error per chain summed exactly (CPython's math.fsum algorithm, Shewchuk), and
 * the kink crossings per chain. benchmarks/leapfrog.py compiles it with
 *     cc -O3 -ffp-contract=off -shared -fPIC
 * (the flags setup.py uses for the extension) and checks that it returns the kernel's numbers.
 * No Python call sits inside the timed region: the function repeats the work itself.
 */
#include <math.h>
#include <stddef.h>

#define MAX_PARTIALS 2100

typedef struct {
    ptrdiff_t n;
    double special;
    int overflow;
    double partials[MAX_PARTIALS];
} exact_sum;

static inline void exact_sum_add(exact_sum *acc, double x) {
    ptrdiff_t i = 0;
    double xsave = x;
    for (ptrdiff_t j = 0; j < acc->n; j++) {
        double y = acc->partials[j];
        if (fabs(x) < fabs(y)) { double t = x; x = y; y = t; }
        double hi = x + y;
        double lo = y - (hi - x);
        if (lo != 0.0) acc->partials[i++] = lo;
        x = hi;
    }
    acc->n = i;
    if (x != 0.0) {
        if (!isfinite(x)) {
            if (isfinite(xsave)) acc->overflow = 1;
            acc->special += xsave;
            acc->n = 0;
        } else {
            acc->partials[acc->n++] = x;
        }
    }
}

static inline double exact_sum_result(exact_sum *acc) {
    ptrdiff_t n = acc->n;
    double hi = 0.0, lo = 0.0, x, y;
    if (acc->overflow) return NAN;
    if (acc->special != 0.0) return acc->special;
    if (n > 0) {
        hi = acc->partials[--n];
        while (n > 0) {
            x = hi;
            y = acc->partials[--n];
            hi = x + y;
            lo = y - (hi - x);
            if (lo != 0.0) break;
        }
        if (n > 0 && ((lo < 0.0 && acc->partials[n - 1] < 0.0) || (lo > 0.0 && acc->partials[n - 1] > 0.0))) {
            y = lo * 2.0;
            x = hi + y;
            if (y == x - hi) hi = x;
        }
    }
    return hi;
}

static inline ptrdiff_t piece_of(const double *kinks, ptrdiff_t n_kinks, double x) {
    ptrdiff_t i = 0;
    for (ptrdiff_t k = 0; k < n_kinks; k++) i += kinks[k] <= x;
    return i;
}

/* Coordinates in blocks of BLOCK, steps outside the loop over the block (independent
 * recursions overlap; a lone coordinate is latency bound), one specialised loop for a single
 * quadratic piece (gaussian: vectorises) and one for kinked pieces. */
#define BLOCK 256

static void run(const double *params, const double *kinks, ptrdiff_t n_kinks,
                const double *q0, const double *p0, double *q_out, double *p_out,
                double *energy, long long *crossings, ptrdiff_t n_chains, ptrdiff_t d,
                double eps, ptrdiff_t n_steps) {
    const ptrdiff_t n = n_kinks + 1;
    const double *curv = params, *slope = params + n, *offset = params + 2 * n;
    const double half = 0.5 * eps;
    double qb[BLOCK], pb[BLOCK], gb[BLOCK];
    ptrdiff_t pc[BLOCK];
    exact_sum total;
    for (ptrdiff_t c = 0; c < n_chains; c++) {
        total.n = 0; total.special = 0.0; total.overflow = 0;
        long long count = 0;
        for (ptrdiff_t j0 = 0; j0 < d; j0 += BLOCK) {
            const ptrdiff_t m = d - j0 < BLOCK ? d - j0 : BLOCK;
            for (ptrdiff_t j = 0; j < m; j++) {
                double x = q0[c * d + j0 + j];
                ptrdiff_t i = piece_of(kinks, n_kinks, x);
                qb[j] = x; pb[j] = p0[c * d + j0 + j]; pc[j] = i;
                gb[j] = curv[i] * x + slope[i];
            }
            if (n_kinks == 0) {
                const double a = curv[0], b = slope[0];
                for (ptrdiff_t s = 0; s < n_steps; s++)
                    for (ptrdiff_t j = 0; j < m; j++) {
                        double p = pb[j] - half * gb[j];
                        double q = qb[j] + eps * p;
                        double g = a * q + b;
                        gb[j] = g; pb[j] = p - half * g; qb[j] = q;
                    }
            } else {
                for (ptrdiff_t s = 0; s < n_steps; s++)
                    for (ptrdiff_t j = 0; j < m; j++) {
                        double p = pb[j] - half * gb[j];
                        double q = qb[j] + eps * p;
                        ptrdiff_t i = piece_of(kinks, n_kinks, q);
                        ptrdiff_t change = i - pc[j];
                        count += change >= 0 ? change : -change;
                        pc[j] = i;
                        double g = curv[i] * q + slope[i];
                        gb[j] = g; pb[j] = p - half * g; qb[j] = q;
                    }
            }
            for (ptrdiff_t j = 0; j < m; j++) {
                double q = qb[j], p = pb[j], qs = q0[c * d + j0 + j], ps = p0[c * d + j0 + j];
                ptrdiff_t i = pc[j], i0 = piece_of(kinks, n_kinks, qs);
                q_out[c * d + j0 + j] = q;
                p_out[c * d + j0 + j] = p;
                double u_end = 0.5 * curv[i] * q * q + slope[i] * q + offset[i];
                double u_start = 0.5 * curv[i0] * qs * qs + slope[i0] * qs + offset[i0];
                exact_sum_add(&total, (u_end - u_start) + 0.5 * (p * p - ps * ps));
            }
        }
        energy[c] = exact_sum_result(&total);
        crossings[c] = count;
    }
}

/* params = curv[K+1], slope[K+1], offset[K+1] as in _fastcore/_families.py. Runs the whole
 * computation `repeats` times (the benchmark times the loop, not the ctypes call). */
void leapfrog_piecewise_quadratic(const double *params, const double *kinks, ptrdiff_t n_kinks,
                                  const double *q0, const double *p0, double *q_out, double *p_out,
                                  double *energy, long long *crossings,
                                  ptrdiff_t n_chains, ptrdiff_t d, double eps, ptrdiff_t n_steps,
                                  ptrdiff_t repeats) {
    for (ptrdiff_t r = 0; r < repeats; r++)
        run(params, kinks, n_kinks, q0, p0, q_out, p_out, energy, crossings, n_chains, d, eps, n_steps);
}
