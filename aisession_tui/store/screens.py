"""A session's saved scrollback and screen (the screens and scrollback_chunks tables): whole
screens at exit, compressed chunks of new lines while the session runs, and reading them back
as one list of lines."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence

from aisession_tui.core.types import SessionId, utc_now

from .records import (
    ScrollbackDelta,
    StoredScreen,
    compress_lines,
    decompress_lines,
    from_iso,
    to_iso,
)
from .redact import redact_lines
from .sqltext import clean_rows, trim_lines
from .writer import Operation


class ScreenWrites:
    """Builds the writer's operations for saved screens. Whole screens queued for one session
    coalesce; `needs_full` names the sessions whose next scrollback save must be full (a delta
    did not follow on from what is stored)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[list[str], list[str] | None]] = {}
        self.needs_full: set[str] = set()

    def screen(
        self, sid: str, lines: Sequence[str], ansi_lines: Sequence[str] | None
    ) -> Operation | None:
        """Remember a session's scrollback + screen, oldest line first (with the emulator:
        `em.history_text() + em.text_lines()`). Calls made before the writer gets to it
        coalesce: only the newest screen is trimmed, compressed and written, off the loop; None
        when an op already queued will write this one."""
        with self._lock:
            queued = sid in self._pending
            self._pending[sid] = (
                list(lines),
                None if ansi_lines is None else list(ansi_lines),
            )
        if queued:
            return None

        taken: list[tuple[list[str], list[str] | None]] = []

        def op(c: sqlite3.Connection) -> None:
            if not taken:  # kept for a retry of the batch: the pending entry is gone by then
                with self._lock:
                    taken.append(self._pending.pop(sid))
            text, ansi = taken[0]
            text = redact_lines(trim_lines(text))
            c.execute(
                """INSERT INTO screens (session_id, updated_at, line_count, lines_z, ansi_z,
                       base_start, saved_end, first_line, screen_z)
                   VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, NULL)
                   ON CONFLICT(session_id) DO UPDATE SET updated_at = excluded.updated_at,
                       line_count = excluded.line_count, lines_z = excluded.lines_z,
                       ansi_z = excluded.ansi_z, base_start = NULL, saved_end = NULL,
                       first_line = NULL, screen_z = NULL""",
                (
                    sid,
                    to_iso(utc_now()),
                    len(text),
                    compress_lines(text),
                    None if ansi is None else compress_lines(redact_lines(ansi)),
                ),
            )
            c.execute("DELETE FROM scrollback_chunks WHERE session_id = ?", (sid,))

        return op

    def scrollback(self, sid: str, delta: ScrollbackDelta) -> Operation:
        """Save a running session's scrollback incrementally (see `ScrollbackDelta`): a full
        delta replaces what is stored, another appends its lines as one compressed chunk. The
        lines are redacted and compressed in the writer thread. A delta that does not follow
        on from what is stored (one before it was lost) is not applied; `needs_full` then
        tells the saver to send a full one."""

        def op(c: sqlite3.Connection) -> None:
            history = redact_lines(clean_rows(delta.history))
            screen = compress_lines(redact_lines(trim_lines(delta.screen)))
            now = to_iso(utc_now())
            if delta.full:
                c.execute(
                    """INSERT INTO screens (session_id, updated_at, line_count, lines_z,
                           ansi_z, base_start, saved_end, first_line, screen_z)
                       VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, ?7, ?8)
                       ON CONFLICT(session_id) DO UPDATE SET updated_at = ?2,
                           line_count = ?3, lines_z = ?4, ansi_z = NULL, base_start = ?5,
                           saved_end = ?6, first_line = ?7, screen_z = ?8""",
                    (
                        sid,
                        now,
                        len(history),
                        compress_lines(history),
                        delta.start,
                        delta.end,
                        delta.first_line,
                        screen,
                    ),
                )
                c.execute("DELETE FROM scrollback_chunks WHERE session_id = ?", (sid,))
                self.needs_full.discard(sid)
                return
            if not follows_on(c, sid, delta):
                self.needs_full.add(sid)
                return
            if delta.replace:
                c.execute(
                    "DELETE FROM scrollback_chunks WHERE session_id = ? AND first_line >= ?",
                    (sid, delta.start),
                )
            if history:
                c.execute(
                    """INSERT OR REPLACE INTO scrollback_chunks
                       (session_id, first_line, line_count, lines_z) VALUES (?, ?, ?, ?)""",
                    (sid, delta.start, len(history), compress_lines(history)),
                )
            c.execute(
                """UPDATE screens SET updated_at = ?, saved_end = ?, first_line = ?,
                       screen_z = ? WHERE session_id = ?""",
                (now, delta.end, delta.first_line, screen, sid),
            )
            # Chunks wholly older than the pane's oldest line are gone from the pane too.
            c.execute(
                """DELETE FROM scrollback_chunks
                   WHERE session_id = ? AND first_line + line_count <= ?""",
                (sid, delta.first_line),
            )

        return op


def load_screen(conn: sqlite3.Connection, sid: str) -> StoredScreen | None:
    """The last saved scrollback and screen, oldest line first: a snapshot taken at exit,
    or the base, chunks and visible rows saved while the session ran."""
    r = conn.execute(
        """SELECT updated_at, lines_z, ansi_z, base_start, first_line, screen_z
           FROM screens WHERE session_id = ?""",
        (sid,),
    ).fetchone()
    chunks = (
        []
        if r is None or r["base_start"] is None
        else conn.execute(
            """SELECT first_line, lines_z FROM scrollback_chunks
               WHERE session_id = ? ORDER BY first_line""",
            (sid,),
        ).fetchall()
    )
    if r is None:
        return None
    lines = decompress_lines(r["lines_z"])
    if r["base_start"] is not None:
        # Each piece is cut by line number: lines the pane dropped since are left out.
        first = int(r["first_line"] or 0)
        pieces = [(int(r["base_start"]), lines)]
        pieces += [(int(c["first_line"]), decompress_lines(c["lines_z"])) for c in chunks]
        lines = [line for start, piece in pieces for line in piece[max(0, first - start) :]]
        lines += decompress_lines(r["screen_z"])
        while lines and not lines[-1]:
            lines.pop()
    return StoredScreen(
        session_id=SessionId.parse(sid),
        updated_at=from_iso(r["updated_at"]),
        lines=lines,
        ansi_lines=decompress_lines(r["ansi_z"]),
    )


def follows_on(c: sqlite3.Connection, sid: str, delta: ScrollbackDelta) -> bool:
    """Whether a delta continues what is stored: it starts where the last save ended or, for a
    rewrite, where the base (`line_count` lines from `base_start`) or a kept chunk ends."""
    row = c.execute(
        "SELECT saved_end, base_start + line_count FROM screens WHERE session_id = ?"
        " AND base_start IS NOT NULL",
        (sid,),
    ).fetchone()
    if row is None:
        return False
    if not delta.replace:
        return bool(row[0] == delta.start)
    if row[1] == delta.start:
        return True
    found = c.execute(
        """SELECT 1 FROM scrollback_chunks
           WHERE session_id = ? AND first_line + line_count = ? AND first_line < ?""",
        (sid, delta.start, delta.start),
    ).fetchone()
    return found is not None
