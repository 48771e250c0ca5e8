"""The `relu-hmc` command line.

Each subcommand lives in `relu_hmc.commands.<name>` and exposes `add_parser(subparsers)`
and `run(args) -> int`. Usage errors (argparse errors, `UsageError`, and `ValueError`
raised while validating input) print one line `relu-hmc: error: ...` and exit 2.
Numerical RuntimeWarnings (overflow, invalid value...) raised in this process are counted
and summarised in one line at the end (none with --quiet), never printed one by one;
RELU_HMC_SHOW_WARNINGS=1 shows them as Python normally does.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import importlib
import os
import sys
import warnings

from relu_hmc._version import __version__
from relu_hmc.errors import UsageError

#: Subcommand modules, in the order `relu-hmc --help` lists them.
COMMANDS: tuple[str, ...] = ("verify", "report", "claims", "derive", "tune", "audit", "bnn", "geometry", "cite")

EXIT_OK, EXIT_FAILED_CLAIM, EXIT_USAGE = 0, 1, 2


class _ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and raises UsageError."""

    def error(self, message: str):  # noqa: D401 - argparse API
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="relu-hmc",
        description="Verify leapfrog-HMC theory for smooth and kinked (ReLU) potentials.",
    )
    parser.add_argument("--version", action="version", version=f"relu-hmc {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)
    for name in COMMANDS:
        module = importlib.import_module(f"relu_hmc.commands.{name}")
        before = set(subparsers.choices)
        module.add_parser(subparsers)
        for added in set(subparsers.choices) - before:
            subparsers.choices[added].set_defaults(run=module.run)
    return parser


@contextlib.contextmanager
def _numerical_warnings_summarised(quiet: bool):
    """Count RuntimeWarnings by message; print one summary line on exit unless quiet."""
    if os.environ.get("RELU_HMC_SHOW_WARNINGS"):
        yield
        return
    counts: collections.Counter = collections.Counter()
    with warnings.catch_warnings():
        show_other = warnings.showwarning

        def record(message, category, *args, **kwargs):
            if issubclass(category, RuntimeWarning):
                counts[str(message).splitlines()[0]] += 1
            else:
                show_other(message, category, *args, **kwargs)
        warnings.showwarning = record
        warnings.simplefilter("always", RuntimeWarning)
        try:
            yield
        finally:
            if counts and not quiet:
                kinds = "; ".join(f"{n} x {text}" for text, n in counts.most_common(3))
                more = f"; {len(counts) - 3} other kinds" if len(counts) > 3 else ""
                print(f"relu-hmc: {sum(counts.values())} numerical warning(s) ({kinds}{more}); "
                      f"set RELU_HMC_SHOW_WARNINGS=1 to see each one", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError("a COMMAND is required (see relu-hmc --help)")
        with _numerical_warnings_summarised(quiet=getattr(args, "quiet", False)):
            return int(args.run(args))
    except UsageError as exc:
        print(f"relu-hmc: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("relu-hmc: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
