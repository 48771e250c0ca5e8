"""Build the compiled kernels in _fastcore/ (Cython against the NumPy C headers).

Every ``_fastcore/_*_c.pyx`` becomes the extension ``_fastcore._*_c``; its pure-NumPy twin
``_fastcore/_*_py.py`` has the same public names and is used when the extension is absent
or ``RELU_HMC_PURE=1`` is set.
"""
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

# -ffp-contract=off: no fused multiply-add, so compiled and pure-NumPy arithmetic agree
# bit for bit on the elementwise operations (FMA is the default contraction on aarch64).
COMPILE_ARGS = ["-O3", "-ffp-contract=off"]

extensions = [
    Extension(
        f"_fastcore.{pyx.stem}",
        [str(pyx)],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=COMPILE_ARGS,
    )
    for pyx in sorted(Path("_fastcore").glob("_*_c.pyx"))
]

setup(
    packages=["relu_hmc", "relu_hmc.commands", "relu_hmc.claims", "theory", "numerics", "_fastcore"],
    package_data={"_fastcore": ["*.pyx", "*.pxd"]},
    ext_modules=cythonize(extensions, language_level=3),
)
