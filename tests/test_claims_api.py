"""The claim API (relu_hmc.claims.base): tasks, seeds, verdicts, registry, `relu-hmc claims`."""
import json
import math

import pytest

from relu_hmc.claims import base
from relu_hmc.claims.base import Claim, Task, Verdict, all_of, at_most, derive_seed, within
from relu_hmc.cli import main


def test_task_config_is_json_and_seed_depends_on_config_not_label():
    a = Task("relu_hmc.numerics.estimators:mean_estimate", {"x": [1, 2]}, label="a")
    b = Task("relu_hmc.numerics.estimators:mean_estimate", {"x": [1, 2]}, label="b")
    c = Task("relu_hmc.numerics.estimators:mean_estimate", {"x": [1, 3]}, label="a")
    assert derive_seed(7, a) == derive_seed(7, b) != derive_seed(7, c)
    assert derive_seed(7, a) != derive_seed(8, a)
    assert 0 <= derive_seed(7, a) < 2 ** 63
    assert json.dumps(a.with_seed(3).config())


def test_task_rejects_bad_function_and_non_json_kwargs():
    with pytest.raises(ValueError, match="module:function"):
        Task("numerics.estimators.mean_estimate")
    with pytest.raises(ValueError, match="JSON"):
        Task("a:b", {"x": object()})


def test_task_run_calls_the_function_with_its_seed():
    result = Task("test_claims_api:_measure", {"n": 3}, "t", seed=11).run()
    assert result == {"n": 3, "seed": 11}


def _measure(n, seed):
    return {"n": n, "seed": seed}


def test_within_tolerance_is_z_se_plus_justified_bias():
    v = within(1.0, 1.3, 0.1, quantity="x", z=4)
    assert v.passed and v.tolerance == pytest.approx(0.4) and "4 SE" in v.detail
    assert not within(1.0, 1.5, 0.1, quantity="x", z=4).passed
    v = within(1.0, 1.5, 0.1, quantity="x", z=4, bias=0.2, bias_reason="O(eps) bias bound")
    assert v.passed and "O(eps) bias bound" in v.detail
    with pytest.raises(ValueError, match="reason"):
        within(1.0, 1.5, 0.1, quantity="x", bias=0.2)
    assert not within(1.0, math.nan, 0.1, quantity="x").passed


def test_one_sided_and_composite_verdicts():
    assert at_most(0.5, 0.1, 0.05, quantity="a").passed
    assert not at_most(0.5, 0.4, 0.05, quantity="a").passed
    good, bad = within(0, 0.1, 0.1, quantity="g"), within(0, 1.0, 0.1, quantity="b")
    combined = all_of([good, bad], quantity="both")
    assert not combined.passed and combined.measured == 1.0 and len(combined.parts) == 2
    assert Verdict.from_dict(json.loads(json.dumps(combined.as_dict()))) == combined


def test_claim_validates_tasks_and_a_raising_comparison_fails():
    claim = Claim("test/x", "a statement", "nowhere", "test", Task("a:b"),
                  lambda budget: [Task("a:b", {}, "one"), Task("a:c", {}, "one")],
                  lambda pred, meas: 1 / 0)
    with pytest.raises(ValueError, match="unique"):
        claim.tasks("quick")
    with pytest.raises(ValueError, match="budget"):
        claim.tasks("huge")
    verdict = claim.evaluate({}, {})
    assert not verdict.passed and "ZeroDivisionError" in verdict.detail
    with pytest.raises(ValueError, match="one non-empty line"):
        Claim("test/y", "two\nlines", "s", "f", Task("a:b"), list, within)


def test_registry_rejects_duplicate_ids_from_different_modules():
    def compare(p, m):
        return within(0, 0, 1, quantity="x")
    claim = Claim("test/dup", "s", "s", "test", Task("a:b"), lambda b: [Task("a:b", {}, "t")], compare)
    other = Claim("test/dup", "s", "s", "test", Task("a:b"), lambda b: [Task("a:b", {}, "t")], within)
    try:
        base.register(claim)
        with pytest.raises(ValueError, match="twice"):
            base.register(other)
    finally:
        base._REGISTRY.pop("test/dup", None)


def test_claims_command_lists_every_registered_claim(capsys):
    from relu_hmc.claims import all_claims

    status = main(["claims", "--json"])
    listed = json.loads(capsys.readouterr().out)
    assert status in (0, 1)
    assert [c["id"] for c in listed["claims"]] == [c.id for c in all_claims()]
    assert status == (1 if listed["import_errors"] else 0)


def test_resolution_is_tolerance_over_the_prediction():
    from relu_hmc.claims.base import within

    v = within(0.5, 0.51, 0.0025, quantity="a")
    assert v.resolution == pytest.approx(0.01 / 0.5)
    assert v.as_dict()["resolution"] == pytest.approx(0.02)
    assert within(0.0, 0.0, 0.1, quantity="b").resolution == float("inf")


def test_a_zero_prediction_states_its_absolute_resolution():
    from relu_hmc.claims.base import Verdict, within
    from relu_hmc.report import resolution_text

    exponent_must_vanish = within(0.0, 0.003, 0.003, quantity="exponent").as_dict()
    assert exponent_must_vanish["resolution"] is None
    assert exponent_must_vanish["absolute_resolution"] == pytest.approx(0.012)
    assert resolution_text(exponent_must_vanish) == "±0.012 abs."
    identity = Verdict(True, 0.0, 0.0, 0.0, 0.0, "exact", "identity").as_dict()
    assert resolution_text(identity) == "exact"
    relative = within(0.5, 0.51, 0.0025, quantity="a").as_dict()
    assert relative["absolute_resolution"] is None and resolution_text(relative) == "2%"


def test_claim_kind_is_claim_or_observation():
    from relu_hmc.claims.base import Claim, Task

    def make(kind):
        return Claim("x/y", "s", "src", "x", Task("m:f"), lambda b: [], lambda p, m: None, kind=kind)

    assert make("observation").kind == "observation"
    with pytest.raises(ValueError, match="kind must be one of"):
        make("maybe")
