"""What starting a PTY session costs the event loop: `posix_spawn` vs ptyprocess's fork + exec.

    python benchmarks/bench_spawn.py                 # 20 spawns per path, 120 MB app, 5 rounds
    python benchmarks/bench_spawn.py --app-mb 0      # the same without the app's memory

`spawn_pty` blocks its caller (the event loop) until the child has exec'd. A fork copies the
parent's page tables, so its cost grows with the app's memory (the real app is ~120 MB); a
`posix_spawn` (CLONE_VFORK) does not. This process first touches `--app-mb` of memory to look like
the app, then starts 20 `sleep` children on each path, the paths interleaved round by round, and
prints the median wall time of one `spawn_pty` call (what the loop waits) and of 20 in a row.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aisession_tui.core import process
from aisession_tui.core.process import PtyChild, spawn_pty


def start_many(count: int, cwd: Path, helper: str | None) -> tuple[list[float], list[PtyChild]]:
    """Seconds of each of `count` spawns on one path (`helper`: `env -C` for `posix_spawn`,
    None for the fork path), and the children."""
    process._chdir_helper = helper
    env = {**os.environ, "TERM": "xterm-256color"}
    times, children = [], []
    for _ in range(count):
        start = time.perf_counter()
        children.append(spawn_pty(["/bin/sleep", "60"], cwd=cwd, env=env, size=(48, 160)))
        times.append(time.perf_counter() - start)
    return times, children


def stop(children: list[PtyChild]) -> None:
    for child in children:
        os.kill(child.pid, signal.SIGKILL)
    for child in children:
        os.waitpid(child.pid, 0)
        child._proc.terminated = True
        child.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20, help="spawns per path per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (paths interleaved)")
    parser.add_argument("--app-mb", type=int, default=120, help="memory to hold, like the app")
    args = parser.parse_args(argv)
    ballast = bytearray(args.app_mb * 1024 * 1024)
    for offset in range(0, len(ballast), 4096):  # touched: resident, with page tables to copy
        ballast[offset] = 1
    results: dict[str, tuple[list[float], list[float]]] = {"fork": ([], []), "posix": ([], [])}
    with tempfile.TemporaryDirectory() as scratch:
        helper = process.chdir_helper()  # probed once, outside the timed spawns
        if helper is None:
            print(
                "bench_spawn: no posix_spawn with env -C here: nothing to compare", file=sys.stderr
            )
            return 2
        for round_ in range(args.rounds):
            paths = ("fork", "posix") if round_ % 2 == 0 else ("posix", "fork")
            for name in paths:
                times, children = start_many(
                    args.count, Path(scratch), helper if name == "posix" else None
                )
                stop(children)
                results[name][0].extend(times)
                results[name][1].append(sum(times))
    print(
        f"spawn_pty on the event loop, {args.count} sessions x {args.rounds} rounds, "
        f"this process holding {args.app_mb} MB (medians)\n"
    )
    header = f"{'path':<24}{'one spawn ms':>14}{f'{args.count} spawns ms':>16}"
    print(header)
    print("-" * len(header))
    rows = {"fork": "ptyprocess fork + exec", "posix": "posix_spawn"}
    for name, label in rows.items():
        one, many = (statistics.median(values) * 1e3 for values in results[name])
        print(f"{label:<24}{one:>14.2f}{many:>16.1f}")
    ratio = statistics.median(results["fork"][0]) / statistics.median(results["posix"][0])
    print(f"\nposix_spawn is {ratio:.1f}x cheaper per spawn")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
