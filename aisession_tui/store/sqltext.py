"""Text SQLite can store: what a terminal gives may hold lone surrogates (surrogateescape
decoding), which cannot be encoded; they become U+FFFD rather than lose the row."""

from __future__ import annotations

import sqlite3
from typing import Any


def clean(value: Any) -> Any:
    """`value` with lone surrogates replaced by U+FFFD when it is text; as it is otherwise."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


def execute(c: sqlite3.Connection, sql: str, values: tuple[Any, ...]) -> None:
    """Execute; if some text cannot be encoded, store it cleaned rather than lose the row.
    (The check costs nothing on the normal path.)"""
    try:
        c.execute(sql, values)
    except UnicodeEncodeError:
        c.execute(sql, tuple(clean(v) for v in values))


def clean_rows(lines: list[str]) -> list[str]:
    """Rows without their padding (trailing spaces) and with only valid Unicode text."""
    return [clean(line).rstrip() for line in lines]


def trim_lines(lines: list[str]) -> list[str]:
    """Drop the padding a terminal row carries (trailing spaces, blank rows at the end) and
    anything that is not valid Unicode text."""
    trimmed = clean_rows(lines)
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed
