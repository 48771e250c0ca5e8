"""Errors raised by theory/ on bad input: `ValueError` subclasses with one-line messages.

The CLI (relu_hmc.commands.derive) turns them into `relu_hmc.errors.UsageError`, which the
`relu-hmc` entry point prints as ``relu-hmc: error: <message>`` with exit status 2.
"""
from __future__ import annotations


class TheoryInputError(ValueError):
    """An argument to a theory/ function is outside the domain the derivation covers."""


class PotentialError(TheoryInputError):
    """A potential expression is refused (not parsable from the whitelist, not a real finite
    function of q on the real line, not normalisable, or of a regularity we do not cover)."""


def one_line(message: str) -> str:
    """Collapse whitespace so that a message is a single line (the CLI contract)."""
    return " ".join(str(message).split())
