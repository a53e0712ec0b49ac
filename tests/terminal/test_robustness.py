"""Garbage in never raises or wedges; the fast paths agree with pyte and with themselves."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pyte
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aisession_tui.terminal import Emulator
from aisession_tui.ui.render import Palette, render_row

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.streams import plain_log, repaint, sgr_heavy, wide_utf8


def assert_consistent(emu: Emulator) -> None:
    screen = emu.screen
    assert 0 <= screen.cursor.x <= screen.columns
    assert 0 <= screen.cursor.y < screen.lines
    for y, row in screen.buffer.items():
        assert 0 <= y < screen.lines
        assert all(0 <= x < screen.columns for x in row), (y, sorted(row)[-3:])
    assert len(emu.text_lines()) == screen.lines
    x, y = emu.cursor
    assert 0 <= x < emu.columns and 0 <= y < emu.lines


# Bytes biased towards escape-sequence material, so the parser's states are all reached.
_FRAGMENTS = st.sampled_from(
    [
        b"\x1b",
        b"[",
        b"]",
        b"?",
        b";",
        b"0",
        b"1",
        b"9",
        b"999999",
        b"m",
        b"H",
        b"J",
        b"K",
        b"r",
        b"h",
        b"l",
        b"\x07",
        b"\x1b\\",
        b"\r",
        b"\n",
        b"\t",
        b"\x08",
        b"\x9b",
        b"\x9d",
        b"\x18",
        b"1049",
        b"2004",
        b"133;D;",
        b"7;file:///x",
        b">",
        b"$",
        b" ",
        b"M",
        b"c",
        b"#8",
        b"(0",
        "漢".encode(),
        b"\xe6",
        b"\xff",
        "e\u0301".encode(),
        b"\x1bM",
        b"\x1bD",
        b"\x1b7",
        b"\x1b8",
        b"38;2;",
        b"line of text\r\n",
        b"\r\n\r\n",
        b"48;5;",
        b":",
        b"%@",
        b"%G",
        b"\x0e",
        b"\x0f",
        b"@",
        b"P",
        b"L",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chunks=st.lists(
        st.one_of(st.binary(max_size=64), st.lists(_FRAGMENTS, max_size=40).map(b"".join)),
        max_size=12,
    ),
    columns=st.integers(1, 30),
    lines=st.integers(1, 10),
)
@example(chunks=[b"\x1b[@"], columns=1, lines=1)  # pyte's ICH wrote one cell past the edge
@example(chunks=[b"abcde\x1b[3D\x1b[2@"], columns=5, lines=1)
def test_random_bytes_never_raise_and_keep_the_screen_consistent(
    chunks: list[bytes], columns: int, lines: int
) -> None:
    emu = Emulator(columns, lines, scrollback=20, reply=lambda data: None)
    for chunk in chunks:
        emu.feed(chunk)
        assert_consistent(emu)
    emu.resize(max(1, lines - 1), columns + 3)
    assert_consistent(emu)
    palette = Palette()
    for y in range(emu.lines):
        assert render_row(emu.row(y), emu.columns, palette).cell_length == emu.columns


def test_a_10_mb_line_without_newline_is_parsed_and_the_pane_stays_usable() -> None:
    emu = Emulator(80, 24, scrollback=100)
    chunk = b"x" * 65536
    for _ in range(160):  # 10 MiB
        emu.feed(chunk)
    assert emu.history_size == 100
    emu.feed(b"\x1b[2J\x1b[Hstill alive")
    assert emu.text_lines()[0].rstrip() == "still alive"
    assert_consistent(emu)


def test_absurd_escape_sequences_are_bounded_and_harmless() -> None:
    emu = Emulator(20, 5)
    emu.feed(b"\x1b[" + b"9" * 100_000 + b"A")  # parameter far past int()'s digit limit
    emu.feed(b"\x1b[" + b";" * 100_000 + b"m")  # a hundred thousand parameters
    emu.feed(b"\x1b]0;" + b"t" * 1_000_000 + b"\x07")  # a megabyte-long title
    emu.feed(b"\x1b[?5A\x1b[?6n\x1b[>4;1m")  # private/secondary forms of plain sequences
    emu.feed(b"ok")
    assert "ok" in emu.text_lines()[0] or "ok" in "".join(emu.text_lines())
    assert len(emu.title) <= 4096
    assert_consistent(emu)


def _state(screen: pyte.Screen) -> tuple:
    rows = tuple(
        tuple(screen.buffer[y][x] for x in range(screen.columns)) for y in range(screen.lines)
    )
    history = tuple(
        tuple(row[x] for x in range(screen.columns)) for row in list(screen.history.top)
    )
    return rows, history, (screen.cursor.x, screen.cursor.y), screen.cursor.attrs


class _StockWithBackgroundErase(pyte.HistoryScreen):
    """Stock pyte, except that EL and ECH blank cells in the background colour only (no reverse,
    no bold), as xterm does and as our screen does on purpose."""

    def _erase(self, method, *args) -> None:
        attrs = self.cursor.attrs
        self.cursor.attrs = self.default_char._replace(bg=attrs.bg)
        try:
            method(*args)
        finally:
            self.cursor.attrs = attrs

    def erase_in_line(self, how=0, private=False) -> None:
        self._erase(super().erase_in_line, how, private)

    def erase_characters(self, count=None) -> None:
        self._erase(super().erase_characters, count)


@pytest.mark.parametrize("make", [plain_log, sgr_heavy, repaint, wide_utf8])
def test_our_emulator_matches_stock_pyte_on_the_benchmark_streams(make) -> None:
    data = make(120_000)
    stock = _StockWithBackgroundErase(160, 48, history=500)
    stream = pyte.ByteStream(stock)
    ours = Emulator(160, 48, scrollback=500)
    for offset in range(0, len(data), 4096):
        stream.feed(data[offset : offset + 4096])
        ours.feed(data[offset : offset + 4096])
    assert _state(ours.screen) == _state(stock)


@pytest.mark.parametrize("make", [sgr_heavy, repaint, wide_utf8])
def test_fast_paths_agree_with_the_state_machine_at_any_chunking(make) -> None:
    data = make(30_000)
    whole = Emulator(160, 48, scrollback=200)
    whole.feed(data)
    rng = random.Random(7)
    pieces = Emulator(160, 48, scrollback=200)
    offset = 0
    while offset < len(data):
        step = rng.randint(1, 7)
        pieces.feed(data[offset : offset + step])
        offset += step
    assert _state(pieces.screen) == _state(whole.screen)


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=25), max_size=40
    ),
    prefix=st.sampled_from(["", "\x1b[5;3H", "\x1b[1;31m", "abc", "\x1b[2;4r", "\x1b[?1049h"]),
    columns=st.integers(1, 12),
    lines=st.integers(1, 6),
    scrollback=st.integers(0, 8),
)
def test_whole_line_fast_path_equals_line_by_line_processing(
    texts: list[str], prefix: str, columns: int, lines: int, scrollback: int
) -> None:
    data = (prefix + "".join(text + "\r\n" for text in texts) + "tail").encode()
    fast = Emulator(columns, lines, scrollback=scrollback)
    slow = Emulator(columns, lines, scrollback=scrollback)
    slow.screen.draw_lines = None  # type: ignore[assignment]  # the stream then goes line by line
    fast.feed(data)
    slow.feed(data)
    assert _state(fast.screen) == _state(slow.screen)


EDITS = st.sampled_from(
    [
        "\x1b[{a};{b}HX",  # CUP then draw over a (lazy) row
        "\x1b[{a};{b}H\x1b[K",  # EL to the end
        "\x1b[{a};{b}H\x1b[1K",  # EL to the start
        "\x1b[{a};{b}H\x1b[{b}@",  # ICH
        "\x1b[{a};{b}H\x1b[{b}P",  # DCH
        "\x1b[{a};{b}H\x1b[{b}X",  # ECH
        "\x1b[{a};1H\x1b[{b}L",  # IL
        "\x1b[{a};1H\x1b[{b}M",  # DL
        "\x1b[{a}S",  # SU
        "\x1b[{a}T",  # SD
        "\x1b[1;1H\x1bM",  # RI at the top
        "\x1b[{a};{b}r",  # DECSTBM
        "\x1b[J",  # ED below
        "\x1b[1;7mY\x1b[m",  # attributes over a row
        "\x1b#8",  # DECALN
        "\x1b[?1049h{a}\x1b[?1049l",  # alternate screen and back
        "row\r\n",  # one more line
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    flood=st.integers(0, 30),
    edits=st.lists(st.tuples(EDITS, st.integers(1, 7), st.integers(1, 14)), max_size=12),
    columns=st.integers(2, 12),
    lines=st.integers(2, 6),
    resize=st.none() | st.tuples(st.integers(1, 8), st.integers(1, 14)),
)
def test_rows_left_lazy_by_a_flood_behave_like_built_rows_under_every_edit(
    flood: int,
    edits: list[tuple[str, int, int]],
    columns: int,
    lines: int,
    resize: tuple[int, int] | None,
) -> None:
    """A flood leaves the screen's rows unbuilt (`LazyRow`); pyte's own methods must then see
    and change them exactly as rows drawn one line at a time."""
    data = "".join(f"line {n} " * (n % 3 + 1) + "\r\n" for n in range(flood)).encode()
    script = "".join(edit.format(a=a, b=b) for edit, a, b in edits).encode()
    fast = Emulator(columns, lines, scrollback=5)
    slow = Emulator(columns, lines, scrollback=5)
    slow.screen.draw_lines = None  # type: ignore[assignment]  # the stream then goes line by line
    for emulator in (fast, slow):
        emulator.feed(data)
        if resize is not None:
            emulator.resize(*resize)
        emulator.feed(script)
    assert _state(fast.screen) == _state(slow.screen)
    assert fast.text_lines() == slow.text_lines()
