"""Reading the session database: sessions (with whether their app still runs), their command
history, token samples and status timeline; and deleting sessions for `prune`. Each function
takes the read connection, which the caller holds to itself."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from aisession_tui.core.types import CommandRecord, SessionId

from .records import (
    LIVE_STATUSES,
    StatusChange,
    StoredCommand,
    StoredSession,
    TokenSample,
    from_iso,
    parse_status,
)
from .runs import active_run_ids

SESSION_COLUMNS = """
    s.id, s.name, s.role, s.config_json, s.redacted_env, s.created_at, s.updated_at, s.status,
    s.exit_code, s.metadata_json, s.total_tokens, s.run_id, s.closed_at, s.ended_uncleanly,
    (SELECT r.ended_at IS NULL FROM runs r WHERE r.id = s.run_id) AS run_open, s.agent,
    s.conversation_id,
    (SELECT COUNT(*) FROM commands c WHERE c.session_id = s.id) AS command_count
"""


def sessions(
    conn: sqlite3.Connection, where: str = "", params: Iterable[Any] = ()
) -> list[StoredSession]:
    """The sessions `where` selects (alias `s`), oldest first."""
    active = active_run_ids(conn)
    rows = conn.execute(
        f"SELECT {SESSION_COLUMNS} FROM sessions s {where} ORDER BY s.created_at, s.id",
        tuple(params),
    )
    return [session_from_row(r, active) for r in rows]


def run_ids(conn: sqlite3.Connection) -> list[int]:
    """The runs that recorded sessions, newest first."""
    rows = conn.execute(
        "SELECT DISTINCT run_id FROM sessions WHERE run_id IS NOT NULL ORDER BY run_id DESC"
    )
    return [int(r[0]) for r in rows]


def history(conn: sqlite3.Connection, sid: str, limit: int | None) -> list[StoredCommand]:
    """A session's commands, oldest first (the newest `limit` if given)."""
    sql = "SELECT * FROM commands WHERE session_id = ? ORDER BY id"
    params: tuple[Any, ...] = (sid,)
    if limit is not None:
        sql = f"SELECT * FROM ({sql} DESC LIMIT ?) ORDER BY id"
        params = (sid, limit)
    return [
        StoredCommand(
            seq=int(r["id"]),
            session_id=SessionId.parse(r["session_id"]),
            record=CommandRecord(
                command=r["command"],
                timestamp=from_iso(r["timestamp"]),
                exit_code=r["exit_code"],
                output_preview=r["output_preview"],
                duration_ms=r["duration_ms"],
                cwd=r["cwd"],
                output=r["output"],
            ),
        )
        for r in conn.execute(sql, params)
    ]


def token_samples(conn: sqlite3.Connection, sid: str) -> list[TokenSample]:
    rows = conn.execute(
        "SELECT ts, tokens FROM token_samples WHERE session_id = ? ORDER BY ts, rowid",
        (sid,),
    )
    return [TokenSample(from_iso(r["ts"]), int(r["tokens"])) for r in rows]


def status_changes(conn: sqlite3.Connection, sid: str) -> list[StatusChange]:
    rows = conn.execute(
        "SELECT ts, old, new FROM status_changes WHERE session_id = ? ORDER BY ts, rowid",
        (sid,),
    )
    return [
        StatusChange(
            from_iso(r["ts"]),
            None if r["old"] is None else parse_status(r["old"]),
            parse_status(r["new"]),
        )
        for r in rows
    ]


def delete_sessions(conn: sqlite3.Connection, ids: Iterable[str]) -> None:
    """Delete these sessions (their history, samples and screens go with them) and the ended
    runs left without sessions, in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany("DELETE FROM sessions WHERE id = ?", [(i,) for i in ids])
        conn.execute(
            "DELETE FROM runs WHERE ended_at IS NOT NULL AND id NOT IN "
            "(SELECT run_id FROM sessions WHERE run_id IS NOT NULL)"
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def session_from_row(r: sqlite3.Row, active_runs: set[int]) -> StoredSession:
    status = parse_status(r["status"])
    run_id = None if r["run_id"] is None else int(r["run_id"])
    live = run_id in active_runs and status in LIVE_STATUSES
    return StoredSession(
        id=SessionId.parse(r["id"]),
        name=r["name"],
        role=r["role"],
        config=json.loads(r["config_json"]),
        redacted_env=tuple(json.loads(r["redacted_env"] or "[]")),
        created_at=from_iso(r["created_at"]),
        updated_at=from_iso(r["updated_at"] or r["created_at"]),
        status=status,
        exit_code=r["exit_code"],
        metadata=json.loads(r["metadata_json"] or "{}"),
        total_tokens=int(r["total_tokens"] or 0),
        run_id=run_id,
        command_count=int(r["command_count"]),
        live=live,
        closed_at=None if r["closed_at"] is None else from_iso(r["closed_at"]),
        # Marked by the next app start; until then, a live status in a run whose app is gone.
        ended_uncleanly=bool(r["ended_uncleanly"])
        or (not live and status in LIVE_STATUSES and bool(r["run_open"])),
        agent=r["agent"],
        conversation_id=r["conversation_id"],
    )
