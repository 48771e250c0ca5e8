"""The compiled kernel and its pure-NumPy twin give the same numbers, for every family.

Both backends are imported directly (not through the ``_fastcore`` shim), so this file
checks the pair whatever ``RELU_HMC_PURE`` says; the compiled side is skipped only when the
extension is not built. The twins are built to be identical, and the tests assert identical
bits: the same arithmetic in the same order, no fused multiply-add in the compiled code
(setup.py compiles with -ffp-contract=off), the same C libm functions (the pure twin calls
them through ``math``), and exactly rounded per-chain sums on both sides.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import strategies as S
from hypothesis import given
from hypothesis import strategies as st

from relu_hmc._fastcore import _families
from relu_hmc._fastcore import _leapfrog_py as pure

try:
    from relu_hmc._fastcore import _leapfrog_c as compiled
except ImportError:  # the extension is not built: nothing to compare against
    compiled = None

needs_compiled = pytest.mark.skipif(compiled is None, reason="compiled extension _fastcore._leapfrog_c not built")

FAMILIES = S.family_examples()
FAMILY_IDS = sorted(FAMILIES)


def assert_same(compiled_value, pure_value, what):
    compiled_value, pure_value = np.asarray(compiled_value), np.asarray(pure_value)
    assert compiled_value.shape == pure_value.shape, what
    assert compiled_value.dtype == pure_value.dtype, what
    np.testing.assert_array_equal(compiled_value, pure_value, err_msg=what)


def random_states(seed, n_chains, d, spread=2.0):
    rng = np.random.default_rng(seed)
    return spread * rng.standard_normal((n_chains, d)), rng.standard_normal((n_chains, d))


def test_family_codes_of_the_compiled_kernels_equal_families_module():
    """The enum the compiled kernels include and _families.py name the same codes."""
    source = (Path(pure.__file__).parent / "_kernel_common.pxi").read_text()
    blocks = re.findall(r"^cdef enum:\n((?:    [A-Z_]+ = \d+\n)+)", source, re.M)
    family_block = next(block for block in blocks if "PIECEWISE_QUADRATIC" in block)
    enum = {name: int(code) for name, code in re.findall(r"([A-Z_]+) = (\d+)", family_block)}
    expected = {name.upper(): code for name, code in _families.FAMILY_CODES.items()}
    assert enum == expected
    assert sorted(expected.values()) == list(range(len(expected)))


# u(x) of each family code written from the table in _fastcore/_families.py, independently
# of both kernels: (params, kinks, formula). A swapped code computes another function.
def _softplus(z):
    return np.logaddexp(0.0, z)


REFERENCE_FORMULAS = {
    "piecewise_quadratic": (np.array([1.0, 0.5, -1.0, 0.5, 0.0, 0.0]), np.array([0.0]),
                            lambda x: np.where(x < 0.0, 0.5 * x * x - x, 0.25 * x * x + 0.5 * x)),
    "power": (np.array([1.7, 0.8]), np.array([0.3]), lambda x: (np.abs(x - 0.3) / 0.8) ** 1.7),
    "softplus_kink": (np.array([-1.0, 2.0, 0.3, 0.5]), np.array([0.2]),
                      lambda x: 0.25 * x * x - (x - 0.2) + 3.0 * 0.3 * _softplus((x - 0.2) / 0.3)),
    "logcosh": (np.array([0.6]), np.array([-0.4]), lambda x: 0.6 * np.log(np.cosh((x + 0.4) / 0.6))),
    "quartic": (np.array([-1.0, 0.5]), np.empty(0), lambda x: -0.5 * x * x + 0.125 * x ** 4),
}


@pytest.mark.parametrize("backend", [pytest.param(compiled, marks=needs_compiled, id="compiled"),
                                     pytest.param(pure, id="pure")])
@pytest.mark.parametrize("name", sorted(_families.FAMILY_CODES))
def test_each_family_code_computes_the_documented_potential(backend, name):
    params, kinks, formula = REFERENCE_FORMULAS[name]
    x = np.linspace(-3.0, 3.0, 601)
    values = backend.potential_terms(_families.FAMILY_CODES[name], params, kinks, x)
    np.testing.assert_allclose(values, formula(x), rtol=1e-12, atol=1e-12)


def test_every_family_code_has_a_reference_formula():
    assert set(REFERENCE_FORMULAS) == set(_families.FAMILY_CODES)


@needs_compiled
@pytest.mark.parametrize("name", FAMILY_IDS)
def test_potential_and_gradient_terms_agree(name):
    potential = FAMILIES[name]
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.standard_normal(2000) * 3.0, np.linspace(-6.0, 6.0, 1201),
                        potential.kinks, np.nextafter(potential.kinks, -np.inf)])
    for function in ("potential_terms", "gradient_terms"):
        a = getattr(compiled, function)(potential.family, potential.params, potential.kinks, x)
        b = getattr(pure, function)(potential.family, potential.params, potential.kinks, x)
        assert_same(a, b, f"{name}.{function}")


@needs_compiled
@pytest.mark.parametrize("name", FAMILY_IDS)
def test_terms_keep_the_input_shape_in_both_backends(name):
    potential = FAMILIES[name]
    x = np.linspace(-2.0, 2.0, 24).reshape(2, 3, 4)
    for function in ("potential_terms", "gradient_terms"):
        a = getattr(compiled, function)(potential.family, potential.params, potential.kinks, x)
        b = getattr(pure, function)(potential.family, potential.params, potential.kinks, x)
        assert a.shape == b.shape == x.shape
        assert_same(a, b, f"{name}.{function}")


@needs_compiled
@pytest.mark.parametrize("name", FAMILY_IDS)
def test_trajectories_agree(name):
    potential = FAMILIES[name]
    q0, p0 = random_states(3, n_chains=4, d=64)
    for eps, n_steps in ((0.13, 37), (0.02, 200), (0.4, 5)):
        a = compiled.trajectory(potential.family, potential.params, potential.kinks, q0, p0, eps, n_steps)
        b = pure.trajectory(potential.family, potential.params, potential.kinks, q0, p0, eps, n_steps)
        for label, x, y in zip(("q", "p", "energy_error", "crossings"), a, b):
            assert_same(x, y, f"{name} eps={eps} L={n_steps}: {label}")


finite_states = S.coordinates(4.0)
step_sizes = S.step_sizes(1e-4, 0.5)


@needs_compiled
@given(name=st.sampled_from(FAMILY_IDS), q=st.lists(finite_states, min_size=1, max_size=6),
       data=st.data(), eps=step_sizes, n_steps=st.integers(1, 40))
def test_trajectories_agree_on_generated_states(name, q, data, eps, n_steps):
    potential = FAMILIES[name]
    p = data.draw(st.lists(finite_states, min_size=len(q), max_size=len(q)), label="p")
    q0, p0 = np.array([q]), np.array([p])
    a = compiled.trajectory(potential.family, potential.params, potential.kinks, q0, p0, eps, n_steps)
    b = pure.trajectory(potential.family, potential.params, potential.kinks, q0, p0, eps, n_steps)
    for label, x, y in zip(("q", "p", "energy_error", "crossings"), a, b):
        assert_same(x, y, f"{name}: {label}")


@needs_compiled
def test_energy_error_sums_agree_when_they_nearly_cancel():
    """The per-chain sum over coordinates is exactly rounded in both backends: terms of size
    1e8 that cancel to O(1) still give the same number (a compensated sum would not always)."""
    potential = FAMILIES["gaussian"]
    d = 10_000
    rng = np.random.default_rng(11)
    q0 = np.concatenate([np.full(d // 2, 1e4), np.full(d // 2, -1e4)])[None, :] + rng.standard_normal((1, d))
    p0 = rng.standard_normal((1, d))
    a = compiled.trajectory(potential.family, potential.params, potential.kinks, q0, p0, 0.1, 3)
    b = pure.trajectory(potential.family, potential.params, potential.kinks, q0, p0, 0.1, 3)
    assert a[2][0] == b[2][0]


@needs_compiled
def test_divergent_trajectories_agree_and_do_not_raise():
    """A step size far beyond the stability limit blows a quartic trajectory up to inf/nan:
    both backends report the same non-finite energy error (HMC then rejects it)."""
    potential = FAMILIES["quartic"]
    # chain 0 starts where u'' = 2700 (eps * omega = 26, far past the limit 2); chain 1 in a well
    q0, p0 = np.array([[30.0, 30.0], [0.5, -0.8]]), np.array([[0.0, 0.0], [0.3, 0.1]])
    with np.errstate(all="ignore"):
        a = compiled.trajectory(potential.family, potential.params, potential.kinks, q0, p0, 0.5, 60)
        b = pure.trajectory(potential.family, potential.params, potential.kinks, q0, p0, 0.5, 60)
    assert not np.isfinite(a[2][0])
    np.testing.assert_array_equal(a[2], b[2])
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[3], b[3])
    assert np.isfinite(a[2][1]) and abs(a[2][1]) < 1.0  # the gentle chain is unaffected


@pytest.mark.parametrize("backend", [pytest.param(compiled, marks=needs_compiled, id="compiled"),
                                     pytest.param(pure, id="pure")])
def test_kernels_do_not_modify_their_inputs(backend):
    potential = FAMILIES["piecewise_linear"]
    q0, p0 = random_states(5, 3, 10)
    params, kinks = potential.params.copy(), potential.kinks.copy()
    q_copy, p_copy = q0.copy(), p0.copy()
    q, p, _, _ = backend.trajectory(potential.family, potential.params, potential.kinks, q0, p0, 0.1, 20)
    np.testing.assert_array_equal(q0, q_copy)
    np.testing.assert_array_equal(p0, p_copy)
    np.testing.assert_array_equal(potential.params, params)
    np.testing.assert_array_equal(potential.kinks, kinks)
    assert not np.shares_memory(q, q0) and not np.shares_memory(p, p0)


@pytest.mark.parametrize("backend", [pytest.param(compiled, marks=needs_compiled, id="compiled"),
                                     pytest.param(pure, id="pure")])
def test_kernels_are_deterministic(backend):
    potential = FAMILIES["softplus_kink"]
    q0, p0 = random_states(9, 3, 50)
    first = backend.trajectory(potential.family, potential.params, potential.kinks, q0, p0, 0.07, 30)
    second = backend.trajectory(potential.family, potential.params, potential.kinks, q0, p0, 0.07, 30)
    for x, y in zip(first, second):
        np.testing.assert_array_equal(x, y)


def test_backend_shim_honours_relu_hmc_pure(monkeypatch):
    """RELU_HMC_PURE=1 selects the NumPy twin; otherwise the compiled kernel when it is built."""
    import importlib

    from relu_hmc import _fastcore

    try:
        monkeypatch.setenv("RELU_HMC_PURE", "1")
        assert importlib.reload(_fastcore).BACKENDS == {"leapfrog": "numpy", "bnn": "numpy", "splitting": "numpy"}
        assert _fastcore.BACKEND == "numpy"
        monkeypatch.setenv("RELU_HMC_PURE", "0")
        expected = "numpy" if compiled is None else "cython"
        assert importlib.reload(_fastcore).BACKENDS["leapfrog"] == expected
    finally:
        monkeypatch.undo()
        importlib.reload(_fastcore)
