"""`relu-hmc tune` and relu_hmc.tuning_table against theory.tuning (exact numbers, no sampling)."""
import json
import os
import subprocess
import sys

import pytest

from relu_hmc import tuning_table
from relu_hmc.cli import main


def test_table_values_against_theory():
    rows = {r["target"]: r for r in tuning_table.tuning_table()}
    # DESIGN cross-checks: HMC smooth 0.651 (Beskos et al. 2013), kinked 0.452
    assert rows["smooth"]["optimal_acceptance"] == pytest.approx(0.651, abs=5e-4)
    assert rows["kinked"]["optimal_acceptance"] == pytest.approx(0.452, abs=5e-4)
    assert rows["smooth"]["step_size_exponent"] == 0.25 and rows["kinked"]["step_size_exponent"] == 0.5
    for row in rows.values():
        assert row["efficiency_at_optimum"] == pytest.approx(1.0, abs=1e-12)
        losses = [d["efficiency_lost"] for d in row["defaults"]]
        assert [d["target_acceptance"] for d in row["defaults"]] == [0.65, 0.75, 0.8]
        # every default target lies above both optima, so the loss is positive and grows with it
        assert all(x > 0 for x in losses) and losses == sorted(losses)
        for d in row["defaults"]:
            assert d["cost_factor"] == pytest.approx(1 / d["relative_efficiency"])
    # kinked targets lose much more at the usual 0.8 than smooth ones
    assert rows["kinked"]["defaults"][2]["efficiency_lost"] > 4 * rows["smooth"]["defaults"][2]["efficiency_lost"]


def test_markdown_has_one_line_per_class():
    text = tuning_table.to_markdown(tuning_table.tuning_table())
    lines = [x for x in text.splitlines() if x.startswith("| ")]
    assert len(lines) == 3 and "lost at 0.8" in lines[0]
    assert lines[1].startswith("| smooth | 0.651 |") and lines[2].startswith("| kinked | 0.452 |")


@pytest.mark.parametrize("target, regularity, k", [("Abs(q)", "kinked", 1.0), ("q**2/2", "smooth", 2.0),
                                                   ("Abs(q)**(3/2)", "holder", 1.5)])
def test_cli_expression_uses_derive(target, regularity, k, capsys):
    assert main(["tune", "--target", target, "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["regularity"] == regularity and row["k"] == pytest.approx(k)
    assert row["step_size_exponent"] == pytest.approx(1 / (2 * k))


def test_cli_text_and_bad_input(capsys):
    """Bad input exits 2 with exactly one line on stderr, the CLI's error naming the problem.
    Run as a user runs it, in a fresh process whose environment adds no warnings of its own: in
    the test process a library imported by other tests (JAX) warns when the derivation's time
    limit forks a child, and the CLI's warning summary would add a line that is not the tune
    command's."""
    assert main(["tune", "--target", "kinked"]) == 0
    assert "optimal acceptance  0.4522" in capsys.readouterr().out
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS", "RELU_HMC_SHOW_WARNINGS")}
    for argv, problem in ((["tune", "--target", "import os"], "--target"), (["tune"], "--target"),
                          (["tune", "--target", "smooth", "--T", "-1"], "--T")):
        result = subprocess.run([sys.executable, "-m", "relu_hmc", *argv], capture_output=True, text=True,
                                env=env, timeout=120)
        assert result.returncode == 2, result.stderr
        err = result.stderr.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("relu-hmc: error:") and problem in err[0], result.stderr
