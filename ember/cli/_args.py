"""Argument parsing for the ``ember`` subcommands: usage mistakes are one line, exit 2."""

from __future__ import annotations

import argparse
import sys


class UsageError(Exception):
    """A bad option or value: reported as one line, exit status 2."""


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are a single line (no usage dump, no traceback).

    Example:
        >>> p = OneLineParser(prog="ember demo")
        >>> _ = p.add_argument("--epochs", type=int)
        >>> try:
        ...     p.parse_args(["--epochs", "x"])
        ... except UsageError as e:
        ...     print(e)
        ember demo: argument --epochs: invalid int value: 'x' (see `ember demo --help`)
    """

    def error(self, message: str):  # argparse calls this for every usage mistake
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


def positive_int(text: str) -> int:
    """An argparse ``type`` accepting integers >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid positive integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """An argparse ``type`` accepting integers >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid non-negative integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def fail(message: str, code: int) -> int:
    """Print a one-line error to stderr and return ``code`` (for ``return fail(...)``)."""
    print(message, file=sys.stderr)
    return code
