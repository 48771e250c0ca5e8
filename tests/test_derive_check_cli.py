"""`relu-hmc derive EXPR --check`: the measured Sigma_0 and gamma sit beside the prediction
and agree with it within the measurement's standard errors."""
import json

import pytest

from relu_hmc.cli import main


def derive_json(capsys, *args):
    assert main(["derive", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("expr", ["Abs(q)", "Max(q, -2*q) + q**2/4"])
def test_check_measures_the_predicted_kinked_scaling(capsys, expr):
    result = derive_json(capsys, expr, "--check", "--seed", "3")
    for key in ("measured_sigma0", "measured_sigma0_se", "measured_gamma"):
        assert isinstance(result[key], float)
    # 4 SE: a false alarm has probability ~6e-5 per comparison for an unbiased estimate;
    # the quick sweep's largest d (1e4) leaves an O(d^-1/2) crossing-phase bias far below that.
    assert abs(result["measured_sigma0"] - result["sigma0"]) <= 4 * result["measured_sigma0_se"]
    assert abs(result["measured_gamma"] - result["step_size_exponent"]) <= 4 * result["measured_gamma_se"]


def test_check_refuses_bad_seed_and_budget(capsys):
    assert main(["derive", "Abs(q)", "--check", "--seed", "-1"]) == 2
    assert main(["derive", "Abs(q)", "--check", "--budget", "huge"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("relu-hmc: error:") for line in err)
