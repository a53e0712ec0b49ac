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


def ensure_private_dir(path: Path, *, tighten: bool = True) -> None:
    """Create `path` (and missing parents) owner-only (0700).

    With `tighten`, an existing `path` is made 0700 too: that is right for the app's own data
    folder, wrong for a folder merely holding an explicitly named database file (e.g. /tmp).
    Parents that already exist are never touched.
    """
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for created in missing:  # mkdir applies the umask, and parents get the default mode
        created.chmod(0o700)
    if tighten and path.stat().st_mode & 0o777 != 0o700:
        path.chmod(0o700)
