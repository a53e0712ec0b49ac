"""The meaning of the OSC strings shells send about themselves, shared by the emulator (which
sees them on screen) and the AI layer (which scans raw output): OSC 7 and OSC 133."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def cwd_from_osc7(value: str) -> str | None:
    """The directory in an OSC 7 body (`file://host/path`, or a bare path), or None."""
    if value.startswith("file://"):
        path = unquote(urlsplit(value).path)
    elif value.startswith("/"):
        path = value
    else:
        return None
    return path or None


def exit_code_from_osc133(kind: str, rest: str) -> int | None:
    """The exit code of an OSC 133 `D;<code>` mark (command finished), or None."""
    if not kind.startswith("D") or not rest:
        return None
    head = rest.split(";", 1)[0]
    if head.lstrip("-").isdigit() and len(head) < 10:
        return int(head)
    return None
