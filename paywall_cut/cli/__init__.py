"""The command line: parse options, read, call the detector, print, exit.

One module per group of commands, each registering on :data:`cli`:

- ``text.py``: ``cut``, ``explain``, ``rules``, ``eval`` (one document or case file)

Exit codes (shared by every command):

- 0: success (for ``check``: nothing to cut)
- 1: ``check`` found something to cut (or ``--fix`` changed a file)
- 2: usage error, or an input that could not be processed
"""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from rich.console import Console

from .. import __version__
from ..detector import Detector
from ..rules import RuleError, load_rules

EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


def fail(message: str) -> NoReturn:
    """Print one clear error line and exit with code 2."""
    click.echo(f"paywall-cut: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def stderr_console(force_terminal: bool | None = None) -> Console:
    return Console(stderr=True, force_terminal=force_terminal, highlight=False)


def make_detector() -> Detector:
    """The detector for this run (built-in rules; configuration comes in here)."""
    try:
        return Detector(load_rules())
    except RuleError as e:
        fail(str(e))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="paywall-cut")
def cli() -> None:
    """Cut subscription prompts (paywalls, newsletter gates, meter notices) out of article
    text, and explain every cut."""


def main() -> None:
    cli(prog_name="paywall-cut")


from . import text  # noqa: E402,F401  (registers the commands)
