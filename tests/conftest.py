"""Shared pytest configuration: hypothesis profiles and the backend under test.

Profiles (choose with ``pytest --hypothesis-profile=NAME``):
- ``ci``: derandomised (the same examples every run), no example database, no deadline,
  bounded example counts so the suite fits the CI budget;
- ``dev`` (default): random examples, more of them, database kept locally.
"""
import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, max_examples=30,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_report_header(config):
    from relu_hmc import _fastcore

    backends = ", ".join(f"{k} {v}" for k, v in _fastcore.BACKENDS.items())
    return f"relu-hmc kernels: {backends}"


@pytest.fixture
def rng():
    import numpy as np

    return np.random.default_rng(20261123)
