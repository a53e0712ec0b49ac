"""The writer thread: every database write happens here, in batches, off the event loop.

Callers enqueue small operations (closures over an `sqlite3.Connection`); the thread collects
whatever arrives within `batch_interval` into one transaction. Enqueueing never blocks: the
queue is bounded, and when it is full, samples (`lossy=True`) are dropped while records spill
into an overflow list that the thread drains next -- a full queue means a slow disk, and the
person typing must not feel it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

Operation = Callable[[sqlite3.Connection], object]


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


class WriterClosed(RuntimeError):
    """Enqueued after `close()`: a programming error, the write would be lost."""


class StoreWriter:
    """Owns one connection and one daemon thread that applies operations in transactions."""

    def __init__(
        self,
        conn: sqlite3.Connection,
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
        self._thread = threading.Thread(
            target=self._run, name="aisession-store-writer", daemon=True
        )
        self._thread.start()

    # -- producer side (any thread, including the event loop) ------------------------------

    def submit(self, op: Operation, *, lossy: bool = False) -> bool:
        """Queue `op`; returns False only when a lossy op was dropped because the queue is full."""
        if self._closed:
            raise WriterClosed("the store is closed")
        return self._put(op, lossy=lossy)

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
            self._overflow.append(item)
            self.stats.overflowed += 1
            return True

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
        batch: list[Operation | _Marker] = [self._queue.get()]
        if isinstance(batch[0], _Marker):
            return self._with_overflow(batch)
        deadline = time.monotonic() + self._batch_interval
        while len(batch) < self._max_batch:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                item = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            batch.append(item)
            if isinstance(item, _Marker):
                break
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
            ops = [item for item in batch if not isinstance(item, _Marker)]
            if ops:
                try:
                    self._apply(ops)
                except Exception as exc:  # the thread must outlive any surprise
                    self._fail(f"unexpected {type(exc).__name__}: {exc}", len(ops))
            for item in batch:
                if isinstance(item, _Marker):
                    stop = stop or item.stop
                    item.done()

    def _apply(self, ops: list[Operation]) -> None:
        """One transaction for the batch; if an op fails, redo the batch op by op with
        savepoints so only the bad op is lost (the fast path has no per-op savepoint cost)."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            self._fail(f"cannot begin a transaction: {exc}", len(ops))
            return
        try:
            for op in ops:
                op(conn)
        except Exception:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            self._apply_carefully(ops)
            return
        self._commit(len(ops))

    def _apply_carefully(self, ops: list[Operation]) -> None:
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
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
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK TO op")
                    conn.execute("RELEASE op")
                self._fail(f"{type(exc).__name__}: {exc}", 1)
        self._commit(applied)

    def _commit(self, applied: int) -> None:
        conn = self._conn
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._fail(f"commit failed: {exc}", applied)
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            return
        self.stats.operations += applied
        self.stats.transactions += 1

    def _fail(self, message: str, count: int) -> None:
        self.stats.failed += count
        self.last_error = message
        log.error("store write failed: %s", message)


def _noop() -> None:
    return None


def _set_if_pending(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
