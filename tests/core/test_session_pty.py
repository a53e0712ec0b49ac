"""AISession on a real PTY: input, output, commands, resize, exit, errors."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from pathlib import Path

import pytest

from aisession_tui.core import (
    CommandRecorded,
    CommandTimeout,
    OutputReceived,
    ProcessError,
    SessionConfig,
    SessionError,
    SessionStatus,
)

from .conftest import Recorder, bash_config, new_session, on_tmux, started

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("backend")]


async def test_echo_round_trips_through_the_pty(tmp_path: Path) -> None:
    session, rec = await started(bash_config(tmp_path))
    try:
        assert not session.is_headless and session.pid is not None
        assert session.status is SessionStatus.RUNNING
        await session.send_input("echo $((6 * 7))-answer\n")
        await rec.wait_output(b"42-answer")  # computed, so the echoed input cannot match
        assert b"42-answer" in await session.read_output()
        assert await session.read_output() == b""  # only what arrived since the last read
    finally:
        await session.stop()


async def test_the_child_sees_a_terminal_and_the_session_environment(tmp_path: Path) -> None:
    config = bash_config(tmp_path, environment={"PS1": "$ ", "MY_VAR": "from-config"})
    session, _ = await started(config)
    try:
        out = await session.execute_command(
            'test -t 0 && echo tty; echo "$TERM $COLORTERM $MY_VAR $AISESSION_ID"; pwd'
        )
        assert out.splitlines() == [
            "tty",
            f"xterm-256color truecolor from-config {session.id}",
            str(tmp_path),
        ]
    finally:
        await session.stop()


async def test_the_program_is_the_one_the_session_path_finds_not_the_apps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for place in ("app", "session"):
        program = tmp_path / place / "which-one"
        program.parent.mkdir()
        program.write_text(f"#!/bin/sh\necho from-{place}\n")
        program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path / 'app'}:{os.environ['PATH']}")
    path = f"{tmp_path / 'session'}:{os.environ['PATH']}"
    config = SessionConfig(
        shell_command="which-one", working_directory=tmp_path, environment={"PATH": path}
    )
    session, rec = await started(config)
    await rec.wait_output(b"from-")
    assert b"from-session" in rec.output
    await session.stop()


async def test_execute_command_returns_output_and_records_exit_code_and_duration(
    tmp_path: Path,
) -> None:
    session, rec = await started(bash_config(tmp_path))
    try:
        out = await session.execute_command("echo hello; echo oops >&2; (exit 3)")
        assert out == "hello\noops\n"  # a PTY merges stderr and the marker plumbing is gone
        assert "printf" not in out and "\x1b" not in out
        [record] = await session.get_command_history()
        assert record.command == "echo hello; echo oops >&2; (exit 3)"
        assert record.exit_code == 3
        assert record.duration_ms is not None and record.duration_ms >= 0
        assert record.output_preview == "hello\noops\n"
        assert [e.record for e in rec.events if isinstance(e, CommandRecorded)] == [record]
        assert await session.execute_command("true") == ""
        assert session.command_history[-1].exit_code == 0
    finally:
        await session.stop()


async def test_execute_command_survives_quotes_comments_and_several_lines(tmp_path: Path) -> None:
    session, _ = await started(bash_config(tmp_path))
    try:
        out = await session.execute_command("echo 'it'\"'\"'s' \"$HOME\" # comment\necho line2")
        assert out == f"it's {os.environ['HOME']}\nline2\n"
        assert session.command_history[-1].exit_code == 0
    finally:
        await session.stop()


async def test_execute_command_timeout_raises_and_leaves_the_session_usable(
    tmp_path: Path,
) -> None:
    session, _ = await started(bash_config(tmp_path))
    try:
        with pytest.raises(CommandTimeout, match="did not finish within"):
            await session.execute_command("sleep 30", timeout=0.5)
        assert session.command_history[-1].exit_code is None
        assert session.status is SessionStatus.RUNNING
        assert await session.execute_command("echo still-here") == "still-here\n"
    finally:
        await session.stop()


async def test_garbage_bytes_from_the_child_break_nothing(tmp_path: Path) -> None:
    session, _ = await started(bash_config(tmp_path))
    try:
        out = await session.execute_command(r"printf '\377\376\000abc\033[999;Zq\300'; echo")
        assert "abc" in out and "\ufffd" in out
        assert await session.execute_command("echo fine") == "fine\n"
    finally:
        await session.stop()


async def test_resize_reaches_the_child(tmp_path: Path) -> None:
    session, _ = await started(bash_config(tmp_path, pty_size=(30, 100)))
    try:
        assert await session.execute_command("stty size") == "30 100\n"
        session.resize(40, 120)
        assert session.size == (40, 120)
        assert await session.execute_command("stty size") == "40 120\n"
        with pytest.raises(ValueError):
            session.resize(0, 10)
    finally:
        await session.stop()


async def test_child_exiting_by_itself_terminates_with_its_exit_code(tmp_path: Path) -> None:
    session, rec = await started(
        SessionConfig(shell_command="echo bye; exit 7", working_directory=tmp_path)
    )
    await rec.wait_terminated()
    assert session.exit_code == 7
    assert [e.exit_code for e in rec.exits] == [7]
    assert b"bye" in rec.output
    assert rec.statuses[-1] is SessionStatus.TERMINATED
    # Output arrives before the exit is announced.
    last_output = max(i for i, e in enumerate(rec.events) if isinstance(e, OutputReceived))
    assert last_output < rec.events.index(rec.exits[0])
    assert await session.stop() == 7  # idempotent


async def test_child_killed_by_a_signal_reports_a_negative_exit_code(tmp_path: Path) -> None:
    session, rec = await started(
        SessionConfig(shell_command="kill -TERM $$", working_directory=tmp_path)
    )
    await rec.wait_terminated()
    assert session.exit_code == -15


async def test_exit_is_noticed_even_if_a_grandchild_keeps_the_pty_open(tmp_path: Path) -> None:
    session, rec = await started(
        SessionConfig(shell_command="sleep 1000 & echo bg=$!; exit 4", working_directory=tmp_path)
    )
    await rec.wait_terminated()
    assert session.exit_code == 4
    assert [e.exit_code for e in rec.exits] == [4]
    assert b"bg=" in rec.output, rec.events
    pid = int(rec.output.split(b"bg=")[1].split()[0])
    assert not _running(pid), "the leftover background process must not survive"


def _runs(leader: int | None, name: bytes) -> bool:
    """True when a process of `leader`'s kernel session is called `name`."""
    from aisession_tui.core.process import session_pids

    for pid in session_pids(leader or -1):
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/comm").read_bytes().strip() == name:
                return True
    return False


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state != b"Z"


