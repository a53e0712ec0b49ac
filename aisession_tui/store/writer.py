"""The writer thread: every database write happens here, in batches, off the event loop.

Callers enqueue small operations (closures over an `sqlite3.Connection`); the thread collects
whatever arrives within `batch_interval` into one transaction. Enqueueing never blocks: the
queue is bounded, and when it is full, samples (`lossy=True`) are dropped while records spill
into an overflow list that the thread drains next -- a full queue means a slow disk, and the
person typing must not feel it.

When the disk itself refuses (full, read-only, gone), the batch is held and tried again later,
with a growing pause; `health` and `on_health_change` tell the app when writes start failing,
how many wait meanwhile, and when they work again. After a read-only or I/O error the
connection is closed and opened again by path for the retry: the old handle may never work
again, and while it is open the filesystem cannot be unmounted to be repaired. Samples are not
held, and what waits is bounded (`MAX_HELD`; beyond it the oldest are given up, and counted).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import queue
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from aisession_tui.core.heap import HeapTrimmer

from .db import Reopening

log = logging.getLogger(__name__)

Operation = Callable[[sqlite3.Connection], object]

#: SQLite's primary result codes that mean "the storage refused", not "this write is bad":
#: BUSY, LOCKED, NOMEM, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
STORAGE_ERROR_CODES = frozenset({5, 6, 7, 8, 10, 13, 14, 15})
#: Of those, the ones after which a handle is not to be trusted: READONLY, IOERR, CANTOPEN.
REOPEN_ERROR_CODES = frozenset({8, 10, 14})
#: Operations held for a retry while the disk refuses; beyond this the oldest are given up.
MAX_HELD = 20_000
RETRY_FIRST = 1.0
RETRY_MAX = 30.0


def is_storage_error(exc: BaseException) -> bool:
    """A failure of the disk under the database (retry later), not of one write."""
    if isinstance(exc, OSError):
        return True
    if not isinstance(exc, sqlite3.Error):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in STORAGE_ERROR_CODES
    text = str(exc).lower()
    return any(word in text for word in ("disk", "readonly", "read-only", "locked", "i/o"))


def needs_reopen(exc: BaseException) -> bool:
    """A storage failure after which the connection is closed and opened again by path."""
    if isinstance(exc, OSError):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in REOPEN_ERROR_CODES
    text = str(exc).lower()
    return any(word in text for word in ("readonly", "read-only", "i/o", "unable to open"))


class _Unavailable(Exception):
    """The storage refused; the batch is to be held and retried."""


@dataclass(slots=True)
class _Lossy:
    """A sample: dropped rather than held when the queue is full or the disk refuses."""

    op: Operation

    def __call__(self, conn: sqlite3.Connection) -> None:
        self.op(conn)


@dataclass(frozen=True, slots=True)
class StoreHealth:
    """Whether writes reach the disk; while they do not, why, and how many wait or were lost."""

    ok: bool = True
    error: str | None = None
    held: int = 0
    lost: int = 0


@dataclass(slots=True)
class _Marker:
    """Signals the thread: commit now and call `done`; with `stop`, then exit."""

    done: Callable[[], None]
    stop: bool = False


@dataclass(slots=True)
class WriterStats:
    """Counters for tests, diagnostics and benchmarks."""

    operations: int = 0
    transactions: int = 0
    failed: int = 0
    dropped_samples: int = 0
    overflowed: int = 0
    retries: int = 0
    lost: int = 0


class WriterClosed(RuntimeError):
    """Enqueued after `close()`: a programming error, the write would be lost."""


class StoreWriter:
    """Owns one connection and one daemon thread that applies operations in transactions."""

    def __init__(
        self,
        conn: Reopening,
        *,
        maxsize: int = 10_000,
        batch_interval: float = 0.05,
        max_batch: int = 2_000,
    ) -> None:
        self._conn = conn
        self._queue: queue.Queue[Operation | _Marker] = queue.Queue(maxsize=maxsize)
        self._overflow: deque[Operation | _Marker] = deque()
        self._overflow_lock = threading.Lock()
        self._batch_interval = batch_interval
        self._max_batch = max_batch
        self._closed = False
        self.stats = WriterStats()
        self.last_error: str | None = None
        self.health = StoreHealth()
        #: Called from the writer thread when `health.ok` flips; must not block.
        self.on_health_change: Callable[[StoreHealth], None] | None = None
        self._held: deque[Operation] = deque()
        self._retry_delay = RETRY_FIRST
        self._retry_at = 0.0
        #: Freed heap pages go back to the system after writes (which follow output).
        self.heap = HeapTrimmer()
        self._thread = threading.Thread(
            target=self._run, name="aisession-store-writer", daemon=True
        )
        self._thread.start()

    # -- producer side (any thread, including the event loop) ------------------------------

    def submit(self, op: Operation, *, lossy: bool = False) -> bool:
        """Queue `op`; returns False only when a lossy op was dropped because the queue is full."""
        if self._closed:
            raise WriterClosed("the store is closed")
        return self._put(_Lossy(op) if lossy else op, lossy=lossy)

    def _put(self, item: Operation | _Marker, *, lossy: bool = False) -> bool:
        # Once anything has spilled, later items spill too, so the order of writes is kept.
        with self._overflow_lock:
            if not self._overflow:
                try:
                    self._queue.put_nowait(item)
                    return True
                except queue.Full:
                    pass
            if lossy:
                self.stats.dropped_samples += 1
                return False
            if len(self._overflow) >= MAX_HELD:
                self._give_up_oldest()
            self._overflow.append(item)
            self.stats.overflowed += 1
            return True

    def _give_up_oldest(self) -> None:
        """The thread is far behind: the oldest spilled write (never a flush) makes room."""
        for index, waiting in enumerate(self._overflow):
            if not isinstance(waiting, _Marker):
                del self._overflow[index]
                self.stats.lost += 1
                return

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Block until everything queued so far is committed; False on timeout.

        Blocking: call it from a thread, at shutdown, or use `aflush` on the event loop.
        """
        if not self._thread.is_alive():
            return True
        done = threading.Event()
        self._put(_Marker(done=done.set))
        return done.wait(timeout)

    async def aflush(self) -> None:
        """Await the commit of everything queued so far, without blocking the loop."""
        if not self._thread.is_alive():
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()

        def resolve() -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed while we wrote
                loop.call_soon_threadsafe(_set_if_pending, future)

        self._put(_Marker(done=resolve))
        await future

    def close(self, timeout: float | None = 30.0) -> None:
        """Commit what is queued, stop the thread and close the connection. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            self._put(_Marker(done=_noop, stop=True))
            self._thread.join(timeout)
        if not self._thread.is_alive():
            self._conn.close()

    @property
    def closed(self) -> bool:
        return self._closed

    # -- the thread ----------------------------------------------------------------------

    def _collect(self) -> list[Operation | _Marker]:
        """The next batch: what arrives within `batch_interval` of its first item (at most
        `max_batch`), or, while writes are held, what arrives until the retry is due (new writes
        do not hasten it unless `MAX_HELD` of them wait). A flush or close ends it at once."""
        holding = bool(self._held)
        deadline = self._retry_at if holding else math.inf
        limit = MAX_HELD if holding else self._max_batch
        batch: list[Operation | _Marker] = []
        while len(batch) < limit:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                item = self._queue.get(timeout=None if remaining == math.inf else remaining)
            except queue.Empty:
                break
            batch.append(item)
            if isinstance(item, _Marker):
                break
            if deadline == math.inf:
                deadline = time.monotonic() + self._batch_interval
        return self._with_overflow(batch)

    def _with_overflow(self, batch: list[Operation | _Marker]) -> list[Operation | _Marker]:
        """Append spilled items; everything still queued is older than them, so take it first."""
        with self._overflow_lock:
            if not self._overflow:
                return batch
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            batch.extend(self._overflow)
            self._overflow.clear()
        return batch

    def _run(self) -> None:
        stop = False
        while not stop:
            batch = self._collect()
            ops = [*self._held, *(item for item in batch if not isinstance(item, _Marker))]
            self._held.clear()
            stop = any(isinstance(item, _Marker) and item.stop for item in batch)
            if ops:
                try:
                    self._apply(ops)
                except _Unavailable as exc:
                    cause = exc.__cause__ or exc
                    if needs_reopen(cause):
                        self._conn.release()
                    self._hold(ops, str(cause), final=stop)
                except Exception as exc:  # the thread must outlive any surprise
                    self._fail(f"unexpected {type(exc).__name__}: {exc}", len(ops))
                else:
                    self._recovered()
                self.heap.maybe_trim()
            for item in batch:
                if isinstance(item, _Marker):
                    item.done()

    def _hold(self, ops: list[Operation], error: str, *, final: bool) -> None:
        """Keep the batch for a retry (samples aside, the oldest beyond `MAX_HELD` given up)."""
        kept = [op for op in ops if not isinstance(op, _Lossy)]
        self.stats.dropped_samples += len(ops) - len(kept)
        lost = max(0, len(kept) - MAX_HELD) if not final else len(kept)
        self._held.extend(kept[lost:])
        self.stats.lost += lost
        self.stats.retries += 1
        self.last_error = error
        first = self.health.ok
        self._retry_delay = RETRY_FIRST if first else min(RETRY_MAX, self._retry_delay * 2)
        self._retry_at = time.monotonic() + self._retry_delay
        if first:
            log.error("store writes failing, will retry: %s", error)
        self._report(StoreHealth(False, error, len(self._held), self.stats.lost))
        if final and lost:
            log.error("store closed with %d writes not saved: %s", lost, error)

    def _recovered(self) -> None:
        if self.health.ok:
            return
        log.warning("store writes work again")
        self._retry_delay = RETRY_FIRST
        self._report(StoreHealth(True, None, 0, self.stats.lost))

    def _report(self, health: StoreHealth) -> None:
        if health == self.health:
            return
        self.health = health
        listener = self.on_health_change
        if listener is not None:
            try:
                listener(self.health)
            except Exception:  # a listener's bug must not stop the writes
                log.exception("store health listener failed")

    def _begin(self) -> sqlite3.Connection:
        """The connection (opened again if it was let go), in a write transaction."""
        try:
            conn = self._conn.get()
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            if is_storage_error(exc):
                raise _Unavailable from exc
            raise
        return conn

    def _apply(self, ops: list[Operation]) -> None:
        """One transaction for the batch; if an op fails, redo the batch op by op with
        savepoints so only the bad op is lost (the fast path has no per-op savepoint cost).
        Raises `_Unavailable` when the storage refuses: nothing of the batch is then written."""
        try:
            conn = self._begin()
        except sqlite3.Error as exc:
            self._fail(f"cannot begin a transaction: {exc}", len(ops))
            return
        try:
            for op in ops:
                op(conn)
        except Exception as exc:
            _rollback(conn)
            if is_storage_error(exc):
                raise _Unavailable from exc
            self._apply_carefully(ops)
            return
        self._commit(conn, len(ops))

    def _apply_carefully(self, ops: list[Operation]) -> None:
        try:
            conn = self._begin()
        except sqlite3.Error as exc:
            self._fail(f"cannot begin a transaction: {exc}", len(ops))
            return
        applied = 0
        for op in ops:
            try:
                conn.execute("SAVEPOINT op")
                op(conn)
                conn.execute("RELEASE op")
                applied += 1
            except Exception as exc:  # one bad record must not lose the batch
                if is_storage_error(exc):
                    _rollback(conn)
                    raise _Unavailable from exc
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK TO op")
                    conn.execute("RELEASE op")
                self._fail(f"{type(exc).__name__}: {exc}", 1)
        self._commit(conn, applied)

    def _commit(self, conn: sqlite3.Connection, applied: int) -> None:
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(conn)
            if is_storage_error(exc):
                raise _Unavailable from exc
            self._fail(f"commit failed: {exc}", applied)
            return
        self.stats.operations += applied
        self.stats.transactions += 1

    def _fail(self, message: str, count: int) -> None:
        self.stats.failed += count
        self.last_error = message
        log.error("store write failed: %s", message)


def _rollback(conn: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):
        conn.execute("ROLLBACK")


def _noop() -> None:
    return None


def _set_if_pending(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
