"""The installed package lives under the one namespace relu_hmc: nothing generic at the top."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(code: str, tmp_path) -> subprocess.CompletedProcess:
    # run from an empty folder so the repository root is not on sys.path
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", ["theory", "numerics", "_fastcore"])
def test_generic_top_level_names_are_not_installed(name, tmp_path):
    result = _run(f"import {name}", tmp_path)
    assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr


@pytest.mark.parametrize("name", ["relu_hmc.theory.derive", "relu_hmc.numerics.hmc", "relu_hmc._fastcore"])
def test_subpackages_import_under_the_namespace(name, tmp_path):
    result = _run(f"import {name}", tmp_path)
    assert result.returncode == 0, result.stderr


def test_no_source_imports_a_bare_subpackage():
    """Every import names relu_hmc.theory / .numerics / ._fastcore, never the bare folder."""
    import re

    bare = re.compile(r"^\s*(from|import)\s+(theory|numerics|_fastcore)\b", re.M)
    offenders = [str(path.relative_to(REPO)) for folder in ("theory", "numerics", "_fastcore", "relu_hmc",
                                                           "tests", "benchmarks")
                 for path in (REPO / folder).rglob("*.py*") if bare.search(path.read_text())]
    assert offenders == []


def test_licence_file_matches_the_declared_licence():
    text = (REPO / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert 'license = "MIT"' in (REPO / "pyproject.toml").read_text()
    assert "license: MIT" in (REPO / "CITATION.cff").read_text()
