"""``--manifest FILE.jsonl``: one JSON line per file, and per JSONL record with
``--manifest-records``.

Each line is the report of the file (schema ``paywall-cut/report/1``: for a JSONL file,
its record counts and characters; for a record, its full report plus ``line`` and
``id``) with ``source``, ``dest`` (null for --dry-run and failures), ``status`` (cleaned,
unchanged, rewritten, up-to-date, copied, skipped, failed, and for records dropped) and,
when something went wrong or was skipped, ``reason``.
"""

from __future__ import annotations

import json
import os
from typing import IO, Any

from ..files import atomic_writer, is_pipe_or_device


class ManifestError(Exception):
    """The manifest file cannot be written."""


class Manifest:
    """``--manifest FILE.jsonl``: one JSON line per file (and per record cut with
    ``--manifest-records``), written to a temporary file renamed into place at the end."""

    def __init__(self, path: str | None) -> None:
        self._writer: Any = None
        self._fh: IO[bytes] | None = None
        if path:
            try:
                if is_pipe_or_device(path):
                    # a pipe or a device (>(jq .)): written as it is; closed by close()
                    self._fh = open(path, "wb")  # noqa: SIM115
                else:  # a symbolic link stays a link
                    self._writer = atomic_writer(os.path.realpath(path))
                    self._fh = self._writer.__enter__()
            except OSError as e:
                raise ManifestError(f"--manifest {path}: cannot write: {e.strerror or e}") from None

    def write(self, line: dict[str, Any]) -> None:
        if self._fh is not None:
            self._fh.write(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")

    def close(self) -> None:
        if self._writer is not None:
            self._writer.__exit__(None, None, None)
        elif self._fh is not None:
            self._fh.close()
        self._writer = self._fh = None
