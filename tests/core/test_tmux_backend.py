"""The tmux backend for real: a private tmux server, real processes, detach and attach.

Each test runs its servers under a `TMUX_TMPDIR` of its own, so neither the person's tmux nor
another test's servers are in reach.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import shutil
import signal
import struct
import subprocess
import sys
import termios
import textwrap
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from aisession_tui.core import (
    AISession,
    OutputReceived,
    SessionConfig,
    SessionEvent,
    SessionManager,
    SessionStatus,
)
from aisession_tui.core.backends import TmuxBackend
from aisession_tui.core.process import is_running, session_pids
from aisession_tui.core.session import READ_BATCH
from aisession_tui.core.tmux import socket_dir
from aisession_tui.core.tmux.pane import HOLD_DEFAULT, TmuxChild
from aisession_tui.core.tmux.protocol import decode_output, quote
from aisession_tui.supervisor.live_session import READ_AHEAD_FRACTION, LiveSession
from aisession_tui.terminal.emulator import Emulator

from .conftest import Recorder, bash_config, kill_server, require_tmux

pytestmark = pytest.mark.timeout(90)


@pytest.fixture(autouse=True)
def private_tmux(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """tmux sockets in a folder of this test's own (tmux and the backend both follow it)."""
    require_tmux()
    folder = tmp_path_factory.mktemp("tmux")
    previous = os.environ.get("TMUX_TMPDIR")
    os.environ["TMUX_TMPDIR"] = str(folder)
    try:
        yield folder
    finally:
        subprocess.run(["tmux", "kill-server"], capture_output=True, check=False)
        for name in ("aisession-ws", "aisession-one", "aisession-two"):
            subprocess.run(["tmux", "-L", name, "kill-server"], capture_output=True, check=False)
        if previous is None:
            os.environ.pop("TMUX_TMPDIR", None)
        else:
            os.environ["TMUX_TMPDIR"] = previous


@pytest.fixture
async def backend() -> AsyncIterator[TmuxBackend]:
    chosen = TmuxBackend("ws", scrollback=500)
    try:
        yield chosen
    finally:
        await kill_server(chosen)


def _tmux(*args: str, socket: str | None = None) -> str:
    argv = ["tmux", *(["-L", socket] if socket else []), *args]
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    return subprocess.run(argv, capture_output=True, text=True, env=env, check=False).stdout


async def _attach(
    backend: TmuxBackend, size: tuple[int, int] | None = None
) -> list[tuple[AISession, Recorder]]:
    """What an app that starts anew does: find the running sessions and follow them (at the
    size of its panes, `size`, when given)."""
    found = []
    for session_id, config, created in await backend.running_sessions():
        if size is not None:
            config.pty_size = size
        session = AISession(config, session_id=session_id, created_at=created, backend=backend)
        recorder = Recorder(session)
        await session.start()
        found.append((session, recorder))
    return found


def test_control_mode_quoting_and_escapes_are_inverse_of_tmux() -> None:
    assert decode_output(b"a\\134b\\000\\033\\377") == b"a\\b\x00\x1b\xff"
    weird = 'it\'s "$HOME" #{pane_id} ~ ; \\ \n\t ünï'
    server = "aisession-ws"
    _tmux("-f", "/dev/null", "new-session", "-d", "-s", "q", "sleep 60", socket=server)
    # tmux reads the quoted word back exactly (a command file is parsed like a control line)
    script = Path(os.environ["TMUX_TMPDIR"]) / "set.conf"
    script.write_text(f"set -g @weird {quote(weird)}\n")
    _tmux("source-file", str(script), socket=server)
    assert _tmux("show", "-gv", "@weird", socket=server) == weird + "\n"


async def test_session_runs_in_a_window_of_the_workspace_server_sized_to_its_pane(
    backend: TmuxBackend, tmp_path: Path
) -> None:
    session = AISession(bash_config(tmp_path, pty_size=(17, 61), name="w1"), backend=backend)
    rec = Recorder(session)
    await session.start()
    try:
        assert await session.execute_command("stty size; echo $TERM") == "17 61\nxterm-256color\n"
        windows = _tmux(
            "list-windows",
            "-a",
            "-F",
            "#{window_name} #{window_width}x#{window_height}",
            socket="aisession-ws",
        )
        assert "w1 61x17" in windows
        session.resize(20, 70)
        assert await session.execute_command("stty size") == "20 70\n"
        assert _tmux("show", "-gv", "history-limit", socket="aisession-ws").strip() == "500"
        assert rec.output
    finally:
        await session.stop()
    await backend.settle()
    assert not (socket_dir() / "aisession-ws").exists() or _tmux("ls", socket="aisession-ws") == ""


