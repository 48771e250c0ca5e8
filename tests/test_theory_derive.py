"""theory.derive + theory.classify: classification and the JSON contract."""
import json
import math

import pytest

from relu_hmc.theory.derive import derive_scaling_law
from relu_hmc.theory.errors import PotentialError, TheoryInputError

KEYS = {"regularity", "kinks", "one_step_energy_error_order", "crossing_step_energy_error_order",
        "step_size_exponent", "sigma_exponent", "sigma0", "optimal_acceptance", "optimal_l", "cost_exponent"}


def test_kinked_laplace():
    r = derive_scaling_law("Abs(q)")
    assert KEYS <= set(r) and r["regularity"] == "kinked"
    assert r["kinks"] == [{"location": 0.0, "jump": 2.0}]
    assert (r["crossing_step_energy_error_order"], r["step_size_exponent"], r["sigma_exponent"]) == (1, 0.5, 2.0)
    assert math.isclose(r["sigma0"], 4 * 0.5 * 2 * math.sqrt(2 / math.pi) / 12, rel_tol=1e-12)
    assert round(r["optimal_acceptance"], 3) == 0.452
    json.dumps(r, allow_nan=False)


def test_relu_like_kink_location_and_jump():
    r = derive_scaling_law("q**2/2 + 2*Abs(q - 1)")
    assert r["kinks"] == [{"location": 1.0, "jump": 4.0}]


def test_smooth_gaussian():
    r = derive_scaling_law("q**2/2", T=1.0)
    assert r["regularity"] == "smooth" and r["sigma_exponent"] == 4.0 and r["cost_exponent"] == 0.25
    assert math.isclose(r["sigma0"], math.sin(1.0) ** 2 / 16, rel_tol=1e-6)
    assert round(r["optimal_acceptance"], 3) == 0.651


def test_holder():
    r = derive_scaling_law("Abs(q)**Rational(3, 2)")
    assert r["regularity"] == "holder" and r["sigma_exponent"] == 3.0
    assert math.isclose(r["step_size_exponent"], 1 / 3)
    assert r["holder_points"][0]["alpha"] == 1.5 and r["sigma0"] > 0


def test_curvature_jump_has_null_sigma0_with_note():
    r = derive_scaling_law("Piecewise((q**2, q < 1), (2*q - 1, True))")
    assert r["regularity"] == "smooth" and r["sigma0"] is None and "U''" in r["sigma0_note"]


@pytest.mark.parametrize("text", ["-q**2", "q", "0*q", "log(q) + q**2", "1/q + q**2", "Abs(q)**0.5",
                                  "Piecewise((q**2, q < 0), (q**2 + 1, True))", "Abs(sin(q)) + q**2"])
def test_refused_potentials(text):
    with pytest.raises(PotentialError) as info:
        derive_scaling_law(text)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("T", [0, -1, float("nan"), float("inf"), "x"])
def test_bad_T(T):
    with pytest.raises(TheoryInputError):
        derive_scaling_law("q**2/2", T=T)


def test_large_constant_offset_is_removed_exactly():
    """Regression: U = q^2 + 1e308 (float cancellation) gives the same law as q^2."""
    shifted, plain = derive_scaling_law("q**2 + 1e308"), derive_scaling_law("q**2")
    assert shifted["sigma0"] == pytest.approx(plain["sigma0"], rel=1e-12)
    assert plain["sigma0"] == pytest.approx(math.sin(math.sqrt(2)) ** 2 / 4, rel=1e-6)  # sigma^2 = 1/2


def test_extremely_wide_target_reports_null_sigma0_with_reason():
    r = derive_scaling_law("q**2*1e-300")
    assert r["sigma0"] is None and "heavy tails" in r["sigma0_note"]


def test_abs_cubed_is_smooth_and_fast_growing_tails_do_not_hang():
    """Regression: |q|^3 (DiracDelta in U'''), exp(q^2)-type tails (huge exponents)."""
    r = derive_scaling_law("Abs(q)**3 + q**2")
    assert r["regularity"] == "smooth" and r["sigma0"] > 0
    from relu_hmc.theory.classify import analyse_potential
    from relu_hmc.theory.parse import parse_potential

    info = analyse_potential(parse_potential("cosh(q)"))
    assert info.window is not None and math.isfinite(info.log_normaliser)
