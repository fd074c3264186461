"""The command line: parse options, read, call the detector, print, exit.

One module per group of commands, each registering on :data:`cli`:

- ``text.py``: ``cut``, ``explain``, ``rules``, ``eval`` (one document or case file)
- ``check.py``: ``check`` (linter form, --fix, --diff) and ``config``
- ``batch.py``: ``clean`` (folders and JSONL corpora, parallel; see :mod:`paywall_cut.batch`)
- ``learn.py``: ``learn`` (a site's own pitch as rules; see :mod:`paywall_cut.learn`)

Configuration: every command builds its detector with :func:`make_detector`, which
resolves ``--config``/``--isolated``/``--set`` (given to the group or to any command
decorated with :func:`config_options`) through :mod:`paywall_cut.config`.

Exit codes (shared by every command):

- 0: success (for ``check``: nothing to cut)
- 1: ``check`` found something to cut (or ``--fix`` changed a file)
- 2: usage error, or an input that could not be processed
- 130: interrupted (Ctrl-C); ``clean``: 143 on SIGTERM
- 141: stdout (or stderr) is a pipe whose reader went away (``| head``): no message
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console

from .. import __version__
from ..config import Config, ConfigError, resolve
from ..detector import Detector
from ..files import is_pipe_or_device
from ..rules import RuleError

EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl-C (clean: SIGTERM gives 143)
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of stdout went away (| head)


def fail(message: str) -> NoReturn:
    """Print one clear error line and exit with code 2."""
    click.echo(f"paywall-cut: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def cores() -> int:
    """The processors this process may run on (``--jobs 0``: one worker each)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def check_writable(option: str, path: str | None) -> None:
    """Exit 2 now, not after a long run, when ``path`` (an output file; ``-`` is stdout)
    lies in a folder that does not exist or cannot be written."""
    if not path or path == "-" or is_pipe_or_device(path):
        return  # stdout, or a pipe or device (written as it is)
    folder = os.path.dirname(os.path.realpath(path))
    if not os.path.isdir(folder):
        fail(f"{option} {path}: No such file or directory")
    if not os.access(folder, os.W_OK):
        fail(f"{option} {path}: Permission denied")


def not_an_input(option: str, path: str | None, inputs: tuple[str, ...] | list[str]) -> None:
    """Exit 2 when an output file (a report, manifest, summary, state or rule file) is one
    of the files named as inputs (``cut a.txt --report-file a.txt`` replaced the article
    with its report). The same file by any name counts: a link, a hard link."""
    if not path or path == "-":
        return
    for name in inputs:
        try:
            same = name != "-" and os.path.isfile(name) and os.path.samefile(path, name)
        except OSError:  # the output does not exist yet
            return
        if same:
            fail(f"{option} {path} is an input file; it would be overwritten")


def no_stdin(command: str, paths: tuple[str, ...]) -> None:
    """``clean`` and ``learn`` walk files and folders; ``-`` is no file name there."""
    if "-" in paths:
        fail(f"{command} reads files and folders, not stdin ('-'); use 'paywall-cut cut -'")


def write_stdout(data: bytes) -> None:
    """Write ``data`` to stdout in full. A buffered write into a pipe can return short
    without an error (the reader went away mid-write: ``| head``), which read as success;
    the rest is written until it is all out or the write raises ``BrokenPipeError``."""
    out = sys.stdout.buffer
    view = memoryview(data)
    while view:
        n = out.write(view)
        if not n:
            raise BrokenPipeError(32, "Broken pipe")
        view = view[n:]
    out.flush()


def write_file(path: str, data: bytes) -> None:
    """Write an output file (a report, a summary) atomically; raises OSError.

    A symbolic link stays a link (its target is written). A pipe or a device, such as
    ``--report-file >(jq .)`` or ``/dev/stderr``, is written as it is: replacing it with
    a regular file would lose the data, or the device.
    """
    from ..files import atomic_write  # looked up at the call (tests stand in a full disk)

    if is_pipe_or_device(path):  # (opened by its own name: /dev/fd/N is no link to resolve)
        with open(path, "wb") as fh:
            fh.write(data)
        return
    atomic_write(os.path.realpath(path), data)


def cannot_write(option: str, path: str, error: OSError) -> str:
    """The one message for an output file that cannot be written, in every command."""
    return f"{option} {path}: cannot write: {error.strerror or error}"


def write_output(option: str, path: str, data: bytes) -> None:
    """:func:`write_file`, or exit 2 with one line if it cannot be written."""
    try:
        write_file(path, data)
    except OSError as e:
        fail(cannot_write(option, path, e))


# Workers are CPU-bound: more than a few per processor gain nothing and each one costs
# tens of MB (a --jobs 100000 typo would fork until the machine runs out of memory).
JOBS_PER_CORE = 4


def worker_count(jobs: int) -> int:
    """The worker processes for ``--jobs N``: 0 is one per core; N is capped at
    :data:`JOBS_PER_CORE` per core, with a warning."""
    n = cores()
    if jobs == 0:
        return n
    if jobs > JOBS_PER_CORE * n:
        click.echo(
            f"paywall-cut: warning: --jobs {jobs}: using {JOBS_PER_CORE * n} worker processes "
            f"({JOBS_PER_CORE} per processor; {n} available)",
            err=True,
        )
        return JOBS_PER_CORE * n
    return jobs


