"""`ScrollbackSaver`: save running sessions' scrollback a few seconds after new output, so a
crash or `kill -9` of the app loses at most those seconds.

Work per save is bounded by what is new: only the lines that scrolled into the scrollback since
the last save, plus the visible rows, are read from the pane (on the event loop, where the pane
lives) and handed to the store's writer, which redacts, compresses and writes them off the loop
as one chunk; chunks the pane's scrollback has dropped are deleted. When a resize re-wrapped the
newest rows (or pulled them back onto the screen), the chunks from the first rewritten line on are
replaced, the older ones kept. Only the first save and one after a lost write (or after the
scrollback was cleared or outrun) write the whole scrollback.

A save is scheduled by output (one timer for all sessions, armed by the first output after a
save), never by a polling tick: an idle app does nothing.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from aisession_tui.core.types import SessionId

from .records import ScrollbackDelta
from .store import Store

#: Seconds from the first new output to its save: what a crash can lose.
SAVE_AFTER = 2.0
#: Rows read from a pane in one go on the event loop (a few ms of work); more wait for the next
#: turn of the loop, so saving a long scrollback at once (the first save of a restored pane, a
#: flood) never stalls typing.
ROWS_PER_SAVE = 500
#: Rows of one session that may wait in the store's writer: under floods the writer falls behind
#: and each waiting delta holds its lines; past this, newer lines wait in the pane (bounded by its
#: scrollback) until the writer catches up. A burst (a long `seq`, a first save) fits at once.
MAX_WAITING_ROWS = 10 * ROWS_PER_SAVE
#: Seconds before looking again at a session with that many rows waiting.
WRITER_BEHIND_RETRY = 0.25


class ScrollbackView(Protocol):
    """What the saver reads from a pane's emulator (`terminal.Emulator` fits)."""

    @property
    def columns(self) -> int: ...

    @property
    def first_line(self) -> int: ...

    @property
    def history_end(self) -> int: ...

    def scrollback_since(self, line: int, limit: int | None = None) -> list[str]: ...

    def scrollback_row(self, line: int) -> object | None: ...

    def text_lines(self) -> list[str]: ...


ViewSource = Callable[[SessionId], ScrollbackView | None]


@dataclass(frozen=True, slots=True)
class _Piece:
    """Lines `start` to `end - 1` as saved in one go, and the row object of the last one: if
    another object is there now, that line and all after it were rewritten (a re-wrap or a
    pull back into the screen only ever rewrites the newest rows)."""

    start: int
    end: int
    last: object | None

    def intact(self, view: ScrollbackView) -> bool:
        if self.start == self.end:
            return view.first_line <= self.end <= view.history_end
        return view.scrollback_row(self.end - 1) is self.last


class ScrollbackSaver:
    """Saves the scrollback of the sessions `view_for` knows, `delay` seconds after output."""

    def __init__(
        self,
        store: Store,
        view_for: ViewSource,
        *,
        delay: float = SAVE_AFTER,
        rows_per_save: int = ROWS_PER_SAVE,
        max_waiting_rows: int = MAX_WAITING_ROWS,
    ) -> None:
        self.store = store
        self.view_for = view_for
        self.delay = delay
        self.rows_per_save = rows_per_save
        self.max_waiting_rows = max_waiting_rows
        self._saved: dict[SessionId, list[_Piece]] = {}
        self._due: set[SessionId] = set()
        #: Each session's deltas the writer is not yet done with: (done, rows).
        self._writing: dict[SessionId, list[tuple[threading.Event, int]]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self.saves = 0
        self.full_saves = 0

    def note_output(self, session_id: SessionId) -> None:
        """New output in a session: save it within `delay` seconds (from the event loop)."""
        self._due.add(session_id)
        self._schedule(self.delay)

    def _schedule(self, delay: float) -> None:
        if self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop (a synchronous caller): saved at exit instead
                return
            self._timer = loop.call_later(delay, self._save_due)

    def _save_due(self) -> None:
        self._timer = None
        if not self.store.health.ok:
            # The disk refuses: keep the lines in the pane, not in a growing retry queue.
            if self._due:
                self._timer = asyncio.get_running_loop().call_later(self.delay, self._save_due)
            return
        due, self._due = self._due, set()
        waiting = {s for s in due if self._waiting_rows(s) >= self.max_waiting_rows}
        for session_id in due - waiting:
            self.save(session_id, limit=self.rows_per_save)
        if self._due:  # more rows than one slice: the rest on the next turn of the loop
            self._schedule(0)
        if waiting:
            self._due |= waiting
            self._schedule(WRITER_BEHIND_RETRY)

    def _waiting_rows(self, session_id: SessionId) -> int:
        pending = [p for p in self._writing.get(session_id, []) if not p[0].is_set()]
        self._writing[session_id] = pending
        return sum(rows for _, rows in pending)

    def save(self, session_id: SessionId, *, limit: int | None = None) -> bool:
        """Save what is new (or rewritten) in one session now, at most `limit` rows of it (the
        session stays due if more are left); False if it has no pane."""
        view = self.view_for(session_id)
        if view is None:
            return False
        self._due.discard(session_id)
        end, first = view.history_end, view.first_line
        pieces = [
            p
            for p in self._saved.get(session_id, [])
            if p.end > first or (p.end == first and p.start == p.end)
        ]
        keep = len(pieces)
        while keep and not pieces[keep - 1].intact(view):
            keep -= 1
        full = keep == 0 or str(session_id) in self.store.needs_full
        start = first if full else pieces[keep - 1].end
        history = view.scrollback_since(start, limit)
        if start + len(history) < end:
            end = start + len(history)
            self._due.add(session_id)
        screen = view.text_lines()
        done = self.store.save_scrollback(
            session_id,
            ScrollbackDelta(
                start,
                end,
                first,
                history,
                screen,
                full,
                replace=not full and keep < len(pieces),
            ),
        )
        self._writing.setdefault(session_id, []).append((done, len(history) + len(screen)))
        kept = [] if full else pieces[:keep]
        if end > start or not kept:  # nothing new (e.g. a full-screen program): no new piece
            kept.append(_Piece(start, end, view.scrollback_row(end - 1) if end > start else None))
        self._saved[session_id] = kept
        self.saves += 1
        self.full_saves += full
        return True

    def save_all(self) -> None:
        """Save every session with a pane now (at exit: what is new since the last save)."""
        for session_id in list(self._saved.keys() | self._due):
            self.save(session_id)

    def forget(self, session_id: SessionId) -> None:
        """A session closed: no more saves for it."""
        self._saved.pop(session_id, None)
        self._writing.pop(session_id, None)
        self._due.discard(session_id)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._due.clear()
