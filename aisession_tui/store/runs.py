"""The runs table: one row per start of the app, so a restore knows the last run's sessions
and the next start can tell a run that ended cleanly from one whose app died (kill -9, a crash,
a power cut) and mark it."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from aisession_tui.core.types import SessionStatus, utc_now

from .records import LIVE_STATUSES, to_iso


def process_started(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, from /proc), or None where unknown:
    with the pid it tells a live app from an unrelated process that reused a crashed one's pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def pid_alive(pid: int | None, started: str | None = None) -> bool:
    """Whether the app of a run (its pid, and when that process started) is still running."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if started is not None:
        now = process_started(pid)
        return now is None or now == started
    return True


def start_run(conn: sqlite3.Connection) -> int:
    """End the runs whose app died, then record this process's run; its id."""
    end_dead_runs(conn)
    pid = os.getpid()
    cur = conn.execute(
        "INSERT INTO runs (started_at, pid, pid_started) VALUES (?, ?, ?)",
        (to_iso(utc_now()), pid, process_started(pid)),
    )
    return int(cur.lastrowid or 0)


def active_run_ids(conn: sqlite3.Connection) -> set[int]:
    """Runs whose app process is still alive (their sessions may be live right now)."""
    rows = conn.execute("SELECT id, pid, pid_started FROM runs WHERE ended_at IS NULL")
    return {int(r[0]) for r in rows if pid_alive(r[1], r[2])}


def end_dead_runs(conn: sqlite3.Connection) -> list[int]:
    """Mark runs whose app is gone but which never ended as ended uncleanly, at their last
    sign of life; their live sessions become terminated (and `ended_uncleanly`)."""
    rows = conn.execute("SELECT id, pid, pid_started FROM runs WHERE ended_at IS NULL").fetchall()
    dead = [int(r[0]) for r in rows if not pid_alive(r[1], r[2])]
    live = tuple(str(s) for s in LIVE_STATUSES)
    marks = ",".join("?" * len(live))
    for run_id in dead:
        conn.execute("BEGIN IMMEDIATE")
        try:
            last_seen = conn.execute(
                """SELECT MAX(ts) FROM (
                       SELECT started_at AS ts FROM runs WHERE id = ?1
                       UNION ALL SELECT updated_at FROM sessions WHERE run_id = ?1
                       UNION ALL SELECT c.updated_at FROM screens c
                           JOIN sessions s ON s.id = c.session_id WHERE s.run_id = ?1)""",
                (run_id,),
            ).fetchone()[0]
            ended = str(SessionStatus.TERMINATED)
            conn.execute(
                f"""INSERT INTO status_changes (session_id, ts, old, new)
                    SELECT id, ?, status, ? FROM sessions
                    WHERE run_id = ? AND status IN ({marks})""",
                (last_seen, ended, run_id, *live),
            )
            conn.execute(
                f"""UPDATE sessions SET status = ?, ended_uncleanly = 1
                    WHERE run_id = ? AND status IN ({marks})""",
                (ended, run_id, *live),
            )
            conn.execute(
                "UPDATE runs SET ended_at = ?, unclean = 1 WHERE id = ?", (last_seen, run_id)
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return dead
