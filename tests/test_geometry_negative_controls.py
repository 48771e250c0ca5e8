"""Negative controls of the geometry claims: each judgement states its resolution (the
smallest relative change of the predicted numbers it detects, max tolerance / |prediction|);
the same measurement judged against the prediction moved by twice that resolution must FAIL,
and the failing verdict's headline must name a failing part."""
import copy

import pytest

from relu_hmc.claims import geometry as cg
from relu_hmc.numerics import geometry as ng
from relu_hmc.theory import geometry as tg

# claim -> (measurement, predicted numbers, judge, keys of the prediction to move)
CASES = {
    "gradient-jump": (lambda: ng.measure_surface(2, 3, 40, seed=11), tg.predicted_surface, cg.judge_gradient_jump,
                      ("gradient_jump", "normal_jump")),
    "hessian-jump": (lambda: ng.measure_surface(2, 3, 40, seed=11), tg.predicted_surface, cg.judge_hessian_jump,
                     ("hessian_jump",)),
    "crossing-jump": (lambda: ng.measure_surface(1, 7, 200, seed=5), tg.predicted_surface, cg.judge_crossing,
                      ("normal_jump",)),
    "regular-hessian": (lambda: ng.measure_cell(2, 3, 10, seed=1), tg.predicted_cell, cg.judge_cell,
                        ("hessian", "rayleigh")),
    "functional-dimension": (lambda: ng.measure_functional_dimension(2, 4, 3000, seed=2),
                             tg.predicted_functional_dimension, cg.judge_functional_dimension, ("generic", "twin")),
    "symmetries": (lambda: ng.measure_symmetries(2, 4, 300, seed=3), tg.predicted_symmetries, cg.judge_symmetries,
                   ("gain",)),
    "kinks-1d": (lambda: ng.measure_kinks(6, seed=4), tg.predicted_kinks, cg.judge_kinks, ("kinks",)),
    "orbit": (lambda: ng.measure_orbit(1, 3, 20, 0.01, 20, 50, seed=5), tg.predicted_orbit, cg.judge_orbit,
              ("prior", "hessian")),
}


def _scaled(value, factor):
    """Every number inside value (nested lists / dicts) multiplied by factor."""
    if isinstance(value, dict):
        return {k: _scaled(v, factor) for k, v in value.items()}
    if isinstance(value, list):
        return [_scaled(v, factor) for v in value]
    return value * factor


@pytest.mark.parametrize("claim", sorted(CASES))
def test_prediction_moved_by_twice_the_resolution_fails(claim):
    measure, predicted, judge, keys = CASES[claim]
    m = measure()
    pred = predicted(m)
    judged = judge(m, pred)
    assert judged.verdict.passed, [p.as_dict() for p in judged.verdict.parts if not p.passed]
    assert 0 < judged.resolution < 0.5
    assert f"resolution {judged.resolution:.3g}" in judged.verdict.detail
    wrong = copy.deepcopy(pred)
    for key in keys:
        wrong[key] = _scaled(wrong[key], 1.0 + 2.0 * judged.resolution)
    verdict = judge(m, wrong).verdict
    assert not verdict.passed, f"{claim} passed a prediction moved by 2 x its resolution: {verdict.detail}"
    failing = [p.quantity for p in verdict.parts if not p.passed]
    assert any(f"worst failing part ({q})" in verdict.detail for q in failing)


def test_every_geometry_claim_has_a_negative_control():
    from relu_hmc.claims import all_claims

    ids = {c.id.split("/", 1)[1] for c in all_claims() if c.id.startswith("geometry/")}
    assert ids == set(CASES)


def test_a_failed_precondition_is_the_headline():
    """A measurement whose FD stencil left its cell fails on that part, named in the headline."""
    m = ng.measure_surface(2, 3, 40, seed=11)
    broken = dict(m, stencils_in_cells=False)
    verdict = cg.judge_hessian_jump(broken, tg.predicted_surface(m)).verdict
    assert not verdict.passed and "worst failing part (every FD stencil inside one cell)" in verdict.detail


def test_a_check_too_coarse_to_tell_the_prediction_from_half_of_it_fails():
    """Tolerances as large as the prediction test nothing: the verdict fails on its resolution."""
    m = ng.measure_surface(2, 3, 40, seed=11)
    coarse = dict(m, hessian_jump_rounding=1e9)
    verdict = cg.judge_hessian_jump(coarse, tg.predicted_surface(m)).verdict
    assert not verdict.passed
    assert "worst failing part (resolution" in verdict.detail
