"""kill -9 of a process writing heavily leaves a readable database with every flushed write."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import aisession_tui
from aisession_tui.store.paths import DB_FILENAME
from aisession_tui.store.store import Store

WRITER_SCRIPT = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pathlib import Path

    from aisession_tui.core.config import SessionConfig
    from aisession_tui.core.types import CommandRecord, SessionId, SessionStatus
    from aisession_tui.store.store import Store

    store = Store.open(Path(sys.argv[1]))
    store.begin_run()
    sid = SessionId.new()
    store.record_session(
        sid, SessionConfig(name="hammer", shell_command="yes"), datetime.now(UTC),
        status=SessionStatus.RUNNING,
    )
    output = "y\\n" * 2000
    n = 0
    while True:  # write until killed
        store.record_command(sid, CommandRecord(f"cmd {n}", datetime.now(UTC), 0, output=output))
        store.record_tokens(sid, n)
        if n % 25 == 0:
            store.save_screen(sid, [f"screen {n} line {i}" for i in range(2000)])
        n += 1
        if n % 200 == 0:
            assert store.flush(60)
            print(f"flushed {n}", flush=True)
    """
)


def test_kill_9_during_heavy_writes_leaves_everything_flushed_readable(
    data_dir: Path, tmp_path: Path
) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER_SCRIPT)
    package_root = Path(aisession_tui.__file__).resolve().parent.parent
    env = {
        **os.environ,
        "PYTHONPATH": f"{package_root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    }
    child = subprocess.Popen(
        [sys.executable, str(script), str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    flushed = 0
    try:
        assert child.stdout is not None
        deadline = time.monotonic() + 90
        while flushed < 1000 and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            flushed = int(line.split()[1])
        assert flushed >= 1000, child.stderr.read() if child.stderr else ""
        # It keeps writing after its last report; kill it in the middle of that.
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(30)
    assert child.returncode == -signal.SIGKILL

    db = data_dir / DB_FILENAME
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    count = conn.execute("SELECT COUNT(*) FROM commands").fetchone()[0]
    conn.close()
    assert count >= flushed

    store = Store.open(data_dir)
    try:
        assert store.notices == []  # not mistaken for a corrupt file
        [session] = store.list_sessions()
        history = store.history(session.id)
        # Whatever was committed is a prefix of what was written, in order, nothing torn.
        assert [c.record.command for c in history] == [f"cmd {n}" for n in range(len(history))]
        assert all(c.record.output == "y\n" * 2000 for c in history[-5:])
        screen = store.load_screen(session.id)
        assert screen is not None and len(screen.lines) == 2000
        assert session.total_tokens >= flushed - 1
        # The crashed run is what a restore would offer.
        assert [s.id for s in store.last_run_sessions()] == [session.id]
    finally:
        store.close()


def test_an_app_that_exits_without_closing_the_store_still_commits_its_queue(
    data_dir: Path, tmp_path: Path
) -> None:
    script = tmp_path / "forgetful.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            from datetime import UTC, datetime
            from pathlib import Path
            from aisession_tui.core.config import SessionConfig
            from aisession_tui.core.types import CommandRecord, SessionId
            from aisession_tui.store.store import Store

            store = Store.open(Path(sys.argv[1]))
            sid = SessionId.new()
            store.record_session(sid, SessionConfig(name="forgetful"), datetime.now(UTC))
            for n in range(3000):
                store.record_command(sid, CommandRecord(f"c{n}", datetime.now(UTC)))
            # no flush, no close: the interpreter just exits
            """
        )
    )
    package_root = Path(aisession_tui.__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(package_root)}
    result = subprocess.run(
        [sys.executable, str(script), str(data_dir)], env=env, capture_output=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    with Store.open(data_dir) as store:
        [session] = store.list_sessions()
        assert len(store.history(session.id)) == 3000
