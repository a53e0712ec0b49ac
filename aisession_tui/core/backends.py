"""Session backends: where a session's process runs, behind one `AISession` API.

`PtyBackend` runs the child on a PTY of our own (or pipes, headless): it ends with the app.
`TmuxBackend` runs it in a window of the workspace's own tmux server, followed through a
control-mode client: it outlives the app, which can detach and attach again. Nothing above the
core needs to know which one a session uses.
"""

from __future__ import annotations

import asyncio
import json
import logging
from abc import ABC, abstractmethod
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from .config import SessionConfig
from .errors import PtyError
from .process import (
    ChildProcess,
    build_environment,
    check_working_directory,
    resolve_program,
    spawn_pipes,
    spawn_pty,
)
from .runtime import Runtime, default_runtime
from .types import SessionId, utc_now

log = logging.getLogger(__name__)

BackendName = Literal["pty", "tmux"]
BACKEND_NAMES: tuple[BackendName, ...] = ("pty", "tmux")


class SessionBackend(ABC):
    """Starts a session's child process; the session reads, writes and stops it."""

    name: BackendName
    #: True when sessions keep running after the app lets go of them (`AISession.detach`).
    survives_detach: bool = False

    @abstractmethod
    async def spawn(
        self, session_id: SessionId, config: SessionConfig, size: tuple[int, int]
    ) -> ChildProcess:
        """Start (or, where it already runs, find) the session's child; `SessionError` if not."""

    async def settle(self) -> None:  # noqa: B027 - most backends have nothing to finish
        """Finish what stopping sessions left to do (nothing for most backends)."""

    def backend_for(self, config: SessionConfig) -> SessionBackend:
        """The backend that runs `config`'s session (another one where it names a host)."""
        return self


class PtyBackend(SessionBackend):
    """A PTY of our own per session, pipes when headless (today's, and the default)."""

    name: BackendName = "pty"

    def __init__(self, runtime: Runtime | None = None) -> None:
        self.runtime = runtime or default_runtime()

    async def spawn(
        self, session_id: SessionId, config: SessionConfig, size: tuple[int, int]
    ) -> ChildProcess:
        argv = config.argv()
        cwd = config.working_directory
        sid = str(session_id)
        check_working_directory(cwd)
        if not config.force_headless:
            env = build_environment(config.environment, session_id=sid, headless=False)
            # The program the session's own PATH finds: ptyprocess would search the app's.
            program = resolve_program(argv[0], env)
            try:
                return spawn_pty(
                    [program, *argv[1:]], cwd=cwd, env=env, size=size, relay=self.runtime.relay()
                )
            except PtyError as exc:
                if not config.allow_headless_fallback:
                    raise
                log.warning("session %s: %s; running headless instead", session_id.short, exc)
        env = build_environment(config.environment, session_id=sid, headless=True)
        resolve_program(argv[0], env)
        return spawn_pipes(argv, cwd=cwd, env=env)


class TmuxBackend(SessionBackend):
    """Each session a window of the workspace's tmux server (`core/tmux`)."""

    name: BackendName = "tmux"
    survives_detach = True

    def __init__(
        self,
        workspace: str = "default",
        *,
        scrollback: int = 10_000,
        host: str | None = None,
        hook_socket: Path | None = None,
        runtime: Runtime | None = None,
    ) -> None:
        from .tmux.remote_files import RemoteFiles
        from .tmux.server import TmuxServer

        self.server = TmuxServer(
            workspace, scrollback=scrollback, host=host, hook_socket=hook_socket
        )
        #: Copies over there of the app's files a remote session names (hooks, rc files).
        self.remote_files = RemoteFiles(host, self.server.socket) if host is not None else None
        self._pty = PtyBackend(runtime)
        self._closing: set[asyncio.Task[None]] = set()

    async def spawn(
        self, session_id: SessionId, config: SessionConfig, size: tuple[int, int]
    ) -> ChildProcess:
        if config.force_headless:  # pipes have no terminal for tmux to hold
            return await self._pty.spawn(session_id, config, size)
        for info in await self.server.windows():
            if info.session_id == str(session_id) and not info.dead:
                child = await self.server.adopt_window(info, size)
                child.on_closed = self._closed
                return child
        argv = config.argv()
        cwd: Path | None = config.working_directory
        if self.server.local:
            check_working_directory(config.working_directory)
            env = build_environment(config.environment, session_id=str(session_id), headless=False)
            resolve_program(argv[0], env)
        else:  # the other machine's own environment, plus the session's and a terminal's
            env = {**config.environment, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
            env["AISESSION_ID"] = str(session_id)
            env = self.server.remote_environment(env)
            assert self.remote_files is not None
            argv, env = await self.remote_files.localize(argv, env)
            if "working_directory" not in config.model_fields_set:
                cwd = None  # the login folder over there, not the app's folder here
        child = await self.server.open_window(
            session_id=str(session_id),
            config_json=_config_json(config),
            name=config.name or session_id.short,
            argv=argv,
            cwd=cwd,
            env=env,
            size=size,
        )
        child.on_closed = self._closed
        return child

    def _closed(self, child: object) -> None:
        from .tmux.pane import TmuxChild

        if isinstance(child, TmuxChild):
            self.server.forget(child)
            if not child.detached:
                task = asyncio.get_running_loop().create_task(self.server.close_if_empty())
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)

    async def settle(self) -> None:
        """Wait until an emptied server has been ended (no process stays behind)."""
        while self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    async def running_sessions(self) -> list[tuple[SessionId, SessionConfig, datetime]]:
        """The sessions still running on the server: what an attach brings back."""
        found: list[tuple[SessionId, SessionConfig, datetime]] = []
        for info in await self.server.windows():
            if info.dead:
                continue
            try:
                session_id = SessionId.parse(info.session_id)
                data = json.loads(info.config_json)
                created = datetime.fromisoformat(data.pop("created_at", utc_now().isoformat()))
                config = SessionConfig.model_validate(data)
            except (ValueError, ValidationError) as error:
                log.warning("tmux window %s: cannot read its session: %s", info.window, error)
                continue
            found.append((session_id, config, created))
        return found

    async def detach(self) -> None:
        await self.server.detach()


def _config_json(config: SessionConfig) -> str:
    data = json.loads(config.model_dump_json())
    data["created_at"] = utc_now().isoformat()
    return json.dumps(data, separators=(",", ":"))
