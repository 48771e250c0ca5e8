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
                 "symmetries", "negative control", "surface ", "Hessian jump across a surface",
                 "crossing leapfrog step"):
        assert text in out


def test_geometry_json(capsys):
    code = cli.main(["geometry", "--inputs", "40", "--width", "2", "--input-dim", "1", "--seed", "1", "--json"])
    r = json.loads(capsys.readouterr().out)
    assert code == (0 if r["passed"] else 1)
    assert r["parameters"] == 2 * 3 + 1
    assert {"measured", "predicted", "twin_measured", "twin_predicted", "applicable"} <= set(r["functional_dimension"])
    assert r["symmetries"]["rescaling"] <= 1e-12 and r["symmetries"]["unbalanced_flip"] > 1e-3
    assert set(r["verdicts"]) == {"symmetries", "functional_dimension", "hessian_jump", "gradient_jump", "crossing_step"}
    assert all(v is None or 0 < v["resolution"] < 1 for v in r["verdicts"].values())


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


def test_text_output_never_crashes_on_missing_fields(monkeypatch, capsys):
    """Every number of the summary missing (None) and a failed crossing: the text prints n/a
    and names the failing part instead of raising."""
    from relu_hmc.commands import geometry as command

    real = command.geometry_summary(20, 2, 0, n_inputs=1)

    def blank(value):
        if isinstance(value, dict):
            return {k: blank(v) for k, v in value.items()}
        return None if isinstance(value, float) else value

    broken = blank(real)
    broken["verdicts"]["crossing_step"] = {"passed": False, "detail": "", "parts": [
        {"passed": False, "quantity": "every step on the eps ladder crosses exactly one surface (S_ij)"}]}
    broken["passed"] = False
    monkeypatch.setattr(command, "geometry_summary", lambda *a, **k: broken)
    assert cli.main(["geometry", "--inputs", "20", "--width", "2", "--input-dim", "1"]) == 1
    out = capsys.readouterr().out
    assert "n/a" in out and "FAIL (every step on the eps ladder crosses exactly one surface (S_ij))" in out


def test_a_request_beyond_the_machine_is_refused_at_once(monkeypatch, capsys):
    """issue 17: --inputs 100000 --width 32 --input-dim 16 must not end in a MemoryError; on a
    machine that cannot hold it the refusal is one line, before any allocation."""
    import time

    from relu_hmc.commands import geometry as command
    from relu_hmc.numerics.geometry import summary_memory_bytes

    need = summary_memory_bytes(100_000, 32, 16)
    monkeypatch.setattr(command, "physical_memory_bytes", lambda: need)       # holds less than twice it
    monkeypatch.setattr(command, "geometry_summary", lambda *a, **k: pytest.fail("measured after refusing"))
    start = time.perf_counter()
    assert cli.main(["geometry", "--inputs", "100000", "--width", "32", "--input-dim", "16"]) == 2
    assert time.perf_counter() - start < 1.0
    err = capsys.readouterr().err.strip()
    assert err.startswith("relu-hmc: error:") and "\n" not in err and "GiB" in err


def test_memory_estimate_grows_with_the_request_and_is_below_the_old_peak():
    from relu_hmc.numerics.geometry import summary_memory_bytes

    small, big = summary_memory_bytes(100, 3, 2), summary_memory_bytes(100_000, 32, 16)
    assert small < big < 27.5 * 2 ** 30 / 4            # the unblocked FD stencil needed 27.5 GiB


def test_blocked_posterior_evaluation_equals_the_unblocked_one(monkeypatch):
    """Potential and gradient walk the chains in blocks of bounded memory; the numbers do not
    depend on the block size."""
    import numpy as np

    from relu_hmc.numerics import relu_network as nn

    rng = np.random.default_rng(1)
    net = nn.random_network(2, 4, rng)
    X, y = nn.teacher_data(net, 50, 0.5, rng)
    post = nn.RegressionPosterior.build(X, y, 0.5, 3.0, 4)
    theta = rng.standard_normal((9, post.n_params))
    whole_u, whole_g = post.potential(theta), post.gradient(theta)
    monkeypatch.setattr(nn, "WORKING_BYTES", 1)                               # one chain per block
    assert len(post._blocks(theta)) == 9
    np.testing.assert_array_equal(post.potential(theta), whole_u)
    np.testing.assert_array_equal(post.gradient(theta), whole_g)
    assert post.same_pattern(np.repeat(theta[:1], 3, axis=0))
