"""Files of the app's own that sessions are handed by path: the hook program, the agents'
settings files, the shell integration's rc files.

A session on another machine cannot read them here, so the layers that make them say so here
(`share`), and the tmux backend puts copies over there and names those instead
(`tmux/remote_files.py`). Nothing here does I/O.
"""

from __future__ import annotations

from pathlib import Path

_shared: dict[str, bytes | None] = {}


def share(path: Path | str, *, content: bytes | None = None) -> None:
    """Let `path` (a file or a folder) be copied to where a session runs; `content` replaces a
    file's own (the hook program's stand-alone copy)."""
    _shared[str(path)] = content


def shared() -> dict[str, bytes | None]:
    """Every shared path, with its replacement content if it has one."""
    return dict(_shared)
