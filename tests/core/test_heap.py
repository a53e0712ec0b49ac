"""The heap trimmer gives freed pages back to the system, and only when it is due."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from aisession_tui.core import heap
from aisession_tui.core.heap import HeapTrimmer
from aisession_tui.store.writer import StoreWriter

needs_glibc = pytest.mark.skipif(heap._malloc_trim is None, reason="no malloc_trim (not glibc)")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@needs_glibc
def test_a_trim_returns_the_pages_of_blocks_freed_between_live_ones() -> None:
    # 48 KB blocks come from the heap (not mmap); keeping every 16th alive pins the heap's
    # top, so freeing the rest leaves ~60 MB of free pages that free() itself keeps resident.
    blocks = [bytearray(48 * 1024) for _ in range(1400)]
    kept = blocks[::16]
    del blocks
    before = rss_mb()
    assert HeapTrimmer(every=0).maybe_trim()
    assert rss_mb() < before - 20
    assert len(kept) == 88


def test_a_trim_waits_until_it_is_due() -> None:
    now = [100.0]
    trimmer = HeapTrimmer(every=10.0, clock=lambda: now[0])
    assert not trimmer.maybe_trim()
    now[0] += 9.5
    assert not trimmer.maybe_trim()
    now[0] += 1.0
    assert trimmer.maybe_trim() == (heap._malloc_trim is not None)
    assert not trimmer.maybe_trim()


@needs_glibc
def test_the_store_writer_trims_after_a_batch_of_writes(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "db.sqlite", check_same_thread=False)
    writer = StoreWriter(conn)
    writer.heap.every = 0.0
    try:
        writer.submit(lambda c: c.execute("CREATE TABLE t (x)"))
        assert writer.flush()
        assert writer.heap.trims == 1
        assert writer.flush()  # a flush alone writes nothing: no trim
        assert writer.heap.trims == 1
    finally:
        writer.close()
