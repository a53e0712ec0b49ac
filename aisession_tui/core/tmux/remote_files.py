"""Copies of the app's own files (`app_files`) on the machine of a remote tmux server.

A session there is handed the hook program, the agents' settings files and the shell's rc files
by path; those paths are the app's, on the app's machine. Before such a session starts, the
files it names (and those they name in turn) are written over there, into a 0700 folder per
workspace under the remote user's cache directory (it outlives a logout, unlike
`XDG_RUNTIME_DIR`, so agents left running after a detach keep their hooks), and the session's
command line and environment name the copies. One ssh call writes what changed; the first one
also finds the folder.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import secrets
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .. import app_files
from ..errors import ProcessError
from .server import ssh_prefix, tmux_environment

log = logging.getLogger(__name__)

#: The remote folder's parent, for the remote shell to expand.
REMOTE_BASE = '"${XDG_CACHE_HOME:-$HOME/.cache}/aisession-tui/remote"'
#: Bounds on what one session's files may add up to (they are a few small text files).
MAX_FILES = 64
MAX_BYTES = 1024 * 1024
TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Copy:
    """One file to write over there: its name under the remote folder, content and mode."""

    name: str
    data: bytes
    executable: bool


def copy_name(root: str) -> str:
    """A shared path's name in the remote folder: unique per local path, still readable."""
    return f"{hashlib.sha256(root.encode()).hexdigest()[:10]}-{Path(root).name}"


def _pattern(roots: list[str]) -> re.Pattern[str]:
    """Any shared path, not followed by more of a file name (a prefix of a longer path)."""
    ordered = sorted(roots, key=len, reverse=True)
    return re.compile("(?:" + "|".join(re.escape(root) for root in ordered) + r")(?![\w.-])")


def _read(root: str, content: bytes | None) -> list[tuple[str, bytes, bool]]:
    """(name, bytes, executable) of the files of one shared path."""
    if content is not None:
        return [(copy_name(root), content, True)]
    path = Path(root)
    if path.is_file():
        return [(copy_name(root), path.read_bytes(), os.access(path, os.X_OK))]
    found = []
    for item in sorted(path.rglob("*")) if path.is_dir() else []:
        if item.is_file() and not item.is_symlink():
            name = f"{copy_name(root)}/{item.relative_to(path).as_posix()}"
            found.append((name, item.read_bytes(), os.access(item, os.X_OK)))
    return found


def plan(texts: list[str], remote_dir: str) -> tuple[list[Copy], Callable[[str], str]]:
    """The copies the `texts` (argv words, environment values) need, and what turns a text's
    local paths into the remote ones."""
    roots = app_files.shared()
    if not roots:
        return [], lambda text: text
    pattern = _pattern(list(roots))
    remote = {root: f"{remote_dir}/{copy_name(root)}" for root in roots}

    def rewrite(text: str) -> str:
        return pattern.sub(lambda match: remote[match[0]], text)

    copies: list[Copy] = []
    size = 0
    todo = [match[0] for text in texts for match in pattern.finditer(text)]
    done: set[str] = set()
    while todo:
        root = todo.pop()
        if root in done:
            continue
        done.add(root)
        for name, data, executable in _read(root, roots[root]):
            try:
                text = data.decode()
            except UnicodeDecodeError:
                log.warning("not copied to the remote machine (not text): %s", name)
                continue
            todo.extend(match[0] for match in pattern.finditer(text))
            copies.append(Copy(name, rewrite(text).encode(), executable))
            size += len(data)
    if len(copies) > MAX_FILES or size > MAX_BYTES:
        raise ProcessError(f"the app's files for a remote session are too many ({len(copies)})")
    return copies, rewrite


def write_script(copies: list[Copy]) -> str:
    """A `sh -s` script writing `copies` (in the current folder): each whole or not at all."""
    lines = ["set -e", "umask 077"]
    for copy in copies:
        name = shlex.quote(copy.name)
        temporary = shlex.quote(copy.name + ".tmp")
        text = copy.data.decode()
        token = f"AISESSION_{secrets.token_hex(8)}"
        if "/" in copy.name:
            lines.append(f"mkdir -p {shlex.quote(copy.name.rsplit('/', 1)[0])}")
        # A here-document ends its text with a newline: one the file has is not doubled.
        lines.append(f"cat > {temporary} <<'{token}'\n{text.removesuffix(chr(10))}\n{token}")
        lines.append(f"chmod {'700' if copy.executable else '600'} {temporary}")
        lines.append(f"mv -f {temporary} {name}")
    return "\n".join(lines) + "\n"


class RemoteFiles:
    """The copies on one machine for one workspace's sessions."""

    def __init__(self, host: str, workspace_socket: str) -> None:
        self.host = host
        self._folder = f"{REMOTE_BASE}/{shlex.quote(workspace_socket)}"
        self._dir: str | None = None
        self._sent: dict[str, bytes] = {}
        self._lock = asyncio.Lock()

    async def localize(
        self, argv: list[str], env: Mapping[str, str]
    ) -> tuple[list[str], dict[str, str]]:
        """`argv` and `env` naming copies over there of the app's files they name."""
        if not app_files.shared():
            return argv, dict(env)
        async with self._lock:
            if self._dir is None:
                self._dir = await self._make_folder()
            copies, rewrite = plan([*argv, *env.values()], self._dir)
            fresh = [copy for copy in copies if self._sent.get(copy.name) != copy.data]
            if fresh:
                script = f"cd {shlex.quote(self._dir)}\n" + write_script(fresh)
                await self._run(script)
                self._sent.update((copy.name, copy.data) for copy in fresh)
        return [rewrite(word) for word in argv], {k: rewrite(v) for k, v in env.items()}

    async def _make_folder(self) -> str:
        script = (
            f'umask 077; d={self._folder}; mkdir -p "$d" && chmod 700 "$d" && printf "%s\\n" "$d"'
        )
        return (await self._run(script)).strip()

    async def _run(self, script: str) -> str:
        try:
            process = await asyncio.create_subprocess_exec(
                *ssh_prefix(self.host),
                "sh -s",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=tmux_environment(),
                start_new_session=True,
            )
        except OSError as exc:
            raise ProcessError(f"cannot run ssh: {exc.strerror or exc}") from None
        try:
            async with asyncio.timeout(TIMEOUT):
                out, err = await process.communicate(script.encode())
        except TimeoutError:
            process.kill()
            await process.wait()
            raise ProcessError(f"no answer over ssh within {TIMEOUT:g}s") from None
        if process.returncode != 0:
            reason = err.decode(errors="replace").strip().splitlines()[-1:] or ["failed"]
            raise ProcessError(f"could not copy the app's files there: {reason[0]}")
        return out.decode(errors="replace")
