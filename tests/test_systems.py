"""The registry of test systems (relu_hmc.systems): for every entry, theory's SymPy
expression and numerics' kernel potential are the same function, in value and gradient."""
import numpy as np
import pytest
import sympy as sp

from relu_hmc.numerics.potentials import from_spec
from relu_hmc.systems import REGULARITIES, SYSTEMS, system
from relu_hmc.theory.parse import Q, parse_potential

# points away from every registered kink (0, -0.5, 0.7), where the gradient is defined
POINTS = np.array([-2.3, -1.1, -0.6, -0.31, 0.13, 0.52, 0.9, 1.7, 3.2])


@pytest.mark.parametrize("name", sorted(SYSTEMS))
def test_sympy_expression_and_kernel_potential_agree_in_value_and_gradient(name):
    entry = SYSTEMS[name]
    expr = parse_potential(entry.expression)
    u = sp.lambdify(Q, expr, "mpmath")
    du = sp.lambdify(Q, sp.diff(expr, Q), "mpmath")
    potential = from_spec(entry.spec)
    np.testing.assert_allclose(potential.u(POINTS), [float(u(x)) for x in POINTS], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(potential.grad(POINTS), [float(du(x)) for x in POINTS], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", sorted(SYSTEMS))
def test_tags_name_one_regularity_that_matches_the_kernel_kinks(name):
    entry = SYSTEMS[name]
    assert sum(tag in REGULARITIES for tag in entry.tags) == 1
    assert from_spec(entry.spec).is_kinked == (entry.regularity == "kinked")


def test_unknown_names_get_a_one_line_error():
    with pytest.raises(ValueError, match="unknown test system 'nope'"):
        system("nope")
    with pytest.raises(ValueError, match="unknown potential family 'nope'"):
        from_spec({"family": "nope"})


@pytest.mark.parametrize("name", sorted(SYSTEMS))
def test_kernel_sampler_draws_from_exp_minus_u(name):
    """Stein identities of pi ∝ exp(-U) (integration by parts; U' may jump, exp(-U) is
    continuous): E U'(X) = 0 and E X U'(X) = 1, each within 4 SE of 200000 exact draws."""
    potential = from_spec(SYSTEMS[name].spec)
    x = potential.sample(np.random.default_rng(12), (200_000,))
    grad = potential.grad(x)
    for values, expected in ((grad, 0.0), (x * grad, 1.0)):
        se = values.std(ddof=1) / np.sqrt(values.size)
        assert abs(values.mean() - expected) <= 4 * se, (name, values.mean(), expected, se)
