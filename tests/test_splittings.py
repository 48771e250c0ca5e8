"""Splittings are data: the built-ins are consistent symmetric splittings with the published
coefficients, user lists are parsed exactly, and every bad list is refused with one line."""
from __future__ import annotations

from fractions import Fraction

import pytest
import strategies as S
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from relu_hmc import splittings
from relu_hmc.splittings import builtin, from_coefficients, parse, resolve, two_stage


@pytest.mark.parametrize("name", splittings.BUILTIN_NAMES)
def test_builtin_kicks_and_drifts_sum_to_one_exactly_and_form_a_palindrome(name):
    s = builtin(name)
    exact = [sp.sympify(c.exact, rational=True) for c in s.coefficients]
    assert sp.simplify(sum(exact[0::2]) - 1) == 0
    assert sp.simplify(sum(exact[1::2]) - 1) == 0
    assert all(sp.simplify(a - b) == 0 for a, b in zip(exact, exact[::-1]))


@pytest.mark.parametrize("name", splittings.BUILTIN_NAMES)
def test_builtin_floats_are_the_correctly_rounded_exact_values(name):
    """Frozen floats (Yoshida's) recomputed here with SymPy at 40 digits (sympy 1.13, 2026-11)."""
    for c in builtin(name).coefficients:
        assert c.value == float(sp.N(sp.sympify(c.exact, rational=True), 40)), c.exact


def test_builtins_have_the_published_coefficients():
    assert builtin("leapfrog").coefficients == parse("0.5,1,0.5").coefficients  # BlackJAX velocity_verlet
    assert str(builtin("position_verlet")) == "0,1/2,1,1/2,0"                  # drift-kick-drift
    assert builtin("two_stage_bcss").kicks[0].rational == Fraction("0.21178")   # BCSS 2014
    assert round(builtin("two_stage_mclachlan").kicks[0].value, 4) == 0.1932    # McLachlan 1995
    w1 = 1 / (2 - 2 ** (1 / 3))                                                 # Yoshida 1990
    w0 = -(2 ** (1 / 3)) * w1
    expected = [w1 / 2, w1, (w0 + w1) / 2, w0, (w0 + w1) / 2, w1, w1 / 2]
    assert [c.value for c in builtin("yoshida4").coefficients] == pytest.approx(expected, rel=1e-14)


def test_two_stage_family_is_kicks_b_1_minus_2b_b_and_half_drifts():
    s = two_stage("1/4")
    assert str(s) == "1/4,1/2,1/2,1/2,1/4"
    assert two_stage(0.21178).coefficients == builtin("two_stage_bcss").coefficients


def test_aliases_and_resolve():
    assert builtin("velocity_verlet") is builtin("leapfrog")
    assert builtin("yoshida") is builtin("yoshida4")
    assert resolve("leapfrog") is builtin("leapfrog")
    assert resolve("1/2, 1, 1/2").coefficients == builtin("leapfrog").coefficients
    assert resolve([0.5, 1.0, 0.5]).coefficients == builtin("leapfrog").coefficients


def test_floats_mean_their_shortest_decimal():
    """0.1932 is 1932/10000, so a list that sums to one in decimal passes the exact check."""
    s = from_coefficients([0.1932, 0.5, 0.6136, 0.5, 0.1932])
    assert s.kicks[0].rational == Fraction(1932, 10000)


@given(S.splitting_coefficient_lists())
def test_every_consistent_palindrome_is_accepted_and_round_trips(flat):
    s = from_coefficients(flat)
    assert [c.rational for c in s.coefficients] == flat
    assert parse(str(s)).coefficients == s.coefficients


@given(S.splitting_coefficient_lists(), st.data())
def test_a_perturbed_palindrome_is_refused_with_one_line(flat, data):
    i = data.draw(st.integers(0, len(flat) - 1), label="index")
    flat = list(flat)
    flat[i] += Fraction(1, 7)
    with pytest.raises(ValueError) as error:
        from_coefficients(flat)
    message = str(error.value)
    assert "\n" not in message
    assert ("sum to 1" in message) or ("palindromic" in message)


@pytest.mark.parametrize("text, problem", [
    ("", "comma-separated numbers"),
    ("   ", "comma-separated numbers"),
    ("0.5,1", "odd count"),
    ("0.5,1,0.4", "kicks must sum to 1"),
    ("0.5,0.9,0.5", "drifts must sum to 1"),
    ("0.6,1,0.4", "not palindromic"),
    ("0.25,0.25,0.5,0.75,0.25", "not palindromic"),
    ("a,1,b", "not a number"),
    ("0.5,inf,0.5", "finite"),
    ("0.5,nan,0.5", "finite"),
    ("0.5,,0.5", "empty entry"),
    ("1/0,1,0", "not a number"),
])
def test_bad_cli_lists_are_refused_with_one_line_naming_the_problem(text, problem):
    with pytest.raises(ValueError) as error:
        parse(text)
    assert problem in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("values, problem", [
    ([], "empty"),
    ([0.5, float("inf"), 0.5], "finite"),
    ([0.5, float("nan"), 0.5], "finite"),
    ([0.5, True, 0.5], "must be a number"),
    ([0.5, None, 0.5], "must be a number"),
    ("0.5,1,0.5", "list of numbers"),
    (3, "list of numbers"),
])
def test_bad_python_lists_are_refused_with_one_line(values, problem):
    with pytest.raises(ValueError) as error:
        from_coefficients(values)
    assert problem in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("name", ["leapfrg", "rk4", "", "Yoshida4"])
def test_unknown_names_are_refused_with_the_known_ones(name):
    with pytest.raises(ValueError) as error:
        builtin(name)
    assert "unknown integrator" in str(error.value) and "leapfrog" in str(error.value)
    assert "\n" not in str(error.value)


def test_splittings_imports_neither_theory_nor_numerics_nor_sympy():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(splittings.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {m for m in imported if m.split(".")[0] in ("sympy", "numpy")
                or m.startswith(("relu_hmc.theory", "relu_hmc.numerics"))}, imported
