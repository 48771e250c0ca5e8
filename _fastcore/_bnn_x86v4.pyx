# cython: language_level=3
# cython: boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
"""The kernels of _bnn_c built for x86-64-v4 (compile flags: setup.py); _bnn_c imports its fused
`evaluate` and `leapfrog` when the CPU runs them (see _bnn_c's docstring)."""
include "_bnn_kernels.pxi"
