"""Project configuration: discovery, validation, and resolved values with their origin.

Where the configuration comes from, in order of precedence (later wins):

1. the defaults below (origin ``default``);
2. one configuration file (origin: its path), either given with ``--config PATH`` or
   found by walking up from the current directory: in each folder, ``.paywall-cut.toml``
   (keys at the top level) and then ``pyproject.toml`` (keys under
   ``[tool.paywall-cut]``; a pyproject.toml without that table is passed over). The
   first file found is the only one used; files are not merged. ``--isolated`` skips
   this step;
3. ``--set KEY=VALUE`` on the command line (origin ``command line``), applied even with
   ``--isolated``. VALUE is a TOML value (``--set threshold=2``,
   ``--set 'disable=["PC120"]'``); a bare word is taken as a string.

Every key is checked on load; a wrong one raises :class:`ConfigError` whose message names
the file (or ``--set``) and the key. Paths in ``extend-rules`` are relative to the
configuration file that names them (to the current directory for ``--set``).

This module builds rule sets and detectors from a configuration; the core never imports it.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .decide import DecideParams
from .detector import Detector, Settings
from .rules import RuleError, RuleSet, builtin_langs, load_rules
from .rules.redos import backtracking_risk

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_FILE = ".paywall-cut.toml"
PYPROJECT = "pyproject.toml"
TOOL_TABLE = "paywall-cut"  # [tool.paywall-cut]

DEFAULT = "default"
COMMAND_LINE = "command line"


class ConfigError(ValueError):
    """A configuration file or value is invalid. The message names the file and the key."""


# -- the keys ----------------------------------------------------------------------------


def _number(low: float, high: float | None, *, low_open: bool) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"must be a number, got {value!r}")
        # written so that NaN is out of every range (and infinity above any bound)
        in_range = (value > low if low_open else value >= low) and math.isfinite(value)
        if not in_range or (high is not None and not value <= high):
            lo = f"above {low:g}" if low_open else f"at least {low:g}"
            hi = f" and at most {high:g}" if high is not None else ""
            raise ValueError(f"must be a number {lo}{hi}, got {value!r}")
        return float(value)

    return check


def _strings(value: Any) -> tuple[str, ...]:
    """A list of strings (a single string is a list of one)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"must be a list of non-empty strings, got {value!r}")
    return tuple(value)


def _languages(value: Any) -> tuple[str, ...]:
    langs = _strings(value)
    if not langs:  # "none" or "all"? Neither is what every reader of the file would think
        raise ValueError(
            "is empty: name the built-in packs to load, or leave the key out to load them all"
        )
    have = builtin_langs()
    for lang in langs:
        if lang not in have:
            raise ValueError(f"no built-in rule pack for {lang!r} (have: {', '.join(have)})")
    return langs


def _patterns(value: Any) -> tuple[str, ...]:
    patterns = _strings(value)
    for p in patterns:
        try:
            re.compile(p)
        except re.error as e:
            raise ValueError(f"bad regular expression {p!r}: {e}") from None
        # a configuration can come with a cloned corpus: a pattern that could backtrack
        # catastrophically would hang every run (see rules/redos.py)
        risk = backtracking_risk(p, 0)
        if risk:
            raise ValueError(f"pattern {p!r} could backtrack catastrophically: {risk}")
    return patterns


def _weights(value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        raise ValueError(f"must be a table of rule id = weight, got {value!r}")
    check = _number(0, 10, low_open=True)
    out = {}
    for rule_id, weight in value.items():
        try:
            out[rule_id] = check(weight)
        except ValueError as e:
            raise ValueError(f"{rule_id}: {e}") from None
    return out


@dataclass(frozen=True)
class Key:
    """One configuration key: its default, its check (returns the clean value), its help."""

    name: str
    default: Any  # a value, or a function of no arguments that computes it
    check: Callable[[Any], Any]
    help: str
    example: str

    def default_value(self) -> Any:
        return self.default() if callable(self.default) else self.default


KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key(
            "languages",
            lambda: tuple(builtin_langs()),
            _languages,
            "built-in rule packs to load (default: all of them)",
            'languages = ["en", "de"]',
        ),
        Key(
            "extend-rules",
            (),
            _strings,
            "extra rule files (built-in pack format), relative to this file",
            'extend-rules = ["paywall-rules/site.toml"]',
        ),
        Key(
            "disable",
            (),
            _strings,
            "rule ids or categories to switch off",
            'disable = ["PC120", "newsletter"]',
        ),
        Key(
            "weights",
            {},
            _weights,
            "new weights for rules, by id: (0, 10]",
            "weights = { PC101 = 2.0, SITE001 = 3.5 }",
        ),
        Key(
            "threshold",
            DecideParams().threshold,
            _number(0, None, low_open=True),
            "decision threshold: cost of entering and of leaving a prompt region; higher cuts less",
            "threshold = 2.0",
        ),
        Key(
            "max-cut",
            None,
            _number(0, 1, low_open=False),
            "never cut more than this share (0-1) of a document's characters; "
            "keep it whole instead",
            "max-cut = 0.6",
        ),
        Key(
            "keep",
            (),
            _patterns,
            "regular expressions (Python, case-sensitive, searched anywhere in the line) "
            "of lines that are always kept",
            r'keep = ["^Subscribe to our podcast", "(?i)reader comments"]',
        ),
        Key(
            "include",
            (),
            _strings,
            "globs of files to read when walking a folder (empty: every supported format)",
            'include = ["*.txt", "**/articles/*.md"]',
        ),
        Key(
            "exclude",
            (),
            _strings,
            "globs of files or folders to skip (also when named on the command line)",
            'exclude = ["drafts", "*.orig.txt", "archive/2019/**"]',
        ),
    )
}


