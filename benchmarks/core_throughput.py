"""AISession's output throughput vs a raw blocking PTY read loop, and the cost of 50 sessions.

    python benchmarks/core_throughput.py                 # 200 MB through each path, best of 2
    python benchmarks/core_throughput.py --mb 20         # a quicker, smaller run

The baseline is the fastest thing possible: a blocking `os.read` loop on a `pty.fork()` child
(`head -c N /dev/zero`), measured in the same run. Then the same child through `AISession` (PTY,
read by the event loop) and through headless pipes. Prints MB/s and the ratio baseline/ours.

Then 50 idle bash sessions: threads before/after starting them, start time, 50 concurrent
`execute_command` calls, CPU used by this process over 2 s of idling (no polling means ~0), and
`stop_all` time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pty
import resource
import threading
import time
from collections.abc import Sequence

from aisession_tui.core import (
    AISession,
    OutputReceived,
    SessionConfig,
    SessionEvent,
    SessionManager,
    SessionStatus,
)

SESSIONS = 50
IDLE_SECONDS = 2.0


def raw_baseline(size: int) -> float:
    """Seconds for a blocking read loop to drain `size` bytes from a PTY child."""
    command = f"head -c {size} /dev/zero"
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("/bin/sh", ["/bin/sh", "-c", command])
    total = 0
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        total += len(data)
    os.waitpid(pid, 0)
    os.close(fd)
    assert total == size, total
    return time.perf_counter() - start


async def through_session(size: int, *, headless: bool = False) -> float:
    """Seconds for an `AISession` to deliver `size` bytes of output events and terminate."""
    session = AISession(
        SessionConfig(shell_command=f"head -c {size} /dev/zero", force_headless=headless)
    )
    total = 0
    done = asyncio.Event()

    def on_event(event: SessionEvent) -> None:
        nonlocal total
        if isinstance(event, OutputReceived):
            total += len(event.data)
        elif getattr(event, "new", None) is SessionStatus.TERMINATED:
            done.set()

    session.subscribe(on_event)
    start = time.perf_counter()
    await session.start()
    await done.wait()
    assert total == size, total
    return time.perf_counter() - start


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def fifty_sessions() -> str:
    """Start, use, idle and stop 50 bash sessions; one line of numbers."""
    manager = SessionManager()
    threads_before = threading.active_count()

    def config() -> SessionConfig:
        return SessionConfig(
            shell_command="exec /bin/bash --norc --noprofile", environment={"PS1": "$ "}
        )

    sessions = [await manager.create_session_with_config(config()) for _ in range(SESSIONS)]
    start = time.perf_counter()
    await asyncio.gather(*(session.start() for session in sessions))
    start_time = time.perf_counter() - start
    threads_after = threading.active_count()
    start = time.perf_counter()
    await asyncio.gather(*(session.execute_command("echo hi") for session in sessions))
    exec_time = time.perf_counter() - start
    cpu_before = cpu_seconds()
    await asyncio.sleep(IDLE_SECONDS)
    idle_cpu = cpu_seconds() - cpu_before
    start = time.perf_counter()
    await manager.stop_all()
    stop_time = time.perf_counter() - start
    return (
        f"{SESSIONS} sessions: threads {threads_before}->{threads_after}; "
        f"start {start_time * 1000:.0f} ms; "
        f"{SESSIONS} concurrent execute_command {exec_time * 1000:.0f} ms; "
        f"idle CPU over {IDLE_SECONDS:.0f} s {idle_cpu * 1000:.1f} ms; "
        f"stop_all {stop_time * 1000:.0f} ms"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="megabytes per run (default: 200)")
    parser.add_argument("--runs", type=int, default=2, help="runs per path; the best counts")
    args = parser.parse_args(argv)
    size = args.mb * 1_000_000
    baseline = min(raw_baseline(size) for _ in range(args.runs))
    ours = min(asyncio.run(through_session(size)) for _ in range(args.runs))
    headless = min(asyncio.run(through_session(size, headless=True)) for _ in range(args.runs))
    megabytes = size / 1e6
    print(
        f"raw blocking pty loop: {megabytes / baseline:.0f} MB/s; "
        f"AISession PTY: {megabytes / ours:.0f} MB/s (ratio {baseline / ours:.2f}); "
        f"headless pipes: {megabytes / headless:.0f} MB/s"
    )
    print(asyncio.run(fifty_sessions()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