async def test_bytes_that_need_escaping_arrive_unchanged_both_ways(
    backend: TmuxBackend, tmp_path: Path
) -> None:
    # The program reads raw bytes and prints them back in hex; then prints raw bytes itself.
    program = (
        "stty raw -echo; printf ready; head -c 7 | od -An -tx1; "
        "printf 'out:\\000\\033[0m\\377\\376\\\\:end'; sleep 30"
    )
    session = AISession(
        SessionConfig(shell_command=program, working_directory=tmp_path), backend=backend
    )
    rec = Recorder(session)
    await session.start()
    try:
        await rec.wait_output(b"ready")
        await session.send_input(b"\x00\x1b[A\xff\xfe\x03")  # NUL, an arrow, invalid UTF-8, ^C
        await rec.wait_output(b":end")
        assert b"00 1b 5b 41 ff fe 03" in rec.output
        assert b"out:\x00\x1b[0m\xff\xfe\\:end" in rec.output
    finally:
        await session.stop()


async def test_detach_then_attach_keeps_the_process_and_shows_what_it_printed_meanwhile(
    tmp_path: Path,
) -> None:
    first = SessionManager(backend=TmuxBackend("ws", scrollback=500))
    session = await first.create_session_with_config(bash_config(tmp_path, name="agent"))
    await session.start()
    await session.execute_command("echo before-detach")
    pid = session.pid
    assert pid is not None
    await session.send_input("sleep 1; echo printed-while-detached-$((6*7))\n")
    await first.detach_all()
    assert session.status is SessionStatus.TERMINATED and session.is_detached
    assert is_running(pid)
    await asyncio.sleep(2)  # the line is printed while no app is attached

    second = TmuxBackend("ws", scrollback=500)
    try:
        [(again, rec)] = await _attach(second, size=(30, 100))  # a bigger pane this time
        assert again.id == session.id and again.config.name == "agent"
        assert again.pid == pid and is_running(pid)
        await rec.wait_output(b"printed-while-detached-42")
        screen = Emulator(100, 30, scrollback=500)
        screen.feed(rec.output)
        text = "\n".join(screen.history_text() + screen.text_lines())
        assert "before-detach" in text and "printed-while-detached-42" in text
        assert await again.execute_command("echo $((1+1))") == "2\n"  # and it goes on
        assert await again.execute_command("stty size") == "30 100\n"  # at the new size
        await again.stop()
        assert not is_running(pid)
    finally:
        await kill_server(second)


async def test_stop_all_leaves_no_process_and_no_server(tmp_path: Path) -> None:
    backend = TmuxBackend("ws")
    manager = SessionManager(backend=backend)
    pids = []
    for n in range(3):
        s = await manager.create_session_with_config(bash_config(tmp_path, name=f"s{n}"))
        await s.start()
        out = await s.execute_command("sleep 1000 & echo $!")
        pids += [s.pid, int(out.split()[-1])]
    server_pid = int(_tmux("display", "-p", "#{pid}", socket="aisession-ws"))
    await manager.stop_all(grace=0.5)
    assert all(not is_running(pid) for pid in pids if pid)
    assert not is_running(server_pid)


