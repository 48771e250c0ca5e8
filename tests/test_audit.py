"""The integrator audit (numerics.audit + relu_hmc.audit + `relu-hmc audit`).

A consistent, reversible, volume-preserving integrator passes whatever its order (leapfrog,
position Verlet, Yoshida's fourth order) and the audit names the built-in splitting whose
error coefficients it has; each broken integrator of tests/fixtures_integrators.py fails
exactly the properties it breaks (`EXPECTED_FAILURES`) and matches no built-in.
"""
import json

import numpy as np
import pytest

import fixtures_integrators as fx
from relu_hmc.numerics import audit as measure
from relu_hmc.numerics.energy_orders import energy_error_order
from relu_hmc.numerics import step_invariants as invariants
from relu_hmc.audit import MAX_ORDER_TOLERANCE, PROPERTIES, audit, predicted_orders, smooth_expressions
from relu_hmc.cli import main

_REPORTS = {}


def report(name):
    if name not in _REPORTS:
        _REPORTS[name] = audit(getattr(fx, name), seed=11)
    return _REPORTS[name]


@pytest.mark.parametrize("name", ["leapfrog", "toolkit_leapfrog", "position_verlet", "yoshida4", "two_stage_bcss",
                                  "two_stage_mclachlan"])
def test_valid_integrators_of_any_order_pass_and_are_named(name):
    r = report(name)
    assert r.passed, r.to_text()
    assert list(r.verdicts) == list(PROPERTIES)
    assert r.matched == fx.EXPECTED_MATCH[name], r.identification


@pytest.mark.parametrize("name", ["half_kicks", "symplectic_euler", "asymmetric_leapfrog", "explicit_euler",
                                  "damped_leapfrog", "identity"])
def test_broken_integrators_fail_exactly_what_they_break(name):
    r = report(name)
    assert set(r.failed) == fx.EXPECTED_FAILURES[name], r.to_text()
    assert r.matched is None
    assert "FAIL: " + ", ".join(r.failed) in r.to_text()


@pytest.mark.parametrize("name, local, global_", [("leapfrog", 3, 2), ("position_verlet", 3, 2), ("yoshida4", 5, 4),
                                                  ("symplectic_euler", 2, 1), ("half_kicks", 1, 0)])
def test_measured_orders_are_the_integrators_own_with_resolution_at_most_a_tenth(name, local, global_):
    """The one-sided checks report the measured order: it is the method's true order within a
    tolerance (Z SE + truncation bound) <= 0.1 on every smooth test potential."""
    r = report(name)
    for key, order in (("smooth_local_order", local), ("smooth_global_order", global_)):
        for part in r.verdicts[key].parts:
            assert part.tolerance <= 0.1, (key, part)
            assert abs(part.measured - order) <= part.tolerance, (key, part)


def test_eps_half_bug_is_caught_by_consistency_and_orders_only():
    """pyhmc issue 16: reversible and volume preserving, so only the orders expose it."""
    r = report("half_kicks")
    assert r.verdicts["reversibility"].passed and r.verdicts["volume_preservation"].passed
    assert r.verdicts["symplectic_form"].passed
    for part in r.verdicts["consistency"].parts:  # the kick is eps/2 short: defect O(eps)
        assert abs(part.measured - 1.0) <= part.tolerance


def test_identity_conserves_energy_but_is_not_consistent():
    r = report("identity")
    for key in ("smooth_local_order", "smooth_global_order"):
        assert all("rounding level at every eps" in p.detail for p in r.verdicts[key].parts)
    assert r.failed == ["consistency"]


def test_symplectic_form_separates_volume_from_symplecticity():
    """In d = 3 a map can keep volume without being symplectic: q -> q, p -> p + eps S q with
    S antisymmetric has det = 1 but J^T Omega J != Omega; every splitting keeps the form."""
    S = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, 0.5], [0.0, -0.5, 0.0]])

    def shear(q, p, eps, grad_U):
        return q, p + eps * S @ q

    broken = invariants.symplectic_form(shear, "coupled_gaussian", n_points=4)
    assert broken.n_failed == broken.residual.size
    exact = invariants.symplectic_form(fx.leapfrog, "coupled_quartic", n_points=4)
    assert exact.n_failed == 0 and np.all(exact.residual < 1e-8)


def test_tuning_claims_contract():
    """relu_hmc.claims.tuning checks each order part's predicted value against predicted_orders()
    and reads reversibility / volume_preservation: keep both."""
    data = report("toolkit_leapfrog").as_dict()
    for key, minimum in predicted_orders().items():
        assert all(part["predicted"] == minimum for part in data["properties"][key]["parts"])
    assert {"reversibility", "volume_preservation"} <= set(data["properties"])


