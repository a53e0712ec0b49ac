"""The PTY and tmux session backends side by side, in the same run (ratios, not absolutes).

    python benchmarks/bench_backends.py            # 20 MB cat, 3 runs each; 200 keys
    python benchmarks/bench_backends.py --quick    # 2 MB cat, 2 runs each; 60 keys

Uses `bench_app.py`'s measurements (the real app, headless `run_test`): `cat` of the plain
log until the pane has rendered its last line, and keystroke echo (a key posted to the app ->
the pane rendering the echo), idle and with three panes running `yes`, and Ctrl+C into a pane
flooding with `yes` until the prompt is drawn (backpressure). Runs alternate between
the backends so a machine busy with other work slows both alike. The tmux servers live under a
`TMUX_TMPDIR` of the benchmark's own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aisession_tui.core.backends import BackendName
from aisession_tui.core.config import SessionConfig
from aisession_tui.core.hosts import make_backend
from aisession_tui.core.manager import SessionManager
from aisession_tui.ui.app import AppOptions, SupervisorApp
from benchmarks import bench_app
from benchmarks.streams import plain_log


def _use(backend: BackendName) -> None:
    """Make `bench_app` start its apps on `backend`."""

    def app_for(*configs: SessionConfig) -> SupervisorApp:
        manager = SessionManager(backend=make_backend(backend, workspace=f"bench-{os.getpid()}"))
        options = AppOptions(panels=(), control=False)
        return SupervisorApp(list(configs), options=options, manager=manager)

    bench_app.app_for = app_for


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    size, runs, keys = (2_000_000, 2, 60) if args.quick else (20_000_000, 3, 200)
    backends: list[BackendName] = ["pty", "tmux"]
    with tempfile.TemporaryDirectory() as folder:
        os.environ["TMUX_TMPDIR"] = folder
        os.environ.pop("TMUX", None)
        data = plain_log(size) + f"{bench_app.MARKER}\r\n".encode()
        path = Path(folder) / "plain.log"
        path.write_bytes(data.replace(b"\r\n", b"\n"))
        cat: dict[str, list[float]] = {name: [] for name in backends}
        for name in backends:  # warm-up, not counted
            _use(name)
            asyncio.run(bench_app.app_cat(path))
        for _ in range(runs):
            for name in backends:
                _use(name)
                cat[name].append(asyncio.run(bench_app.app_cat(path)))
        echo: dict[tuple[str, int], list[float]] = {}
        for flooders in (0, 3):
            for name in backends:
                _use(name)
                echo[name, flooders] = asyncio.run(bench_app.echo_latencies(keys, flooders))[0]
        interrupt: dict[str, list[float]] = {name: [] for name in backends}
        for _ in range(runs):
            for name in backends:
                _use(name)
                interrupt[name].append(asyncio.run(bench_app.app_interrupt()))
    mb = len(data) / 1e6
    print(f"cat of {mb:.1f} MB in a {bench_app.COLUMNS}x{bench_app.LINES} pane, median of {runs}")
    for name in backends:
        median = statistics.median(cat[name])
        runs_text = ", ".join(f"{t:.2f}" for t in cat[name])
        print(f"  {name:5} {median:6.2f} s  {mb / median:6.1f} MB/s   ({runs_text})")
    ratio = statistics.median(cat["tmux"]) / statistics.median(cat["pty"])
    print(f"  tmux/pty {ratio:.2f}x")
    print(f"\nKeystroke echo, {keys} keys (ms)      p50     p99")
    for flooders, label in ((0, "idle"), (3, "3 panes running yes")):
        for name in backends:
            values = echo[name, flooders]
            p50 = bench_app.percentile(values, 0.5)
            p99 = bench_app.percentile(values, 0.99)
            print(f"  {label:20} {name:5} {p50:7.1f} {p99:7.1f}")
    print(f"\nCtrl+C into `yes` until the prompt is drawn, median of {runs} (ms)")
    for name in backends:
        runs_text = ", ".join(f"{t * 1000:.0f}" for t in interrupt[name])
        print(f"  {name:5} {statistics.median(interrupt[name]) * 1000:7.0f}   ({runs_text})")
    ratio = statistics.median(interrupt["tmux"]) / statistics.median(interrupt["pty"])
    print(f"  tmux/pty {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