# -- the resolved configuration ---------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """Every key's resolved value, where it came from, and the file that was used."""

    values: Mapping[str, Any]
    origins: Mapping[str, str]
    file: Path | None = None
    root: Path = field(default_factory=Path.cwd)  # folder of the file (else the cwd)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def to_dict(self) -> dict[str, Any]:
        """``{"file": ..., "values": {key: {"value": ..., "origin": ...}}}`` (JSON-ready)."""
        return {
            "file": str(self.file) if self.file else None,
            "values": {
                k: {"value": _jsonable(self.values[k]), "origin": self.origins[k]} for k in KEYS
            },
        }

    # -- what the configuration builds ----------------------------------------------

    def ruleset(self) -> RuleSet:
        """Built-in packs (``languages``) + ``extend-rules``, minus ``disable``, reweighted.

        Raises :class:`RuleError` for a bad rule file and :class:`ConfigError` for a
        ``disable`` or ``weights`` entry that names no loaded rule or category.
        """
        full = load_rules(self["languages"], self["extend-rules"])
        ids = {r.id for r in full.rules}
        categories = {r.category for r in full.rules}
        for name in self["disable"]:
            if name not in ids and name not in categories:
                raise self.error("disable", f"no loaded rule or category is called {name!r}")
        for name in self["weights"]:
            if name not in ids:
                raise self.error("weights", f"no loaded rule is called {name!r}")
        return full.without(self["disable"]).reweighted(self["weights"])

    def settings(self) -> Settings:
        return Settings(
            decide=DecideParams(threshold=self["threshold"]),
            max_cut=self["max-cut"],
            keep_patterns=self["keep"],
        )

    def detector(self) -> Detector:
        return Detector(self.ruleset(), self.settings())

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{_where(self.origins[key])}: {key}: {message}")


def _where(origin: str) -> str:
    return "--set" if origin == COMMAND_LINE else origin


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


# -- discovery and loading --------------------------------------------------------------


def find_config(start: Path | None = None) -> Path | None:
    """The first ``.paywall-cut.toml``, or ``pyproject.toml`` with ``[tool.paywall-cut]``,
    in ``start`` (default: the current directory) or a folder above it."""
    folder = (start or Path.cwd()).resolve()
    for here in (folder, *folder.parents):
        candidate = here / CONFIG_FILE
        if candidate.is_file():
            return candidate
        candidate = here / PYPROJECT
        if candidate.is_file() and _has_tool_table(candidate):
            return candidate
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # someone else's broken pyproject.toml is not ours to judge
    tool = data.get("tool")
    return isinstance(tool, dict) and TOOL_TABLE in tool


def read_table(path: Path) -> dict[str, Any]:
    """The raw paywall-cut table of a configuration file (not yet checked)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    if path.name != PYPROJECT:
        return data
    table = data.get("tool", {}).get(TOOL_TABLE) if isinstance(data.get("tool"), dict) else None
    if table is None:
        raise ConfigError(f"{path}: has no [tool.{TOOL_TABLE}] table")
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.{TOOL_TABLE}] must be a table")
    return table


def check_values(raw: Mapping[str, Any], where: str, base: Path) -> dict[str, Any]:
    """Check raw values against :data:`KEYS`; resolve ``extend-rules`` against ``base``."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        spec = KEYS.get(key)
        if spec is None:
            close = difflib.get_close_matches(key.replace("_", "-"), KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(KEYS)})"
            raise ConfigError(f"{where}: unknown key '{key}'{hint}")
        try:
            clean = spec.check(value)
        except ValueError as e:
            raise ConfigError(f"{where}: {key}: {e}") from None
        if key == "extend-rules":
            clean = tuple(_rule_file(base, p, where) for p in clean)
        out[key] = clean
    return out


def _rule_file(base: Path, name: str, where: str) -> Path:
    path = Path(os.path.expanduser(name))
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        raise ConfigError(f"{where}: extend-rules: rule file not found: {path}")
    return path


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """``KEY=VALUE`` strings (``--set``) to raw values; VALUE is TOML, else a bare string."""
    raw: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key, text = key.strip(), text.strip()
        if not sep or not key:
            raise ConfigError(f"--set: expected KEY=VALUE, got {item!r}")
        try:
            raw[key] = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            raw[key] = text
    return raw


def resolve(
    config: str | Path | None = None,
    *,
    isolated: bool = False,
    overrides: Sequence[str] = (),
    cwd: Path | None = None,
) -> Config:
    """The configuration of a run: defaults, then one file, then ``--set`` overrides."""
    cwd = (cwd or Path.cwd()).resolve()
    values = {k.name: k.default_value() for k in KEYS.values()}
    origins = dict.fromkeys(KEYS, DEFAULT)
    path: Path | None = None
    if config is not None:
        path = Path(config)
        if not path.is_absolute():
            path = cwd / path
        if not path.is_file():
            raise ConfigError(f"--config: no such file: {config}")
    elif not isolated:
        path = find_config(cwd)
    root = cwd
    if path is not None:
        root = path.parent
        for key, value in check_values(read_table(path), str(path), root).items():
            values[key], origins[key] = value, str(path)
    for key, value in check_values(parse_overrides(overrides), "--set", cwd).items():
        values[key], origins[key] = value, COMMAND_LINE
    return Config(values, origins, path, root)


__all__ = [
    "COMMAND_LINE",
    "DEFAULT",
    "KEYS",
    "Config",
    "ConfigError",
    "RuleError",
    "find_config",
    "resolve",
]
