"""Scrollback saved while sessions run: a real emulator, real database files, deltas that add up
to what the pane shows, and the whole scrollback rewritten only when it must be."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from aisession_tui.core.types import SessionId
from aisession_tui.store.paths import DB_FILENAME
from aisession_tui.store.scrollback import ScrollbackSaver
from aisession_tui.store.store import Store
from aisession_tui.terminal import Emulator

from .conftest import make_session


@pytest.fixture
def pane() -> Emulator:
    return Emulator(80, 24, scrollback=1_000)


@pytest.fixture
def saved(store: Store, pane: Emulator) -> Iterator[tuple[SessionId, ScrollbackSaver]]:
    sid = make_session(store)
    saver = ScrollbackSaver(store, lambda s: pane if s == sid else None)
    yield sid, saver
    saver.close()


def shown(pane: Emulator) -> list[str]:
    """What the pane holds, as the store keeps it: rows without their padding, no blank tail."""
    lines = [line.rstrip() for line in pane.history_text() + pane.text_lines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def feed_lines(pane: Emulator, first: int, count: int) -> None:
    pane.feed(b"".join(b"line %d\r\n" % n for n in range(first, first + count)))


def chunk_count(store: Store) -> int:
    conn = sqlite3.connect(store.path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM scrollback_chunks").fetchone()[0])
    finally:
        conn.close()


def test_deltas_add_up_to_the_panes_scrollback_and_screen(
    store: Store, pane: Emulator, saved: tuple[SessionId, ScrollbackSaver]
) -> None:
    sid, saver = saved
    feed_lines(pane, 0, 300)
    saver.save(sid)
    for start in range(300, 900, 100):
        feed_lines(pane, start, 100)
        pane.feed(b"$ partly typed")
        saver.save(sid)
    store.flush()
    screen = store.load_screen(sid)
    assert screen is not None
    assert screen.lines == shown(pane)
    assert screen.lines[-2:] == ["line 899", "$ partly typed"]
    assert (saver.saves, saver.full_saves) == (7, 1), "only the first save wrote everything"
    assert chunk_count(store) == 6


def test_lines_the_pane_dropped_are_dropped_from_the_store_too(
    store: Store, pane: Emulator, saved: tuple[SessionId, ScrollbackSaver]
) -> None:
    sid, saver = saved
    for start in range(0, 6_000, 250):  # six times the pane's scrollback, in saves of 250
        feed_lines(pane, start, 250)
        saver.save(sid)
    store.flush()
    screen = store.load_screen(sid)
    assert screen is not None
    assert screen.lines == shown(pane)
    assert screen.lines[0] == f"line {6_000 - 1_000 - 23}"
    # Chunks wholly older than the pane's oldest line are deleted as it moves on.
    assert chunk_count(store) <= 1_000 // 250 + 1
    assert saver.full_saves == 1


@pytest.mark.parametrize("size", [(24, 50), (24, 120), (40, 80), (10, 80)])
def test_a_resize_replaces_only_the_rewritten_rows(store: Store, size: tuple[int, int]) -> None:
    """Narrower or wider (the newest rows re-wrapped), taller (rows pulled back onto the
    screen), shorter: what is stored matches the pane, and nothing is written in full again."""
    sid = make_session(store)
    pane = Emulator(80, 24, scrollback=5_000)
    saver = ScrollbackSaver(store, lambda s: pane)
    # 3,000 rows in chunks: more than the 2,000 newest rows a width change re-wraps.
    for start in range(0, 1_500, 300):
        pane.feed(b"".join(b"%04d " % n + b"x" * 99 + b"\r\n" for n in range(start, start + 300)))
        saver.save(sid)
    pane.resize(*size)
    feed_lines(pane, 0, 10)
    saver.save(sid)
    feed_lines(pane, 10, 10)
    saver.save(sid)
    store.flush()
    screen = store.load_screen(sid)
    assert screen is not None
    # Rows older than the re-wrap keep their old width in the store (the pane cuts them).
    assert [line[: pane.columns].rstrip() for line in screen.lines] == shown(pane)
    assert saver.full_saves == 1


def test_clearing_the_scrollback_clears_it_in_the_store(
    store: Store, pane: Emulator, saved: tuple[SessionId, ScrollbackSaver]
) -> None:
    sid, saver = saved
    feed_lines(pane, 0, 500)
    saver.save(sid)
    pane.feed(b"\x1b[3J\x1b[H\x1b[2Jafter clear\r\n")  # what `clear` prints
    saver.save(sid)
    store.flush()
    screen = store.load_screen(sid)
    assert screen is not None
    assert screen.lines == ["after clear"]


def test_a_lost_delta_makes_the_next_save_a_full_one(
    store: Store, pane: Emulator, saved: tuple[SessionId, ScrollbackSaver]
) -> None:
    sid, saver = saved
    feed_lines(pane, 0, 100)
    saver.save(sid)
    store.flush()
    conn = sqlite3.connect(store.path)
    conn.execute("UPDATE screens SET saved_end = 5")  # as if a delta had been given up
    conn.commit()
    conn.close()
    feed_lines(pane, 100, 100)
    saver.save(sid)  # does not follow on: not applied, and the next one is full
    store.flush()
    feed_lines(pane, 200, 5)
    saver.save(sid)
    store.flush()
    screen = store.load_screen(sid)
    assert screen is not None
    assert screen.lines == shown(pane)
    assert saver.full_saves == 2


def test_the_alternate_screen_keeps_the_main_scrollback_saved(
    store: Store, pane: Emulator, saved: tuple[SessionId, ScrollbackSaver]
) -> None:
    sid, saver = saved
    feed_lines(pane, 0, 100)
    saver.save(sid)
    pane.feed(b"\x1b[?1049h\x1b[Hfull-screen program")
    saver.save(sid)
    store.flush()
    screen = store.load_screen(sid)
    assert screen is not None
    assert screen.lines[0] == "line 0"
    assert screen.lines[-1] == "full-screen program"


def test_saved_scrollback_is_redacted(
    store: Store, pane: Emulator, saved: tuple[SessionId, ScrollbackSaver]
) -> None:
    sid, saver = saved
    token = "ghp_" + "a1B2" * 9
    pane.feed(f"$ echo {token}\r\n{token}\r\n".encode() + b"x\r\n" * 40)
    pane.feed(b"-----BEGIN OPENSSH PRIVATE KEY-----\r\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\r\n")
    saver.save(sid)
    store.flush()
    raw = (store.path.parent / DB_FILENAME).read_bytes()
    screen = store.load_screen(sid)
    assert screen is not None
    text = "\n".join(screen.lines)
    assert token not in text and "b3BlbnNzaC1rZXktdjEAAAAABG5vbmU" not in text
    assert "$ echo [REDACTED]" in screen.lines
    assert token.encode() not in raw


def test_a_save_is_bounded_by_what_is_new(
    store: Store, saved: tuple[SessionId, ScrollbackSaver], pane: Emulator
) -> None:
    """The work of a save, in lines read from the pane: new lines plus the screen, not the
    scrollback (counted with a view that records what the saver asks for)."""
    sid, _ = saved
    asked: list[int] = []

    class CountingView:
        def __getattr__(self, name: str) -> object:
            return getattr(pane, name)

        def scrollback_since(self, line: int, limit: int | None = None) -> list[str]:
            lines = pane.scrollback_since(line, limit)
            asked.append(len(lines))
            return lines

    view = CountingView()
    saver = ScrollbackSaver(store, lambda s: view)  # type: ignore[arg-type, return-value]
    feed_lines(pane, 0, 1_500)
    saver.save(sid)
    for start in range(1_500, 1_600, 10):
        feed_lines(pane, start, 10)
        saver.save(sid)
    assert asked[0] == 1_000
    assert asked[1:] == [10] * 10


def test_stored_scrollback_from_before_this_version_still_loads(
    store: Store, data_dir: Path
) -> None:
    sid = make_session(store)
    store.save_screen(sid, ["$ make", "ok"])
    store.flush()
    screen = store.load_screen(sid)
    assert screen is not None and screen.lines == ["$ make", "ok"]


async def test_a_long_scrollback_is_saved_in_slices_on_later_turns_of_the_loop(
    store: Store, pane: Emulator
) -> None:
    """After output, the save comes by itself (a timer armed by the output, no polling), in
    slices of `rows_per_save` rows read per turn of the loop, and adds up to the pane."""
    sid = make_session(store)
    asked: list[int] = []

    class CountingView:
        def __getattr__(self, name: str) -> object:
            return getattr(pane, name)

        def scrollback_since(self, line: int, limit: int | None = None) -> list[str]:
            lines = pane.scrollback_since(line, limit)
            asked.append(len(lines))
            return lines

    view = CountingView()
    saver = ScrollbackSaver(
        store,
        lambda s: view,  # type: ignore[arg-type, return-value]
        delay=0.01,
        rows_per_save=300,
    )
    feed_lines(pane, 0, 1_000)
    saver.note_output(sid)
    for _ in range(200):
        await asyncio.sleep(0.01)
        if sum(asked) >= pane.history_size:
            break
    await store.aflush()
    assert pane.history_size == 977  # 1,000 lines, the last 23 still on the screen
    assert asked == [300, 300, 300, 77]
    screen = store.load_screen(sid)
    assert screen is not None and screen.lines == shown(pane)
    assert saver.full_saves == 1
    saver.close()


def test_saves_while_nothing_scrolls_keep_the_saver_state_small(
    store: Store, pane: Emulator, saved: tuple[SessionId, ScrollbackSaver]
) -> None:
    """A full-screen program redrawing for hours adds no scrollback: saves then only update the
    visible rows, and what the saver remembers per session does not grow."""
    sid, saver = saved
    feed_lines(pane, 0, 100)
    pane.feed(b"\x1b[?1049h")
    for n in range(50):
        pane.feed(b"\x1b[H frame %d" % n)
        saver.save(sid)
    assert len(saver._saved[sid]) == 1
    store.flush()
    screen = store.load_screen(sid)
    assert screen is not None and screen.lines[-1] == " frame 49"


async def test_a_writer_behind_holds_one_delta_per_session_and_loses_no_lines(
    store: Store, pane: Emulator
) -> None:
    """Under twenty floods the writer thread fell behind the saver, and every delta it had not
    yet written held its lines in memory (the app grew by megabytes a second). Past a bound of
    rows waiting in the writer, a session's new lines wait in the pane (bounded by the
    scrollback); once the writer catches up they are all saved."""
    sid = make_session(store)
    saver = ScrollbackSaver(
        store,
        lambda s: pane if s == sid else None,
        delay=0.01,
        max_waiting_rows=200,  # two saves: each of about 100 new rows and the 24 on screen
    )
    busy, release = threading.Event(), threading.Event()

    def slow_write(conn: sqlite3.Connection) -> None:
        busy.set()
        release.wait(10)

    store.writer.submit(slow_write)
    assert busy.wait(5)
    for start in range(0, 900, 100):  # output keeps coming while the writer is stuck
        feed_lines(pane, start, 100)
        saver.note_output(sid)
        await asyncio.sleep(0.05)
    assert saver.saves == 2, "deltas wait in the writer up to a bound, not one per save"
    release.set()
    for _ in range(200):
        await asyncio.sleep(0.02)
        await store.aflush()
        screen = store.load_screen(sid)
        if screen is not None and screen.lines == shown(pane):
            break
    assert screen is not None and screen.lines == shown(pane)
    assert saver.saves >= 2
    saver.close()
