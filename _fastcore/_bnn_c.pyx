# distutils: extra_compile_args = -fno-trapping-math
# cython: language_level=3
# cython: boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
"""Compiled kernels of a Bayesian MLP; twin of ``_fastcore._bnn_py``.

Same names as the NumPy twin and the same numbers, except that the fused network kernels
(`evaluate`, `leapfrog`: _bnn_network.pxi, _bnn_leapfrog.pxi) sum their matrix products in
another order (agreement to round-off; see the twin's docstring). Every loop runs over
C-contiguous float64 buffers without the GIL. -fno-trapping-math (first line) lets GCC
vectorise comparisons; it changes no value (no reassociation; -ffp-contract=off stays).

Instruction sets. This module is built for the baseline of its platform (SSE2 on x86-64). The
same kernels (_bnn_kernels.pxi) are also built as _bnn_x86v3 (-march=x86-64-v3: AVX2) and
_bnn_x86v4 (-march=x86-64-v4, 256-bit vectors: AVX-512VL) on x86-64 (setup.py); at import the
fused `evaluate` and `leapfrog` are taken from the widest build that this CPU runs (`ISA`).
Wider vectors, the same operations in the same order: no FMA (-ffp-contract=off), no
reassociation, so every build gives the same bits (tests/test_bnn_kernel.py checks it). A JAX
jit compiles for the host CPU in the same way; the baseline build alone ran the network kernels
1.4-1.5x slower on an AVX-512 Xeon (README, Bayesian-network kernels).

Safety of the directives: indices come from ``range`` over the buffers' own sizes
(boundscheck/wraparound off); divisions are by 1 + exp(-|z|) >= 1 or by z0 - z1, which is
non-zero wherever it is evaluated (only when the signs of z0 and z1 differ) (cdivision on).
"""
include "_bnn_kernels.pxi"

cdef extern from *:
    """
    /* 1 if this CPU (and OS) runs code built with -march=x86-64-v<level>; 0 where unknown */
    static int relu_hmc_cpu_level(int level) {
    #if (defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12)
        __builtin_cpu_init();
        if (level == 3) return __builtin_cpu_supports("x86-64-v3");
        if (level == 4) return __builtin_cpu_supports("x86-64-v4");
    #endif
        return 0;
    }
    """
    int relu_hmc_cpu_level(int level)


def _fused_builds():
    """{instruction set: (evaluate, leapfrog)} of every build of the fused kernels this CPU runs."""
    import importlib

    builds = {"baseline": (evaluate, leapfrog)}
    for level in (3, 4):
        if relu_hmc_cpu_level(level):
            try:
                module = importlib.import_module(f"{__name__.rpartition('.')[0]}._bnn_x86v{level}")
            except ImportError:  # not built (not x86-64, or the compiler lacks -march=x86-64-v<level>)
                continue
            builds[f"x86-64-v{level}"] = (module.evaluate, module.leapfrog)
    return builds


#: every build of the fused `evaluate` / `leapfrog` that this CPU runs, baseline first
FUSED_BUILDS = _fused_builds()
#: the instruction set of the fused kernels in use: the widest of FUSED_BUILDS
ISA = [*FUSED_BUILDS][len(FUSED_BUILDS) - 1]  # (wraparound is off: no [-1])
evaluate, leapfrog = FUSED_BUILDS[ISA]
