"""The installed app under tmux, ended the hard ways: `kill -9`, SIGTERM, SIGHUP and the tmux
window holding it closed. Checked from outside: processes, the database file, the control
socket, and the modes of the terminal the app ran in."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aisession_tui.store.paths import DB_FILENAME
from aisession_tui.store.store import Store

from ..store.disk import failing_disk, fill, small_disk
from .tmux import APP, PLAIN_BASH, SIDEBAR_EDGE, TmuxApp, require, tmux_program

QUIET = {"PS1": "$ ", "HISTFILE": "/dev/null"}
#: The app saves scrollback this long after output, plus slack for a loaded machine.
SAVED_WITHIN = 15.0
#: A child that ignores the hang-up its PTY gives it when the app dies: only a stop ends it.
STUBBORN = "bash -c 'trap \"\" HUP; exec sleep 600'"


@pytest.fixture
def apps(tmp_path: Path) -> Iterator[list[TmuxApp]]:
    """Apps started in this test (one per run of the app), all cleaned up at the end."""
    tmux_program()
    require(APP, f"the installed console script {APP}")
    apps: list[TmuxApp] = []
    try:
        yield apps
    finally:
        for app in apps:
            app.close()


def start(apps: list[TmuxApp], tmp_path: Path, *args: str) -> TmuxApp:
    app = TmuxApp(tmux_program(), tmp_path, width=120, height=40)
    apps.append(app)
    app.status_file.unlink(missing_ok=True)
    app.start(list(args), AISESSION_CONTROL_SOCKET=str(control_socket(tmp_path)), **QUIET)
    return app


def control_socket(tmp_path: Path) -> Path:
    return tmp_path / "control.sock"


def the_app_pid(app: TmuxApp) -> int:
    app.wait_until(lambda: len(app.app_pids()) == 1, "the app's process")
    return app.app_pids()[0]


def gone(pid: int) -> bool:
    """Not running (a zombie nobody reaped counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return True
    return state == "Z"


def saved_lines(app: TmuxApp, name: str) -> list[str]:
    """The scrollback the database holds for session `name` (empty if none yet)."""
    db = app.data_dir / DB_FILENAME
    if not db.exists():
        return []
    store = Store.open(path=db, recover=False)
    try:
        found = [s for s in store.list_sessions() if s.name == name]
        screen = store.load_screen(found[-1].id) if found else None
        return screen.lines if screen else []
    finally:
        store.close()


def modes(app: TmuxApp) -> str:
    """`alternate_on mouse_any_flag` of the pane the app ran in."""
    return app.run("display-message", "-p", "-t", "main", "#{alternate_on} #{mouse_any_flag}")


def shell_ran(app: TmuxApp, command: str, last: str) -> None:
    app.wait_for(
        lambda lines: any(line.split(SIDEBAR_EDGE)[0].strip() == "$" for line in lines), "a prompt"
    )
    app.type(command)
    app.keys("Enter")
    app.wait_for(lambda lines: any(last in line for line in lines), f"`{last}` on screen")


def test_kill_9_loses_at_most_seconds_and_restore_shows_the_saved_scrollback(
    apps: list[TmuxApp], tmp_path: Path
) -> None:
    app = start(apps, tmp_path, "-s", f"work={PLAIN_BASH}")
    pid = the_app_pid(app)
    shell_ran(app, "seq -f 'row-%g' 1 2500; echo end-of-$((6*7))", "end-of-42")
    # No quit, no exit: the scrollback reaches the database while the app runs.
    app.wait_until(
        lambda: "end-of-42" in saved_lines(app, "work"),
        "the scrollback saved while the app runs",
        within=SAVED_WITHIN,
    )
    os.kill(pid, signal.SIGKILL)
    app.wait_until(lambda: gone(pid), "the killed app gone")
    app.wait_until(lambda: not app.marked_pids(), "its shell gone with it (the PTY hung up)")

    listed = subprocess.run(
        [str(APP), "list", "--data-dir", str(app.data_dir)], capture_output=True, text=True
    )
    row = next(line for line in listed.stdout.splitlines() if " work " in line)
    assert "ended uncleanly" in row, listed.stdout

    lines = saved_lines(app, "work")
    assert [line for line in lines if line.startswith("row-")] == [
        f"row-{n}" for n in range(1, 2501)
    ]

    again = start(apps, tmp_path, "--restore")
    again.wait_for(
        lambda lines: any("the app ended uncleanly" in line for line in lines),
        "the restored pane saying the app ended uncleanly",
    )
    shown = "\n".join(again.screen())
    assert "end-of-42" in shown and "row-2500" in shown


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_a_quit_signal_saves_stops_children_removes_the_socket_and_restores_the_terminal(
    apps: list[TmuxApp], tmp_path: Path, signal_number: int
) -> None:
    app = start(apps, tmp_path, "-s", f"one={PLAIN_BASH}", "-s", f"two={STUBBORN}")
    pid = the_app_pid(app)
    app.wait_until(lambda: len(app.marked_pids()) >= 3, "the app, a shell and a stubborn child")
    shell_ran(app, "echo signal-$((40+2))", "signal-42")
    socket = control_socket(tmp_path)
    app.wait_until(socket.exists, "the control socket")
    assert modes(app).split() == ["1", "1"], "the app uses the alternate screen and the mouse"

    os.kill(pid, signal_number)

    app.wait_until(lambda: gone(pid), "the app ended by the signal")
    app.wait_until(lambda: not app.marked_pids(), "no child left behind", within=20)
    assert not socket.exists(), "the control socket was removed"
    assert modes(app).split() == ["0", "0"], "out of the alternate screen, mouse reporting off"
    assert "signal-42" in saved_lines(app, "one")
    assert app.wait_for_exit() == 0


def test_closing_the_tmux_window_quits_cleanly(apps: list[TmuxApp], tmp_path: Path) -> None:
    """A real hang-up: the terminal holding the app goes away (tmux sends SIGHUP)."""
    app = start(apps, tmp_path, "-s", f"one={PLAIN_BASH}", "-s", f"two={STUBBORN}")
    app.run("new-window", "-d", "sleep 600")  # keeps the tmux server up after the kill
    pid = the_app_pid(app)
    app.wait_until(lambda: len(app.marked_pids()) >= 3, "the app, a shell and a stubborn child")
    shell_ran(app, "echo window-$((40+2))", "window-42")
    socket = control_socket(tmp_path)
    app.wait_until(socket.exists, "the control socket")

    app.run("kill-window", "-t", "main:0")

    app.wait_until(lambda: gone(pid), "the app ended by the hang-up")
    app.wait_until(lambda: not app.marked_pids(), "no child left behind", within=20)
    assert not socket.exists(), "the control socket was removed"
    assert "window-42" in saved_lines(app, "one")
    db = Store.open(path=app.data_dir / DB_FILENAME, recover=False)
    try:
        sessions = db.list_sessions()
        assert len(sessions) == 2
        assert not any(s.ended_uncleanly for s in sessions), "a hang-up is a clean shutdown"
    finally:
        db.close()


def test_a_full_disk_is_shown_once_the_app_keeps_running_and_saving_resumes(
    apps: list[TmuxApp], tmp_path: Path
) -> None:
    app = TmuxApp(tmux_program(), tmp_path, width=120, height=40)
    with small_disk(app.data_dir, size="4m"):
        filler = app.data_dir / "filler"
        survives_a_disk_fault(
            apps, app, lambda: fill(app.data_dir), filler.unlink, "not saving: database or disk"
        )


def test_a_disk_gone_read_only_is_shown_the_app_lets_it_be_repaired_and_saving_resumes(
    apps: list[TmuxApp], tmp_path: Path
) -> None:
    """ext4 goes read-only after a disk error; only unmounting, a check and mounting again
    bring it back, and the unmount works only once the app holds no file there."""
    app = TmuxApp(tmux_program(), tmp_path, width=120, height=40)
    with failing_disk(app.data_dir) as disk:
        survives_a_disk_fault(apps, app, disk.fail, disk.repair, "not saving: disk I/O error")


def survives_a_disk_fault(
    apps: list[TmuxApp],
    app: TmuxApp,
    fault: Callable[[], object],
    mend: Callable[[], object],
    detail: str,
) -> None:
    """The app on a data dir whose disk fails under it: told once (a notification and
    `detail` in Details), it keeps running; once the disk is mended, it says so, and what was
    printed meanwhile is saved."""
    apps.append(app)
    app.start(
        ["-s", f"work={PLAIN_BASH}"],
        AISESSION_CONTROL_SOCKET=str(control_socket(app.workdir)),
        **QUIET,
    )
    shell_ran(app, "echo before-$((40+2))", "before-42")
    app.wait_until(lambda: "before-42" in saved_lines(app, "work"), "saved", SAVED_WITHIN)
    fault()

    shell_ran(app, "seq -f 'while-failing-%g' 1 300", "while-failing-300")
    app.wait_for(
        lambda lines: any("Sessions are not being saved" in line for line in lines),
        "a notification that the session database is not saving",
    )
    app.wait_for(
        lambda lines: any(detail in line for line in lines),
        "the Details panel saying the session database is not saving",
    )
    assert app.running()

    mend()
    app.wait_for(
        lambda lines: any("takes writes again" in line for line in lines),
        "the notice that writes work again",
    )
    app.wait_for(
        lambda lines: not any("not saving:" in line for line in lines), "the problem line gone"
    )
    app.wait_until(
        lambda: "while-failing-300" in saved_lines(app, "work"),
        "what was printed while the disk failed, saved once it was mended",
        SAVED_WITHIN,
    )
    pid = the_app_pid(app)
    os.kill(pid, signal.SIGTERM)
    app.wait_until(lambda: gone(pid), "the app ended")


def test_secrets_on_the_command_line_and_in_output_never_reach_the_database_file(
    apps: list[TmuxApp], tmp_path: Path
) -> None:
    key = "sk-ant-api03-" + "Q7x" * 12
    app = start(apps, tmp_path, "-s", f"agent=env API_KEY={key} {PLAIN_BASH}")
    pid = the_app_pid(app)
    shell_ran(app, "echo key-is-$API_KEY; echo shown-$((40+2))", "shown-42")
    assert any(key in line for line in app.screen()), "the pane itself shows the key"
    os.kill(pid, signal.SIGTERM)
    app.wait_until(lambda: gone(pid), "the app ended")

    files = [p for p in app.data_dir.iterdir() if p.name.startswith(DB_FILENAME)]
    assert files and not any(key.encode() in p.read_bytes() for p in files)
    assert "key-is-[REDACTED]" in saved_lines(app, "agent")
    listed = subprocess.run(
        [str(APP), "list", "--json", "--data-dir", str(app.data_dir)],
        capture_output=True,
        text=True,
    )
    assert f"API_KEY=[REDACTED] {PLAIN_BASH}" in listed.stdout
    assert key not in listed.stdout
