"""Reading a small configuration file (a workspace, a theme) without trusting what the path is.

`Path.read_bytes()` on `/dev/zero` reads until memory runs out, on a FIFO it waits for a writer
forever, and on a 2 GB file it takes the app down with it. Here the file is opened without
blocking, must be a regular file, and is read only up to a limit.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

#: Larger than any hand-written configuration file; a workspace of 256 sessions is ~50 KB.
MAX_CONFIG_BYTES = 1024 * 1024


class TextFileError(Exception):
    """The file cannot be read; `str()` is the reason ("No such file or directory", "not a
    regular file (a FIFO)"), meant to follow "cannot read FILE: "."""


class NotTextError(TextFileError):
    """The file was read but is not UTF-8 text."""


class NotTomlError(TextFileError):
    """The file is text but not TOML; `str()` starts "invalid TOML: "."""


def read_config_toml(path: Path, limit: int = MAX_CONFIG_BYTES) -> dict[str, Any]:
    """The TOML table in `path`, read as `read_config_text` does; `NotTomlError` when it does
    not parse (or nests too deeply for the parser)."""
    text = read_config_text(path, limit)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise NotTomlError(f"invalid TOML: {error}") from None
    except RecursionError:
        raise NotTomlError("invalid TOML: nested too deeply") from None


def read_config_text(path: Path, limit: int = MAX_CONFIG_BYTES) -> str:
    """The UTF-8 text of `path`, a regular file of at most `limit` bytes.

    Raises `TextFileError` for anything else: missing, unreadable, a device, FIFO, socket or
    directory, too large; `NotTextError` when it is not UTF-8.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise TextFileError(error.strerror or str(error)) from None
    except ValueError:  # a NUL in the name
        raise TextFileError("the file name holds a NUL character") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise TextFileError(f"not a regular file ({file_kind(info.st_mode)})")
        if info.st_size > limit:
            raise TextFileError(f"file is {info.st_size} bytes, larger than the {limit} allowed")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(65536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while we read it
            raise TextFileError(f"file is larger than the {limit} bytes allowed")
    except OSError as error:
        raise TextFileError(error.strerror or str(error)) from None
    finally:
        os.close(fd)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotTextError(f"not UTF-8 text ({error.reason})") from None


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is ("a FIFO"), for messages."""
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a file")
