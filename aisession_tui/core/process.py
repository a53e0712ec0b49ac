"""Child processes behind a session: a real PTY (`posix_spawn`, or ptyprocess where it cannot
be used) or plain pipes (headless).

Everything here is built for an asyncio loop that must never block: file descriptors are
non-blocking and watched with `loop.add_reader`, and a child's exit is noticed through a pidfd
(Linux) instead of a thread or a polling timer. A PTY's output is read through the output relay
(`relay.py`) when it runs. Killing a session means killing every process in its kernel session
(interactive shells put background jobs in their own process groups), found by one scan of
`/proc` at the moment of the hang-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import logging
import os
import shutil
import signal
import struct
import subprocess
import termios
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ptyprocess import PtyProcess

from .errors import ProcessError, PtyError
from .relay import OutputRelay, set_pipe_size

log = logging.getLogger(__name__)

READ_CHUNK = 64 * 1024
PAGE = 4096
HAS_PIDFD = hasattr(os, "pidfd_open")
_PROC = "/proc"


def build_environment(
    extra: Mapping[str, str], *, session_id: str, headless: bool
) -> dict[str, str]:
    """The child's environment: ours, the session's additions, and what a terminal promises."""
    env = dict(os.environ)
    env.update(extra)
    env["TERM"] = "dumb" if headless else "xterm-256color"
    if not headless:
        env["COLORTERM"] = "truecolor"
    env["AISESSION_ID"] = session_id
    return env


def check_working_directory(path: Path) -> None:
    """Fail early and clearly: a bad cwd would otherwise surface as an obscure exec error."""
    if not path.is_dir():
        raise ProcessError(f"working directory does not exist or is not a directory: {path}")
    if not os.access(path, os.X_OK):
        raise ProcessError(f"working directory is not accessible: {path}")


def resolve_program(program: str, env: Mapping[str, str]) -> str:
    """The full path of `program` as the child's PATH would find it."""
    found = shutil.which(program, path=env.get("PATH", os.defpath))
    if found is None:
        if os.sep in program and os.path.exists(program):
            raise ProcessError(f"program is not executable: {program}")
        raise ProcessError(f"program not found: {program!r} (searched PATH)")
    return found


class Cancellable(Protocol):
    """A watch that can be called off."""

    def cancel(self) -> None: ...


class ChildProcess(ABC):
    """A started child with the fds the session reads and writes."""

    pid: int
    read_fd: int
    write_fd: int
    is_headless: bool

    @abstractmethod
    def try_reap(self) -> int | None:
        """Reap the child if it has ended, without blocking; its exit code (-N for signal N)."""

    @abstractmethod
    def resize(self, rows: int, cols: int) -> None:
        """Tell the child its terminal size changed (no-op without a terminal)."""

    @abstractmethod
    def close(self) -> None:
        """Close our ends of the child's fds (idempotent)."""

    def set_read_ahead(self, size: int) -> bool:
        """Let about `size` bytes of output wait for the session; False if not applied now."""
        return False

    def watch_exit(
        self, loop: asyncio.AbstractEventLoop, callback: Callable[[], None]
    ) -> Cancellable:
        """Call `callback` once the child has ended (then `try_reap` gives its exit code)."""
        return ExitWatch(loop, self.pid, callback)

    async def hang_up(self, grace: float) -> None:
        """Hang up every process of the child's kernel session (SIGKILL after `grace` s)."""
        await hang_up_session(self.pid, grace)

    def signal_all(self, sig: int) -> None:
        """Send `sig` to every process of the child (pause and resume use this)."""
        signal_session(self.pid, sig)

    def detach(self) -> None:
        """Let the child run on after `close` (only where a backend keeps it: tmux)."""
        raise ProcessError("this session's process cannot outlive the app (PTY backend)")

    def leave_relay(self) -> bool:
        """After an end of file on `read_fd`: read the child directly if that was the relay's.

        True when `read_fd` changed (the relay ended, the child may not have), False when the end
        of file was the child's own.
        """
        return False


