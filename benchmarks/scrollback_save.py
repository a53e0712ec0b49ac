"""Cost of saving a running pane's scrollback: the incremental save vs the whole scrollback.

    python benchmarks/scrollback_save.py

A 160x48 pane with a full 10,000-line scrollback (built rows, as a pane that was painted and
scrolled has them), then 100 new lines per save. Measured in the same run:
- on the event loop: `ScrollbackSaver.save` (new lines + visible rows read, one enqueue) vs
  reading the whole scrollback as the exit-time snapshot did and a full save (the first one,
  one after a width change) does (`history_text() + text_lines()`), with built and unbuilt rows;
- in the writer thread: committing one delta (redact, compress, insert a chunk) vs one full
  snapshot (redact, compress, replace the row);
- stored bytes after 100 saves (chunks the pane dropped are deleted).
Figures on a shared machine are noisy; the ratios are what to read.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aisession_tui.core.config import SessionConfig
from aisession_tui.core.types import SessionId, SessionStatus
from aisession_tui.store import Store
from aisession_tui.store.scrollback import ScrollbackSaver
from aisession_tui.terminal import Emulator

SCROLLBACK = 10_000
NEW_LINES = 100
SAVES = 100


def fill(pane: Emulator, first: int, count: int) -> None:
    text = b"".join(
        b"%06d \x1b[32mok\x1b[0m compiling crate number %d of the workspace, please wait\r\n"
        % (n, n)
        for n in range(first, first + count)
    )
    pane.feed(text)


def build_rows(pane: Emulator) -> None:
    """Turn lazy rows into built ones (a painted pane has them built)."""
    for i in range(pane.history_size):
        pane.history_row(i)[0]


def timed(fn: object, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - start)
    return out


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        measure(Path(folder))
    return 0


def measure(folder: Path) -> None:
    pane = Emulator(160, 48, scrollback=SCROLLBACK)
    fill(pane, 0, SCROLLBACK + 48)
    build_rows(pane)
    store = Store.open(folder)
    store.begin_run()
    sid = SessionId.new()
    store.record_session(
        sid, SessionConfig(name="bench"), datetime.now(UTC), status=SessionStatus.RUNNING
    )
    saver = ScrollbackSaver(store, lambda _: pane)
    saver.save(sid)  # the first save is full
    store.flush()

    loop_delta: list[float] = []
    commit_delta: list[float] = []
    for n in range(SAVES):
        fill(pane, SCROLLBACK + 48 + n * NEW_LINES, NEW_LINES)
        build_rows(pane)
        loop_delta += timed(lambda: saver.save(sid), 1)
        commit_delta += timed(store.flush, 1)
    assert saver.full_saves == 1, saver.full_saves
    pane.resize(48, 120)  # a width change re-wraps the newest rows: only those are rewritten
    build_rows(pane)
    loop_resize = timed(lambda: saver.save(sid), 1)
    assert saver.full_saves == 1, saver.full_saves
    store.flush()

    loop_full = timed(lambda: pane.history_text() + pane.text_lines(), 10)
    lazy = Emulator(160, 48, scrollback=SCROLLBACK)
    fill(lazy, 0, SCROLLBACK + 48)  # rows never painted stay unbuilt: cheap to read
    loop_lazy = timed(lambda: lazy.history_text() + lazy.text_lines(), 10)
    commit_full: list[float] = []
    for _ in range(10):
        lines = pane.history_text() + pane.text_lines()
        store.save_screen(sid, lines)
        commit_full += timed(store.flush, 1)
    store.close()
    size = sum(p.stat().st_size for p in folder.iterdir())

    def ms(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1e3:.2f} ms, max {max(values) * 1e3:.2f} ms"

    print(f"pane 160x48, scrollback {SCROLLBACK} lines, {NEW_LINES} new lines per save")
    print(f"event loop, incremental save:   {ms(loop_delta)}")
    print(f"event loop, whole scrollback:   {ms(loop_full)}")
    ratio = statistics.median(loop_full) / statistics.median(loop_delta)
    print(f"  -> the incremental save costs the loop 1/{ratio:.0f} of a whole one")
    print(f"event loop, whole, unbuilt rows: {ms(loop_lazy)}")
    print(f"event loop, save after a width change (newest rows rewritten): {ms(loop_resize)}")
    print(f"writer thread, commit of delta: {ms(commit_delta)}")
    print(f"writer thread, commit of whole: {ms(commit_full)}")
    ratio = statistics.median(commit_full) / statistics.median(commit_delta)
    print(f"  -> 1/{ratio:.0f}")
    print(f"database folder after {SAVES} saves and 10 snapshots: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    raise SystemExit(main())