class PipeConsole(Console):
    """A rich console whose closed pipe ends the command as any closed pipe does (exit
    141, see :class:`_Group`): rich's own reaction is ``SystemExit(1)``, which ``check``
    uses for "found something". Later prints are dropped."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(32, "Broken pipe")


def stdout_console(**kwargs: Any) -> Console:
    return PipeConsole(highlight=False, **kwargs)


def stderr_console(force_terminal: bool | None = None) -> Console:
    return PipeConsole(stderr=True, force_terminal=force_terminal, highlight=False)


def say(console: Console, message: str) -> None:
    """Print ``message`` as it is: no rich markup read in it (a file name holding
    "[bold]"), no highlighting, and long lines left for the terminal to wrap."""
    console.print(message, markup=False, highlight=False, soft_wrap=True)


# -- configuration: --config/--isolated/--set, accepted by the group and by commands ----
# The options store what they were given on the click context (ctx.meta is shared by the
# whole invocation), so `paywall-cut --config X check` and `paywall-cut check --config X`
# mean the same; current_config() resolves it once per run.

_ARGS, _CONFIG = "paywall_cut.config_args", "paywall_cut.config"
F = TypeVar("F", bound=Callable[..., Any])


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value in (None, False, ()):
        return
    args = ctx.meta.setdefault(_ARGS, {})
    if param.name == "overrides":
        args["overrides"] = (*args.get("overrides", ()), *value)
    else:
        args[param.name] = value


def no_text_field(records: int, skipped: int) -> bool:
    """JSON Lines records were read and none had the text field (a forgotten --field):
    nothing was cleaned or checked, which every command reports as an error (exit 2)."""
    return bool(records) and skipped == records


def no_text_field_message(field: str) -> str:
    return f"no JSONL record has a string field {field!r} (see --field)"


def field_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Callback of every option that names a JSON field: an empty name is refused (one
    line, exit 2); ``--field ''`` read no record, ``--report-field ''`` wrote a key ``""``."""
    if value == "":
        fail(f"{param.opts[-1]}: the field name must not be empty")
    return value


# the JSON Lines text field of cut and check (clean's own option says what it cleans)
text_field_option = click.option(
    "--field",
    "text_field",
    default="text",
    show_default=True,
    callback=field_name,
    help="JSON Lines: the text field of each record.",
)


def config_options(f: F) -> F:
    """Add ``--config PATH``, ``--isolated`` and ``--set KEY=VALUE`` to a command."""
    options = [
        click.option(
            "--config",
            "config",
            type=click.Path(dir_okay=False),
            expose_value=False,
            callback=_remember,
            is_eager=True,
            help="Use this configuration file (pyproject.toml or .paywall-cut.toml).",
        ),
        click.option(
            "--isolated",
            is_flag=True,
            expose_value=False,
            callback=_remember,
            is_eager=True,
            help="Ignore configuration files (--set still applies).",
        ),
        click.option(
            "--set",
            "overrides",
            multiple=True,
            metavar="KEY=VALUE",
            expose_value=False,
            callback=_remember,
            is_eager=True,
            help="Override one configuration key (VALUE in TOML: threshold=2).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def current_config() -> Config:
    """The resolved configuration of this run (defaults, file, --set); exit 2 if invalid."""
    ctx = click.get_current_context(silent=True)
    meta: dict[str, Any] = ctx.meta if ctx is not None else {}
    if _CONFIG not in meta:
        args = meta.get(_ARGS, {})
        if args.get("config") and args.get("isolated"):
            fail("--config and --isolated exclude each other")
        try:
            meta[_CONFIG] = resolve(
                args.get("config"),
                isolated=args.get("isolated", False),
                overrides=args.get("overrides", ()),
            )
        except ConfigError as e:
            fail(str(e))
    return meta[_CONFIG]


def make_detector() -> Detector:
    """The detector for this run, built from the resolved configuration."""
    try:
        return current_config().detector()
    except (RuleError, ConfigError) as e:
        fail(str(e))


def _quiet_after_broken_pipe() -> None:
    """Point stdout and stderr at /dev/null: Python flushes them at exit, and a flush into
    the closed pipe would print "Exception ignored ... BrokenPipeError" and exit 120."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError, AttributeError):  # not a real file (tests)
            pass
    os.close(devnull)


class _Group(click.Group):
    """Ctrl-C ends any command with exit code 130 (click's default, "Aborted!" and exit 1,
    would read as "check found something").

    A closed pipe (``paywall-cut cut big.txt | head -1``) ends it quietly with 141, the
    status a shell shows for a tool killed by SIGPIPE (click's default was exit 1, again
    "check found something"). What was written before stays: files are written atomically
    and the batch manifest and run state are closed as on Ctrl-C."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("paywall-cut: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            _quiet_after_broken_pipe()
            sys.exit(EXIT_BROKEN_PIPE)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="paywall-cut")
@config_options
def cli() -> None:
    """Cut subscription prompts (paywalls, newsletter gates, meter notices) out of article
    text, and explain every cut."""


def main() -> None:
    cli(prog_name="paywall-cut")


# registers the commands
from . import batch, check, learn, text  # noqa: E402,F401