class _PtyProcess(PtyProcess):  # type: ignore[misc]
    """ptyprocess without the blocking sleeps in its close/finaliser.

    ptyprocess sleeps 0.1 s after closing and may wait in `__del__`, which would stall the event
    loop; the session closes the fd and reaps the child itself, so this finaliser only cleans up
    what a failed spawn left behind.
    """

    closed: bool
    terminated: bool

    def __init__(self, pid: int, fd: int) -> None:
        super().__init__(pid, fd)
        self.delayafterclose = 0.0
        self.delayafterterminate = 0.0

    def __del__(self) -> None:
        if not self.closed:
            with contextlib.suppress(Exception):
                self.fileobj.close()
            self.closed = True
        if not self.terminated:
            self.terminated = True
            with contextlib.suppress(Exception):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)


class PtyChild(ChildProcess):
    """A child whose stdin/stdout/stderr are the slave side of a fresh pseudo-terminal."""

    is_headless = False

    def __init__(self, proc: _PtyProcess) -> None:
        self._proc = proc
        self.pid = proc.pid
        self.read_fd = self.write_fd = proc.fd
        self._relay_fd: int | None = None
        self._read_ahead = 0
        self._exit_code: int | None = None

    def use_relay(self, relay: OutputRelay) -> None:
        """Read the output through `relay` from now on (kept reading directly if it fails)."""
        fd = relay.attach(self._proc.fd)
        if fd is not None:
            self.read_fd = self._relay_fd = fd

    def set_read_ahead(self, size: int) -> bool:
        # Without the relay the PTY's own buffer (4 KiB) is all there is.
        if self._relay_fd is None:
            return False
        size = 1 << (max(size, PAGE).bit_length() - 1)  # a pipe holds a power of two of pages
        if size != self._read_ahead and set_pipe_size(self._relay_fd, size):
            self._read_ahead = size
        return size == self._read_ahead

    def leave_relay(self) -> bool:
        if self._relay_fd is None:
            return False
        os.close(self._relay_fd)
        self._relay_fd = None
        self.read_fd = self._proc.fd
        return True

    def try_reap(self) -> int | None:
        if self._proc.terminated:
            return self._exit_code
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            self._proc.terminated = True
            return self._exit_code
        if pid == 0:
            return None
        self._exit_code = os.waitstatus_to_exitcode(status)
        self._proc.terminated = True
        self._proc.exitstatus = self._exit_code
        return self._exit_code

    def resize(self, rows: int, cols: int) -> None:
        if not self._proc.closed:
            self._proc.setwinsize(rows, cols)

    def close(self) -> None:
        self.leave_relay()  # the relay's pipe, if any; the master below
        if not self._proc.closed:
            with contextlib.suppress(OSError):
                self._proc.fileobj.close()
            self._proc.closed = True


class PipeChild(ChildProcess):
    """A child on plain pipes (stderr merged into stdout): the headless mode."""

    is_headless = True

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        assert popen.stdin is not None and popen.stdout is not None
        self._popen = popen
        self.pid = popen.pid
        self.read_fd = popen.stdout.fileno()
        self.write_fd = popen.stdin.fileno()

    def try_reap(self) -> int | None:
        return self._popen.poll()

    def resize(self, rows: int, cols: int) -> None:
        """Pipes have no window size."""

    def close(self) -> None:
        for stream in (self._popen.stdin, self._popen.stdout):
            if stream is not None and not stream.closed:
                with contextlib.suppress(OSError):
                    stream.close()


#: Signals a terminal's children must get with their default action, whatever the app inherited
#: (started with `&` or under `nohup`, it may ignore SIGINT and SIGQUIT, and children inherit that:
#: Ctrl+C in a pane would then do nothing).
_DEFAULT_SIGNALS = (
    signal.SIGINT,
    signal.SIGQUIT,
    signal.SIGTSTP,
    signal.SIGTTIN,
    signal.SIGTTOU,
    signal.SIGHUP,
    signal.SIGPIPE,
    signal.SIGTERM,
    signal.SIGCHLD,
)


def _reset_signals() -> None:
    for number in _DEFAULT_SIGNALS:
        signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, ())


def _chdir_into(path: str) -> Callable[[], None]:
    def enter() -> None:
        _reset_signals()
        os.chdir(path)

    return enter


