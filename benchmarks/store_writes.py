"""Store write cost on the caller (the event loop) vs a synchronous SQLite write, same run.

    python benchmarks/store_writes.py

Everything is written under a temporary folder that is removed afterwards.
Prints: per-record enqueue cost, baseline direct INSERT+COMMIT cost, their ratio, writer
throughput, max event-loop lag while recording, and screen compression ratio.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aisession_tui.core.config import SessionConfig
from aisession_tui.core.types import CommandRecord, SessionId
from aisession_tui.store import Store
from aisession_tui.store.records import compress_lines

N = 20_000


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        measure(Path(folder))
    return 0


def measure(tmp: Path) -> None:
    """Run every measurement with files under `tmp` and print the results."""
    # Baseline: what a naive app would do on the loop - one INSERT + COMMIT per record.
    conn = sqlite3.connect(tmp / "baseline.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE commands (session_id TEXT, command TEXT, ts TEXT, output TEXT)")
    out = "x" * 200
    t0 = time.perf_counter()
    for n in range(N // 10):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO commands VALUES (?,?,?,?)", ("s", f"c{n}", "t", out))
        conn.execute("COMMIT")
    baseline = (time.perf_counter() - t0) / (N // 10)
    conn.close()

    store = Store.open(tmp / "data")
    store.begin_run()
    sid = SessionId.new()
    store.record_session(sid, SessionConfig(name="b"), datetime.now(UTC))
    store.flush()
    t0 = time.perf_counter()
    for n in range(N):
        store.record_command(sid, CommandRecord(f"c{n}", datetime.now(UTC), 0, output=out))
    enqueue = (time.perf_counter() - t0) / N
    store.flush()
    total = time.perf_counter() - t0

    async def lag_probe(record: bool) -> tuple[float, float]:
        """Loop lag (p99, max) while 20k records are made; with or without the store."""
        lags: list[float] = []
        stop = False

        async def ticker() -> None:
            while not stop:
                t = time.perf_counter()
                await asyncio.sleep(0.001)
                lags.append(time.perf_counter() - t - 0.001)

        task = asyncio.create_task(ticker())
        sink = []
        for n in range(N):
            rec = CommandRecord(f"d{n}", datetime.now(UTC), 0, output=out)
            if record:
                store.record_command(sid, rec)
            else:
                sink.append(rec)
            if n % 100 == 0:
                await asyncio.sleep(0.001)
        if record:
            await store.aflush()
        stop = True
        await task
        lags.sort()
        return lags[len(lags) * 99 // 100], lags[-1]

    base_p99, base_max = asyncio.run(lag_probe(False))
    p99, worst = asyncio.run(lag_probe(True))
    lines = [
        f"test_module_{n % 97}.py::test_case_{n} PASSED   [{n % 100:3d}%]" for n in range(10_000)
    ]
    raw = sum(len(line) + 1 for line in lines)
    ratio = raw / len(compress_lines(lines))
    stats = store.writer.stats
    store.close()
    print(f"baseline direct INSERT+COMMIT on caller: {baseline * 1e6:8.1f} us/record")
    print(f"store.record_command on caller:          {enqueue * 1e6:8.1f} us/record")
    print(f"ratio (baseline / store):                {baseline / enqueue:8.1f}x")
    print(
        f"writer throughput: {N / total:,.0f} records/s committed; "
        f"{stats.transactions} transactions for {stats.operations} ops"
    )
    print(
        f"loop lag, {N} records in ~0.5 s: p99 {p99 * 1e3:.1f} ms, max {worst * 1e3:.1f} ms "
        f"(baseline without store: p99 {base_p99 * 1e3:.1f} ms, max {base_max * 1e3:.1f} ms)"
    )
    print(f"screen compression (10k pytest lines): {raw / 1024:.0f} KiB -> ratio {ratio:.1f}x")


if __name__ == "__main__":
    raise SystemExit(main())
