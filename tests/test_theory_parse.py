"""relu_hmc.theory.parse: whitelist parsing of potentials; bad input is refused in one line, never run."""
import pytest
import sympy as sp
import strategies as S
from hypothesis import given

from relu_hmc.theory.errors import PotentialError
from relu_hmc.theory.parse import Q, parse_potential


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Abs(q)", sp.Abs(Q)),
        ("q**2/2", Q**2 / 2),
        ("Max(q, 0) + q**2/2", sp.Max(Q, 0) + Q**2 / 2),
        ("Rational(3, 2)*q**2", sp.Rational(3, 2) * Q**2),
        ("Abs(q)**1.5", sp.Abs(Q) ** sp.Rational(3, 2)),
        ("log(cosh(q))", sp.log(sp.cosh(Q))),
        ("Piecewise((q**2, q < 1), (2*q - 1, True))", sp.Piecewise((Q**2, Q < 1), (2 * Q - 1, True))),
        ("pi*q**2 + E", sp.pi * Q**2 + sp.E),
    ],
)
def test_accepts_whitelisted_syntax(text, expected):
    assert sp.simplify(parse_potential(text) - expected) == 0


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('__import__("os")', "unknown function '__import__'"),
        ("q.real", "attribute access"),
        ("(lambda: 1)()", "lambda"),
        ("lambda q: q", "lambda"),
        ('"q**2"', "string literal"),
        ("q[0]", "subscript"),
        ("foo(q)", "unknown function 'foo'"),
        ("x + q", "unknown name 'x'"),
        ("3", "does not depend on the variable q"),
        ("pi", "does not depend on the variable q"),
        ("", "empty"),
        ("q +", "cannot parse"),
        ("q if q else 1", "IfExp"),
        ("[q]", "container"),
        ("q < 1", "comparison outside a Piecewise"),
        ("Abs(q, q)", "exactly one argument"),
        ("Max(q)", "at least two"),
        ("exp(q=1)", "keyword"),
        ("1j*q", "complex"),
        ("9**9**9", "exponent"),
        ("Piecewise((q, q < 0))", "last Piecewise branch"),
        ("q/0", "non-finite"),
        ("q @ q", "operator MatMult"),
        ("__builtins__", "unknown name"),
    ],
)
def test_refuses_bad_input_with_one_line(text, fragment):
    with pytest.raises(PotentialError) as info:
        parse_potential(text)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message


def test_refusal_does_not_execute(tmp_path, monkeypatch):
    """A would-be side effect in the text never happens (the text is not evaluated)."""
    target = tmp_path / "pwned"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PotentialError):
        parse_potential(f'__import__("pathlib").Path("{target}").touch()')
    assert not target.exists()


def test_non_string_is_refused():
    with pytest.raises(PotentialError):
        parse_potential(3)


_polynomial_coefficients = S.integer_polynomial_coefficients(4)


@given(_polynomial_coefficients)
def test_polynomials_round_trip(coefficients):
    """Property: the parse of the printed polynomial is the polynomial."""
    poly = sum(c * Q**i for i, c in enumerate(coefficients))
    assert sp.expand(parse_potential(str(poly)) - poly) == 0
