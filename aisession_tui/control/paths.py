"""Where the running app's control socket lives.

``$XDG_RUNTIME_DIR/aisession-tui/<name>.sock`` (a per-user tmpfs the system cleans), else a
private ``run/`` folder under the data dir. ``AISESSION_CONTROL_SOCKET`` names a socket outright.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from ..store.paths import APP_NAME, data_dir_from, ensure_private_dir

SOCKET_ENV = "AISESSION_CONTROL_SOCKET"
DEFAULT_NAME = "default"
#: sun_path holds 108 bytes on Linux (104 on macOS), the terminating NUL included.
MAX_SOCKET_PATH = 103
#: Longest workspace name used as a socket file name unchanged (longer ones are slug + hash).
MAX_PLAIN_NAME = 40
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def socket_name(workspace: str | None) -> str:
    """A file-name-safe form of the workspace name ("default" without one), distinct per name.

    A name that is already a short safe file name is used as is ("team"); any other gets a
    readable slug plus ``~`` and a hash of the exact name ("team_x~3f2a9c81d0"), so "team x"
    and "team/x" never share a socket. ``~`` is outside the safe set, so no plain name can
    take a hashed one's file.
    """
    if workspace is None:
        return DEFAULT_NAME
    if _SAFE.fullmatch(workspace) and len(workspace) <= MAX_PLAIN_NAME and workspace != "default":
        return workspace
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", workspace).strip("_.")[:MAX_PLAIN_NAME] or "workspace"
    digest = hashlib.sha256(workspace.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{slug}~{digest}"


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


def check_socket_path(path: Path, origin: str) -> None:
    """Refuse a socket path the kernel cannot bind or connect to (sun_path holds ~104 bytes);
    `origin` says where the path came from (``--socket``, ``$AISESSION_CONTROL_SOCKET``...)."""
    size = len(os.fsencode(path))
    if size > MAX_SOCKET_PATH:
        raise ValueError(
            f"{origin}: socket path is {size} bytes long, the limit is {MAX_SOCKET_PATH}: {path}"
        )
    if "\0" in str(path):
        raise ValueError(f"{origin}: socket path contains a NUL byte")


def socket_origin(explicit: str | None) -> str:
    """Where `socket_path` takes its path from, named as the user would recognise it."""
    if explicit:
        return "--socket"
    if os.environ.get(SOCKET_ENV, "").strip():
        return f"${SOCKET_ENV}"
    return "control socket"
