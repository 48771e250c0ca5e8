"""Subcommands of `relu-hmc`: each module exposes `add_parser(subparsers)` and `run(args) -> int`."""