def test_report_numbers_carry_errors_and_serialise():
    r = report("leapfrog")
    data = r.as_dict()
    json.dumps(data, allow_nan=False)
    for key in ("smooth_local_order", "smooth_global_order", "kinked_crossing_order", "kinked_global_order"):
        for part in r.verdicts[key].parts:
            assert part.se > 0 and part.tolerance >= 4 * part.se
            assert data["orders"][key][part.quantity]["order"] == part.measured
    assert data["checks"] == {key: True for key in PROPERTIES}
    for key, by_potential in data["orders"].items():  # every order resolved to MAX_ORDER_TOLERANCE
        assert all(o["tolerance"] <= MAX_ORDER_TOLERANCE for o in by_potential.values()), key
    assert data["matched_splitting"] == "leapfrog"
    assert "PASS" in r.to_text() and "built-in splitting 'leapfrog'" in r.to_text()


def test_symbolic_test_potentials_match_the_numeric_ones():
    """relu_hmc.audit feeds theory with SymPy forms of numerics.audit's potentials."""
    import sympy as sp

    x = np.linspace(-2.3, 2.1, 41)
    q = sp.Symbol("q", real=True)
    for name, expr in smooth_expressions().items():
        f = sp.lambdify(q, sp.diff(expr, q), "numpy")
        np.testing.assert_allclose(measure.TEST_POTENTIALS[name].grad(x), f(x), rtol=1e-13, atol=1e-13)


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
    assert main(["audit", "fixtures_integrators:yoshida4", "--json", "--quiet"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["passed"] is True and data["failed"] == [] and data["matched_splitting"] == "yoshida4"
    assert set(data["properties"]) == set(PROPERTIES) == set(data["checks"])
    local = data["orders"]["smooth_local_order"]["quartic"]  # fourth order: local energy order 5
    assert abs(local["order"] - 5) <= local["tolerance"] and local["se"] > 0
    assert main(["audit", "fixtures_integrators:damped_leapfrog", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  volume_preservation" in out and "PASS  consistency" in out


def test_order_measurement_recovers_known_powers():
    """energy_error_order on synthetic errors C eps^k (1 + eps): k comes back within its error,
    and the truncation bound carries its own (positive) bootstrap SE."""
    rng = np.random.default_rng(3)
    eps = np.array(measure.LOCAL_EPS)
    for k in (1.0, 2.0, 3.0):
        c = rng.lognormal(size=(400, 1))
        m = energy_error_order(c * eps**k * (1 + eps), eps, 5)
        assert abs(m.value - k) <= 4 * m.estimate.se + m.allowance
        assert m.systematic_se > 0 and m.allowance == m.systematic + m.systematic_se


def test_half_grid_order_bound_covers_a_correction_term_and_rejects_an_order_off_by_twice_its_tolerance():
    """The audit's method: the slope over the finest rungs with the generic half-grid truncation
    bound (one correction term a eps^r, r >= 1). Under that model, C eps^k exp(a eps^r), the bound
    (with its SE) covers the bias of the fitted slope, and an order moved by twice the tolerance is
    outside it."""
    rng = np.random.default_rng(7)
    eps = np.array(measure.LOCAL_EPS)
    for k, a, r in ((1.0, 4.0, 1.0), (3.0, -2.0, 1.0), (5.0, -30.0, 2.0), (3.0, 5.0, 1.5)):
        c = rng.lognormal(size=(400, 1))
        m = energy_error_order(c * eps**k * np.exp(a * eps**r), eps, 5, method="half_grid")
        tolerance = 4 * m.estimate.se + m.allowance
        # at r = 1 the bound is exact (equality up to rounding)
        assert abs(m.value - k) <= tolerance * (1 + 1e-9) and tolerance <= 0.1, (k, m.value, tolerance)
        assert m.systematic > 0 and m.systematic_se >= 0
        if r > 1:  # (at r = 1 the bias sits exactly on the bound, so k +- 2 tolerance can tie)
            for wrong in (k + 2 * tolerance, k - 2 * tolerance):
                assert abs(m.value - wrong) > tolerance
        assert len(m.pair_slopes) == eps.size - 1  # every rung is still reported


def test_audit_figure_draws_theory_minimum_orders_from_the_prediction():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from relu_hmc.audit import plot_orders

    measurements = {"audit": report("half_kicks").as_dict()}
    prediction = {key: 7.0 for key in predicted_orders()}  # not the audit's own minimums
    fig, ax = plt.subplots()
    plot_orders(ax, prediction, measurements, bug_orders={"smooth_local_order": 1.0})
    labels = ax.get_legend_handles_labels()[1]
    theory = next(c for c in ax.collections if c.get_label().startswith("theory"))
    plt.close(fig)
    assert np.all(theory.get_offsets()[:, 1] == 7.0)
    assert "the bug's own order (must match)" in labels