async def test_stop_kills_background_jobs_of_an_interactive_shell(tmp_path: Path) -> None:
    session, rec = await started(bash_config(tmp_path))
    out = await session.execute_command("sleep 1000 & echo $!")
    pid = int(out.split()[-1])
    assert _running(pid)
    code = await session.stop(grace=0.5)
    assert session.status is SessionStatus.TERMINATED
    assert code == session.exit_code and code is not None and code < 0  # hung up by a signal
    assert not _running(pid)
    assert rec.statuses[-2:] == [SessionStatus.TERMINATING, SessionStatus.TERMINATED]


async def test_stop_falls_back_to_sigkill_when_hangup_is_ignored(tmp_path: Path) -> None:
    session, rec = await started(
        SessionConfig(
            shell_command="trap '' HUP; echo ready; while :; do sleep 0.1; done",
            working_directory=tmp_path,
        )
    )
    await rec.wait_output(b"ready")
    assert await session.stop(grace=0.3) == -9


async def test_input_to_a_stopped_or_unstarted_session_is_a_clear_error(tmp_path: Path) -> None:
    session = new_session(bash_config(tmp_path, name="worker"))
    with pytest.raises(SessionError, match="it is initializing"):
        await session.send_input("echo hi\n")
    await session.start()
    await session.stop()
    with pytest.raises(
        SessionError, match=r"cannot write to session .* \(worker\): it is terminated"
    ):
        await session.send_input("echo hi\n")
    with pytest.raises(SessionError):
        await session.execute_command("echo hi")


async def test_missing_program_fails_to_start_with_a_clear_error(tmp_path: Path) -> None:
    session = new_session(SessionConfig(shell="/no/such/shell", working_directory=tmp_path))
    with pytest.raises(ProcessError, match="program not found"):
        await session.start()
    assert session.status is SessionStatus.ERROR


