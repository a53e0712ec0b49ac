"""Benchmark 1: emulator throughput, our `Emulator` vs stock pyte (or vs our emulator at another
git ref), measured in the same run.

    python benchmarks/bench_emulator.py            # four ~20 MB streams, median of 5 runs
    python benchmarks/bench_emulator.py --quick    # 2 MB streams, 3 runs (smoke test)
    python benchmarks/bench_emulator.py --against 1bbe7da --size-mb 3 --runs 3
        # this tree's emulator vs the one at a git ref (1bbe7da: before issue 17's work)

Each stream (see `streams.py`: plain log, SGR-heavy, full-screen repaint, wide UTF-8) is fed in
64 KiB chunks at 160x48 with 10,000 lines of scrollback, through stock `pyte.HistoryScreen` +
`pyte.ByteStream` and through our `Emulator`. Stock pyte manages well under 1 MB/s, so its runs are
time-boxed to a prefix of each stream (2 MB by default) and reported as MB/s of that prefix.
Times are CPU seconds of the process parsing (`time.process_time`), so other load on a shared
machine does not skew either side; runs of the two are interleaved.

`--against REF` checks REF out into a temporary git worktree and runs both emulators on the whole
of each stream, each in a worker process of its own (two versions of the package cannot share
one interpreter), alternating which goes first; the streams are this tree's `streams.py` for both.
Each stream is timed twice: parsing alone ("feed"), and with each chunk followed by reading the
text of the rows it changed ("read"), since a screen may leave work to when its rows are read.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyte

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.streams import STREAMS  # noqa: E402

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


def run_ours(chunks: list[bytes], read: bool = False) -> float:
    """Seconds for our emulator (the `aisession_tui` first on `sys.path`) to parse `chunks`;
    with `read`, each chunk is followed by reading the text of the rows it changed, as a pane
    drawing them or the analysis would (rows kept unbuilt are paid for when read)."""
    from aisession_tui.terminal import Emulator
    from aisession_tui.terminal.emulator import row_text

    emulator = Emulator(COLUMNS, LINES, scrollback=SCROLLBACK)
    start = time.process_time()
    for chunk in chunks:
        emulator.feed(chunk)
        if read:
            for y in emulator.take_dirty():
                row_text(emulator.row(y), COLUMNS)
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


# -- --against: two emulators, one worker process each -------------------------------------------


def worker(package_root: str) -> int:
    """Parse streams on request with the emulator under `package_root`: reads `name size` lines
    on stdin, answers each with the CPU seconds taken."""
    sys.path.insert(0, package_root)
    import aisession_tui

    where = Path(aisession_tui.__file__).resolve()
    if not where.is_relative_to(Path(package_root).resolve()):
        raise SystemExit(f"worker imported {where}, not the package under {package_root}")
    streams: dict[tuple[str, int], list[bytes]] = {}
    for request in sys.stdin:
        name, size, read = request.split()
        key = (name, int(size))
        if key not in streams:
            streams = {key: _chunks(STREAMS[name](int(size)))}
        print(run_ours(streams[key], read == "read"), flush=True)
    return 0


class Worker:
    """A worker process of `worker(package_root)`."""

    def __init__(self, package_root: Path) -> None:
        self._process = subprocess.Popen(
            [sys.executable, __file__, "--worker", str(package_root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def seconds(self, name: str, size: int, read: bool) -> float:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(f"{name} {size} {'read' if read else 'feed'}\n")
        self._process.stdin.flush()
        answer = self._process.stdout.readline()
        if not answer:
            raise SystemExit(f"the worker for {name} stopped (exit status {self._process.wait()})")
        return float(answer)

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait()


def against(ref: str, names: list[str], size: int, runs: int) -> int:
    """This tree's emulator vs the one at git `ref`, interleaved, median MB/s and the ratio."""
    with tempfile.TemporaryDirectory(prefix="bench-emulator-") as scratch:
        checkout = Path(scratch) / "ref"
        added = subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(checkout), ref],
            capture_output=True,
            text=True,
        )
        if added.returncode != 0:
            print(f"bench_emulator: --against {ref}: {added.stderr.strip()}", file=sys.stderr)
            return 2
        try:
            return _compare(ref, checkout, names, size, runs)
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(checkout)],
                check=False,
            )


def _compare(ref: str, checkout: Path, names: list[str], size: int, runs: int) -> int:
    theirs, ours = Worker(checkout), Worker(ROOT)
    try:
        print(
            f"Emulator throughput at {COLUMNS}x{LINES}, scrollback {SCROLLBACK}, "
            f"{CHUNK // 1024} KiB chunks, {size / 1e6:.1f} MB per stream, "
            f"median of {runs} interleaved runs, CPU time; 'read': each chunk followed by "
            "reading the text of the rows it changed\n"
        )
        header = f"{'stream':<10}{'':<6}{ref[:12] + ' MB/s':>20}{'this tree MB/s':>16}{'ratio':>8}"
        print(header)
        print("-" * len(header))
        for name in names:
            for read in (False, True):
                their_rates, our_rates = [], []
                for run in range(runs):
                    pair = (theirs, ours) if run % 2 == 0 else (ours, theirs)
                    for side in pair:
                        rate = size / side.seconds(name, size, read) / 1e6
                        (their_rates if side is theirs else our_rates).append(rate)
                then, now = statistics.median(their_rates), statistics.median(our_rates)
                how = "read" if read else "feed"
                print(f"{name:<10}{how:<6}{then:>20.2f}{now:>16.2f}{now / then:>7.2f}x", flush=True)
    finally:
        theirs.close()
        ours.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 MB streams, 3 runs")
    parser.add_argument("--size-mb", type=float, default=None, help="stream size (default 20)")
    parser.add_argument("--runs", type=int, default=None, help="runs per measurement (>= 1)")
    parser.add_argument(
        "--baseline-mb", type=float, default=2.0, help="prefix stock pyte is timed on (MB)"
    )
    parser.add_argument(
        "--against", metavar="REF", help="compare with the emulator at this git ref, not pyte"
    )
    parser.add_argument(
        "--streams", default=",".join(STREAMS), help="comma-separated streams (default: all)"
    )
    parser.add_argument("--worker", metavar="ROOT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker)
    size = int((args.size_mb or (2 if args.quick else 20)) * 1_000_000)
    runs = args.runs or (3 if args.quick else 5)
    if runs < 1:
        parser.error("--runs must be at least 1")
    names = args.streams.split(",")
    unknown = sorted(set(names) - set(STREAMS))
    if unknown:
        parser.error(f"--streams: no stream {', '.join(unknown)} (have: {', '.join(STREAMS)})")
    if args.against:
        return against(args.against, names, size, runs)
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
    for name in names:
        data = STREAMS[name](size)
        stock, ours = measure(data, baseline_size, runs)
        print(f"{name:<10}{len(data) / 1e6:>9.1f}{stock:>12.2f}{ours:>11.2f}{ours / stock:>7.1f}x")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
