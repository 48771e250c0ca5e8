"""Palindromic splitting integrators as data: a list of alternating kick and drift coefficients.

For H(q, p) = U(q) + |p|^2/2 a splitting with kicks k_0..k_m and drifts d_1..d_m is the map

    p <- p - k_0 eps grad U(q);  q <- q + d_1 eps p;  p <- p - k_1 eps grad U(q);  ...;
    q <- q + d_m eps p;  p <- p - k_m eps grad U(q),

written as the flat list [k_0, d_1, k_1, ..., d_m, k_m] (kick first: BlackJAX,
blackjax/mcmc/integrators.py, ``velocity_verlet_coefficients = [0.5, 1.0, 0.5]``). A zero kick
is no kick, so a drift-first scheme starts and ends with a zero kick: position Verlet is
[0, 1/2, 1, 1/2, 0]. The scheme is consistent when the kicks and the drifts each sum to one,
and symmetric (time-reversible composed with p -> -p) when the list is a palindrome
(Hairer, Lubich & Wanner, Geometric Numerical Integration, 2nd ed., 2006, sec. II.4, V.3).

Each coefficient keeps an exact form (``exact``: a SymPy-parsable string, rational where the
coefficient is rational) for theory/ and its float (``value``) for numerics/. Numbers given as
floats mean their shortest decimal repr (0.1932 is 1932/10000), so decimal lists that sum to
one in decimal pass the exact check. This module imports neither theory/ nor numerics/.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["Coefficient", "Splitting", "BUILTIN_NAMES", "builtin", "from_coefficients", "parse",
           "two_stage", "resolve"]


@dataclass(frozen=True)
class Coefficient:
    """One kick or drift coefficient: ``exact`` (SymPy-parsable string) and ``value`` (float).

    ``rational`` is the exact Fraction when the coefficient is rational, else None."""

    exact: str
    value: float
    rational: Fraction | None = None


@dataclass(frozen=True)
class Splitting:
    """A validated palindromic splitting: ``kicks`` (m + 1) and ``drifts`` (m) interleave as
    k_0, d_1, k_1, ..., d_m, k_m. ``name`` is a built-in name or the coefficient list;
    ``source`` cites where the coefficients come from."""

    name: str
    kicks: tuple[Coefficient, ...]
    drifts: tuple[Coefficient, ...]
    source: str = "user-given coefficients"

    @property
    def kick_values(self) -> tuple[float, ...]:
        return tuple(c.value for c in self.kicks)

    @property
    def drift_values(self) -> tuple[float, ...]:
        return tuple(c.value for c in self.drifts)

    @property
    def coefficients(self) -> tuple[Coefficient, ...]:
        """The flat list k_0, d_1, k_1, ..., d_m, k_m."""
        flat = [self.kicks[0]]
        for d, k in zip(self.drifts, self.kicks[1:]):
            flat += [d, k]
        return tuple(flat)

    @property
    def gradient_evaluations(self) -> int:
        """Gradient evaluations per step when the last kick's gradient is reused by the next
        step's first (nonzero kicks after a drift)."""
        return sum(1 for k in self.kicks[1:] if k.value != 0.0)

    def __str__(self) -> str:
        return ",".join(c.exact for c in self.coefficients)


# --------------------------------------------------------------------------------------------
# coefficients from user input


def _coefficient(value, position: int) -> Coefficient:
    """An exact rational Coefficient from an int, float, Fraction or a decimal / 'a/b' string."""
    if isinstance(value, bool):
        raise ValueError(f"coefficient {position + 1} must be a number, got {value!r}")
    if isinstance(value, Fraction):
        rational = value
    elif isinstance(value, numbers.Integral):
        rational = Fraction(int(value))
    elif isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"coefficient {position + 1} must be finite, got {number}")
        rational = Fraction(repr(number))  # the shortest decimal that rounds to this float
    elif isinstance(value, str):
        text = value.strip()
        try:
            rational = Fraction(text)
        except (ValueError, ZeroDivisionError):
            lowered = text.lower().lstrip("+-")
            if lowered in ("inf", "infinity", "nan"):
                raise ValueError(f"coefficient {position + 1} must be finite, got {text!r}") from None
            raise ValueError(f"coefficient {position + 1} is not a number: {text!r}") from None
    else:
        raise ValueError(f"coefficient {position + 1} must be a number, got {value!r}")
    return Coefficient(str(rational), float(rational), rational)


