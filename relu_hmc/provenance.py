"""What produced a report: versions, platform, git revision, kernel backend, time."""
from __future__ import annotations

import datetime as _dt
import importlib.metadata
import platform
import subprocess
import sys
from pathlib import Path

from relu_hmc._version import __version__

#: Distributions whose versions every report records.
RECORDED = ("numpy", "scipy", "sympy", "mpmath", "Cython", "matplotlib", "dask", "distributed")


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version(), "relu-hmc": __version__}
    for name in RECORDED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_revision(path: str | Path | None = None) -> dict | None:
    """{"commit", "dirty"} of the git checkout holding the package, or None (not a checkout)."""
    where = Path(path) if path else Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=where,
                                capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())}


def collect() -> dict:
    """Versions, platform, git revision, compiled-kernel backend and UTC time."""
    from relu_hmc import _fastcore

    from relu_hmc.cache import code_version

    return {
        "versions": package_versions(),
        "platform": {"system": platform.platform(), "machine": platform.machine(),
                     "processor": platform.processor() or None, "python_implementation":
                     platform.python_implementation(), "executable": sys.executable},
        "git": git_revision(),
        "kernel_backend": _fastcore.BACKEND,
        "kernel_backends": dict(_fastcore.BACKENDS),
        "code_version": code_version(),
        "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
