"""relu-hmc: verification suite joining theory/ predictions to numerics/ measurements.

theory/ (SymPy, mpmath) predicts, numerics/ (NumPy + the compiled _fastcore kernels)
measures, and this package turns each pair into a claim with a verdict, a report and a CLI.
"""
from relu_hmc._version import __version__

__all__ = ["__version__"]
