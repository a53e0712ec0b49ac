"""Where the running app's control socket lives.

``$XDG_RUNTIME_DIR/aisession-tui/<name>.sock`` (a per-user tmpfs the system cleans), else a
private ``run/`` folder under the data dir. ``AISESSION_CONTROL_SOCKET`` names a socket outright.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..store.paths import APP_NAME, data_dir_from, ensure_private_dir

SOCKET_ENV = "AISESSION_CONTROL_SOCKET"
DEFAULT_NAME = "default"
#: sun_path holds 108 bytes on Linux (104 on macOS), the terminating NUL included.
MAX_SOCKET_PATH = 103


def socket_name(workspace: str | None) -> str:
    """A file-name-safe form of the workspace name ("default" without one)."""
    if not workspace or not workspace.strip():
        return DEFAULT_NAME
    return re.sub(r"[^A-Za-z0-9._-]+", "_", workspace.strip())[:64] or DEFAULT_NAME


def socket_dir() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR", "").strip()
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / APP_NAME
    return data_dir_from() / "run"


def socket_path(workspace: str | None = None) -> Path:
    """The socket of the app running `workspace` (or the default one)."""
    explicit = os.environ.get(SOCKET_ENV, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    return socket_dir() / f"{socket_name(workspace)}.sock"


def prepare_socket_dir(path: Path) -> None:
    """Create the socket's folder owner-only (0700); clients of other users cannot even reach it."""
    ensure_private_dir(path.parent, tighten=path.parent.name in (APP_NAME, "run"))