def spawn_pty(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    size: tuple[int, int],
    relay: OutputRelay | None = None,
) -> PtyChild:
    """Start `argv` on a new PTY as leader of a new session; raises `PtyError` on any failure.

    `posix_spawn` where it can (`spawn_pty_posix`): forking copied the whole app (page tables of
    a ~120 MB process, ~8 ms on the event loop per session); else ptyprocess's fork and exec,
    with the chdir as `preexec_fn` so that a failing chdir is reported through ptyprocess's
    error pipe instead of raising inside the forked copy of this interpreter.
    """
    try:
        proc = spawn_pty_posix(argv, cwd=cwd, env=env, size=size)
        if proc is None:
            proc = _PtyProcess.spawn(
                argv, env=env, dimensions=size, preexec_fn=_chdir_into(str(cwd))
            )
    except Exception as exc:
        raise PtyError(f"could not start {argv[0]!r} on a pseudo-terminal: {exc}") from exc
    os.set_blocking(proc.fd, False)
    child = PtyChild(proc)
    if relay is not None:  # the relay reads the master for it (else the loop reads it)
        child.use_relay(relay)
    return child


_UNPROBED = ""
_chdir_helper: str | None = _UNPROBED


def chdir_helper() -> str | None:
    """An `env` that changes directory before it execs (`env -C`, GNU coreutils 8.28+), or None:
    `posix_spawn` has no chdir in Python. Probed once, by running it."""
    global _chdir_helper
    if _chdir_helper == _UNPROBED:
        _chdir_helper = None
        found = shutil.which("env", path=os.defpath)
        if found is not None:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                probe = subprocess.run(
                    [found, "-C", "/", "--", found],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=10,
                    check=False,
                )
                if probe.returncode == 0:
                    _chdir_helper = found
    return _chdir_helper


def spawn_pty_posix(
    argv: list[str], *, cwd: Path, env: dict[str, str], size: tuple[int, int]
) -> _PtyProcess | None:
    """Start `argv` with `posix_spawn` (no copy of this process) on a new PTY, or None where
    that cannot be done here (no `posix_spawn` with setsid, no `env -C`).

    The child starts a new session (setsid), then opens the slave by its path as fd 0: a session
    leader without a controlling terminal that opens a terminal acquires it (Linux, without
    O_NOCTTY), so job control and Ctrl+C work as after ptyprocess's TIOCSCTTY. `env -C cwd`
    changes directory and execs `argv` (it inherits the session, terminal and environment);
    the window size is set on the terminal before the spawn, the signals a terminal's children
    need are reset to their defaults and none is blocked.
    """
    helper = chdir_helper() if hasattr(os, "posix_spawn") else None
    if helper is None:
        return None
    master, slave = os.openpty()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
        pid = os.posix_spawn(
            helper,
            [helper, "-C", str(cwd), "--", *argv],
            env,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.ttyname(slave), os.O_RDWR, 0),
                (os.POSIX_SPAWN_DUP2, 0, 1),
                (os.POSIX_SPAWN_DUP2, 0, 2),
                *((os.POSIX_SPAWN_CLOSE, fd) for fd in _inheritable_fds()),
            ],
            setsid=True,
            setsigdef=_DEFAULT_SIGNALS,
            setsigmask=(),
        )
    except NotImplementedError:  # no POSIX_SPAWN_SETSID in this C library
        os.close(master)
        return None
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    return _PtyProcess(pid, master)


