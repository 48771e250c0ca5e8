"""`relu-hmc derive` with --algorithm / --integrator / --fixed-steps / --support: the new JSON
keys, one-line refusals (exit 2) and --check on the same combination."""
import json

import numpy as np
import pytest

import relu_hmc.cli as cli


def _json(argv, capsys):
    assert cli.main(argv + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("argv, algorithm, integrator, order, regime", [
    (["Abs(q)"], "hmc", "leapfrog", 2, "fixed_time"),
    (["Abs(q)", "--integrator", "yoshida4"], "hmc", "yoshida4", 4, "fixed_time"),
    (["Abs(q)", "--integrator", "0.25,0.5,0.5,0.5,0.25", "--fixed-steps", "2"], "hmc", "0.25,0.5,0.5,0.5,0.25", 2,
     "fixed_steps"),
    (["Abs(q)", "--algorithm", "mala"], "mala", "leapfrog", 2, "fixed_steps"),
    (["Abs(q)", "--algorithm", "rwm"], "rwm", None, None, None),
])
def test_json_has_algorithm_integrator_order_and_regime(argv, algorithm, integrator, order, regime, capsys):
    data = _json(["derive"] + argv, capsys)
    assert (data["algorithm"], data["integrator"], data["integrator_order"], data["regime"]) == \
        (algorithm, integrator, order, regime)
    assert data["sigma0"] > 0 and 0 < data["optimal_acceptance"] < 1


def test_hard_walls_json(capsys):
    data = _json(["derive", "0", "--support", "0,1", "--algorithm", "rwm"], capsys)
    assert data["regularity"] == "jump" and data["step_size_exponent"] == 1.0
    assert data["optimal_acceptance"] == pytest.approx(np.exp(-2))


@pytest.mark.parametrize("argv, words", [
    (["Abs(q)", "--fixed-steps", "0"], "between 1 and"),
    (["Abs(q)", "--fixed-steps", "2", "--T", "1"], "not both"),
    (["Abs(q)", "--integrator", "nope"], "unknown integrator"),
    (["Abs(q)", "--integrator", "0.5,1,0.6"], "sum to 1"),
    (["Abs(q)", "--integrator", "0.3,1,0.7"], "not palindromic"),
    (["q**2/2 + Heaviside(q)"], "fixed T"),
    (["Abs(q)", "--algorithm", "rwm", "--integrator", "leapfrog"], "rwm has no integrator"),
    (["0", "--support", "1,0"], "lo < hi"),
    (["0", "--support", "a,b"], "--support"),
])
def test_refusals_are_one_line_exit_2(argv, words, capsys):
    assert cli.main(["derive"] + argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("relu-hmc: error:") and "\n" not in err and words in err


@pytest.mark.slow
@pytest.mark.parametrize("argv, key", [
    (["q**2/2", "--algorithm", "mala"], "measured_sigma0"),
    (["0", "--support", "0,1", "--algorithm", "rwm"], "measured_crossing_rate"),
])
def test_check_measures_the_same_combination(argv, key, capsys):
    """Measured Sigma_0 (MALA: 1/16) or crossing rate (walls: 2/sqrt(2 pi)) within 4 SE plus the
    finite-step bias, and gamma (1/6, 1) within 4 SE + 0.02 (the smallest step is 0.025)."""
    data = _json(["derive"] + argv + ["--check", "--seed", "3"], capsys)
    predicted = data["sigma0"] if key == "measured_sigma0" else data["predicted_crossing_rate"]
    assert abs(data[key] - predicted) <= 4 * data[key + "_se"] + 0.05 * predicted
    assert abs(data["measured_gamma"] - data["step_size_exponent"]) <= 4 * data["measured_gamma_se"] + 0.02
