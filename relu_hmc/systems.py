"""The named test systems: one registry that theory, numerics, claims, the audit and the tests
draw from instead of restating potentials.

Plain data, no NumPy or SymPy: theory/ and numerics/ may both import it without importing
each other. Each `TestSystem` holds

- ``expression``: the potential U(q) as SymPy text in the variable q, parsed by
  `relu_hmc.theory.parse.parse_potential` when theory needs it;
- ``family`` and ``params``: the `relu_hmc.numerics.potentials` constructor and its keyword
  arguments (`relu_hmc.numerics.potentials.from_spec(system.spec)` builds the kernel
  potential, whose ``.sample`` is the exact stationary sampler of exp(-U));
- ``tags``: the regularity, one of "smooth", "kinked" (u' jumps), "holder" (u' Hoelder of
  order alpha - 1 at a point).

tests/test_systems.py checks for every entry that the SymPy expression and the kernel
potential agree in value and gradient.
"""
from __future__ import annotations

from dataclasses import dataclass, field

REGULARITIES = ("smooth", "kinked", "holder")


@dataclass(frozen=True)
class TestSystem:
    """One named 1D potential: SymPy text, kernel family and parameters, regularity tags."""

    __test__ = False  # not a pytest test class despite the name

    name: str
    expression: str
    family: str
    params: dict = field(default_factory=dict)
    tags: tuple[str, ...] = ()

    @property
    def spec(self) -> dict:
        """{"family": name, **params}: what `numerics.potentials.from_spec` and the claims' tasks take."""
        return {"family": self.family, **self.params}

    @property
    def regularity(self) -> str:
        return next(tag for tag in self.tags if tag in REGULARITIES)


_ENTRIES = (
    TestSystem("gaussian", "q**2/2", "gaussian", {"sigma": 1.0}, ("smooth",)),
    TestSystem("laplace", "Abs(q)", "laplace", {"scale": 1.0}, ("kinked",)),
    # u = q^4/4 as the power family with scale 4^(1/4): it has an exact sampler
    # (|q/scale|^4 ~ Gamma(1/4)), where the quartic family tabulates the CDF
    TestSystem("quartic", "q**4/4", "power", {"alpha": 4.0, "scale": 4.0 ** 0.25}, ("smooth",)),
    TestSystem("quartic_unscaled", "q**4", "power", {"alpha": 4.0, "scale": 1.0}, ("smooth",)),
    # smooth and non-quadratic with U''' != 0 away from 0
    TestSystem("quadratic_plus_quartic", "q**2/2 + q**4/4", "quartic", {"a2": 1.0, "a4": 1.0}, ("smooth",)),
    TestSystem("holder_1.5", "Abs(q)**(3/2)", "power", {"alpha": 1.5, "scale": 1.0}, ("holder",)),
    # two kinks with jumps 2 and 1.5; u = slope_0 q on the leftmost piece, continuous
    TestSystem("two_kink_piecewise_linear",
               "Piecewise((-3*q/2, q < -1/2), (q/2 + 1, q < 7/10), (2*q - 1/20, True))",
               "piecewise_linear", {"kinks": [-0.5, 0.7], "slopes": [-1.5, 0.5, 2.0]}, ("kinked",)),
    # a kink away from the mode (jump 2 at q = 0.3) on a Gaussian: the crossing rate pi(b) and
    # the smooth part both enter; the constant -3/10 matches the kernel's u(0) = 0 on the left piece
    TestSystem("offset_kink", "Abs(q - 3/10) + q**2/2 - 3/10", "piecewise_quadratic",
               {"kinks": [0.3], "curvatures": [1.0, 1.0], "slopes": [-1.0, 1.0]}, ("kinked",)),
)

#: Every test system by name.
SYSTEMS: dict[str, TestSystem] = {s.name: s for s in _ENTRIES}


def system(name: str) -> TestSystem:
    """The registered test system `name` (one-line error naming the choices otherwise)."""
    try:
        return SYSTEMS[name]
    except KeyError:
        raise ValueError(f"unknown test system {name!r}; expected one of {', '.join(SYSTEMS)}") from None