def _check(kicks, drifts, label: str) -> None:
    """Consistency (kicks and drifts each sum to one) and symmetry (a palindrome)."""
    flat = [kicks[0]]
    for d, k in zip(drifts, kicks[1:]):
        flat += [d, k]
    for c in flat:
        if not math.isfinite(c.value):
            raise ValueError(f"splitting {label}: coefficients must be finite, got {c.exact}")
    for kind, group in (("kicks", kicks), ("drifts", drifts)):
        if all(c.rational is not None for c in group):
            total = sum((c.rational for c in group), Fraction(0))
            if total != 1:
                raise ValueError(f"splitting {label}: {kind} must sum to 1, got {total}")
        else:  # irrational built-ins: the floats agree with 1 up to the rounding of the sum
            total = math.fsum(c.value for c in group)
            if abs(total - 1.0) > 4 * len(group) * 2.0 ** -53:
                raise ValueError(f"splitting {label}: {kind} must sum to 1, got {total!r}")
    mismatched = [i for i in range(len(flat)) if flat[i].exact != flat[-1 - i].exact]
    if mismatched:
        i = mismatched[0]
        raise ValueError(f"splitting {label}: not palindromic (coefficient {i + 1} is {flat[i].exact}, "
                         f"coefficient {len(flat) - i} is {flat[-1 - i].exact})")


def from_coefficients(values, *, name: str | None = None, source: str = "user-given coefficients") -> Splitting:
    """A Splitting from the flat list [k_0, d_1, k_1, ..., d_m, k_m] (numbers or numeric strings).

    Raises ValueError (one line) for an empty or even-length list, a non-number or non-finite
    entry, kicks or drifts not summing to one (exactly, in rationals), or a non-palindrome."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ValueError(f"splitting coefficients must be a list of numbers, got {values!r}")
    values = list(values)
    if not values:
        raise ValueError("splitting coefficients: the list is empty")
    if len(values) % 2 == 0:
        raise ValueError(f"splitting coefficients alternate kick, drift, ..., kick: need an odd count, "
                         f"got {len(values)}")
    coefficients = [_coefficient(v, i) for i, v in enumerate(values)]
    kicks, drifts = tuple(coefficients[0::2]), tuple(coefficients[1::2])
    label = name or ",".join(str(v).strip() for v in values)
    _check(kicks, drifts, repr(label))
    return Splitting(label, kicks, drifts, source)


def parse(text: str) -> Splitting:
    """A Splitting from the CLI form "k1,d1,k2,..." (comma-separated numbers, '1/2' allowed)."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("splitting coefficients: give comma-separated numbers like '0.5,1,0.5'")
    parts = [part.strip() for part in text.split(",")]
    if any(not part for part in parts):
        raise ValueError(f"splitting coefficients {text!r}: empty entry between commas")
    return from_coefficients(parts)


# --------------------------------------------------------------------------------------------
# built-ins


def _rational(text: str) -> Coefficient:
    r = Fraction(text)
    return Coefficient(str(r), float(r), r)


def two_stage(b, *, name: str | None = None, source: str | None = None) -> Splitting:
    """The two-stage kick-first family: kicks (b, 1 - 2b, b), drifts (1/2, 1/2).

    Blanes, Casas & Sanz-Serna, SIAM J. Sci. Comput. 36(4) (2014), the velocity (kick-first)
    form; b = 1/4 is two leapfrog half-steps, b = 0.21178 their Gaussian-optimal
    value, b = 0.1931833275037836 McLachlan's (SIAM J. Sci. Comput. 16, 1995) minimum-error value.
    """
    b = _coefficient(b, 0)
    middle = _rational(str(1 - 2 * b.rational))
    label = name or f"two_stage(b={b.exact})"
    half = _rational("1/2")
    kicks, drifts = (b, middle, b), (half, half)
    _check(kicks, drifts, repr(label))
    return Splitting(label, kicks, drifts, source or "Blanes, Casas & Sanz-Serna, SIAM J. Sci. Comput. 36(4), 2014")


