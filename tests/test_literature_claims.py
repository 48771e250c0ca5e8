"""The literature claims (relu_hmc/claims/literature.py) on small measurements of the limit law
(numerics.limit_law): each comparison passes with the theory's prediction and fails with the
prediction moved by twice its resolution (negative control: the tolerance is not so wide that a
wrong law passes)."""
import pytest

from relu_hmc.claims import literature
from relu_hmc.numerics.limit_law import measure_limit_law

SMALL = {"rwm-walls": 400_000, "mala": 200_000}


def _measure(name, seed=5):
    law = literature._LAWS[name]
    grid = literature._grid(law["centre"])
    powers = list(law["powers"])
    limit = measure_limit_law(law["target"], law["algorithm"], list(law["steps"]), SMALL[name], seed, m=literature._M,
                              gamma=law["gamma"], slope_powers=powers, ratio_powers=powers, level_powers=powers,
                              l_values=grid)
    prediction = literature.predict_law(law["expr"], law["algorithm"], grid, law["support"])
    return prediction, {"limit": limit}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SMALL))
def test_literature_claims_pass_and_fail_when_the_prediction_is_moved_by_twice_the_resolution(name):
    prediction, measurements = _measure(name)
    checks = [
        ("optimal_acceptance", literature.compare_optimal_acceptance),
        ("step_exponent", literature.compare_step_exponent),
    ]
    for key, compare in checks:
        verdict = compare(prediction, measurements)
        assert verdict.passed, (key, verdict.detail)
        for sign in (+1, -1):
            moved = dict(prediction, **{key: prediction[key] * (1 + sign * 2 * verdict.resolution)})
            assert not compare(moved, measurements).passed, (key, sign)
    verdict = literature.compare_acceptance_limit(prediction, measurements)
    assert verdict.passed, verdict.detail
    worst = max(verdict.parts, key=lambda v: v.resolution)
    moved = dict(prediction, acceptance=[a * (1 + 2 * worst.resolution) for a in prediction["acceptance"]])
    assert not literature.compare_acceptance_limit(moved, measurements).passed


def test_literature_ids_and_sources():
    from relu_hmc.claims import all_claims

    ids = {c.id: c for c in all_claims() if c.id.startswith("literature/")}
    for name in ("rwm", "mala", "rwm-walls", "mala-kinked"):
        for what in ("acceptance-limit", "optimal-acceptance", "step-exponent", "finite-d"):
            claim = ids[f"literature/{name}-{what}"]
            assert claim.source and ("derived here" in claim.source) == (name == "mala-kinked")
    assert "Neal, Roberts & Yuen" in ids["literature/rwm-walls-optimal-acceptance"].source
    assert "Roberts & Rosenthal" in ids["literature/mala-step-exponent"].source
    assert "Roberts, Gelman & Gilks" in ids["literature/rwm-optimal-acceptance"].source
    assert ids["literature/rwm-finite-d"].kind == "observation"
    assert all(ids[f"literature/rwm-{what}"].kind == "claim"
               for what in ("acceptance-limit", "optimal-acceptance", "step-exponent"))
