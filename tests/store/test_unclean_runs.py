"""A run whose app died without a clean shutdown (kill -9, a crash) is marked as such: its
sessions stop being "running", `list` and restore say it ended uncleanly."""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import aisession_tui
from aisession_tui.core.types import SessionStatus
from aisession_tui.store.commands import register
from aisession_tui.store.paths import DB_FILENAME
from aisession_tui.store.restore import RestoredSession
from aisession_tui.store.runs import process_started
from aisession_tui.store.store import Store

from .conftest import make_session

RUN_THEN_DIE = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import UTC, datetime
    from pathlib import Path
    from aisession_tui.core.config import SessionConfig
    from aisession_tui.core.types import SessionId, SessionStatus
    from aisession_tui.store.records import ScrollbackDelta
    from aisession_tui.store.store import Store

    store = Store.open(Path(sys.argv[1]))
    store.begin_run()
    sid = SessionId.new()
    store.record_session(
        sid, SessionConfig(name="agent", shell_command="bash"), datetime.now(UTC),
        status=SessionStatus.RUNNING,
    )
    lines = [f"output {n}" for n in range(500)]
    store.save_scrollback(sid, ScrollbackDelta(0, 500, 0, lines, ["$ "], True))
    assert store.flush(60)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def _die_mid_run(data_dir: Path, tmp_path: Path) -> None:
    script = tmp_path / "die.py"
    script.write_text(RUN_THEN_DIE)
    root = Path(aisession_tui.__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, str(script), str(data_dir)], env=env, capture_output=True, timeout=120
    )
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()


def test_a_killed_run_reads_as_ended_uncleanly_then_is_marked_so_on_the_next_start(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _die_mid_run(data_dir, tmp_path)

    # Before any app starts again, `list` already tells the truth.
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["list", "--data-dir", str(data_dir)])
    assert args.handler(args) == 0
    row = capsys.readouterr().out.splitlines()[1]
    assert "ended uncleanly" in row and "running" not in row

    store = Store.open(data_dir)
    try:
        store.begin_run()
        [session] = store.list_sessions()
        assert session.status is SessionStatus.TERMINATED
        assert session.ended_uncleanly and not session.live
        assert session.to_json()["ended_uncleanly"] is True
        assert [c.new for c in store.status_changes(session.id)][-1] is SessionStatus.TERMINATED
        [previous] = store.last_run_sessions()
        screen = store.load_screen(previous.id)
        assert screen is not None and screen.lines[-2:] == ["output 499", "$"]
        note = RestoredSession(previous, None, screen).note
        assert note.startswith("restored; the app ended uncleanly, scrollback as saved at ")
    finally:
        store.close()
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    runs = conn.execute("SELECT unclean, ended_at IS NOT NULL FROM runs ORDER BY id").fetchall()
    conn.close()
    assert runs == [(1, 1), (0, 1)], "the killed run is marked; ours ended cleanly"


def test_a_run_whose_pid_was_reused_by_another_process_counts_as_dead(data_dir: Path) -> None:
    store = Store.open(data_dir)
    store.begin_run()
    sid = make_session(store)
    store.flush()
    started = process_started(os.getpid())
    assert started is not None, "/proc is readable here"
    conn = sqlite3.connect(store.path)
    # Our pid, but a start time that is not ours: some earlier app that had this pid.
    conn.execute("UPDATE runs SET pid_started = ?", (str(int(started) - 1),))
    conn.commit()
    conn.close()
    try:
        [session] = store.list_sessions()
        assert session.id == sid
        assert not session.live and session.ended_uncleanly
    finally:
        store.close()


def test_a_cleanly_ended_run_is_not_called_unclean(data_dir: Path) -> None:
    store = Store.open(data_dir)
    store.begin_run()
    make_session(store, status=SessionStatus.TERMINATED)
    store.close()
    again = Store.open(data_dir)
    try:
        again.begin_run()
        [session] = again.list_sessions()
        assert not session.ended_uncleanly
        assert session.status_text == "terminated"
    finally:
        again.close()
