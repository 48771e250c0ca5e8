"""`relu-hmc derive` through relu_hmc.cli.main: exit codes 0/2 and JSON keys."""
import json

import pytest

import relu_hmc.cli as cli


def test_derive_is_a_registered_command():
    assert "derive" in cli.COMMANDS


def test_json_output(capsys):
    assert cli.main(["derive", "Abs(q)", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("regularity", "kinks", "one_step_energy_error_order", "crossing_step_energy_error_order",
                "step_size_exponent", "sigma_exponent", "sigma0", "optimal_acceptance", "optimal_l", "cost_exponent"):
        assert key in data
    assert data["regularity"] == "kinked"


def test_human_output_has_latex(capsys):
    assert cli.main(["derive", "q**2/2", "--T", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "smooth" in out and r"\Phi" in out


@pytest.mark.parametrize("argv", [
    ["derive", '__import__("os")'], ["derive", "q.real"], ["derive", "lambda: q"], ["derive", '"q"'],
    ["derive", "foo(q)"], ["derive", "--", "-q**2"], ["derive", "3"], ["derive", "q**2", "--T", "nan"],
    ["derive", "q**2", "--T", "-1"], ["derive"],
])
def test_bad_input_exit_2_one_line(argv, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("relu-hmc: error:") and "\n" not in err and "Traceback" not in err
