"""Potential families: exact stationary samplers, u' against u, parameter validation.

Sampler checks compare Monte Carlo moments with moments of exp(-u) computed by adaptive
quadrature (scipy.integrate.quad, split at the kinks) and accept a difference of at most
4 standard errors (numerics.estimators.mean_estimate): with fixed seeds the test is
deterministic, and a correct sampler fails one comparison with probability 6e-5.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from relu_hmc.numerics import potentials
from relu_hmc.numerics.estimators import mean_estimate
from test_fastcore import FAMILIES, FAMILY_IDS

N_DRAWS = 20_000
N_SE = 4.0


def kinked_callable():
    """|x - 0.3| + 0.1 x^2 written as plain NumPy: the general path's tabulated sampler."""
    return potentials.CallablePotential(lambda x: np.abs(x - 0.3) + 0.1 * x * x,
                                        lambda x: np.where(x >= 0.3, 1.0, -1.0) + 0.2 * x, kinks=[0.3])


SAMPLED = {**FAMILIES, "callable_kinked": kinked_callable()}


def quadrature_expectations(potential, functions):
    """E f(X) under exp(-u) for each f, by quad over the pieces between kinks."""
    edges = [-math.inf, *sorted(potential.kinks.tolist()), math.inf]
    u_min = float(np.min(potential.u(np.linspace(-10.0, 10.0, 20_001))))
    density = lambda x: math.exp(-(float(potential.u(np.array([x]))[0]) - u_min))  # noqa: E731

    def integral(f):
        return sum(integrate.quad(lambda x: f(x) * density(x), a, b, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
                   for a, b in zip(edges[:-1], edges[1:]))

    mass = integral(lambda x: 1.0)
    return [integral(f) / mass for f in functions]


@pytest.mark.parametrize("name", sorted(SAMPLED))
def test_exact_sampler_moments_match_quadrature(name):
    potential = SAMPLED[name]
    draws = potential.sample(np.random.default_rng(123), (N_DRAWS,))
    assert draws.shape == (N_DRAWS,) and np.all(np.isfinite(draws))
    statistics = {"x": lambda x: x, "x^2": lambda x: x * x, "|x|^3": lambda x: abs(x) ** 3}
    exact = quadrature_expectations(potential, list(statistics.values()))
    for (label, f), expected in zip(statistics.items(), exact):
        estimate = mean_estimate(f(draws))
        assert abs(estimate.value - expected) <= N_SE * estimate.se, (
            f"{name}: E[{label}] = {estimate} vs quadrature {expected:.6g}")


@pytest.mark.parametrize("name", [n for n in sorted(SAMPLED) if SAMPLED[n].kinks.size])
def test_exact_sampler_puts_the_right_mass_on_each_piece(name):
    """Piece probabilities: the exact piecewise sampler picks a piece by its mass first."""
    potential = SAMPLED[name]
    draws = potential.sample(np.random.default_rng(321), (N_DRAWS,))
    edges = [-math.inf, *potential.kinks.tolist(), math.inf]
    indicators = [lambda x, a=a, b=b: float(a <= x < b) for a, b in zip(edges[:-1], edges[1:])]
    exact = quadrature_expectations(potential, indicators)
    for (a, b), f, expected in zip(zip(edges[:-1], edges[1:]), indicators, exact):
        estimate = mean_estimate([f(x) for x in draws.tolist()])
        se = max(estimate.se, math.sqrt(expected * (1 - expected) / N_DRAWS))
        assert abs(estimate.value - expected) <= N_SE * se, f"{name}: P[{a} <= X < {b}]"


@pytest.mark.parametrize("name", sorted(SAMPLED))
def test_samplers_are_deterministic_given_the_seed(name):
    potential = SAMPLED[name]
    first = potential.sample(np.random.default_rng(5), (3, 4))
    second = potential.sample(np.random.default_rng(5), (3, 4))
    other = potential.sample(np.random.default_rng(6), (3, 4))
    assert first.shape == (3, 4)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_the_tabulated_cdf_matches_quadrature():
    """TabulatedSampler's CDF at its grid points agrees with adaptive quadrature to 1e-10."""
    potential = potentials.quartic(-1.0, 0.5)
    sampler = potentials.TabulatedSampler(potential.u, breakpoints=potential.kinks)
    density = lambda x: math.exp(-float(potential.u(np.array([x]))[0]))  # noqa: E731
    mass = integrate.quad(density, -math.inf, math.inf, epsabs=0.0, epsrel=1e-13)[0]
    for i in np.searchsorted(sampler.grid, np.linspace(-3.0, 3.0, 7)):
        below = integrate.quad(density, -math.inf, sampler.grid[i], epsabs=0.0, epsrel=1e-13)[0]
        assert sampler.cdf[i] == pytest.approx(below / mass, abs=1e-10)


@pytest.mark.parametrize("name", FAMILY_IDS)
def test_gradient_is_the_derivative_of_the_potential(name):
    """u' against central differences of u, away from kinks (truncation h^2 u'''/6)."""
    potential = FAMILIES[name]
    x = np.linspace(-3.0, 3.0, 601) + 1e-3 / 3
    if potential.kinks.size:
        x = x[np.min(np.abs(x[:, None] - potential.kinks), axis=1) > 1e-2]
    h = 1e-6
    numeric = (potential.u(x + h) - potential.u(x - h)) / (2 * h)
    np.testing.assert_allclose(potential.grad(x), numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", FAMILY_IDS)
def test_declared_jumps_are_the_gradient_jumps_at_the_kinks(name):
    potential = FAMILIES[name]
    if potential.jumps.size == 0:
        assert not potential.is_kinked
        return
    # one-sided limits at distance 1e-12 (a Hoelder gradient still moves by ~ 1e-12^(alpha-1))
    right, left = potential.grad(potential.kinks + 1e-12), potential.grad(potential.kinks - 1e-12)
    np.testing.assert_allclose(right - left, potential.jumps, atol=1e-5)
    assert potential.is_kinked == bool(np.any(np.abs(right - left) > 1e-3))


def test_potentials_are_continuous_at_their_kinks():
    potential = FAMILIES["piecewise_quadratic"]
    b = potential.kinks
    np.testing.assert_allclose(potential.u(np.nextafter(b, -np.inf)), potential.u(b), rtol=1e-14, atol=1e-14)


def test_config_is_json_serialisable_and_identifies_the_potential():
    import json

    config = FAMILIES["piecewise_linear"].config()
    assert json.loads(json.dumps(config)) == config
    assert config["family"] == "piecewise_linear" and config["kinks"] == [-1.0, 0.25, 1.5]


@pytest.mark.parametrize("build, message", [
    (lambda: potentials.gaussian(0.0), r"sigma must be a finite number > 0, got 0\.0"),
    (lambda: potentials.gaussian(float("nan")), r"sigma must be a finite number > 0, got nan"),
    (lambda: potentials.gaussian(None), r"sigma must be a finite number > 0, got None"),
    (lambda: potentials.gaussian("1"), r"sigma must be a finite number > 0, got '1'"),
    (lambda: potentials.gaussian(True), r"sigma must be a finite number > 0, got True"),
    (lambda: potentials.laplace(-1.0), r"scale must be a finite number > 0, got -1\.0"),
    (lambda: potentials.laplace(float("inf")), r"scale must be a finite number > 0, got inf"),
    (lambda: potentials.piecewise_linear([1.0, 0.0], [-1.0, 0.0, 1.0]), r"kinks must be strictly increasing"),
    (lambda: potentials.piecewise_linear([0.0, 0.0], [-1.0, 0.0, 1.0]), r"kinks must be strictly increasing"),
    (lambda: potentials.piecewise_linear([0.0], [-1.0, float("nan")]), r"slopes must be finite, got \[-1\.0, nan\]"),
    (lambda: potentials.piecewise_linear([float("nan")], [-1.0, 1.0]), r"kinks must be finite"),
    (lambda: potentials.piecewise_linear([0.0], [-1.0, 0.5, 1.0]), r"1 kinks need 2 slopes, got 3"),
    (lambda: potentials.piecewise_quadratic([0.0], [1.0, 1.0, 1.0], [0.0, 0.0]), r"1 kinks need 2 curvatures and 2 slopes, got 3 and 2"),
    (lambda: potentials.piecewise_linear([[0.0]], [-1.0, 1.0]), r"kinks must be a 1-D sequence of numbers, got shape \(1, 1\)"),
    (lambda: potentials.piecewise_linear("ab", [-1.0, 1.0]), r"kinks must be a 1-D sequence of real numbers, got 'ab'"),
    (lambda: potentials.piecewise_linear([0.0], [-1.0, 1 + 1j]), r"slopes must be a 1-D sequence of real numbers"),
    (lambda: potentials.piecewise_linear([0.0], [1.0, 2.0]), r"not normalisable: the left piece needs curvature > 0 or slope < 0"),
    (lambda: potentials.piecewise_linear([0.0], [-1.0, -0.5]), r"not normalisable: the right piece needs curvature > 0 or slope > 0"),
    (lambda: potentials.piecewise_linear([], [0.0]), r"not normalisable: the left piece"),
    (lambda: potentials.piecewise_quadratic([0.0], [1.0, -1.0], [0.0, 0.0]), r"curvatures must be >= 0"),
    (lambda: potentials.piecewise_quadratic([0.0], [1.0, float("nan")], [0.0, 0.0]), r"curvatures must be finite"),
    (lambda: potentials.power(0.5), r"alpha must be >= 1 \(the gradient is unbounded below 1\), got 0\.5"),
    (lambda: potentials.power(float("nan")), r"alpha must be a finite number > 0, got nan"),
    (lambda: potentials.power(1.5, 0.0), r"scale must be a finite number > 0, got 0\.0"),
    (lambda: potentials.softplus_kink(width=0.0), r"width must be a finite number > 0, got 0\.0"),
    (lambda: potentials.softplus_kink(kink=float("nan")), r"kink must be finite, got nan"),
    (lambda: potentials.softplus_kink(slope_right=float("inf")), r"slope_right must be finite, got inf"),
    (lambda: potentials.softplus_kink(slope_left=1.0), r"not normalisable: need curvature > 0, or slope_left < 0 < slope_right"),
    (lambda: potentials.softplus_kink(curvature=-1.0), r"not normalisable"),
    (lambda: potentials.logcosh(float("nan")), r"width must be a finite number > 0, got nan"),
    (lambda: potentials.quartic(a4=0.0), r"a4 must be a finite number > 0, got 0\.0"),
    (lambda: potentials.quartic(a2=float("nan")), r"a2 must be finite, got nan"),
    (lambda: potentials.quartic(a2="x"), r"a2 must be a real number, got 'x'"),
    (lambda: potentials.CallablePotential(1.0, np.sign), r"u and du must be callables mapping arrays to arrays"),
    (lambda: potentials.CallablePotential(lambda x: x[:2], np.sign), r"u must return finite values of its input's shape"),
    (lambda: potentials.CallablePotential(np.abs, lambda x: x / 0.0), r"du must return finite values of its input's shape"),
    (lambda: potentials.CallablePotential(np.abs, np.sign, kinks=[0.0, float("nan")]), r"kinks must be finite"),
])
def test_bad_parameters_raise_one_line_value_errors(build, message):
    with np.errstate(all="ignore"), pytest.raises(ValueError, match=message) as error:
        build()
    assert "\n" not in str(error.value)


def test_a_callable_whose_density_does_not_decay_cannot_be_sampled():
    flat = potentials.CallablePotential(lambda x: 0.0 * x, lambda x: 0.0 * x)
    with pytest.raises(ValueError, match=r"the density exp\(-u\) does not decay on \[-200, 200\]: not normalisable"):
        flat.sample(np.random.default_rng(0), 3)


def test_constructors_do_not_keep_references_to_caller_arrays():
    kinks, slopes = np.array([-0.5, 0.5]), np.array([-1.0, 0.0, 1.0])
    potential = potentials.piecewise_linear(kinks, slopes)
    kinks[0], slopes[0] = 99.0, 99.0
    assert potential.kinks[0] == -0.5 and potential.params[3] == -1.0


def test_tiny_positive_curvature_is_refused_with_a_clear_message():
    """A curvature of 1e-300 makes exp(-u) a Gaussian 1e150 wide: its piece mass overflows."""
    with pytest.raises(ValueError, match="curvatures must be 0 or >= 1e-8"):
        potentials.piecewise_quadratic([0.0], [1e-300, 1.0], [-1.0, 0.0])


def test_read_only_inputs_are_accepted_by_the_elementwise_terms():
    """JAX callbacks and np.broadcast_to hand over read-only arrays."""
    x = np.linspace(-1.0, 1.0, 5)
    x.setflags(write=False)
    laplace = potentials.laplace()
    np.testing.assert_array_equal(laplace.u(x), np.abs(x))
    np.testing.assert_array_equal(laplace.grad(x), np.where(x >= 0, 1.0, -1.0))