# Yoshida (Phys. Lett. A 150, 262-268, 1990), the fourth-order triple jump: three leapfrogs of
# sizes w1 eps, w0 eps, w1 eps with w1 = 1/(2 - 2^(1/3)), w0 = -2^(1/3) w1. Composing them merges
# adjacent half-kicks: kicks w1/2, (w0 + w1)/2, (w0 + w1)/2, w1/2; drifts w1, w0, w1. The floats
# are the correctly rounded values of the exact forms (tests/test_splittings.py recomputes them
# with SymPy at 40 digits).
_CBRT2 = "2**(1/3)"
_YOSHIDA_KICK_OUTER = Coefficient(f"1/(2*(2 - {_CBRT2}))", 0.6756035959798288)
_YOSHIDA_KICK_INNER = Coefficient(f"(1 - {_CBRT2})/(2*(2 - {_CBRT2}))", -0.17560359597982883)
_YOSHIDA_DRIFT_OUTER = Coefficient(f"1/(2 - {_CBRT2})", 1.3512071919596575)
_YOSHIDA_DRIFT_INNER = Coefficient(f"-{_CBRT2}/(2 - {_CBRT2})", -1.7024143839193153)

#: McLachlan's two-stage minimum-error parameter (as in BlackJAX's mclachlan_coefficients): the
#: real root of 48 b^3 - 72 b^2 + 38 b - 5 (tests/test_theory_splitting.py derives it).
MCLACHLAN_B = "0.1931833275037836"
#: Blanes, Casas & Sanz-Serna's two-stage parameter optimised for Gaussian targets.
BCSS_B = "0.21178"


def _builtins() -> dict[str, Splitting]:
    half, one, zero = _rational("1/2"), _rational("1"), _rational("0")
    leapfrog = Splitting("leapfrog", (half, half), (one,),
                         "velocity Verlet (kick-drift-kick); Leimkuhler & Reich 2004, sec. 2.2")
    position = Splitting("position_verlet", (zero, one, zero), (half, half),
                         "position Verlet (drift-kick-drift); Hairer, Lubich & Wanner 2006, sec. I.1.4")
    yoshida = Splitting("yoshida4",
                        (_YOSHIDA_KICK_OUTER, _YOSHIDA_KICK_INNER, _YOSHIDA_KICK_INNER, _YOSHIDA_KICK_OUTER),
                        (_YOSHIDA_DRIFT_OUTER, _YOSHIDA_DRIFT_INNER, _YOSHIDA_DRIFT_OUTER),
                        "Yoshida, Phys. Lett. A 150 (1990) 262: fourth-order triple jump of leapfrogs")
    table = {
        "leapfrog": leapfrog,
        "position_verlet": position,
        "two_stage_bcss": two_stage(BCSS_B, name="two_stage_bcss",
                                    source="Blanes, Casas & Sanz-Serna, SIAM J. Sci. Comput. 36(4), 2014: b = 0.21178"),
        "two_stage_mclachlan": two_stage(MCLACHLAN_B, name="two_stage_mclachlan",
                                         source="McLachlan, SIAM J. Sci. Comput. 16 (1995): b = 0.1932"),
        "yoshida4": yoshida,
    }
    for splitting in table.values():
        _check(splitting.kicks, splitting.drifts, splitting.name)
    return table


_BUILTINS = _builtins()
#: Aliases accepted by `builtin`.
_ALIASES = {"velocity_verlet": "leapfrog", "verlet": "leapfrog", "yoshida": "yoshida4",
            "mclachlan": "two_stage_mclachlan", "bcss": "two_stage_bcss", "two_stage": "two_stage_bcss"}
#: Names of the built-in splittings.
BUILTIN_NAMES = tuple(_BUILTINS)


def builtin(name: str) -> Splitting:
    """A built-in splitting by name (or alias); ValueError (one line) for an unknown name."""
    key = _ALIASES.get(name, name) if isinstance(name, str) else None
    if key not in _BUILTINS:
        known = ", ".join(sorted(set(_BUILTINS) | set(_ALIASES)))
        raise ValueError(f"unknown integrator {name!r}; known: {known}, or a list 'k1,d1,k2,...'")
    return _BUILTINS[key]


def resolve(spec) -> Splitting:
    """A Splitting from a Splitting, a built-in name, a "k1,d1,..." string or a list of numbers."""
    if isinstance(spec, Splitting):
        return spec
    if isinstance(spec, str):
        return parse(spec) if "," in spec or _is_number(spec) else builtin(spec.strip())
    return from_coefficients(spec)


def _is_number(text: str) -> bool:
    try:
        Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        return False
    return True
