"""Bytes in and out: encodings, binary refusal, reading sources, atomic writes.

Reading keeps what is needed to write the text back byte for byte: the encoding (and,
through the text itself, the BOM and newline style). Binary input is refused with a
clear message rather than "cleaned".
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

BINARY_SAMPLE = 8192  # bytes looked at to decide whether a file is binary
TEMP_SUFFIX = ".pwc-tmp"  # temporary files of atomic writes: ".NAME.XXXXXXXX.pwc-tmp"
_TEMP_NAME = re.compile(r"^\.(.+)\.[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX) + "$")  # 1: NAME


class InputError(Exception):
    """An input that cannot be processed: unreadable, binary or undecodable."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # codec name to encode the text back to the same bytes


def decode(data: bytes, encoding: str | None = None, name: str = "<input>") -> Decoded:
    """Decode scraped bytes: BOMs, UTF-8, UTF-16 (with BOM), else a detected legacy codec."""
    if encoding:
        try:
            return Decoded(data.decode(encoding), encoding)
        except (UnicodeDecodeError, LookupError) as e:
            raise InputError(f"{name}: cannot decode as {encoding}: {e}") from None
    if data.startswith(codecs.BOM_UTF8):
        enc = "utf-8"
    elif data.startswith(codecs.BOM_UTF16_LE):
        enc = "utf-16-le"
    elif data.startswith(codecs.BOM_UTF16_BE):
        enc = "utf-16-be"
    else:
        enc = ""
    if enc:
        try:
            # the BOM decodes to U+FEFF and stays at the start of the text
            return Decoded(data.decode(enc), enc)
        except UnicodeDecodeError as e:
            raise InputError(f"{name}: invalid {enc} after its byte order mark: {e}") from None
    try:
        utf8: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    # A NUL byte anywhere, or (in text that is not UTF-8) many control characters among the
    # first bytes, mean binary. Valid UTF-8 without NUL bytes is text however many controls
    # it holds: unlike their share, and unlike what the first bytes hold, validity and the
    # absence of NUL survive cutting whole lines, so a file cleaned once is not refused as
    # binary on the next run (found by fuzz/fuzz_html.py).
    if b"\x00" in data or (utf8 is None and is_binary(data)):
        raise InputError(f"{name}: binary file (not text), refused")
    if utf8 is not None:
        return Decoded(utf8, "utf-8")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise InputError(f"{name}: cannot tell the text encoding (not UTF-8), refused")
    enc = best.encoding
    try:
        text = data.decode(enc)
    except (UnicodeDecodeError, LookupError) as e:  # pragma: no cover - defensive
        raise InputError(f"{name}: cannot decode as {enc}: {e}") from None
    if text.encode(enc) != data:
        raise InputError(f"{name}: {enc} does not round-trip this file, refused")
    return Decoded(text, enc)


def is_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first bytes mean binary."""
    sample = data[:BINARY_SAMPLE]
    if b"\x00" in sample:
        return True
    if not sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(sample) > 0.05


def read_source(path: str) -> bytes:
    """The bytes of a file, or of stdin for ``-``."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None


def atomic_write(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file is either old or new, never half written.

    A temporary file beside the target is written, flushed and fsynced, given the target's
    permissions, then renamed over it.
    """
    with atomic_writer(path) as fh:
        fh.write(data)


def is_pipe_or_device(path: str) -> bool:
    """Is ``path`` an existing pipe or device (``>(jq .)``, ``/dev/stderr``) rather than a
    regular file or nothing yet? Such an output is written as it is: replacing it with a
    regular file (an atomic write) would lose the data, or the device."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def is_temp_name(name: str) -> bool:
    """Is ``name`` a temporary file left by an atomic write that was killed?"""
    return _TEMP_NAME.match(name) is not None


def temp_target(name: str) -> str | None:
    """The name of the file whose atomic write ``name`` is the temporary file of
    (``.a.txt.k3j5x9q2.pwc-tmp`` -> ``a.txt``), or None for any other name."""
    m = _TEMP_NAME.match(name)
    return m.group(1) if m else None


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_writer(
    path: str | Path, mode: int | None = None, *, durable: bool = True
) -> Iterator[BinaryIO]:
    """Stream into ``path`` atomically: the file is either old or new, never half written.

    Yields a binary file object on a temporary file beside ``path``. When the block ends
    normally the temporary file is flushed, fsynced (unless ``durable`` is false: the
    rename is still atomic for other processes, but a power cut may lose the new
    content), given ``mode`` (default: the permissions of the file it replaces, or the
    umask's for a new file) and renamed over ``path``. When the block raises, the
    temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = _new_file_mode()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
