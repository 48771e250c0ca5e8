"""Kinks of a 1D-input ReLU network recovered from f alone (numerics.relu_kinks) are exactly
the kinks theory predicts at the resolution the recovery states (theory.relu_symmetries.
predicted_kinks_1d): the same number, each location and jump within the recovery's own error
bound, for random widths, seeds and weight scales and for networks built to be hard (close
pairs, twins, cancelling twins, tiny jumps, kinks at the window's edge)."""
import numpy as np
import pytest
from hypothesis import given

from relu_hmc.numerics.relu_kinks import DETECTION_FACTOR, recover_kinks_1d
from relu_hmc.numerics.relu_network import ShallowNet
from relu_hmc.theory.relu_symmetries import predicted_kinks_1d
from strategies import KINK_WINDOW, kink_networks


def _recover(net: ShallowNet, window=KINK_WINDOW):
    lo, hi = window
    return recover_kinks_1d(lambda x: net(np.asarray(x)[:, None]), lo, hi,
                            value_error=net.value_error_bound(max(abs(lo), abs(hi))))


def _assert_recovered_as_predicted(net: ShallowNet, window=KINK_WINDOW):
    rec = _recover(net, window)
    pred = predicted_kinks_1d(net.W[:, 0], net.b, net.a, spacing=rec.spacing, min_jump=rec.min_jump, window=window)
    assert len(rec.kinks) == len(pred), (rec.kinks, pred)
    for r, p in zip(rec.kinks, pred):
        assert abs(r["location"] - p["location"]) <= r["location_error"], (r, p)
        assert abs(r["jump"] - p["jump"]) <= r["jump_error"], (r, p)
    return rec, pred


@given(kink_networks())
def test_recovery_finds_exactly_the_predicted_kinks(net):
    _assert_recovered_as_predicted(net)


def test_two_kinks_in_one_start_cell_are_both_found():
    """The failure of the grid scan (seed 6, width 12): kinks 0.0017 apart, one grid step 0.003."""
    net = ShallowNet(np.array([[1.0], [-2.0], [0.7]]), np.array([0.1636, -0.3236, -1.0]), np.array([0.92, 2.35, 0.5]), 0.3)
    rec, pred = _assert_recovered_as_predicted(net)
    assert len(pred) == 3 and abs(pred[1]["location"] - pred[0]["location"]) < 0.002


@pytest.mark.parametrize("offset, expected", [(1e-10, 1), (1e-5, 2)])
def test_a_pair_closer_than_the_spacing_is_one_kink_at_its_jump_weighted_mean(offset, expected):
    net = ShallowNet(np.array([[1.0], [1.0]]), np.array([-0.5, -0.5 - offset]), np.array([1.0, 3.0]), 0.0)
    rec, pred = _assert_recovered_as_predicted(net)
    assert len(pred) == expected
    if expected == 1:
        assert pred[0]["jump"] == 4.0 and abs(pred[0]["location"] - (0.5 + 0.75 * offset)) < 1e-15


def test_twins_with_cancelling_jumps_have_no_kink():
    net = ShallowNet(np.array([[1.0], [-2.0]]), np.array([-1.0, 2.0]), np.array([1.0, -0.5]), 0.0)
    rec, pred = _assert_recovered_as_predicted(net)
    assert pred == [] and rec.kinks == []


def test_the_stated_limits_follow_from_the_value_error_and_the_spacing():
    """Detection floor = DETECTION_FACTOR * anchor error / spacing, the anchor error at least
    the value error and growing with it; the spacing is the caller's (default 1e-7 of the window)."""
    f = lambda x: np.abs(x - 0.3) + 0.5 * np.maximum(x + 1.0, 0.0)  # noqa: E731
    small = recover_kinks_1d(f, -2.0, 2.0, value_error=1e-15)
    large = recover_kinks_1d(f, -2.0, 2.0, value_error=1e-12, spacing=1e-5)
    assert small.spacing == pytest.approx(4e-7) and large.spacing == 1e-5
    for rec in (small, large):
        assert rec.min_jump == pytest.approx(DETECTION_FACTOR * rec.anchor_error / rec.spacing)
        assert [round(k["location"], 9) for k in rec.kinks] == [-1.0, 0.3]
        assert [round(k["jump"], 9) for k in rec.kinks] == [0.5, 2.0]
    assert small.value_error <= small.anchor_error < large.value_error <= large.anchor_error


@pytest.mark.parametrize("kwargs, message", [({"lo": 1.0, "hi": 0.0}, "lo < hi"),
                                             ({"spacing": 10.0}, "spacing"),
                                             ({"value_error": -1.0}, "value_error")])
def test_bad_arguments_are_named(kwargs, message):
    args = {"lo": -1.0, "hi": 1.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        recover_kinks_1d(np.abs, args.pop("lo"), args.pop("hi"), **args)
