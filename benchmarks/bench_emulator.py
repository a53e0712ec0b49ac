"""Benchmark 1: emulator throughput, our `Emulator` vs stock pyte, measured in the same run.

    python benchmarks/bench_emulator.py            # four ~20 MB streams, median of 5 runs
    python benchmarks/bench_emulator.py --quick    # 2 MB streams, 3 runs (smoke test)

Each stream (see `streams.py`: plain log, SGR-heavy, full-screen repaint, wide UTF-8) is fed in
64 KiB chunks at 160x48 with 10,000 lines of scrollback, through stock `pyte.HistoryScreen` +
`pyte.ByteStream` and through our `Emulator`. Stock pyte manages well under 1 MB/s, so its runs are
time-boxed to a prefix of each stream (2 MB by default) and reported as MB/s of that prefix.
Times are CPU seconds of this process (`time.process_time`), so other load on a shared machine does
not skew either side; runs of the two are interleaved.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pyte

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aisession_tui.terminal import Emulator
from benchmarks.streams import STREAMS

COLUMNS, LINES, SCROLLBACK, CHUNK = 160, 48, 10_000, 64 * 1024


def _chunks(data: bytes) -> list[bytes]:
    return [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]


def run_stock(chunks: list[bytes]) -> float:
    """Seconds for stock pyte to parse `chunks`."""
    screen = pyte.HistoryScreen(COLUMNS, LINES, history=SCROLLBACK)
    stream = pyte.ByteStream(screen)
    start = time.process_time()
    for chunk in chunks:
        stream.feed(chunk)
    return time.process_time() - start


def run_ours(chunks: list[bytes]) -> float:
    """Seconds for our emulator to parse `chunks`."""
    emulator = Emulator(COLUMNS, LINES, scrollback=SCROLLBACK)
    start = time.process_time()
    for chunk in chunks:
        emulator.feed(chunk)
    return time.process_time() - start


def measure(data: bytes, baseline_size: int, runs: int) -> tuple[float, float]:
    """Median MB/s of (stock pyte on the prefix, ours on everything); runs are interleaved so
    both see the same machine load."""
    stock_chunks, our_chunks = _chunks(data[:baseline_size]), _chunks(data)
    stock_rates, our_rates = [], []
    for _ in range(runs):
        stock_rates.append(baseline_size / run_stock(stock_chunks) / 1e6)
        our_rates.append(len(data) / run_ours(our_chunks) / 1e6)
    return statistics.median(stock_rates), statistics.median(our_rates)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 MB streams, 3 runs")
    parser.add_argument("--size-mb", type=float, default=None, help="stream size (default 20)")
    parser.add_argument("--runs", type=int, default=None, help="runs per measurement (>= 1)")
    parser.add_argument(
        "--baseline-mb", type=float, default=2.0, help="prefix stock pyte is timed on (MB)"
    )
    args = parser.parse_args(argv)
    size = int((args.size_mb or (2 if args.quick else 20)) * 1_000_000)
    runs = args.runs or (3 if args.quick else 5)
    baseline_size = min(size, int(args.baseline_mb * 1_000_000))

    print(
        f"Emulator throughput at {COLUMNS}x{LINES}, scrollback {SCROLLBACK}, "
        f"{CHUNK // 1024} KiB chunks, median of {runs} runs, CPU time"
    )
    print(
        f"stock pyte timed on the first {baseline_size / 1e6:.1f} MB of each "
        f"stream; ours on all {size / 1e6:.1f} MB\n"
    )
    header = f"{'stream':<10}{'size MB':>9}{'stock MB/s':>12}{'ours MB/s':>11}{'ratio':>8}"
    print(header)
    print("-" * len(header))
    for name, make in STREAMS.items():
        data = make(size)
        stock, ours = measure(data, baseline_size, runs)
        print(f"{name:<10}{len(data) / 1e6:>9.1f}{stock:>12.2f}{ours:>11.2f}{ours / stock:>7.1f}x")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
