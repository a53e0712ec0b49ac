"""The coloured and wide-character fast paths give the same screen as the slow way.

Floods of coloured or wide-character lines are laid out as unbuilt rows (`SpanRow`) and text of
mixed widths is written as slices of "cell text"; each is compared, cell for cell (text and
attributes, screen and scrollback, cursor and wrap marks), with the same bytes taken the slow
way: line by line and sequence by sequence, or one character at a time.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aisession_tui.terminal import Emulator, sequence_runs
from aisession_tui.terminal.cells import (
    MAX_PATCHES,
    UNBUILT,
    LazyRow,
    PatchRow,
    SpanRow,
    patch_row,
)
from aisession_tui.terminal.emulator import row_text

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.streams import repaint, sgr_heavy, wide_utf8

_PIECES = [
    "word",
    " ",
    "ab cd",
    "漢字",
    "한국어",
    "🚀",
    "✅",
    "àé",
    "e\u0301",
    "\u0301",  # a combining mark, sometimes at a line's or run's start
    "\u200d",
    "\ufe0f",
    "\x1b[0m",
    "\x1b[m",
    "\x1b[1;31m",
    "\x1b[44m",  # a background: BCE for the rows a scroll or wrap brings in
    "\x1b[7m",
    "\x1b[38;5;208m",
    "\x1b[38;2;1;2;3m",
    "\x1b[22;4m",
]


def _state(emulator: Emulator) -> tuple:
    screen = emulator.screen
    columns = screen.columns
    rows = tuple(tuple(screen.buffer[y][x] for x in range(columns)) for y in range(screen.lines))
    history = [row for row in screen.history.top]
    return (
        rows,
        tuple(tuple(row[x] for x in range(columns)) for row in history),
        tuple(row.__dict__.get("wrapped") for row in history),  # True, or SHORT
        tuple(screen.buffer[y].__dict__.get("wrapped") for y in range(screen.lines)),
        (screen.cursor.x, screen.cursor.y),
        screen.cursor.attrs,
        screen._last_char,
        screen.history_added,
    )


def _slow(columns: int, lines: int, scrollback: int) -> Emulator:
    emulator = Emulator(columns, lines, scrollback=scrollback)
    emulator.screen.draw_lines = None  # type: ignore[assignment]  # the stream goes one by one
    return emulator


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines_=st.lists(st.lists(st.sampled_from(_PIECES), max_size=12), max_size=30),
    prefix=st.sampled_from(["", "\x1b[5;3H", "\x1b[41m", "abc", "\x1b[2;4r", "\x1b[?1049h"]),
    columns=st.integers(1, 12),
    lines=st.integers(1, 6),
    scrollback=st.integers(0, 8),
)
@example(lines_=[["漢字漢字漢"]] * 3, prefix="", columns=3, lines=2, scrollback=4)
@example(lines_=[["\u0301a"], ["a"], ["\u0301"]], prefix="", columns=4, lines=1, scrollback=2)
def test_coloured_and_wide_floods_equal_line_by_line_processing(
    lines_: list[list[str]], prefix: str, columns: int, lines: int, scrollback: int
) -> None:
    data = (prefix + "".join("".join(line) + "\r\n" for line in lines_) + "tail").encode()
    fast = Emulator(columns, lines, scrollback=scrollback)
    slow = _slow(columns, lines, scrollback)
    fast.feed(data)
    slow.feed(data)
    # Text first (unbuilt rows read as text without building), then every cell.
    assert fast.text_lines() == slow.text_lines()
    assert fast.history_text() == slow.history_text()
    assert _state(fast) == _state(slow)


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(
        st.sampled_from([p for p in _PIECES if "\x1b" not in p] + ["\x01"]), max_size=20
    ),
    columns=st.integers(1, 9),
    start=st.integers(0, 9),
    autowrap=st.booleans(),
)
def test_text_of_mixed_widths_drawn_at_once_equals_one_character_at_a_time(
    pieces: list[str], columns: int, start: int, autowrap: bool
) -> None:
    text = "".join(pieces)
    setup = f"xy\r\n{'z' * min(start, columns)}".encode() + (b"" if autowrap else b"\x1b[?7l")
    whole = Emulator(columns, 3, scrollback=4)
    single = Emulator(columns, 3, scrollback=4)
    whole.feed(setup)
    single.feed(setup)
    whole.screen.draw(text)
    for char in text:
        single.screen.draw(char)
    assert _state(whole)[:6] == _state(single)[:6]


def test_a_coloured_flood_leaves_rows_unbuilt_until_read() -> None:
    emulator = Emulator(160, 48, scrollback=1000)
    emulator.feed(sgr_heavy(200_000) + b"\r\n")
    unbuilt = [row for row in emulator.screen.history.top if type(row) in UNBUILT]
    assert len(unbuilt) > 500
    span_row = next(row for row in unbuilt if type(row) is SpanRow)
    text = row_text(span_row, 160)
    assert type(span_row) is SpanRow  # reading its text did not build it
    assert "".join(span_row[x].data for x in range(160)) == text
    assert type(span_row) not in UNBUILT  # reading a cell did


def test_a_repainted_row_keeps_its_writes_until_read_and_reads_as_if_applied() -> None:
    """Full-screen repaints leave rows as `PatchRow`s (writes kept, at most `MAX_PATCHES`);
    reading one gives the cells the writes made one by one would, overwritten ones included."""
    writes = "".join(
        f"\x1b[3;{1 + (n * 7) % 50}H\x1b[{31 + n % 7}mw{n}\x1b[{'K' if n % 3 else '3X'}\x1b[0m"
        for n in range(3 * MAX_PATCHES + 5)
    )
    data = ("\x1b[3;1H\x1b[44mfirst\x1b[1K\x1b[0m" + writes + "\x1b[3;60H\x1b[7mtail").encode()
    fast, slow = Emulator(80, 6, scrollback=10), _slow(80, 6, 10)
    fast.feed(data)
    slow.feed(data)
    row = fast.row(2)
    assert type(row) is PatchRow
    assert 0 < len(row.patches) <= MAX_PATCHES
    assert _state(fast) == _state(slow)
    assert type(row) not in UNBUILT  # reading its cells built it
    assert row_text(row, 80) == "w100".ljust(59) + "tail".ljust(21)


def test_rows_leaving_for_the_scrollback_are_built_and_scrolling_back_builds_none() -> None:
    """The scrollback keeps cells, not a repaint's pending writes; moving rows with RI (scroll
    down) neither builds unbuilt ones nor loses them."""
    emulator = Emulator(40, 4, scrollback=10)
    emulator.feed(b"\x1b[1;1H\x1b[1mtop\x1b[K\x1b[2;5H\x1b[32mnext\x1b[K\x1b[0m")
    assert type(emulator.row(0)) is PatchRow
    emulator.feed(b"\x1b[4;1H\n\n")
    history = emulator.screen.history.top
    assert [row_text(row, 40).rstrip() for row in history] == ["top", "    next"]
    assert not any(type(row) in UNBUILT for row in history)
    emulator.feed(b"\x1b[4;1H" + b"flood line\r\n" * 6)
    lazy = [y for y in range(4) if type(emulator.row(y)) is LazyRow]
    assert lazy
    emulator.feed(b"\x1b[1;1H\x1bM")
    assert [y + 1 for y in lazy if y + 1 < 4] == [
        y for y in range(4) if type(emulator.row(y)) is LazyRow
    ]
    assert emulator.text_lines()[0] == " " * 40


def test_the_benchmark_streams_equal_the_slow_way_at_the_benchmark_size() -> None:
    for make in (sgr_heavy, wide_utf8, repaint):
        data = make(60_000)
        fast = Emulator(160, 48, scrollback=300)
        slow = _slow(160, 48, 300)
        for offset in range(0, len(data), 4096):
            fast.feed(data[offset : offset + 4096])
            slow.feed(data[offset : offset + 4096])
        assert _state(fast) == _state(slow)


_SEQUENCES = st.sampled_from(
    [
        "\x1b[{a};{b}H",
        "\x1b[{a}H",
        "\x1b[H",
        "\x1b[;{b}H",
        "\x1b[{a};{b};7f",
        "\x1b[99999;{b}H",
        "\x1b[0;0H",
        "\x1b[K",
        "\x1b[1K",
        "\x1b[2K",
        "\x1b[3K",
        "\x1b[0;1K",
        "\x1b[{a}X",
        "\x1b[X",
        "\x1b[0m",
        "\x1b[m",
        "\x1b[44;37m",
        "\x1b[1;32m",
        "\x1b[38;5;208m",
    ]
)
_TEXTS = st.sampled_from(
    ["", "status", "a b", "a very long piece of text", "漢字", "e\u0301", "\x01x"]
)


@settings(max_examples=300, deadline=None)
@given(
    tokens=st.lists(
        st.tuples(_SEQUENCES, _TEXTS, st.integers(0, 9), st.integers(0, 14)), max_size=25
    ),
    prefix=st.sampled_from(
        ["", "\x1b[2;4r\x1b[?6h", "\x1b[?7l", "\x1b[?5h", "\x1b[4h", "\x1b[?69h\x1b[2;5s"]
    ),
    columns=st.integers(1, 12),
    lines=st.integers(1, 6),
)
def test_runs_of_sgr_cup_el_ech_and_text_equal_one_sequence_at_a_time(
    tokens: list[tuple[str, str, int, int]], prefix: str, columns: int, lines: int
) -> None:
    data = (prefix + "".join(seq.format(a=a, b=b) + text for seq, text, a, b in tokens)).encode()
    fast = Emulator(columns, lines, scrollback=4)
    slow = _slow(columns, lines, 4)
    fast.feed(data)
    slow.feed(data)
    assert _state(fast) == _state(slow)
    assert fast.text_lines() == slow.text_lines()


def test_a_failing_sgr_in_a_run_loses_only_itself() -> None:
    """A group of a run (SGRs, CUP, SGRs, text, EL) whose SGR handler raises: the rest of the
    group and of the run still happen, as when the stream dispatches one sequence at a time."""
    data = "\x1b[0m\x1b[2;3H\x1b[1mbold\x1b[K\x1b[0m\x1b[3;2H\x1b[44mblue\x1b[2X\x1b[1;1Hx"
    emulators = [Emulator(12, 4, scrollback=4), _slow(12, 4, 4)]
    for emulator in emulators:
        screen = emulator.screen
        working = screen.select_graphic_rendition_text

        def broken(params: str, working: Any = working) -> None:
            if params == "1":
                raise RuntimeError("boom")
            working(params)

        screen.select_graphic_rendition_text = broken  # type: ignore[method-assign]
        emulator.stream._initialize_parser()
        emulator.feed(data.encode())
    fast, slow = emulators
    assert _state(fast) == _state(slow)
    assert fast.text_lines()[:3] == ["x".ljust(12), "  bold".ljust(12), " blue".ljust(12)]


def test_remembered_text_runs_stay_bounded() -> None:
    from aisession_tui.terminal import cells

    emulator = Emulator(160, 4, scrollback=0)
    for n in range(4000):
        emulator.feed(f"\x1b[1;1H\x1b[0m{n:>60}\x1b[K\x1b[2;1H\x1b[1m{n:<60}".encode())
    assert 0 < cells._text_run_cells <= cells.MAX_TEXT_RUN_CELLS
    assert sum(map(len, cells.TEXT_RUNS.values())) == cells._text_run_cells
    assert emulator.text_lines()[:2] == ["3999".rjust(60).ljust(160), "3999".ljust(160)]


def test_learned_character_widths_stay_bounded_and_are_learned_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from aisession_tui.terminal import cells

    monkeypatch.setattr(cells, "_MAX_WIDTHS", 64)
    emulator = Emulator(20, 2, scrollback=400)
    lines = ["".join(chr(0x4E00 + n * 8 + i) for i in range(8)) + "e\u0301" for n in range(40)]
    for line in lines:
        emulator.feed(f"{line}\r\n".encode())
        assert len(cells._EXPAND) <= 64 + 10  # at most one text's characters past the bound
    last = lines[-1].replace("e\u0301", "\u00e9")
    assert emulator.text_lines()[0] == last + " " * (20 - 17)


# -- the compiled fast path (`_speedups.c`) against the Python path ---------------------------


@contextmanager
def _python_path() -> Iterator[None]:
    """Emulators fed inside take the Python path, as where the C module was not built."""
    saved = sequence_runs.compiled
    sequence_runs.compiled = None
    try:
        yield
    finally:
        sequence_runs.compiled = saved


def _compiled() -> ModuleType:
    if sequence_runs.compiled is None:
        if os.environ.get("AISESSION_CI"):
            pytest.fail("the C fast path is not built (and AISESSION_CI is set, so it must be)")
        pytest.skip("the C fast path is not built (no C compiler when installed)")
    return sequence_runs.compiled


def _both_paths(data: bytes, columns: int, lines: int, scrollback: int, chunk: int) -> None:
    _compiled()
    compiled = Emulator(columns, lines, scrollback=scrollback)
    python = Emulator(columns, lines, scrollback=scrollback)
    for offset in range(0, len(data), chunk):
        compiled.feed(data[offset : offset + chunk])
        with _python_path():
            python.feed(data[offset : offset + chunk])
    assert compiled.text_lines() == python.text_lines()
    assert _state(compiled) == _state(python)


def test_the_compiled_fast_path_is_built_from_this_source() -> None:
    """An install builds it beside its source (`hatch_build.py`): a stale one would be tested
    in place of the code under review."""
    source = Path(sequence_runs.__file__).with_name("_speedups.c")
    assert hashlib.sha256(source.read_bytes()).hexdigest() == _compiled().SOURCE_DIGEST


def test_the_python_path_is_taken_when_the_environment_asks() -> None:
    script = (
        "from aisession_tui.terminal import Emulator, sequence_runs\n"
        "emulator = Emulator(20, 3)\n"
        "emulator.feed(b'\\x1b[2;3H\\x1b[1mhi\\x1b[K\\x1b[1;1Hx')\n"
        "print(sequence_runs.compiled, [line.rstrip() for line in emulator.text_lines()[:2]])\n"
    )
    environment = {**os.environ, "AISESSION_TUI_PURE_PYTHON": "1"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment
    )
    assert result.stdout.strip() == "None ['x', '  hi']", result.stderr


# Sequences a run may hold, with the shapes the compiled path leaves to Python: CUP with empty,
# extra or huge parameters, EL other than 0/1, ECH with two parameters, over-long parameters.
_RUN_SEQUENCES = st.sampled_from(
    [
        "\x1b[{a};{b}H",
        "\x1b[{a}H",
        "\x1b[{a};{b}f",
        "\x1b[H",
        "\x1b[;{b}H",
        "\x1b[{a};H",
        "\x1b[{a};{b};1H",
        "\x1b[999999999;{b}H",
        "\x1b[00{a};0{b}H",
        "\x1b[K",
        "\x1b[0K",
        "\x1b[00K",
        "\x1b[1K",
        "\x1b[2K",
        "\x1b[1;0K",
        "\x1b[{a}X",
        "\x1b[X",
        "\x1b[{a};{b}X",
        "\x1b[123456789X",
        "\x1b[0m",
        "\x1b[m",
        "\x1b[44;37m",
        "\x1b[1;32m",
        "\x1b[38;5;208m",
        "\x1b[" + "1;" * 64 + "m",  # 128 characters of parameters: still a run
        "\x1b[" + "1;" * 64 + "1m",  # 129: not
        "\x1b[5n",  # not a run's sequence: ends it
    ]
)
_RUN_TEXTS = st.sampled_from(
    ["", "status", "a b", "~", "a very long piece of text", "漢字", "é", "e\u0301", "\x01x", "\r\n"]
)


@settings(max_examples=400, deadline=None)
@given(
    tokens=st.lists(
        st.tuples(_RUN_SEQUENCES, _RUN_TEXTS, st.integers(0, 12), st.integers(0, 14)),
        max_size=30,
    ),
    prefix=st.sampled_from(
        ["", "\x1b[2;4r\x1b[?6h", "\x1b[?7l", "\x1b[?5h", "\x1b[4h", "\x1b[?1049h", "\x1b(0"]
    ),
    columns=st.integers(1, 14),
    lines=st.integers(1, 6),
    chunk=st.integers(1, 64),
)
def test_runs_take_the_compiled_path_as_they_take_the_python_path(
    tokens: list[tuple[str, str, int, int]], prefix: str, columns: int, lines: int, chunk: int
) -> None:
    data = prefix + "".join(seq.format(a=a, b=b) + text for seq, text, a, b in tokens)
    # Wrapped rows first, so an erase to a row's end has a wrap mark to clear.
    _both_paths(("w" * 30 + data).encode(), columns, lines, 4, chunk)


@settings(max_examples=200, deadline=None)
@given(
    lines_=st.lists(
        st.lists(st.sampled_from([*_PIECES, "\x1b[5n", "~"]), max_size=12), max_size=30
    ),
    columns=st.integers(1, 12),
    lines=st.integers(1, 6),
    tail=st.sampled_from(["", "tail"]),
)
@example(lines_=[["~", "\x1b[1m", "word"]] * 8, columns=12, lines=2, tail="")
@example(lines_=[["ab", "\x1b[1m", "\u0301c"]] * 8, columns=12, lines=2, tail="")
@example(lines_=[["ab", "\x1b[1m", "cd漢字"]] * 8, columns=5, lines=2, tail="")
@example(lines_=[["ab", "\x1b[1m", "cd漢"]] * 8, columns=5, lines=2, tail="")  # one cell too wide
def test_coloured_floods_take_the_compiled_path_as_they_take_the_python_path(
    lines_: list[list[str]], columns: int, lines: int, tail: str
) -> None:
    data = ("".join("".join(line) + "\r\n" for line in lines_) + tail).encode()
    _both_paths(data, columns, lines, 4, 4096)


@pytest.mark.parametrize("make", [sgr_heavy, wide_utf8, repaint])
def test_the_benchmark_streams_take_both_paths_alike(make: Any) -> None:
    _both_paths(make(200_000), 160, 48, 300, 65536)


@settings(max_examples=500, deadline=None)
@given(
    pieces=st.lists(
        st.sampled_from(["\x1b[", "1", ";", "1;" * 32, "m", "H", "K", "X", "f", "q", "a", "\n"])
    ),
    offset=st.integers(0, 3),
)
@example(pieces=["\x1b[", "1;" * 32, "1;" * 32, "m", "a", "\x1b[", "m"], offset=0)
@example(pieces=["\x1b[", "1;" * 32, "1;" * 32, "1", "m", "a", "\x1b[", "m"], offset=0)
def test_scan_run_finds_the_runs_the_regex_finds(pieces: list[str], offset: int) -> None:
    data = "".join(pieces)
    match = sequence_runs.RUN.match(data, offset)
    assert _compiled().scan_run(data, offset) == (match.end() if match else 0)


def test_a_row_write_failing_in_the_compiled_path_raises_and_keeps_what_was_done() -> None:
    compiled = _compiled()
    emulator = Emulator(20, 4)
    screen = emulator.screen

    def failing_patch_row(buffer: Any, y: int) -> PatchRow:
        if y == 2:
            raise RuntimeError("no room")
        return patch_row(buffer, y)

    data = "\x1b[2;3Hab\x1b[3;1Hcd"
    context = (screen.cursor, screen.buffer, screen.dirty, False)
    context += (failing_patch_row, PatchRow, 20, 4, MAX_PATCHES)
    state = screen._attr_state(screen.cursor.attrs)
    with pytest.raises(RuntimeError, match="no room"):
        compiled.draw_groups(screen, data, 0, len(data), state, context)
    assert (screen.cursor.x, screen.cursor.y) == (0, 2)  # the failed group's CUP happened
    assert screen._last_char == "b"
    assert [line.rstrip() for line in emulator.text_lines()] == ["", "  ab", "", ""]
