"""Requests beyond the machine's limits end in one line, fast: oversize bnn runs are refused
from an estimate (nothing allocated), eps below float64 resolution is refused, derive/tune
stop at their time limit naming the step, an audit step that never returns is stopped, and
numerical warnings are summarised in one line."""
import resource
import re
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import relu_hmc.cli as cli
from relu_hmc import limits
from relu_hmc.commands import audit as audit_command
from relu_hmc.commands import bnn as bnn_command

TESTS = Path(__file__).parent
#: 120 kinks (~5-10 s to derive) used by no other test: the derivation runs in a forked child,
#: which inherits the parent's memoised results, so a potential another test derived first
#: could finish within the limit
SUM_OF_120_KINKS = "+".join(f"Abs(q-{i}/7)" for i in range(120))


def _one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("relu-hmc: error:"), captured.err
    return lines[0]


@pytest.mark.parametrize("flag, value", [("--proposals", "1000000000"), ("--chains", "1000000000"),
                                         ("--width", "100000000")])
def test_oversize_bnn_requests_are_refused_from_the_estimate(flag, value, capsys):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    assert cli.main(["bnn", "--activation", "relu", flag, value]) == 2
    assert time.monotonic() - start < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB: nothing allocated
    line = _one_line_error(capsys)
    assert "needs about" in line and "available on this machine" in line and "lower --proposals" in line


def test_width_100000_is_refused_where_its_estimate_exceeds_the_memory(monkeypatch, capsys):
    needed = limits.bnn_memory_bytes(100, 1, 1, 100_000, 1, 8, 200)
    assert needed > 3 * 2**30  # the issue saw it grow past 3 GB
    monkeypatch.setattr(limits, "available_memory_bytes", lambda: 2 * 2**30)
    assert cli.main(["bnn", "--activation", "relu", "--width", "100000"]) == 2
    assert f"needs about {limits.format_bytes(needed)}" in _one_line_error(capsys)


def test_the_bnn_estimate_grows_with_each_dimension_of_the_request():
    base = limits.bnn_memory_bytes(100, 1, 1, 20, 1, 8, 200)
    for bigger in (dict(width=40), dict(chains=16), dict(proposals=400), dict(layers=2), dict(n_data=200)):
        args = {"n_data": 100, "n_in": 1, "n_out": 1, "width": 20, "layers": 1, "chains": 8, "proposals": 200,
                **bigger}
        assert limits.bnn_memory_bytes(**args) > base


def test_eps_below_float64_resolution_is_refused(capsys):
    assert cli.main(["bnn", "--activation", "relu", "--eps", "1e-300"]) == 2
    assert "float64 resolution" in _one_line_error(capsys)
    assert bnn_command.MIN_EPS == np.finfo(np.float64).eps
    q = np.float64(1.0)  # the rule: a smaller step cannot move a parameter of order 1
    assert q + bnn_command.MIN_EPS / 2 * 1.0 == q


def test_a_non_finite_statistic_prints_as_undefined_never_nan():
    assert bnn_command._fmt({"value": float("nan"), "se": float("nan")}, reason="why") == "undefined (why)"
    assert bnn_command._fmt({"value": 0.5, "se": float("nan")}) == "0.5 (standard error undefined)"
    assert bnn_command._fmt({"value": 0.5, "se": 0.01}) == "0.5 ± 0.01"


@pytest.mark.parametrize("argv", [["derive", SUM_OF_120_KINKS], ["tune", "--target", SUM_OF_120_KINKS]])
def test_derive_and_tune_stop_at_the_time_limit_naming_the_step(argv, capsys):
    start = time.monotonic()
    assert cli.main(argv + ["--time-limit", "1"]) == 2
    assert time.monotonic() - start < 10
    line = _one_line_error(capsys)
    # which step runs out depends on the machine's speed; the line must name one
    assert re.search(r"time limit 1 s reached while .+ \(step: [a-z_0-9]+\); raise --time-limit", line), line


def test_a_derivation_within_its_limits_returns_as_before(capsys):
    assert cli.main(["derive", "Abs(q)", "--json", "--time-limit", "60"]) == 0
    assert '"regularity": "kinked"' in capsys.readouterr().out


def _allocate_forever(announce):
    announce("allocating")
    blocks = []
    while True:
        blocks.append(np.ones(2**24))  # 128 MiB at a time


def _address_space_bytes() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_run_limited_bounds_the_memory_of_its_child():
    limit = _address_space_bytes() + 512 * 2**20  # the forked child starts with our address space
    with pytest.raises(limits.MemoryLimitReached, match="step: allocating"):
        limits.run_limited(_allocate_forever, seconds=30, memory_bytes=limit)


def test_an_audit_step_that_never_returns_is_stopped_in_one_line(capsys):
    start = time.monotonic()
    assert cli.main(["audit", "fixtures_hanging_steps:never_returns", "--call-timeout", "0.5"]) == 2
    assert time.monotonic() - start < 5
    line = _one_line_error(capsys)
    assert "did not return within 0.5 s" in line and "raise --call-timeout" in line


def test_a_slow_audit_step_shows_progress_naming_the_measurement(monkeypatch):
    import io

    stream = io.StringIO()
    watch = audit_command.WatchedStep("slow", 5.0, stream)
    monkeypatch.setattr(audit_command, "PROGRESS_SECONDS", 0.1)
    from relu_hmc.numerics import audit as measure
    from fixtures_hanging_steps import slow_leapfrog
    with watch:
        checked = measure.CheckedStep(watch.wrap(slow_leapfrog), "slow")
        q, p = np.array([0.1, 0.2]), np.array([1.0, -1.0])
        measure.local_energy_errors(checked, measure.test_potential("gaussian"), q, p, [0.1, 0.05, 0.025])
    assert watch.calls == 3
    assert "audit: " in stream.getvalue() and "local energy errors (gaussian)" in stream.getvalue()


class _NoisyCommand:
    """A parser whose command overflows twice and divides 0 by 0 once."""

    def __init__(self, quiet):
        self.quiet = quiet

    def parse_args(self, argv):
        import argparse

        return argparse.Namespace(command="noisy", run=self.run, quiet=self.quiet)

    @staticmethod
    def run(args):
        with np.errstate(all="warn"):
            for _ in range(2):
                np.exp(np.full(3, 1000.0))
            np.zeros(1) / 0.0
        return 0


@pytest.mark.parametrize("quiet", [False, True])
def test_numerical_warnings_are_summarised_in_one_line_or_silenced_by_quiet(quiet, monkeypatch, capsys):
    monkeypatch.setattr(cli, "build_parser", lambda: _NoisyCommand(quiet))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # even a caller's error filter does not turn them into tracebacks
        assert cli.main([]) == 0
    lines = capsys.readouterr().err.strip().splitlines()
    if quiet:
        assert lines == []
    else:
        (line,) = lines
        assert line.startswith("relu-hmc: 3 numerical warning(s) (2 x overflow encountered in exp; 1 x ")


def test_a_large_bnn_run_says_so_up_front_and_shows_progress(monkeypatch, capsys):
    monkeypatch.setattr(bnn_command, "LARGE_RUN_UNITS", 1.0)  # make a tiny run count as large
    assert cli.main(["bnn", "--activation", "relu", "--width", "3", "--proposals", "2", "--chains", "2",
                     "--steps", "1"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("bnn: a large run: ") and "bnn hmc: 2/2" in err