def _inheritable_fds() -> list[int]:
    """This process's descriptors above 2 that a child would inherit: none of Python's own (they
    are close-on-exec), but ones the app was started with (a CI runner's or a shell's leaked
    pipes), which ptyprocess closes in the child and so must these spawns."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return []
    found = []
    for name in names:
        fd = int(name)
        if fd > 2:
            try:
                if os.get_inheritable(fd):
                    found.append(fd)
            except OSError:
                continue  # the listing's own descriptor, closed by now
    return found


def spawn_pipes(argv: list[str], *, cwd: Path, env: dict[str, str]) -> PipeChild:
    """Start `argv` on pipes as leader of a new session; raises `ProcessError` on failure."""
    try:
        popen = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            bufsize=0,
            start_new_session=True,
            close_fds=True,
            preexec_fn=_reset_signals,
        )
    except OSError as exc:
        raise ProcessError(f"could not start {argv[0]!r}: {exc.strerror or exc}") from exc
    child = PipeChild(popen)
    os.set_blocking(child.read_fd, False)
    os.set_blocking(child.write_fd, False)
    return child


# --- noticing exits ---------------------------------------------------------------------------


class ExitWatch:
    """Calls `callback` once the process `pid` has ended (it is not reaped here).

    With pidfd this is one more fd in the loop's selector; without it (old kernels, non-Linux) a
    daemon thread waits with `waitid(WNOWAIT)`, which only works for our own children.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, pid: int, callback: Callable[[], None]):
        self._loop = loop
        self._callback = callback
        self._pidfd: int | None = None
        self._done = False
        if HAS_PIDFD:
            try:
                self._pidfd = os.pidfd_open(pid)
            except ProcessLookupError:
                loop.call_soon(self._fire)
                return
            loop.add_reader(self._pidfd, self._fire)
        else:  # pragma: no cover - exercised only where pidfd is missing
            threading.Thread(target=self._wait_thread, args=(pid,), daemon=True).start()

    def _wait_thread(self, pid: int) -> None:  # pragma: no cover
        with contextlib.suppress(ChildProcessError):
            os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._fire)

    def _fire(self) -> None:
        if self._done:
            return
        self.cancel()
        self._callback()

    def cancel(self) -> None:
        self._done = True
        if self._pidfd is not None:
            self._loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None


# --- finding and killing a session's processes ------------------------------------------------


def _stat_fields(pid: int) -> tuple[str, int, int, int] | None:
    """(state, ppid, pgrp, session) of `pid` from /proc, or None when it is gone."""
    try:
        fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY)
    except OSError:
        return None
    try:
        raw = os.read(fd, 4096)
    except OSError:
        return None
    finally:
        os.close(fd)
    rest = raw[raw.rfind(b")") + 2 :].split(maxsplit=4)
    if len(rest) < 4:
        return None
    return rest[0].decode(), int(rest[1]), int(rest[2]), int(rest[3])