async def test_attach_after_the_app_was_killed_with_sigkill(tmp_path: Path) -> None:
    app = textwrap.dedent(
        f"""
        import asyncio, sys
        from aisession_tui.core import SessionConfig, SessionManager
        from aisession_tui.core.backends import TmuxBackend
        async def main():
            m = SessionManager(backend=TmuxBackend("ws"))
            s = await m.create_session_with_config(SessionConfig(
                name="survivor", working_directory={str(tmp_path)!r},
                shell_command="echo started; while :; do sleep 0.2; done"))
            await s.start()
            print(s.pid, flush=True)
            await asyncio.sleep(3600)
        asyncio.run(main())
        """
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", app, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    pid = int(await asyncio.wait_for(proc.stdout.readline(), 30))
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    assert is_running(pid)
    backend = TmuxBackend("ws")
    try:
        [(session, rec)] = await _attach(backend)
        assert session.config.name == "survivor" and session.pid == pid
        await rec.wait_output(b"started")
        await session.stop(grace=0.5)
        assert not is_running(pid)
    finally:
        await kill_server(backend)


async def test_two_workspaces_run_on_two_servers(tmp_path: Path) -> None:
    one, two = TmuxBackend("one"), TmuxBackend("two")
    try:
        a = AISession(bash_config(tmp_path, name="a"), backend=one)
        b = AISession(bash_config(tmp_path, name="b"), backend=two)
        await a.start()
        await b.start()
        assert [c.name for _, c, _ in await one.running_sessions()] == ["a"]
        assert [c.name for _, c, _ in await two.running_sessions()] == ["b"]
        assert (socket_dir() / "aisession-one").exists() and (
            socket_dir() / "aisession-two"
        ).exists()
        await a.stop()
        assert await b.execute_command("echo alive") == "alive\n"
        await b.stop()
    finally:
        await kill_server(one)
        await kill_server(two)


async def test_the_persons_own_tmux_server_is_untouched(tmp_path: Path) -> None:
    conf = tmp_path / "mine.conf"
    conf.write_text("set -g status-left 'MINE'\nset -g history-limit 1234\n")
    _tmux("-f", str(conf), "new-session", "-d", "-s", "mine", "sleep 600")
    listing = "#{session_name} #{session_windows}"
    before = (_tmux("ls", "-F", listing), _tmux("show", "-g"), _tmux("show", "-gw"))
    # The app itself runs inside the person's tmux: TMUX points at their server.
    socket = _tmux("display", "-p", "#{socket_path},#{pid},0").strip()
    os.environ["TMUX"] = socket
    backend = TmuxBackend("ws", scrollback=99)
    try:
        session = AISession(bash_config(tmp_path), backend=backend)
        await session.start()
        out = await session.execute_command("tmux display -p '#{socket_path}'")
        assert "aisession-ws" in out  # the program's own tmux is the workspace server
        await session.stop()
    finally:
        os.environ.pop("TMUX", None)
        await kill_server(backend)
    after = (_tmux("ls", "-F", listing), _tmux("show", "-g"), _tmux("show", "-gw"))
    assert after == before and "MINE" in before[1] and "1234" in before[1]


async def test_alternate_screen_cursor_and_modes_survive_an_attach(tmp_path: Path) -> None:
    program = (
        "printf 'main screen line\\r\\n'; printf '\\033[?1049h\\033[2J\\033[H'; "
        "printf 'full screen app\\033[5;9H'; printf '\\033[?1h\\033[?1000h\\033[?1006h'; "
        "printf '\\033[?2004h'; sleep 60"
    )
    first = TmuxBackend("ws")
    session = AISession(
        SessionConfig(shell_command=program, working_directory=tmp_path), backend=first
    )
    rec = Recorder(session)
    await session.start()
    await rec.wait_output(b"2004h")
    await session.detach()
    await first.detach()
    second = TmuxBackend("ws")
    try:
        [(again, rec2)] = await _attach(second)
        await rec2.wait_for(lambda: b"full screen app" in rec2.output)
        screen = Emulator(80, 24)
        screen.feed(rec2.output)
        assert screen.alternate_screen
        assert screen.text_lines()[0].startswith("full screen app")
        assert screen.cursor == (8, 4)
        assert screen.application_cursor_keys and screen.bracketed_paste and screen.mouse_sgr
        assert screen.mouse_mode == 1000
        screen.feed(b"\x1b[?1049l")  # leaving the program's screen shows the main one
        assert "main screen line" in "\n".join(screen.text_lines())
        await again.stop(grace=0.3)
    finally:
        await kill_server(second)


#: What tmux may send between our asking it to stop a pane and its doing so: our stdout pipe,
#: its write buffer, one read of ours.
IN_FLIGHT = 256 * 1024
FLOOD = "trap 'printf \"\\033[2J\\033[HDONE\"; sleep 60' INT; yes"


async def test_a_reader_that_stops_holds_bounded_output_and_the_screen_catches_up(
    tmp_path: Path,
) -> None:
    backend = TmuxBackend("ws")
    session = AISession(
        SessionConfig(shell_command=FLOOD, working_directory=tmp_path), backend=backend
    )
    rec = Recorder(session)
    try:
        await session.start()
        await rec.wait_for(lambda: len(rec.output) > 100_000)
        session.pause_reading()
        child = session._child
        assert isinstance(child, TmuxChild)
        await asyncio.sleep(1.5)
        # Nobody takes the pane's output: tmux is told to stop sending it, and what waits here
        # stays bounded however long `yes` goes on.
        held = child.held_bytes
        assert held <= HOLD_DEFAULT + IN_FLIGHT
        written = _written_by(child.pid)
        await asyncio.sleep(0.5)
        assert child.held_bytes == held
        if backend.server.holds_programs:  # and the program is held up, as on a PTY
            assert _written_by(child.pid) == written
        session.resume_reading()
        session.write(b"\x03")
        await rec.wait_output(b"DONE", within=60)
        screen = Emulator(80, 24)
        screen.feed(rec.output[-100_000:])
        assert screen.text_lines()[0].startswith("DONE")
        await session.stop(grace=0.3)
    finally:
        await kill_server(backend)


@pytest.mark.timeout(360)
async def test_a_yes_flood_keeps_the_apps_backlog_within_the_pty_budget_and_ctrl_c_prompts(
    tmp_path: Path,
) -> None:
    """The app's whole backlog of a flooding pane (queued for parsing, in the pipe, held for
    the pipe) stays within what the PTY backend allows: the emulator's high-water mark, the
    read-ahead, as much again held here, and what was on its way when tmux was asked to stop."""
    backend = TmuxBackend("ws")
    config = SessionConfig(shell_command=FLOOD, working_directory=tmp_path, pty_size=(24, 80))
    session = AISession(config, backend=backend)
    live = LiveSession(session, scrollback=1000)
    over: list[int] = []
    held: list[int] = []

    def watch(event: SessionEvent) -> None:
        child = session._child
        if isinstance(event, OutputReceived) and isinstance(child, TmuxChild):
            read_ahead = int(live.high_water * READ_AHEAD_FRACTION)
            queued = live._pending_bytes + _unread(child.read_fd) + child.held_bytes
            budget = live.high_water + READ_BATCH + 2 * max(read_ahead, HOLD_DEFAULT)
            over.append(queued - budget - IN_FLIGHT)
            held.append(child.held_bytes)

    unsubscribe = session.subscribe(watch)
    try:
        await session.start()
        await _until(live, lambda: len(over) > 500)  # some seconds of flood
        assert max(over) <= 0, f"backlog {max(over)} bytes over the budget"
        assert max(held) > 0  # the pane was behind, so the bound was put to the test
        live.write(b"\x03")
        await _until(live, lambda: live.emulator.text_lines()[0].startswith("DONE"))
        await session.stop(grace=0.3)
    finally:
        unsubscribe()
        live.close()
        await kill_server(backend)


async def _until(live: LiveSession, condition: Callable[[], bool], within: float = 150) -> None:
    """Wait, woken by each parsing step of `live`, until `condition()` holds."""
    changed = asyncio.Event()
    live.on_screen_change = changed.set
    async with asyncio.timeout(within):
        while not condition():
            changed.clear()
            await changed.wait()


def _unread(fd: int) -> int:
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


def _written_by(sid: int) -> int:
    """Bytes written so far by the processes of kernel session `sid`."""
    total = 0
    for pid in session_pids(sid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/io").read_text().splitlines():
                if line.startswith("wchar:"):
                    total += int(line.split()[1])
    return total


def test_panes_are_turned_off_only_where_tmux_then_stops_reading_them() -> None:
    from aisession_tui.core.tmux.server import holds_programs

    assert not holds_programs("3.3a") and not holds_programs("3.2")
    assert holds_programs("3.4") and holds_programs("3.5a") and holds_programs("next-3.6")
    assert holds_programs("master")


def test_the_server_starts_in_a_user_scope_only_where_a_systemd_user_manager_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aisession_tui.core.tmux.server import user_scope

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert user_scope() == []  # no user manager here
    (tmp_path / "systemd").mkdir()
    (tmp_path / "systemd" / "private").touch()
    runner = tmp_path / "bin" / "systemd-run"
    runner.parent.mkdir()
    runner.write_text("#!/bin/sh\n")
    runner.chmod(0o755)
    monkeypatch.setenv("PATH", f"{runner.parent}:{os.environ['PATH']}")
    assert user_scope() == [str(runner), "--user", "--scope", "--quiet", "--collect", "--"]
    monkeypatch.setenv("AISESSION_SCOPE", "off")
    assert user_scope() == []


async def test_vim_is_shown_whole_after_an_attach_and_the_shell_comes_back_on_quit(
    tmp_path: Path,
) -> None:
    vim = shutil.which("vim")
    if vim is None:
        pytest.skip("vim is not installed")
    text = tmp_path / "notes.txt"
    text.write_text("first line of the file\nsecond line\n")
    first = TmuxBackend("ws")
    program = f"echo shell-before-vim; {vim} -u NONE -N {text}; echo vim-done; sleep 60"
    session = AISession(
        SessionConfig(shell_command=program, working_directory=tmp_path), backend=first
    )
    rec = Recorder(session)
    await session.start()
    await rec.wait_output(b"second line")
    await session.detach()
    await first.detach()
    second = TmuxBackend("ws")
    try:
        [(again, rec2)] = await _attach(second)
        await rec2.wait_output(b"second line")
        screen = Emulator(80, 24)
        screen.feed(rec2.output)
        assert screen.alternate_screen
        lines = screen.text_lines()
        assert lines[0].startswith("first line of the file") and lines[1].startswith("second")
        assert lines[2].startswith("~")
        await again.send_input(b"\x1b:q!\r")
        await rec2.wait_output(b"vim-done")
        after = Emulator(80, 24)
        after.feed(rec2.output)
        assert not after.alternate_screen
        shown = "\n".join(after.text_lines())
        assert "shell-before-vim" in shown and "vim-done" in shown
        await again.stop(grace=0.3)
    finally:
        await kill_server(second)
