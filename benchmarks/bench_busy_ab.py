"""Busy phase of `bench_many.py` only, for two source trees in turn: what a change to the output
flow is worth, measured against the tree before it in the same run.

    python benchmarks/bench_busy_ab.py BASELINE_TREE [CHANGED_TREE] [--rounds 4] [--seconds 20]

Each round starts the app of one tree, then the other (`python -m aisession_tui` of this
interpreter with PYTHONPATH set to the tree; CHANGED_TREE defaults to this checkout) in a private
tmux server 240x60 with a `cat` session and 20 writers (`agent_lines.py`) printing as fast as their
panes take it, and counts for `--seconds` the bytes the panes took (MB/s), how evenly (slowest /
fastest pane) and the app process's CPU. On a shared machine the app's share of a core varies
from run to run, so MB per CPU-second (work per byte) is the steadier figure; the ratios printed
at the end are of the medians over the rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import bench_many as many

HERE = Path(__file__).resolve().parent


def busy_run(tree: Path, seconds: float, writer_count: int) -> tuple[float, float, float]:
    """(MB/s, slowest/fastest pane, app CPU in % of a core) of the busy phase for `tree`."""
    # A writer may still write its counts as its pane closes: never fail on cleaning up.
    with tempfile.TemporaryDirectory(prefix="bench-busy-", ignore_cleanup_errors=True) as name:
        folder = Path(name)
        writers = many.Writers(folder / "writers", writer_count)
        sessions = [("typist", "cat")] + [(f"w{t}", writers.command(t)) for t in writers.tags]
        launcher = folder / "app.sh"
        launcher.write_text(f'#!/bin/sh\nexec {sys.executable} -m aisession_tui "$@"\n')
        launcher.chmod(0o755)
        tmux = many.Tmux("bench-busy")
        tmux.env["PYTHONPATH"] = str(tree)
        args = argparse.Namespace(width=240, height=60, scrollback=10_000)
        program = many.app_program
        many.app_program = lambda: str(launcher)
        try:
            many.start_app(tmux, folder / "app", sessions, args)
            tmux.wait(
                "app",
                lambda s: (
                    len(set(many.READY.findall(s))) == len(writers.tags)
                    and many.focused(s) == "typist"
                ),
                "every writer's ready line",
                within=180,
            )
            pid = many.app_pid(tmux)
            time.sleep(2)
            writers.go.touch()
            time.sleep(4)  # past the first screenfuls
            cpu0, begin, at = many.cpu_seconds([pid]), writers.counts(), time.perf_counter()
            time.sleep(seconds)
            flow = many.flow(writers, begin, time.perf_counter() - at)
            cpu = (many.cpu_seconds([pid]) - cpu0) / flow.seconds * 100
        finally:
            many.app_program = program
            writers.go.touch()
            tmux.close()
    rates = list(flow.per_pane.values())
    return flow.total_mb, min(rates) / max(max(rates), 1e-9), cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("baseline", type=Path, help="source tree to compare against")
    parser.add_argument("changed", type=Path, nargs="?", default=HERE.parent)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--writers", type=int, default=20)
    args = parser.parse_args(argv)
    trees = {"baseline": args.baseline.resolve(), "changed": args.changed.resolve()}
    for tree in trees.values():
        if not (tree / "aisession_tui" / "__init__.py").exists():
            raise SystemExit(f"{tree}: not a source tree of aisession_tui")
    results: dict[str, list[tuple[float, float, float]]] = {label: [] for label in trees}
    for round_number in range(1, args.rounds + 1):
        for label, tree in trees.items():
            mb, fair, cpu = busy_run(tree, args.seconds, args.writers)
            results[label].append((mb, fair, cpu))
            load = os.getloadavg()[0]
            print(
                f"round {round_number} {label:8} {mb:5.2f} MB/s  slowest/fastest {fair:.2f}  "
                f"app CPU {cpu:3.0f}%  {mb / max(cpu / 100, 1e-3):.2f} MB per CPU-s  "
                f"(load {load:.1f})",
                flush=True,
            )
    medians = {
        label: (
            statistics.median(r[0] for r in runs),
            statistics.median(r[1] for r in runs),
            statistics.median(r[0] / max(r[2] / 100, 1e-3) for r in runs),
        )
        for label, runs in results.items()
    }
    (base_mb, base_fair, base_eff), (mb, fair, eff) = medians["baseline"], medians["changed"]
    each = f"{args.writers} writers, {args.seconds:.0f} s each"
    print(f"\nmedians over {args.rounds} rounds ({each}):")
    print(f"  throughput     {base_mb:.2f} -> {mb:.2f} MB/s ({mb / max(base_mb, 1e-9):.2f}x)")
    print(f"  MB per CPU-s   {base_eff:.2f} -> {eff:.2f} ({eff / max(base_eff, 1e-9):.2f}x)")
    print(f"  slowest/fastest pane {base_fair:.2f} -> {fair:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
