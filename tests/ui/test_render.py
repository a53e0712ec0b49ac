"""Screen rows render to Strips of exactly the pane width, with every attribute styled."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rich.color import Color

from aisession_tui.terminal import Emulator
from aisession_tui.terminal.cells import UNBUILT, LazyRow, PatchRow, SpanRow
from aisession_tui.terminal.emulator import row_text
from aisession_tui.ui.render import Palette, render_cells, render_row

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.streams import repaint

PALETTE = Palette(foreground="#d0d0d0", background="#101010")


def row_of(text: str, columns: int = 20) -> tuple[Emulator, object]:
    emu = Emulator(columns, 2)
    emu.feed(text.encode())
    return emu, emu.row(0)


def style_at(strip, cell: int):
    position = 0
    for segment in strip:
        length = segment.cell_length
        if position <= cell < position + length:
            return segment.style
        position += length
    raise AssertionError(f"no cell {cell}")


def test_strip_has_exactly_the_pane_width() -> None:
    _, row = row_of("hello")
    strip = render_row(row, 20, PALETTE)
    assert strip.cell_length == 20
    assert strip.text == "hello" + " " * 15


def test_default_colours_come_from_the_palette() -> None:
    _, row = row_of("x")
    style = style_at(render_row(row, 20, PALETTE), 0)
    assert style.color == Color.parse("#d0d0d0")
    assert style.bgcolor == Color.parse("#101010")


def test_named_256_and_truecolor_map_to_rich_colours() -> None:
    _, row = row_of("\x1b[31ma\x1b[91mb\x1b[38;5;21mc\x1b[38;2;1;2;3md\x1b[43me")
    strip = render_row(row, 20, PALETTE)
    assert style_at(strip, 0).color == Color.parse(PALETTE.ansi[1])
    assert style_at(strip, 1).color == Color.parse(PALETTE.ansi[9])
    assert style_at(strip, 2).color == Color.parse("#0000ff")
    assert style_at(strip, 3).color == Color.parse("#010203")
    assert style_at(strip, 4).bgcolor == Color.parse(PALETTE.ansi[3])


def test_text_attributes_map_to_rich_style_flags() -> None:
    _, row = row_of("\x1b[1ma\x1b[0;3mb\x1b[0;4mc\x1b[0;9md\x1b[0;5me")
    strip = render_row(row, 20, PALETTE)
    assert style_at(strip, 0).bold
    assert style_at(strip, 1).italic
    assert style_at(strip, 2).underline
    assert style_at(strip, 3).strike
    assert not style_at(strip, 4).bold  # blink is ignored


def test_reverse_swaps_resolved_colours() -> None:
    _, row = row_of("\x1b[7mr\x1b[0;31;7ms")
    strip = render_row(row, 20, PALETTE)
    assert style_at(strip, 0).color == Color.parse("#101010")
    assert style_at(strip, 0).bgcolor == Color.parse("#d0d0d0")
    assert style_at(strip, 1).bgcolor == Color.parse(PALETTE.ansi[1])


def test_cursor_cell_is_drawn_inverted_and_only_there() -> None:
    _, row = row_of("abc")
    strip = render_row(row, 20, PALETTE, cursor_x=1)
    assert style_at(strip, 1).bgcolor == Color.parse("#d0d0d0")
    assert style_at(strip, 0).bgcolor == Color.parse("#101010")
    assert strip.cell_length == 20


def test_wide_characters_take_two_cells_and_keep_the_width_exact() -> None:
    _, row = row_of("漢字ab")
    strip = render_row(row, 10, PALETTE)
    assert strip.cell_length == 10
    assert strip.text.startswith("漢字ab")


def test_broken_wide_pairs_render_as_blanks_without_shifting() -> None:
    emu, _ = row_of("漢字")
    emu.feed(b"\x1b[1;1Hx")  # overwrite the first half of 漢: its stub is orphaned
    emu.feed(b"\x1b[1;4Hy")  # overwrite the stub of 字: the wide char loses its second cell
    strip = render_row(emu.row(0), 20, PALETTE)
    assert strip.cell_length == 20
    assert strip.text.startswith("x  y")


def test_wide_character_cut_at_the_last_column_keeps_the_width() -> None:
    emu, _ = row_of("abcd漢", columns=5)
    strip = render_row(emu.row(0), 5, PALETTE)
    assert strip.cell_length == 5


def test_palette_rejects_bad_colours_clearly() -> None:
    with pytest.raises(Exception, match="not-a-colour"):
        Palette(foreground="not-a-colour")
    with pytest.raises(ValueError, match="16 ANSI"):
        Palette(ansi=("#000000",))


def test_palette_inherit_background_leaves_bgcolor_unset() -> None:
    _, row = row_of("x")
    style = style_at(render_row(row, 20, Palette(background=None)), 0)
    assert style.bgcolor is None


def test_cursor_colour_from_the_palette_is_used_when_given() -> None:
    _, row = row_of("abc")
    palette = Palette(foreground="#d0d0d0", background="#101010", cursor="#ff8800")
    strip = render_row(row, 20, palette, cursor_x=2)
    assert style_at(strip, 2).bgcolor == Color.parse("#ff8800")
    assert style_at(strip, 2).color == Color.parse("#101010")


@pytest.mark.parametrize(
    "sgr", ["", "\x1b[31m", "\x1b[0;7m", "\x1b[44m"], ids=["plain", "red", "reverse", "blue-bg"]
)
@pytest.mark.parametrize("width", [40, 20, 12])
def test_flood_rows_drawn_and_read_unbuilt_match_the_cell_by_cell_way(sgr: str, width: int) -> None:
    emu = Emulator(20, 3)
    # Lines fed in one go past the bottom take the flood path: rows stay unbuilt until drawn.
    lines = ["", "short", "x" * 20, "a line longer than twenty", "last"]
    emu.feed(("\r\n" * 3 + sgr + "\r\n".join(lines) + "\r\n").encode())
    rows = [*(emu.history_row(i) for i in range(emu.history_size)), *map(emu.row, range(3))]
    unbuilt = [row for row in rows if type(row) is LazyRow]
    assert len(unbuilt) >= 4
    for row in unbuilt:
        fast = render_row(row, width, PALETTE)
        assert type(row) is LazyRow  # drawing did not build it
        text = row_text(row, 20)
        assert type(row) is LazyRow  # nor did reading its text
        row.materialize()
        assert list(fast) == list(render_cells(row, width, PALETTE))
        assert fast.cell_length == width
        assert text == row_text(row, 20)


COLOURED = [
    "\x1b[1msrc/ui/app.c:12:3:\x1b[0m \x1b[31merror:\x1b[0m unused 'x' [\x1b[33m-Wunused\x1b[0m]",
    "\x1b[32m\u23fa\x1b[0m \x1b[1mBash\x1b[0m(\x1b[36mpytest -q\x1b[0m) \x1b[2m\u23bf  3 ok\x1b[0m",
    "\x1b[38;5;120m\x1b[1mRead\x1b[0m(ai/tokens.py) \x1b[38;2;10;200;200m42 lines\x1b[0m",
    "\x1b[7m\u65e5\u672c\u8a9e\x1b[0m wide \x1b[44m" + "\u754c" * 8,
    "\x1b[41m red to the edge \x1b[0m\x1b[32m+    self.cache = cache_12()\x1b[0m",
    "\x1b[31mab\x1b[31mcd\x1b[0m\x1b[0m plain after two runs in the same colour\x1b[0m",
]


@pytest.mark.parametrize("width", [20, 13, 11, 30])
def test_coloured_flood_rows_drawn_unbuilt_match_the_cell_by_cell_way(width: int) -> None:
    """Rows of runs in several colours (`SpanRow`, wide characters among them) are drawn from
    their cell text; what the pane shows is what the built cells show, at the pane's width or
    cut narrower (a wide character cut in half drawn blank) or wider."""
    emu = Emulator(20, 3)
    emu.feed(("\r\n" * 3 + "\r\n".join(COLOURED * 2) + "\r\n").encode())
    rows = [*(emu.history_row(i) for i in range(emu.history_size)), *map(emu.row, range(3))]
    unbuilt = [row for row in rows if type(row) is SpanRow]
    assert len(unbuilt) >= 12
    for row in unbuilt:
        fast = render_row(row, width, PALETTE)
        assert type(row) is SpanRow  # drawing did not build it
        text = row_text(row, 20)
        assert type(row) is SpanRow  # nor did reading its text
        row.materialize()
        assert list(fast) == list(render_cells(row, width, PALETTE))
        assert fast.cell_length == width
        assert text == row_text(row, 20)


@pytest.mark.parametrize("width", [160, 100, 170])
def test_repainted_rows_drawn_as_narrow_runs_match_the_cell_by_cell_way(width: int) -> None:
    """Rows of one narrow character per cell (what full-screen programs repaint) are drawn a
    segment per run of equal attributes; the same as cell by cell, at any pane width."""
    emu = Emulator(160, 48)
    emu.feed(repaint(40_000))
    rows = [emu.row(y) for y in range(48)]
    assert sum(type(row) is PatchRow for row in rows) > 10
    for row in rows:
        fast = render_row(row, width, PALETTE)
        assert type(row) not in UNBUILT
        assert list(fast) == list(render_cells(row, width, PALETTE))
        assert fast.cell_length == width


# -- issue 16: the 16 colours of the 256 follow the theme; dim, blink, conceal, underline styles --

THEMED = Palette(
    foreground="#d0d0d0",
    background="#101010",
    ansi=tuple(f"#0000{i:02x}" for i in range(1, 17)),  # a theme unlike any default palette
)


def cell_style(text: str, cell: int = 0):
    _, row = row_of(text)
    return style_at(render_row(row, 20, THEMED), cell)


def test_256_colour_indexes_0_to_15_draw_the_themes_colours() -> None:
    ansi = cell_style("\x1b[31mX\x1b[38;5;1mY")
    indexed = cell_style("\x1b[31mX\x1b[38;5;1mY", 1)
    assert ansi.color == indexed.color == Color.parse(THEMED.ansi[1])
    assert cell_style("\x1b[38;5;9mX").color == Color.parse(THEMED.ansi[9])  # bright red
    assert cell_style("\x1b[48;5;4mX").bgcolor == Color.parse(THEMED.ansi[4])
    assert cell_style("\x1b[38;5;196mX").color == Color.parse("#ff0000")  # the cube: RGB


def test_dim_bold_and_normal_intensity() -> None:
    assert cell_style("\x1b[2mX").dim and not cell_style("\x1b[2mX").bold
    both = cell_style("\x1b[1;2mX")
    assert both.bold and both.dim
    cleared = cell_style("\x1b[1;2m\x1b[22mX")
    assert not cleared.bold and not cleared.dim
    assert cell_style("\x1b[2m\x1b[1mX").dim  # bold does not end dim


def test_blink_and_conceal() -> None:
    assert cell_style("\x1b[5mX").blink
    assert not cell_style("\x1b[5m\x1b[25mX").blink
    hidden = cell_style("\x1b[8;31;44mX")
    assert hidden.color == hidden.bgcolor == Color.parse(THEMED.ansi[4])
    assert cell_style("\x1b[8m\x1b[28;31mX").color == Color.parse(THEMED.ansi[1])


@pytest.mark.parametrize(
    ("sgr", "single", "double"),
    [
        ("4", True, False),
        ("4:1", True, False),
        ("4:2", False, True),
        ("21", False, True),
        ("4:3", True, False),  # curly, drawn single (Rich has no curly underline)
        ("4:2;24", False, False),
        ("4:3;4:0", False, False),
    ],
)
def test_underline_styles(sgr: str, single: bool, double: bool) -> None:
    style = cell_style(f"\x1b[{sgr}mX")
    assert bool(style.underline) is single
    assert bool(style.underline2) is double


def test_underline_colour_is_kept_with_the_cell_and_reset_by_59() -> None:
    from aisession_tui.terminal.cells import underline_of

    _, row = row_of("\x1b[4:3;58;2;255;0;0mA\x1b[58;5;2mB\x1b[59mC\x1b[0mD")
    assert [underline_of(row[x].underscore) for x in range(4)] == [
        (3, "ff0000"),
        (3, "green"),
        (3, None),
        (0, None),
    ]
