"""The `relu-hmc` console script's basics: --version, --help, and a bad flag.

`relu_hmc.cli.main(argv)` is what the console script runs (`sys.exit(main())`). argparse
ends --version and --help with SystemExit(0); a usage error is one line on stderr and
exit status 2 (DESIGN.md: "bad usage -> 2", never a traceback).
"""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from relu_hmc import __version__
from relu_hmc.cli import main


def exit_status(argv) -> int:
    """The status the console script would exit with for `relu-hmc *argv`."""
    try:
        return int(main(argv))
    except SystemExit as done:
        return 0 if done.code is None else int(done.code)


def test_version_prints_the_package_version_and_exits_0(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"relu-hmc {__version__}"


def test_help_describes_the_tool_and_exits_0(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: relu-hmc")
    assert "--version" in out and "COMMAND" in out


@pytest.mark.parametrize("argv", [["--no-such-flag"], ["--version-typo"], ["no-such-command"]])
def test_bad_usage_exits_2_with_one_line_on_stderr(argv, capsys):
    assert exit_status(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("relu-hmc: error: ")
    assert "Traceback" not in captured.err and captured.out == ""


def test_no_command_is_a_usage_error(capsys):
    assert exit_status([]) == 2
    assert capsys.readouterr().err.strip() == "relu-hmc: error: a COMMAND is required (see relu-hmc --help)"


def test_the_console_script_and_module_entry_point_are_installed():
    """`pip install -e .` puts `relu-hmc` on PATH; `python -m relu_hmc` runs the same main."""
    script = shutil.which("relu-hmc")
    commands = [[sys.executable, "-m", "relu_hmc", "--version"]]
    if script is not None:
        commands.append([script, "--version"])
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"relu-hmc {__version__}"
    result = subprocess.run([sys.executable, "-m", "relu_hmc", "--bogus"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("relu-hmc: error: ") and len(result.stderr.strip().splitlines()) == 1