async def test_bad_working_directory_fails_to_start_with_a_clear_error(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    config = bash_config(gone)
    shutil.rmtree(gone)  # valid when configured, gone when started
    session = new_session(config)
    with pytest.raises(ProcessError, match="working directory does not exist"):
        await session.start()
    assert session.status is SessionStatus.ERROR


async def test_a_failing_subscriber_does_not_break_the_session(tmp_path: Path) -> None:
    session = new_session(bash_config(tmp_path))

    def explode(event: object) -> None:
        raise RuntimeError("listener bug")

    session.subscribe(explode)
    rec = Recorder(session)
    await session.start()
    try:
        assert await session.execute_command("echo ok") == "ok\n"
        assert b"ok" in rec.output
    finally:
        await session.stop()


async def test_unsubscribed_listener_hears_nothing_more(tmp_path: Path) -> None:
    session, rec = await started(bash_config(tmp_path))
    try:
        rec.unsubscribe()
        seen = len(rec.events)
        await session.execute_command("echo quiet")
        assert len(rec.events) == seen
    finally:
        await session.stop()


async def test_a_stopped_session_can_be_started_again(tmp_path: Path) -> None:
    session, _ = await started(bash_config(tmp_path))
    await session.stop()
    await session.start()
    try:
        assert session.status is SessionStatus.RUNNING and session.exit_code is None
        assert await session.execute_command("echo again") == "again\n"
        assert await session.get_command_count() == 1
    finally:
        await session.stop()


async def test_concurrent_execute_commands_are_serialised(tmp_path: Path) -> None:
    session, _ = await started(bash_config(tmp_path))
    try:
        outs = await asyncio.gather(
            *(session.execute_command(f"echo n{i}; (exit {i})") for i in range(5))
        )
        assert outs == [f"n{i}\n" for i in range(5)]
        assert [r.exit_code for r in session.command_history] == list(range(5))
    finally:
        await session.stop()


async def test_execute_command_discards_half_typed_input(tmp_path: Path) -> None:
    session, _ = await started(bash_config(tmp_path))
    try:
        await session.send_input("echo half-typed")  # no Enter
        # Without the line kill the shell would run "echo half-typed printf ..." and the start
        # marker would never appear.
        assert await session.execute_command("echo clean", timeout=5) == "clean\n"
    finally:
        await session.stop()


async def test_unencodable_input_is_refused_and_the_session_carries_on(tmp_path: Path) -> None:
    session, _ = await started(bash_config(tmp_path))
    try:
        with pytest.raises(SessionError, match="UTF-8"):
            session.write("bad \ud800 surrogate")
        assert await session.execute_command("echo ok") == "ok\n"
    finally:
        await session.stop()


async def test_execute_command_in_a_paused_session_is_refused(tmp_path: Path) -> None:
    session, _ = await started(bash_config(tmp_path))
    try:
        await session.pause()
        with pytest.raises(SessionError, match="paused"):
            await session.execute_command("echo hi")
    finally:
        await session.stop()


async def test_huge_command_output_keeps_only_the_newest_bytes(tmp_path: Path) -> None:
    session, _ = await started(bash_config(tmp_path, output_buffer_size=4096))
    try:
        out = await session.execute_command(
            "head -c 100000 /dev/zero | tr '\\0' a; echo; echo tail"
        )
        assert out.endswith("a\ntail\n")
        assert 4000 <= len(out) <= 4096
        assert session.command_history[-1].exit_code == 0
    finally:
        await session.stop()


async def test_ctrl_c_reaches_children_even_when_the_app_ignores_sigint() -> None:
    """Started with `&` or under nohup, the app inherits an ignored SIGINT; children must not."""
    import signal

    from aisession_tui.core.types import SessionStatus

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        session = new_session(SessionConfig(shell_command="exec sleep 100"))
        await session.start()
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        if on_tmux():  # tmux answers before the pane's program runs: a Ctrl+C must find it
            async with asyncio.timeout(10):
                while not _runs(session.pid, b"sleep"):  # noqa: ASYNC110 - no event for an exec
                    await asyncio.sleep(0.01)
        session.write(b"\x03")
        for _ in range(200):
            if session.status is SessionStatus.TERMINATED:
                break
            await asyncio.sleep(0.05)
        assert session.status is SessionStatus.TERMINATED
        assert session.exit_code == -signal.SIGINT
    finally:
        await session.stop()


TRAPS_SIGINT = (
    "import signal, sys\n"
    "signal.signal(signal.SIGINT, lambda *_: sys.exit(0))\n"
    "print('ready', flush=True)\n"
    "signal.pause()\n"
)


@pytest.mark.parametrize("style", ["plain argv", "with an expansion"])
async def test_a_command_that_handles_ctrl_c_reports_its_own_exit_code(
    tmp_path: Path, style: str
) -> None:
    """dash (`/bin/sh`) running `sh -c CMD` dies of the SIGINT its child handled: -2 instead
    of the program's 0. Commands are exec'd (or run directly) so the code is the program's."""
    (tmp_path / "traps.py").write_text(TRAPS_SIGINT)
    python = shutil.which("python3") or "python3"
    command = f"{python} traps.py" if style == "plain argv" else f"{python} $TRAPS"
    config = SessionConfig(
        shell_command=command, working_directory=tmp_path, environment={"TRAPS": "traps.py"}
    )
    session, rec = await started(config)
    try:
        await rec.wait_output(b"ready")
        session.write(b"\x03")
        await rec.wait_terminated()
    finally:
        await session.stop()
    assert session.exit_code == 0
    assert [e.exit_code for e in rec.exits] == [0]


def test_command_lines_run_directly_exec_d_or_through_the_shell() -> None:
    assert SessionConfig(shell_command="claude --resume 'a b'").argv() == [
        "claude",
        "--resume",
        "a b",
    ]
    assert SessionConfig(shell_command="aider $FLAGS").argv() == [
        "/bin/sh",
        "-c",
        "exec aider $FLAGS",
    ]
    assert SessionConfig(shell_command="make && make test").argv() == [
        "/bin/sh",
        "-c",
        "make && make test",
    ]
    assert SessionConfig(shell_command="FOO=1 aider").argv() == ["/bin/sh", "-c", "FOO=1 aider"]


def test_shell_builtins_and_keywords_stay_with_the_shell() -> None:
    assert SessionConfig(shell_command="exit 0").argv() == ["/bin/sh", "-c", "exit 0"]
    assert SessionConfig(shell_command="exec bash -l").argv() == ["/bin/sh", "-c", "exec bash -l"]
