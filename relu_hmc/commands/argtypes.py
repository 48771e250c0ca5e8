"""argparse `type=` converters shared by the subcommands: a bad value is one line naming it
(argparse then exits 2). Ranges are checked by each command, which knows its limits."""
from __future__ import annotations

import argparse


def integer(text: str) -> int:
    """An integer, or an argparse error "expected an integer, got '...'"."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def number(text: str) -> float:
    """A float, or an argparse error "expected a number, got '...'"."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
