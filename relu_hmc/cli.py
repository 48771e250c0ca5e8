"""The `relu-hmc` command line.

Each subcommand lives in `relu_hmc.commands.<name>` and exposes `add_parser(subparsers)`
and `run(args) -> int`. Usage errors (argparse errors, `UsageError`, and `ValueError`
raised while validating input) print one line `relu-hmc: error: ...` and exit 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

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


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError("a COMMAND is required (see relu-hmc --help)")
        return int(args.run(args))
    except UsageError as exc:
        print(f"relu-hmc: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("relu-hmc: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
