"""Memory soak: does the app's RSS stay flat once every scrollback is full?

    python benchmarks/soak.py --minutes 17          # 10 sessions at 100 lines/s each
    python benchmarks/soak.py --minutes 4 --probe objects   # and which objects grow

The installed `aisession-tui` runs in a detached window of a private tmux server (as in
`bench_many.py`) with 10 writers (`agent_lines.py`, coloured agent-shaped lines) at 100 lines/s
each. The same-run baseline: the same 10 writers, at the same time, in 10 panes of a second
private tmux server with the same history limit, whose server process keeps the same scrollback.
Both RSS figures are sampled every few seconds; once every writer has written more lines than the
scrollback and the screen hold (every scrollback full, plus a margin for the store's first
saves), the least-squares growth of each is printed in MB/min.

`--probe objects` starts the app under `soak_traced.py`, which on SIGUSR1 counts the live
objects by type and measures the largest containers: once a minute after the fill and once at
the end, and the types whose counts grew most are printed. `--probe tracemalloc` traces every
allocation instead and prints the allocation sites that grew most (it slows the app so much that
it falls behind its writers: use it to find what grows, not for the MB/min).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_many import (
    READY,
    Tmux,
    Writers,
    app_pid,
    app_program,
    growth_per_minute,
    rss_mb,
)

HERE = Path(__file__).resolve().parent
TRACED = HERE / "soak_traced.py"
#: After the scrollbacks fill, samples wait this long more: the store's first saves of the now
#: full scrollbacks, and the allocator settling, are not growth.
SETTLE_SECONDS = 60.0
#: Each session keeps the newest MiB of its raw output (`SessionConfig.output_buffer_size`) and
#: its monitor up to a MiB of output not yet analysed (`ai.monitor.MAX_BACKLOG`): bounded, but at
#: 100 lines/s they fill minutes after a 10,000-line scrollback.
BUFFER_BYTES = 1024 * 1024
Sample = tuple[float, float, float, int, int, int]


@dataclass
class LineWriters(Writers):
    """Writers at a line rate (`agent_lines.py --lines-per-second`)."""

    lines_per_second: float = 100.0

    def command(self, tag: str) -> str:
        return super().command(tag) + f" --lines-per-second {self.lines_per_second}"


class Sampler(threading.Thread):
    """(seconds, app MB, tmux server MB, fewest lines an app writer has written, the same for
    the tmux writers, fewest bytes an app writer has written) every `every` seconds."""

    def __init__(self, pids: tuple[int, int], writers: Sequence[Writers], every: float) -> None:
        super().__init__(daemon=True)
        self.pids, self.writers, self.every = pids, writers, every
        self.samples: list[Sample] = []
        self.stopped = threading.Event()
        self.started_at = time.perf_counter()

    def run(self) -> None:
        while not self.stopped.is_set():
            counts = [group.counts().values() for group in self.writers]
            fewest = [min(lines for _, lines in group) for group in counts]
            fewest_bytes = min(written for written, _ in counts[0])
            try:
                app, server = (rss_mb(pid) for pid in self.pids)
            except OSError:
                return
            now = time.perf_counter() - self.started_at
            self.samples.append((now, app, server, fewest[0], fewest[1], fewest_bytes))
            self.stopped.wait(self.every)


def start_app(tmux: Tmux, folder: Path, writers: Writers, args: argparse.Namespace) -> None:
    for sub in ("data", "run", "config"):
        (folder / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
    program = [app_program()]
    if args.probe:
        program = [sys.executable, str(TRACED), args.probe, str(folder)]
    argv = [
        "env",
        f"AISESSION_DATA_DIR={folder / 'data'}",
        f"XDG_RUNTIME_DIR={folder / 'run'}",
        f"XDG_CONFIG_HOME={folder / 'config'}",
        *program,
        "--scrollback",
        str(args.scrollback),
    ]
    for tag in writers.tags:
        argv += ["-s", f"w{tag}={writers.command(tag)}"]
    script = folder / "run-app.sh"
    script.write_text("exec " + shlex.join(argv) + "\n")
    tmux.run(
        "new-session", "-d", "-s", "app", "-x", str(args.width), "-y", str(args.height),
        f"/bin/sh {shlex.quote(str(script))}",
    )  # fmt: skip


def start_baseline(tmux: Tmux, writers: Writers, args: argparse.Namespace) -> None:
    """The writers in tiled panes of one window the app's size, with the app's scrollback."""
    tmux.run(  # one command list: the option is set before the first pane exists
        "set-option", "-g", "history-limit", str(args.scrollback), ";",
        "new-session", "-d", "-s", "base", "-x", str(args.width), "-y", str(args.height),
        writers.command(writers.tags[0]),
    )  # fmt: skip
    for tag in writers.tags[1:]:
        tmux.run("split-window", "-t", "base", writers.command(tag))
        tmux.run("select-layout", "-t", "base", "tiled")


def snapshot(folder: Path, pid: int, name: str) -> Path:
    """Ask the probed app for a snapshot (SIGUSR1); its file once written."""
    path = folder / f"{name}.snapshot"
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 300
    while not path.exists():  # the app writes `<n>.snapshot` by renaming, so it is whole
        if time.monotonic() > deadline:
            raise RuntimeError("the traced app wrote no snapshot")
        time.sleep(0.5)
    return path


def print_growth(probe: str, first: Path, second: Path) -> None:
    if probe == "tracemalloc":
        before, after = (tracemalloc.Snapshot.load(str(p)) for p in (first, second))
        print("\nallocation sites that grew most (tracemalloc, fill -> end):")
        for stat in after.compare_to(before, "traceback")[:15]:
            print(f"  {stat.size_diff / 1e6:+.2f} MB {stat.count_diff:+d} blocks")
            for line in stat.traceback.format(limit=6):
                print(f"      {line}")
        return
    before, after = (json.loads(p.read_text()) for p in (first, second))
    grown = {name: count - before["counts"].get(name, 0) for name, count in after["counts"].items()}
    print("\nobject types whose counts grew most (fill -> end):")
    for name, diff in sorted(grown.items(), key=lambda item: -item[1])[:20]:
        print(f"  {diff:+9d}  {name} ({after['counts'][name]} now)")
    for key, what in (("sizes", "bytes of objects"), ("held_text", "bytes of str/bytes held")):
        diff = {n: v - before[key].get(n, 0) for n, v in after[key].items()}
        print(f"{what}, by (holder) type, that grew most (fill -> end, MB):")
        for name, grew in sorted(diff.items(), key=lambda item: -item[1])[:12]:
            print(f"  {grew / 1e6:+8.2f}  {name} ({after[key][name] / 1e6:.1f} now)")
    print("largest containers at the end:")
    for row in after["largest"][:15]:
        print(f"  {row['type']} of {row['len']} ({row['sample']}), held by {row['held_by']}")
    for name, census in (("fill", before), ("end", after)):
        print(
            f"gc at {name}: counts {census['gc_counts']}, a full collection found "
            f"{census['garbage']['collected']} unreachable objects, RSS "
            f"{census['rss_before_collect'] / 1024:.1f} -> {census['rss_after_collect'] / 1024:.1f}"
            f" MB, after malloc_trim {census['rss_after_trim'] / 1024:.1f} MB;"
            f" stats {census['gc_stats']}"
        )
        print(f"  garbage by type: {census['garbage']['types']}")
        for name, referrers in census["garbage"]["shapes"].items():
            print(f"  a {name} in it is referred to by {referrers}")


def report(samples: Sequence[Sample], full_at: int, sessions: int, scrollback: int) -> None:
    print("\n  time    app MB  tmux MB  fewest lines written: app's writers, tmux's")
    step = max(1, len(samples) // 20)
    for t, app, server, lines, base_lines, _ in samples[::step]:
        print(f"  {t:5.0f}s  {app:7.1f}  {server:7.1f}  {lines:8d} {base_lines:8d}")
    full = [s for s in samples if min(s[3], s[4]) >= full_at]
    if not full:
        print("the scrollbacks never filled: growth after fill unknown")
        return
    settled = [s for s in full if s[0] >= full[0][0] + SETTLE_SECONDS]
    if len(settled) < 3:
        print("too few samples after the scrollbacks filled: run longer")
        return
    start_mb, full_mb = samples[0][1], settled[0][1]
    print(
        f"\nRSS with {sessions} sessions: {start_mb:.1f} MB before writing, {full_mb:.1f} MB with "
        f"every {scrollback}-line scrollback full: {full_mb / sessions:.1f} MB per session, of "
        f"which the full scrollback is {(full_mb - start_mb) / sessions:.1f} MB"
    )
    print(f"scrollbacks full at {full[0][0]:.0f} s")
    print_growth_since("scrollbacks full", settled)
    buffered = [s for s in settled if s[5] >= BUFFER_BYTES]
    print_growth_since("every session's 1 MiB output buffers full too", buffered)


def print_growth_since(label: str, samples: Sequence[Sample]) -> None:
    app = growth_per_minute([(t, mb, n) for t, mb, _, n, _, _ in samples])
    server = growth_per_minute([(t, mb, n) for t, _, mb, _, n, _ in samples])
    if app is None or server is None:
        print(f"  {label}: too few samples since")
        return
    minutes = (samples[-1][0] - samples[0][0]) / 60
    print(
        f"  {label}: over the {minutes:.1f} min from {samples[0][0]:.0f} s: app {app:+.2f} MB/min"
        f" ({samples[0][1]:.1f} -> {samples[-1][1]:.1f} MB), tmux server (baseline) "
        f"{server:+.2f} MB/min ({samples[0][2]:.1f} -> {samples[-1][2]:.1f} MB)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=17.0, help="length of the writing phase")
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--lines-per-second", type=float, default=100.0, help="per session")
    parser.add_argument("--scrollback", type=int, default=10_000)
    parser.add_argument("--width", type=int, default=240)
    parser.add_argument("--height", type=int, default=60)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument(
        "--probe", choices=("objects", "tracemalloc"), help="show what the growth is"
    )
    args = parser.parse_args(argv)
    if not shutil.which("tmux"):
        raise SystemExit("tmux is not installed")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop both tmux servers
    with tempfile.TemporaryDirectory(prefix="soak-", ignore_cleanup_errors=True) as name:
        folder = Path(name)
        rate = args.lines_per_second
        app_writers = LineWriters(folder / "app-writers", args.sessions, lines_per_second=rate)
        base_writers = LineWriters(folder / "tmux-writers", args.sessions, lines_per_second=rate)
        app, base = Tmux("soak-app"), Tmux("soak-tmux")
        try:
            start_app(app, folder / "app", app_writers, args)
            pid = app_pid(app)
            app.wait(
                "app",
                lambda s: len(set(READY.findall(s))) == args.sessions,
                "every writer's ready line",
                within=180,
            )
            start_baseline(base, base_writers, args)
            time.sleep(3)
            sampler = Sampler((pid, base.server_pid()), (app_writers, base_writers), args.every)
            sampler.start()
            app_writers.go.touch()
            base_writers.go.touch()
            full_at = args.scrollback + args.height
            print(
                f"{args.sessions} sessions at {args.lines_per_second:.0f} lines/s each, "
                f"scrollback {args.scrollback}: full after ~{full_at / args.lines_per_second:.0f}"
                f" s; writing for {args.minutes:.1f} min",
                flush=True,
            )
            first = None
            end = time.perf_counter() + args.minutes * 60
            while time.perf_counter() < end:
                time.sleep(args.every)
                if args.probe and first is None and sampler.samples:
                    last = sampler.samples[-1]
                    if last[3] >= full_at and last[0] >= SETTLE_SECONDS:  # the app's filled
                        first = snapshot(folder / "app", pid, "1")
            sampler.stopped.set()
            sampler.join()
            if first is not None:
                print_growth(args.probe, first, snapshot(folder / "app", pid, "2"))
        finally:
            app_writers.go.touch()
            app.close()
            base.close()
        report(sampler.samples, full_at, args.sessions, args.scrollback)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
