"""Errors that the CLI reports as one line and exit status 2."""


class UsageError(ValueError):
    """Bad user input (flag, expression, module path...): message is one line naming it."""
