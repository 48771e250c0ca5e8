"""The integrator audit (numerics.audit + relu_hmc.audit + `relu-hmc audit`).

The toolkit's leapfrog must pass every property; each deliberately wrong integrator of
tests/fixtures_integrators.py must fail exactly the properties theory says it breaks
(`EXPECTED_FAILURES`) and pass reversibility / volume preservation where it keeps them.
"""
import json

import numpy as np
import pytest

import fixtures_integrators as fx
from relu_hmc.numerics import audit as measure
from relu_hmc.audit import PROPERTIES, audit, kinked_pieces, smooth_expressions
from relu_hmc.cli import main

_REPORTS = {}


def report(name):
    if name not in _REPORTS:
        _REPORTS[name] = audit(getattr(fx, name), seed=11)
    return _REPORTS[name]


@pytest.mark.parametrize("name", ["leapfrog", "toolkit_leapfrog"])
def test_correct_leapfrog_passes_everything(name):
    r = report(name)
    assert r.passed, r.to_text()
    assert list(r.verdicts) == list(PROPERTIES)


@pytest.mark.parametrize("name", ["half_kicks", "symplectic_euler", "asymmetric_leapfrog", "explicit_euler"])
def test_wrong_integrators_fail_the_right_properties(name):
    r = report(name)
    must_fail = fx.EXPECTED_FAILURES[name]
    failed = set(r.failed)
    assert must_fail <= failed, r.to_text()
    # the properties the integrator keeps must still pass: the audit names the right failure
    keeps = {"reversibility", "volume_preservation", "kinked_crossing_order"} - must_fail
    assert not (keeps & failed), r.to_text()


def test_eps_half_bug_is_caught_by_orders_only():
    """pyhmc issue 16: reversible and volume preserving, so only the error orders expose it."""
    r = report("half_kicks")
    assert r.verdicts["reversibility"].passed and r.verdicts["volume_preservation"].passed
    for part in r.verdicts["smooth_local_order"].parts:
        # local energy error O(eps): the measured order is 1, far outside 3's tolerance
        assert abs(part.measured - 1.0) <= part.tolerance
    for part in r.verdicts["smooth_global_order"].parts:  # O(1) energy drift over a trajectory
        assert abs(part.measured - 0.0) <= part.tolerance


def test_symplectic_euler_orders_are_one_lower():
    r = report("symplectic_euler")
    for key, order in (("smooth_local_order", 2.0), ("smooth_global_order", 1.0)):
        for part in r.verdicts[key].parts:
            assert abs(part.measured - order) <= part.tolerance, (key, part)


def test_report_numbers_carry_errors_and_serialise():
    r = report("leapfrog")
    data = r.as_dict()
    json.dumps(data, allow_nan=False)
    for key in ("smooth_local_order", "smooth_global_order", "kinked_crossing_order", "kinked_global_order"):
        for part in r.verdicts[key].parts:
            assert part.se > 0 and part.tolerance >= 4 * part.se
    assert "PASS" in r.to_text() and "interval" in r.to_text()


def test_symbolic_test_potentials_match_the_numeric_ones():
    """relu_hmc.audit feeds theory with SymPy forms of numerics.audit's potentials."""
    import sympy as sp

    x = np.linspace(-2.3, 2.1, 41)
    q = sp.Symbol("q", real=True)
    for name, expr in smooth_expressions().items():
        f = sp.lambdify(q, sp.diff(expr, q), "numpy")
        np.testing.assert_allclose(measure.TEST_POTENTIALS[name].grad(x), f(x), rtol=1e-13, atol=1e-13)
    for name, pieces in kinked_pieces().items():
        potential = measure.TEST_POTENTIALS[name]
        np.testing.assert_allclose(potential.kinks, [float(b) for b, _, _ in pieces])
        np.testing.assert_allclose(potential.jumps, [float(gp - gm) for _, gm, gp in pieces])
        for b, gm, gp in pieces:
            np.testing.assert_allclose(potential.grad(np.array([float(b) - 1e-3, float(b) + 1e-3])),
                                       [float(gm), float(gp)])


def test_checked_step_does_not_let_the_user_mutate_our_arrays():
    def mutating(q, p, eps, grad_U):
        q += 1.0
        return fx.leapfrog(q, p, eps, grad_U)

    q, p = np.array([0.1, 0.2]), np.array([0.3, 0.4])
    measure.CheckedStep(mutating)(q, p, 0.1, measure.TEST_POTENTIALS["gaussian"].grad)
    np.testing.assert_array_equal(q, [0.1, 0.2])


@pytest.mark.parametrize("target, fragment", [
    ("nosuchmodule:f", "cannot import 'nosuchmodule'"),
    ("json:nosuchfunction", "has no attribute 'nosuchfunction'"),
    ("math:sqrt", "signature"),
    ("fixtures_integrators:raises", "raised ZeroDivisionError"),
    ("fixtures_integrators:returns_nan", "non-finite"),
    ("fixtures_integrators:wrong_arity", "signature"),
    ("fixtures_integrators:returns_scalar", "must return a pair"),
    ("no_colon", "MODULE:FUNCTION"),
    ("json:__name__", "not a function"),
])
def test_cli_unusable_input_is_one_line_exit_2(target, fragment, capsys):
    assert main(["audit", target]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("relu-hmc: error:") and fragment in lines[0], err
    assert "Traceback" not in err and out == ""


def test_cli_exit_codes_pass_and_fail(capsys):
    assert main(["audit", "fixtures_integrators:leapfrog", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["passed"] is True and data["failed"] == []
    assert set(data["properties"]) == set(PROPERTIES)
    assert main(["audit", "fixtures_integrators:symplectic_euler"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  reversibility" in out and "PASS  volume_preservation" in out


def test_order_measurement_recovers_known_powers():
    """energy_error_order on synthetic errors C eps^k (1 + eps): k comes back within its error."""
    rng = np.random.default_rng(3)
    eps = np.array(measure.LOCAL_EPS)
    for k in (1.0, 2.0, 3.0):
        c = rng.lognormal(size=(400, 1))
        m = measure.energy_error_order(c * eps**k * (1 + eps), eps, 5)
        assert abs(m.value - k) <= 4 * m.estimate.se + m.systematic
