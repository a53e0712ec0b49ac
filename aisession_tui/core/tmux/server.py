"""A workspace's own tmux server, driven through one control-mode client.

Every workspace gets a server of its own (`tmux -L aisession-<workspace>`) started with the
app's own configuration file, never the person's default server or `~/.tmux.conf`: options set
here cannot leak into the person's tmux, nor theirs into ours. One tmux session (`aisession`)
holds a placeholder window and one window per supervised session, sized to its pane; the
session's id and config are kept in window options, so an app that attaches later (after a
detach, a crash, a lost SSH connection) finds them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import hashlib
import logging
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ProcessError
from .client import ControlClient, ControlError
from .pane import DEAD_FORMAT, TmuxChild, exit_code_from
from .protocol import Notification, last_line, quote

log = logging.getLogger(__name__)

SOCKET_PREFIX = "aisession-"
TMUX_SESSION = "aisession"
PLACEHOLDER = "aisession-control"
#: How long output may wait unread before tmux pauses that pane (seconds).
PAUSE_AFTER = 5
CONNECT_TIMEOUT = 10.0
#: The exit status of a shell that could not find the command (ssh passes it on).
NOT_FOUND = 127
#: ssh's own exit status when it could not connect or log in.
SSH_FAILED = 255
_DEAD_SUBSCRIPTION = "aisession-dead"
#: The ssh command (with options) that reaches a remote host; `ssh` when unset.
SSH_ENV = "AISESSION_SSH"

#: The server's whole configuration: nothing of the person's is read.
CONFIG = """\
# aisession-tui's own tmux configuration (its servers only; ~/.tmux.conf is never read).
set -g remain-on-exit on
set -g status off
set -g escape-time 0
set -g automatic-rename off
set -g allow-rename off
set -g set-clipboard off
set -g destroy-unattached off
set -g exit-empty on
set -g focus-events off
set -g default-terminal xterm-256color
set -g update-environment ""
"""

#: The pane's first process: it runs the program, then tells its exit status in tmux (for an
#: app that attaches later) and in the output (after the program's last byte: tmux drops what
#: it had not sent yet when a pane's process ends, so the program must not be that process),
#: and waits for the app to close the pane. Its traps only keep it alive while the program runs
#: (a caught signal is reset for the program; an ignored one would be inherited).
WRAPPER = (
    'tmux="$1"; shift; trap : INT QUIT TERM HUP; "$@"; s=$?; trap - HUP TERM; '
    '"$tmux" set -p -t "$TMUX_PANE" @aisession-status "$s" 2>/dev/null; '
    "printf '\\033]777;aisession-exit;%s\\007' \"$s\"; exec sleep 2147483647"
)

_WINDOW_FORMAT = (
    "#{window_id}|#{pane_id}|#{pane_pid}|" + DEAD_FORMAT + "|#{@aisession-id}|#{@aisession-config}"
)


class TmuxMissing(ProcessError):
    """tmux is not installed (or not on PATH)."""


def socket_name(workspace: str) -> str:
    """The `-L` name of a workspace's server; anything odd in the name becomes `_`."""
    return SOCKET_PREFIX + (re.sub(r"[^A-Za-z0-9_.-]", "_", workspace) or "default")


def socket_dir() -> Path:
    """Where tmux puts its sockets (`$TMUX_TMPDIR`, else /tmp, then `tmux-UID`)."""
    return Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"


def tmux_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Our environment without the variables that would tie the client to another server."""
    env = dict(os.environ if base is None else base)
    env.pop("TMUX", None)
    env.pop("TMUX_PANE", None)
    return env


def config_file() -> Path:
    """The app's tmux configuration, written to a private folder of ours."""
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())
    folder = base / f"aisession-tui-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / "tmux.conf"
    if not path.exists() or path.read_text() != CONFIG:
        tmp = folder / f".tmux.conf.{os.getpid()}"
        tmp.write_text(CONFIG)
        tmp.replace(path)
    return path


def user_scope() -> list[str]:
    """`systemd-run --user --scope` where a systemd user manager runs: a server started in
    a scope of its own is not killed with the login session at logout (systemd-logind's
    KillUserProcesses). Empty elsewhere, or when `AISESSION_SCOPE=off`."""
    if os.environ.get("AISESSION_SCOPE") == "off":
        return []
    runner = shutil.which("systemd-run")
    manager = Path(os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}")
    if runner is None or not (manager / "systemd" / "private").exists():
        return []
    return [runner, "--user", "--scope", "--quiet", "--collect", "--"]


def find_tmux() -> str:
    found = shutil.which("tmux")
    if found is None:
        raise TmuxMissing("the tmux backend needs tmux, and it is not installed (or not on PATH)")
    return found


