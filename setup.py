"""Build the compiled kernels in _fastcore/ (Cython against the NumPy C headers).

The repository's top-level folders theory/, numerics/ and _fastcore/ install inside the one
namespace ``relu_hmc`` (``relu_hmc.theory``, ``relu_hmc.numerics``, ``relu_hmc._fastcore``;
``package_dir`` maps them), so nothing generic lands at the top of site-packages.

Every ``_fastcore/_*_c.pyx`` becomes the extension ``relu_hmc._fastcore._*_c``; its pure-NumPy
twin ``_fastcore/_*_py.py`` has the same public names and is used when the extension is absent
or ``RELU_HMC_PURE=1`` is set.
"""
import platform
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

# -ffp-contract=off: no fused multiply-add, so compiled and pure-NumPy arithmetic agree
# bit for bit on the elementwise operations (FMA is the default contraction on aarch64).
COMPILE_ARGS = ["-O3", "-ffp-contract=off"]

#: installed package name -> folder in this repository
PACKAGE_DIR = {
    "relu_hmc": "relu_hmc",
    "relu_hmc.commands": "relu_hmc/commands",
    "relu_hmc.claims": "relu_hmc/claims",
    "relu_hmc.theory": "theory",
    "relu_hmc.numerics": "numerics",
    "relu_hmc._fastcore": "_fastcore",
}

extensions = [
    Extension(
        f"relu_hmc._fastcore.{pyx.stem}",
        [str(pyx)],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=COMPILE_ARGS,
    )
    for pyx in sorted(Path("_fastcore").glob("_*_c.pyx"))
]

#: The network kernels once more for wider x86-64 vectors (same sources, same numbers: no FMA,
#: no reassociation); _bnn_c uses the widest build the CPU runs. optional: a compiler without
#: these -march levels (GCC < 11) skips them and _bnn_c keeps its baseline build.
BNN_ISA_FLAGS = {
    "_bnn_x86v3": ["-march=x86-64-v3"],
    "_bnn_x86v4": ["-march=x86-64-v4", "-mprefer-vector-width=256"],
}
if platform.machine().lower() in ("x86_64", "amd64"):
    extensions += [
        Extension(
            f"relu_hmc._fastcore.{name}",
            [f"_fastcore/{name}.pyx"],
            include_dirs=[numpy.get_include()],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            extra_compile_args=COMPILE_ARGS + ["-fno-trapping-math"] + flags,
            optional=True,
        )
        for name, flags in BNN_ISA_FLAGS.items()
    ]

setup(
    packages=list(PACKAGE_DIR),
    package_dir=PACKAGE_DIR,
    package_data={"relu_hmc._fastcore": ["*.pyx", "*.pxd", "*.pxi"]},
    # the Cython-generated C is a build output, not part of the wheel
    exclude_package_data={"relu_hmc._fastcore": ["*.c", "*.html"]},
    ext_modules=cythonize(extensions, language_level=3),
)
