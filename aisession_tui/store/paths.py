"""Where the store lives: the user's data directory, overridable per run or per environment."""

from __future__ import annotations

import os
from argparse import Namespace
from pathlib import Path

import platformdirs

APP_NAME = "aisession-tui"
DATA_DIR_ENV = "AISESSION_DATA_DIR"
DB_FILENAME = "aisession.db"


def default_data_dir() -> Path:
    """The platform's per-user data directory for this app (e.g. ~/.local/share/aisession-tui)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def data_dir_from(args: Namespace | None = None) -> Path:
    """The data directory: `--data-dir`, else `$AISESSION_DATA_DIR`, else the platform default.

    An empty flag or variable counts as unset, so `AISESSION_DATA_DIR=` cannot silently point
    the store at the current directory.
    """
    flag = getattr(args, "data_dir", None) if args is not None else None
    if flag:
        return Path(flag).expanduser()
    env = os.environ.get(DATA_DIR_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    return default_data_dir()


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) and make it owner-only (0700).

    Parents we create get the same mode; an existing directory is tightened only when it is the
    data directory itself, never its parents, so we do not touch e.g. the user's home.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777
    if mode != 0o700:
        path.chmod(0o700)
    return path