def ssh_prefix(host: str) -> list[str]:
    """`ssh -T host --` with the person's ssh (`AISESSION_SSH` may replace it), to be followed
    by one remote command line."""
    return [*shlex.split(os.environ.get(SSH_ENV) or "ssh"), "-T", host, "--"]


def missing_message(host: str) -> str:
    return (
        f"tmux is not installed on {host} (or not on the PATH its ssh commands get): "
        "install it there, or run the session here"
    )


def hosts_problems(hosts: Sequence[str], timeout: float = 30.0) -> dict[str, str]:
    """Before the app starts (blocking, all hosts at once): each host that cannot be reached
    or has no tmux, with what is wrong as one line; empty when every one is ready."""
    probes = [
        (
            host,
            subprocess.Popen(
                [*ssh_prefix(host), "command -v tmux"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=tmux_environment(),
                start_new_session=True,
            ),
        )
        for host in dict.fromkeys(hosts)
    ]
    problems: dict[str, str] = {}
    for host, probe in probes:
        try:
            _, err = probe.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            probe.kill()
            probe.communicate()
            problems[host] = f"{host}: no answer over ssh within {timeout:g}s"
            continue
        if probe.returncode == SSH_FAILED:
            problems[host] = f"cannot reach {host} over ssh: {last_line(err, 'ssh failed')}"
        elif probe.returncode != 0:
            problems[host] = missing_message(host)
    return problems


def holds_programs(version: str) -> bool:
    """Whether tmux `version` (`#{version}`: 3.3a, next-3.6, master) stops reading a pane its
    only client turned off, so the program blocks: 3.4 and later (3.3 ignored "off" there)."""
    found = re.search(r"(\d+)\.(\d+)", version)
    return found is None or (int(found[1]), int(found[2])) >= (3, 4)


@dataclass(frozen=True, slots=True)
class WindowInfo:
    """One supervised session's window, as `list-windows` tells it."""

    window: str
    pane: str
    pid: int
    exit_code: int | None
    dead: bool
    session_id: str
    config_json: str

    @classmethod
    def parse(cls, line: str) -> WindowInfo | None:
        parts = line.split("|", 8)
        if len(parts) != 9 or not parts[7]:
            return None  # the placeholder, or a window someone else opened
        window, pane, pid, *_, session_id, config = parts
        code = exit_code_from("|".join(parts[3:7]))
        return cls(
            window=window,
            pane=pane,
            pid=int(pid) if pid.isdigit() else 0,
            exit_code=code,
            dead=code is not None,
            session_id=session_id,
            config_json=config,
        )


class TmuxServer:
    """The control client of one workspace's server, and the panes the app follows on it."""

    def __init__(
        self,
        workspace: str,
        *,
        scrollback: int = 10_000,
        host: str | None = None,
        hook_socket: Path | None = None,
    ) -> None:
        self.workspace = workspace
        #: `[user@]machine` when the server runs there (reached with `ssh -T`), else None.
        self.host = host
        #: The app's control socket, where agents' hooks report: over ssh, our control
        #: client forwards `remote_hook_socket` on the other machine to it.
        self.hook_socket = hook_socket
        self.socket = socket_name(workspace)
        self.scrollback = scrollback
        self.client = ControlClient()
        self.client.on_notification = self._on_notification
        self._children: dict[str, TmuxChild] = {}
        self._connect_lock = asyncio.Lock()
        self._connected = False
        self._attached: asyncio.Future[None] | None = None
        #: The tmux server's process id, once connected.
        self.server_pid = 0
        #: Whether the server stops reading a pane turned off (`holds_programs`).
        self.holds_programs = False

    @property
    def local(self) -> bool:
        return self.host is None

    def base_argv(self) -> list[str]:
        """The start of every tmux command line for this server (through ssh when remote: the
        person's own ssh, config, keys and agent; `AISESSION_SSH` may replace `ssh`)."""
        if self.host is None:
            return [find_tmux(), "-L", self.socket, "-f", str(config_file())]
        return [*ssh_prefix(self.host), "tmux", "-L", self.socket, "-f", "/dev/null"]

    def argv(self, *args: str) -> list[str]:
        """A whole tmux command line; over ssh the remote words are quoted for its shell."""
        base = self.base_argv()
        if self.host is None:
            return [*base, *args]
        cut = base.index("--") + 1
        return [*base[:cut], shlex.join([*base[cut:], *args])]

    @property
    def remote_hook_socket(self) -> str:
        """Where the hook socket is on the other machine: a name of its own per (local user,
        host, workspace), stable so the agents of a later attach still reach the app."""
        key = f"{getpass.getuser()}\0{self.host}\0{self.socket}".encode()
        return f"/tmp/aisession-hooks-{hashlib.sha256(key).hexdigest()[:16]}.sock"

    def remote_environment(self, env: Mapping[str, str]) -> dict[str, str]:
        """`env` for a pane over there: what names the app's hook socket names its forward."""
        local = str(self.hook_socket) if self.hook_socket is not None else None
        return {k: self.remote_hook_socket if v == local else v for k, v in env.items()}

    def _forwarding(self) -> list[str]:
        """ssh options that forward the hook socket (when the app serves one)."""
        if self.hook_socket is None:
            return []
        return [
            "-o",
            "StreamLocalBindUnlink=yes",
            "-R",
            f"{self.remote_hook_socket}:{self.hook_socket}",
        ]

    def tmux_program(self) -> str:
        """tmux as the panes' wrapper runs it (on the server's machine)."""
        return find_tmux() if self.host is None else "tmux"

    async def connect(self) -> None:
        """Start (or join) the server and attach our control client; idempotent."""
        async with self._connect_lock:
            if self._connected and self.client.alive:
                return
            if self._connected:  # the previous client ended: start a fresh one
                self.client = ControlClient()
                self.client.on_notification = self._on_notification
            placeholder = "exec sleep 2147483647"
            argv = self.argv(
                "-C", "new-session", "-A", "-s", TMUX_SESSION, "-n", PLACEHOLDER, placeholder
            )
            if self.host is None:
                argv = [*user_scope(), *argv]
            else:
                argv[1:1] = self._forwarding()  # after `ssh`'s own options, before the host
            self._attached = asyncio.get_running_loop().create_future()
            await self.client.start(argv, tmux_environment())
            self._connected = True
            try:
                # Commands before the client is attached would find no client to act on.
                async with asyncio.timeout(CONNECT_TIMEOUT):
                    await self._attached
                if self.host is not None:  # no file of ours there: the settings as commands
                    for line in CONFIG.splitlines():
                        if line and not line.startswith("#"):
                            await self.client.send(line)
                await self.client.run("set", "-g", "history-limit", str(max(self.scrollback, 1)))
                reply = await self.client.run("display", "-p", "#{pid}|#{version}")
                pid, _, version = reply.text.strip().partition("|")
                self.server_pid = int(pid or 0) if self.host is None else 0
                self.holds_programs = holds_programs(version)
                if PAUSE_AFTER:
                    await self.client.run("refresh-client", "-f", f"pause-after={PAUSE_AFTER}")
                subscription = f"{_DEAD_SUBSCRIPTION}:%*:{DEAD_FORMAT}"
                await self.client.run("refresh-client", "-B", subscription)
            except (TimeoutError, ProcessError):
                reason = self.client.exit_reason or "no answer"
                where = f" on {self.host}" if self.host else ""
                if self.host is not None and self.client.returncode == NOT_FOUND:
                    raise TmuxMissing(missing_message(self.host)) from None
                raise ProcessError(
                    f"tmux server {self.socket}{where} did not start: {reason}"
                ) from None
            except ControlError as error:
                raise ProcessError(f"tmux server {self.socket}: {error}") from None

    async def windows(self) -> list[WindowInfo]:
        """The supervised sessions' windows on this server (dead ones included)."""
        await self.connect()
        reply = await self.client.run("list-windows", "-t", TMUX_SESSION, "-F", _WINDOW_FORMAT)
        found = [WindowInfo.parse(line.decode(errors="replace")) for line in reply.lines]
        return [info for info in found if info is not None]

    async def open_window(
        self,
        *,
        session_id: str,
        config_json: str,
        name: str,
        argv: list[str],
        cwd: Path | None,
        env: Mapping[str, str],
        size: tuple[int, int],
    ) -> TmuxChild:
        """A new window running `argv` at `size` (rows, cols), in `cwd` (None: the server's
        own, the login folder over ssh), followed from its first byte."""
        await self.connect()
        rows, cols = size
        argv = ["/bin/sh", "-c", WRAPPER, "aisession-wrap", self.tmux_program(), *argv]
        words = ["new-window", "-d", "-P", "-F", "#{window_id}|#{pane_id}|#{pane_pid}"]
        words += ["-t", f"{TMUX_SESSION}:", "-n", name]
        if cwd is not None:
            words += ["-c", str(cwd).replace("#", "##")]
        for key, value in tmux_environment(env).items():  # TMUX is the pane's own server
            words += ["-e", f"{key}={value}"]
        new_window = " ".join([words[0], *(quote(w) for w in words[1:])])
        new_window += " -- " + " ".join(quote(arg) for arg in argv)
        # The client's size first, so the window is born at the pane's size.
        # Output of a pane not followed yet is kept meanwhile: a quick program may be done
        # before the reply that names its pane arrives.
        with self.client.keeping_new_output():
            sized, created = self.client.send_together(
                [f"refresh-client -C {cols}x{rows}", new_window]
            )
            await sized
            reply = await created
            if reply.error:
                raise ProcessError(f"tmux could not start {argv[0]!r}: {reply.text.strip()}")
            window, pane, pid = reply.text.strip().split("|")
            child = self._follow(window, pane, int(pid))
        await asyncio.gather(
            self.client.send(f"refresh-client -C {window}:{cols}x{rows}"),
            self.client.run("set", "-w", "-t", window, "@aisession-id", session_id),
            self.client.run("set", "-w", "-t", window, "@aisession-config", config_json),
        )
        child.check_dead()  # it may have ended before the pidfd was open
        return child

    async def adopt_window(self, info: WindowInfo, size: tuple[int, int]) -> TmuxChild:
        """Follow a window that already runs, starting with tmux's copy of its screen."""
        rows, cols = size
        await self.client.send(f"refresh-client -C {info.window}:{cols}x{rows}")
        child = self._follow(info.window, info.pane, info.pid)
        await child.redraw(resync=False, scrollback=self.scrollback)
        child.check_dead()
        return child

    def _follow(self, window: str, pane: str, pid: int) -> TmuxChild:
        child = TmuxChild(
            self.client,
            pane=pane,
            window=window,
            pid=pid,
            local=self.local,
            holds_program=self.holds_programs,
        )
        self._children[window] = child
        return child

    def forget(self, child: TmuxChild) -> None:
        self._children.pop(child.window, None)

    def _on_notification(self, note: Notification) -> None:
        if note.name == "session-changed":
            # Attached (or moved: only `aisession` is ours, and we never switch away from it).
            if self._attached is not None and not self._attached.done():
                self._attached.set_result(None)
            if note.args[1:2] != [TMUX_SESSION]:
                log.warning("tmux server %s: client moved to session %s", self.socket, note.args)
        elif note.name == "exit" and self._attached is not None and not self._attached.done():
            self._attached.set_exception(ProcessError(f"tmux exited: {' '.join(note.args)}"))
        elif note.name == "window-close" and note.args:
            child = self._children.pop(note.args[0], None)
            if child is not None:
                child.mark_dead(None)
        elif note.name == "subscription-changed" and _is_dead_subscription(note.args):
            window, value = note.args[2], " ".join(note.args[6:])
            child = self._children.get(window)
            if child is not None:
                child.update(value)

    async def detach(self) -> None:
        """Let every pane go on running and end our control client."""
        for child in list(self._children.values()):
            child.detach()
        await self.client.close()

    async def kill(self) -> None:
        """End the server and everything on it."""
        async with self._connect_lock:
            await self._kill()

    async def _kill(self) -> None:
        self._connected = False
        server = None
        if self.server_pid:  # pinned first: the pid is not ours to signal after it exits
            with contextlib.suppress(OSError):
                server = os.pidfd_open(self.server_pid)
        try:
            process = await asyncio.create_subprocess_exec(
                *self.argv("kill-server"),
                env=tmux_environment(),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            await process.wait()
            await self.client.close()
            if server is not None:  # returned once the server has really gone
                await _readable(server, CONNECT_TIMEOUT)
        finally:
            if server is not None:
                os.close(server)

    async def close_if_empty(self) -> None:
        """End the server once no supervised session's window is left on it."""
        async with self._connect_lock:
            if self._children or not self.client.alive:
                return
            try:
                reply = await self.client.run(
                    "list-windows", "-t", TMUX_SESSION, "-F", _WINDOW_FORMAT
                )
                if not any(WindowInfo.parse(line.decode(errors="replace")) for line in reply.lines):
                    await self._kill()
            except ProcessError as error:
                log.debug("tmux server %s: %s", self.socket, error)


async def _readable(fd: int, limit: float) -> None:
    """Wait (at most `limit` s) until `fd` (a pidfd: the process ended) is readable."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if not done.done():
            done.set_result(None)

    loop.add_reader(fd, readable)
    try:
        async with asyncio.timeout(limit):
            await done
    except TimeoutError:
        log.warning("tmux server did not exit within %ss", limit)
    finally:
        loop.remove_reader(fd)


def _is_dead_subscription(args: list[str]) -> bool:
    """`%subscription-changed NAME $S @W INDEX %P : VALUE` of our pane-death subscription."""
    return len(args) >= 7 and args[0] == _DEAD_SUBSCRIPTION and args[5] == ":"
