"""`relu-hmc geometry`: output, JSON keys, exit codes and one-line usage errors."""
import json

import pytest

from relu_hmc import cli


def test_geometry_is_a_registered_command():
    assert "geometry" in cli.COMMANDS


def test_geometry_text_output_and_exit_zero(capsys):
    code = cli.main(["geometry", "--inputs", "60", "--width", "3", "--seed", "2"])
    out = capsys.readouterr().out
    assert code == 0, out
    for text in ("parameters                    13", "functional dimension", "measured 10, predicted 10",
                 "symmetries", "negative control", "Hessian jump across a surface", "crossing leapfrog step"):
        assert text in out


def test_geometry_json(capsys):
    code = cli.main(["geometry", "--inputs", "40", "--width", "2", "--input-dim", "1", "--seed", "1", "--json"])
    r = json.loads(capsys.readouterr().out)
    assert code == (0 if r["passed"] else 1)
    assert r["parameters"] == 2 * 3 + 1
    assert {"measured", "predicted", "twin_measured", "twin_predicted", "applicable"} <= set(r["functional_dimension"])
    assert r["symmetries"]["rescaling"] <= 1e-12 and r["symmetries"]["unbalanced_flip"] > 1e-3
    assert set(r["verdicts"]) == {"symmetries", "functional_dimension", "hessian_jump", "gradient_jump", "crossing_step"}


@pytest.mark.parametrize("argv", [
    ["geometry", "--inputs", "50", "--width", "0"],
    ["geometry", "--inputs", "-1", "--width", "3"],
    ["geometry", "--inputs", "1.5", "--width", "3"],
    ["geometry", "--inputs", "10", "--width", "two"],
    ["geometry", "--inputs", "10", "--width", "3", "--seed", "-4"],
    ["geometry", "--inputs", "10", "--width", "3", "--input-dim", "0"],
    ["geometry", "--width", "3"],
    ["geometry", "--inputs", "10", "--width", "1000"],
])
def test_bad_input_exits_2_with_one_line(argv, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("relu-hmc: error:") and "\n" not in err