def zombie_exit_code(pid: int) -> int | None:
    """The exit code (-N for signal N) of `pid` while it is a zombie not yet reaped by its
    parent, else None. Any process may read it (/proc stat's `exit_code`, Linux 3.5+): it is
    how a process that is not our child tells us how it ended."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            raw = stat.read()
    except OSError:
        return None
    rest = raw[raw.rfind(b")") + 2 :].split()
    if len(rest) < 50 or rest[0] != b"Z":  # field 52, counted from the state (field 3)
        return None
    try:
        return os.waitstatus_to_exitcode(int(rest[49]))
    except ValueError:
        return None


_scan_cache: dict[int, list[int]] | None = None


def _drop_scan_cache() -> None:
    global _scan_cache
    _scan_cache = None


def _sessions_snapshot() -> dict[int, list[int]]:
    """Kernel session id -> live pids, from one /proc scan.

    Inside a running loop the snapshot is shared until the loop's next iteration, so stopping
    fifty sessions at once costs one scan rather than fifty.
    """
    global _scan_cache
    if _scan_cache is not None:
        return _scan_cache
    snapshot: dict[int, list[int]] = {}
    try:
        entries = os.listdir(_PROC)
    except OSError:
        return snapshot
    for name in entries:
        if not name.isdigit():
            continue
        fields = _stat_fields(int(name))
        if fields is not None and fields[0] != "Z":
            snapshot.setdefault(fields[3], []).append(int(name))
    try:
        asyncio.get_running_loop().call_soon(_drop_scan_cache)
    except RuntimeError:
        return snapshot
    _scan_cache = snapshot
    return snapshot


def session_pids(sid: int) -> list[int]:
    """Pids of live (non-zombie) processes whose kernel session is `sid`."""
    return list(_sessions_snapshot().get(sid, ()))


def is_running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    fields = _stat_fields(pid)
    if fields is not None:
        return fields[0] != "Z"
    if os.path.isdir(_PROC):
        return False
    try:  # pragma: no cover - no /proc
        os.kill(pid, 0)
    except ProcessLookupError:  # pragma: no cover
        return False
    return True  # pragma: no cover


@dataclass
class _Member:
    pid: int
    pidfd: int | None


def _open_members(sid: int, pids: Iterable[int]) -> list[_Member]:
    """Pin each pid with a pidfd, then re-check its session: a recycled pid is never signalled."""
    members: list[_Member] = []
    for pid in pids:
        pidfd: int | None = None
        if HAS_PIDFD:
            try:
                pidfd = os.pidfd_open(pid)
            except ProcessLookupError:
                continue
            except OSError:  # e.g. out of fds: still signal it, by pid
                pidfd = None
        fields = _stat_fields(pid)
        if fields is not None and fields[3] != sid:
            if pidfd is not None:
                os.close(pidfd)
            continue
        members.append(_Member(pid, pidfd))
    return members


def _signal(members: Iterable[_Member], sig: int) -> None:
    for member in members:
        try:
            if member.pidfd is not None:
                signal.pidfd_send_signal(member.pidfd, sig)
            else:
                os.kill(member.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


async def _wait_gone(members: list[_Member], limit: float) -> bool:
    """Wait until every member has exited (pidfd readable), at most `limit` seconds."""
    loop = asyncio.get_running_loop()
    waits: list[asyncio.Future[None]] = []
    watched: list[int] = []
    for member in members:
        if member.pidfd is None:
            continue
        fut: asyncio.Future[None] = loop.create_future()

        def done(f: asyncio.Future[None] = fut) -> None:
            if not f.done():
                f.set_result(None)

        loop.add_reader(member.pidfd, done)
        watched.append(member.pidfd)
        waits.append(fut)
    try:
        if waits:
            _, pending = await asyncio.wait(waits, timeout=limit)
            if pending:
                return False
        # Without pidfds (or for members that had none) fall back to a short check loop.
        deadline = loop.time() + limit
        for member in members:
            if member.pidfd is not None:
                continue
            while is_running(member.pid):  # pragma: no cover - no pidfd
                if loop.time() >= deadline:
                    return False
                await asyncio.sleep(0.05)
        return True
    finally:
        for fd in watched:
            loop.remove_reader(fd)


def _close(members: Iterable[_Member]) -> None:
    for member in members:
        if member.pidfd is not None:
            os.close(member.pidfd)
            member.pidfd = None


async def hang_up_session(sid: int, grace: float, *, kill_timeout: float = 5.0) -> bool:
    """SIGHUP (+SIGCONT) every process of kernel session `sid`, SIGKILL what is left after `grace`.

    Returns True when nothing of the session is running any more. The process group is signalled
    too, for systems without /proc.
    """
    members = _open_members(sid, session_pids(sid))
    try:
        _signal(members, signal.SIGHUP)
        _signal(members, signal.SIGCONT)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(sid, signal.SIGHUP)
        if await _wait_gone(members, grace):
            # A process may have forked during the grace period: look once more.
            late = [p for p in session_pids(sid) if p not in {m.pid for m in members}]
            if not late:
                return True
        survivors = _open_members(sid, session_pids(sid))
        try:
            _signal(survivors, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(sid, signal.SIGKILL)
            gone = await _wait_gone(survivors, kill_timeout)
        finally:
            _close(survivors)
        if not gone:
            log.warning("processes of session %s survived SIGKILL for %ss", sid, kill_timeout)
        return gone
    finally:
        _close(members)


def signal_session(sid: int, sig: int, *, exclude: Iterable[int] = ()) -> int:
    """Send `sig` to every process of kernel session `sid` except `exclude`; how many got it."""
    skip = set(exclude)
    members = _open_members(sid, [p for p in session_pids(sid) if p not in skip])
    try:
        _signal(members, sig)
        return len(members)
    finally:
        _close(members)


def read_available(fd: int, limit: int) -> tuple[bytes, bool]:
    """Read what `fd` has right now, up to `limit` bytes; (data, reached_eof)."""
    parts: list[bytes] = []
    total = 0
    while total < limit:
        try:
            chunk = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return b"".join(parts), False
        except OSError as exc:
            if exc.errno == errno.EIO:  # PTY: every slave fd is closed
                return b"".join(parts), True
            raise
        if not chunk:
            return b"".join(parts), True
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts), False
