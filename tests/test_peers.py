"""BlackJAX's and NumPyro's velocity_verlet, audited (needs the optional 'peers' extra).

Run with: python -m pytest -m peers tests/test_peers.py  (CPU, float64). Skipped cleanly when
jax / blackjax / numpyro are not importable.
"""
import numpy as np
import pytest

from relu_hmc.numerics import peers

pytestmark = pytest.mark.peers

ADAPTERS = {"blackjax": "blackjax_velocity_verlet", "numpyro": "numpyro_velocity_verlet"}


def _adapter(name):
    if not peers.available(name):
        pytest.skip(f"optional extra 'peers' not installed ({name} or jax missing)")
    return getattr(peers, ADAPTERS[name])


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_one_step_equals_the_toolkit_leapfrog(name):
    import fixtures_integrators as fx
    from relu_hmc.numerics.audit import TEST_POTENTIALS

    step = _adapter(name)
    rng = np.random.default_rng(5)
    q, p = rng.standard_normal(7), rng.standard_normal(7)
    for potential in TEST_POTENTIALS.values():
        q1, p1 = step(q, p, 0.1, potential.grad)
        assert q1.dtype == np.float64  # x64 enabled: a float32 step would fail the audit
        q2, p2 = fx.leapfrog(q, p, 0.1, potential.grad)
        # the same operations in float64: equal up to a few roundings (8 ulps of the scale)
        ulp = np.finfo(float).eps
        assert np.all(np.abs(q1 - q2) <= 8 * ulp * (1 + np.abs(q2)))
        assert np.all(np.abs(p1 - p2) <= 8 * ulp * (1 + np.abs(p2)))


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_peer_integrator_passes_the_audit(name):
    from relu_hmc.audit import audit

    report = audit(_adapter(name), seed=11)
    assert report.passed, report.to_text()
    orders = {key: [part.measured for part in report.verdicts[key].parts]
              for key in ("smooth_local_order", "smooth_global_order", "kinked_crossing_order", "kinked_global_order")}
    print(name, orders)
