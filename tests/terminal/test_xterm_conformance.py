"""Escape sequences where a pane must do what xterm does (issue 16), byte for byte.

Each test feeds the bytes a program sends and checks the screen, or the reply, against xterm's
documented behaviour (ctlseqs) where pyte or an earlier version of the pane differed.
"""

from __future__ import annotations

import pytest

from aisession_tui.terminal import Emulator

ESC = "\x1b"
CSI = ESC + "["


def make(columns: int = 10, lines: int = 6) -> tuple[Emulator, list[bytes]]:
    replies: list[bytes] = []
    return Emulator(columns, lines, reply=replies.append), replies


def feed(emulator: Emulator, text: str) -> None:
    emulator.feed(text.encode())


def backgrounds(emulator: Emulator) -> list[str]:
    """Each row's cells' backgrounds as one letter each: "b" blue, "." default, "?" other."""
    names = {"blue": "b", "default": "."}
    return [
        "".join(names.get(emulator.row(y)[x].bg, "?") for x in range(emulator.columns))
        for y in range(emulator.lines)
    ]


# -- 11: a failing handler skips only its own sequence ---------------------------------------------


def test_cursor_report_under_origin_mode_without_a_region_answers_and_keeps_the_text() -> None:
    emu, replies = make()
    feed(emu, f"{CSI}?6h{CSI}3;4H{CSI}6nHELLO")
    assert replies == [f"{CSI}3;4R".encode()]
    assert emu.text_lines()[2] == "   HELLO  "


def test_vpa_under_origin_mode_without_a_region_moves_the_cursor() -> None:
    emu, _ = make()
    feed(emu, f"{CSI}?6h{CSI}4dX")
    assert emu.text_lines()[3].startswith("X")


def test_a_handler_that_raises_loses_only_its_own_sequence() -> None:
    emu, _ = make(20, 3)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    emu.screen.cursor_forward = broken  # type: ignore[method-assign]
    emu.stream._initialize_parser()  # rebind the dispatch tables to the broken handler
    feed(emu, f"one{CSI}5Ctwo\r\n{ESC}[;3Cthree")  # the fast path, then the state machine
    assert emu.text_lines()[:2] == ["onetwo".ljust(20), "three".ljust(20)]


def test_a_handler_that_breaks_the_cursor_is_repaired_and_parsing_goes_on() -> None:
    emu, _ = make(20, 3)

    def broken(*args: object, **kwargs: object) -> None:
        emu.screen.cursor.y = 99
        raise RuntimeError("boom")

    emu.screen.cursor_forward = broken  # type: ignore[method-assign]
    emu.stream._initialize_parser()
    feed(emu, f"a{CSI}2Cb")
    assert emu.cursor[1] == 2  # clamped back onto the screen
    assert emu.text_lines()[2] == " b".ljust(20)  # the column it was in, the row clamped


# -- 2: erasing, scrolling, inserting and deleting use the background colour (BCE) -----------------


def test_erase_display_fills_the_whole_screen_with_the_background() -> None:
    emu, _ = make(6, 3)
    feed(emu, f"{CSI}44m{CSI}2J")
    assert backgrounds(emu) == ["bbbbbb"] * 3


def test_erase_below_and_above_fill_with_the_background() -> None:
    emu, _ = make(6, 3)
    feed(emu, f"{CSI}2;3H{CSI}44m{CSI}J")
    assert backgrounds(emu) == ["......", "..bbbb", "bbbbbb"]
    emu, _ = make(6, 3)
    feed(emu, f"{CSI}2;3H{CSI}44m{CSI}1J")
    assert backgrounds(emu) == ["bbbbbb", "bbb...", "......"]


def test_erased_cells_take_the_background_only_not_reverse_or_underline() -> None:
    emu, _ = make(4, 1)
    feed(emu, f"{CSI}4;7;44m{CSI}K")
    cell = emu.row(0)[0]
    assert (cell.bg, cell.reverse, cell.underscore) == ("blue", False, False)


def test_a_line_feed_that_scrolls_brings_in_a_row_of_the_background() -> None:
    emu, _ = make(4, 2)
    feed(emu, f"{CSI}44mab\r\ncd\r\nef\r\n")  # whole lines: the flood fast path
    assert backgrounds(emu) == ["bbbb", "bbbb"]  # (the first row, "ab", scrolled away)
    assert emu.text_lines() == ["ef  ", "    "]
    emu, _ = make(4, 2)
    feed(emu, f"{CSI}2;1H{CSI}44m\n")
    assert backgrounds(emu) == ["....", "bbbb"]


def test_scroll_up_down_insert_and_delete_lines_bring_in_background_rows() -> None:
    for sequence, expected in (
        (f"{CSI}S", ["......", "bbbbbb"]),
        (f"{CSI}T", ["bbbbbb", "......"]),
        (f"{CSI}H{CSI}L", ["bbbbbb", "......"]),
        (f"{CSI}H{CSI}M", ["......", "bbbbbb"]),
        (f"{CSI}H{ESC}M", ["bbbbbb", "......"]),
    ):
        emu, _ = make(6, 2)
        feed(emu, f"{CSI}44m{sequence}")
        assert backgrounds(emu) == expected, sequence


def test_insert_and_delete_characters_open_cells_in_the_background() -> None:
    emu, _ = make(6, 1)
    feed(emu, f"abcdef{CSI}1;2H{CSI}44m{CSI}2@")
    assert emu.text_lines() == ["a  bcd"]
    assert backgrounds(emu) == [".bb..."]
    emu, _ = make(6, 1)
    feed(emu, f"abcdef{CSI}1;2H{CSI}44m{CSI}2P")
    assert emu.text_lines() == ["adef  "]
    assert backgrounds(emu) == ["....bb"]


def test_erase_characters_takes_the_background() -> None:
    emu, _ = make(6, 1)
    feed(emu, f"abcdef{CSI}1;2H{CSI}44m{CSI}3X")
    assert emu.text_lines() == ["a   ef"]
    assert backgrounds(emu) == [".bbb.."]


# -- 8: saving and restoring the cursor, resets ----------------------------------------------------


def test_sco_save_and_restore_cursor() -> None:
    emu, _ = make()
    feed(emu, f"{CSI}2;3H{CSI}s{CSI}5;5H{CSI}uX")
    assert emu.text_lines()[1] == "  X       "


def test_restore_cursor_turns_origin_mode_off_when_it_was_off_and_leaves_autowrap() -> None:
    emu, _ = make()
    feed(emu, f"{ESC}7{CSI}2;4r{CSI}?6h{CSI}?7l{ESC}8")
    modes = emu.screen.mode
    assert 6 << 5 not in modes  # DECOM restored to "off"
    assert 7 << 5 not in modes  # DECAWM is not saved: still off
    feed(emu, f"{CSI}?6h{ESC}7{CSI}?6l{ESC}8")
    assert 6 << 5 in emu.screen.mode  # restored to "on"


def test_full_reset_forgets_the_saved_cursor() -> None:
    emu, _ = make()
    feed(emu, f"{CSI}4;5H{ESC}7{ESC}c{ESC}8X")
    assert emu.text_lines()[0].startswith("X")


def test_one_saved_cursor_per_screen_the_second_save_replaces_the_first() -> None:
    emu, _ = make()
    feed(emu, f"{CSI}2;2H{ESC}7{CSI}3;3H{ESC}7{ESC}8{ESC}8X")
    assert emu.text_lines()[2] == "  X       "


def test_soft_reset_resets_modes_margins_attributes_but_keeps_the_screen() -> None:
    emu, _ = make()
    feed(emu, f"keep{CSI}2;4r{CSI}?6h{CSI}4h{CSI}?25l{CSI}1;31m{CSI}3;3H{CSI}!p")
    screen = emu.screen
    assert emu.text_lines()[0].startswith("keep")
    assert screen.margins is None
    assert 6 << 5 not in screen.mode and 4 not in screen.mode
    assert emu.cursor_visible
    assert screen.cursor.attrs.fg == "default" and not screen.cursor.attrs.bold
    assert emu.cursor == (2, 3)  # row 3 of the region (origin mode); DECSTR does not move it
    feed(emu, f"{ESC}8X")  # the saved cursor is home
    assert emu.text_lines()[0].startswith("Xeep")


# -- 9: a cursor outside the scroll region is not pulled into it -----------------------------------


@pytest.mark.parametrize("move", ["\n", f"{ESC}D", f"{ESC}E", "\x0b", "\x0c", f"{CSI}3B"])
def test_moving_down_from_below_the_region_stops_at_the_screen_bottom(move: str) -> None:
    emu, _ = make(10, 8)
    feed(emu, f"{CSI}2;4r{CSI}6;1H{move}{move}{move}")
    assert emu.cursor[1] == 7


@pytest.mark.parametrize("move", [f"{ESC}M", f"{CSI}3A"])
def test_moving_up_from_above_the_region_stops_at_the_screen_top(move: str) -> None:
    emu, _ = make(10, 8)
    feed(emu, f"{CSI}4;7r{CSI}3;1H{move}{move}{move}")
    assert emu.cursor[1] == 0


def test_moving_inside_the_region_still_stops_at_its_margins() -> None:
    emu, _ = make(10, 8)
    feed(emu, f"{CSI}2;4r{CSI}3;1H{CSI}9B")
    assert emu.cursor[1] == 3
    feed(emu, f"{CSI}9A")
    assert emu.cursor[1] == 1


# -- 10: NEL, HPA, CSI 3 J, DECALN, DECCOLM, reverse wrap ------------------------------------------


def test_next_line_returns_to_the_first_column() -> None:
    emu, _ = make()
    feed(emu, f"abc{ESC}Edef")
    assert emu.text_lines()[:2] == ["abc       ", "def       "]


def test_hpa_moves_to_the_column() -> None:
    emu, _ = make()
    feed(emu, f"{CSI}5`X")
    assert emu.text_lines()[0] == "    X     "


def test_erase_saved_lines_keeps_the_screen() -> None:
    emu, _ = make(10, 2)
    feed(emu, "one\r\ntwo\r\nthree")
    assert emu.history_size == 1
    feed(emu, f"{CSI}3J")
    assert emu.history_size == 0
    assert emu.text_lines() == ["two       ", "three     "]


def test_alignment_test_homes_the_cursor_and_resets_the_margins() -> None:
    emu, _ = make(4, 4)
    feed(emu, f"{CSI}2;3r{CSI}3;3H{ESC}#8")
    assert emu.text_lines() == ["EEEE"] * 4
    assert emu.cursor == (0, 0)
    assert emu.screen.margins is None


@pytest.mark.parametrize("mode", ["h", "l"])
def test_column_mode_clears_the_screen_and_homes_the_cursor_without_resizing(mode: str) -> None:
    emu, _ = make(10, 3)
    feed(emu, f"text{CSI}2;3r{CSI}3;3H{CSI}?3{mode}")
    assert emu.text_lines() == [" " * 10] * 3
    assert emu.cursor == (0, 0)
    assert emu.screen.margins is None
    assert emu.columns == 10


def test_reverse_wraparound_backspaces_to_the_end_of_the_row_above() -> None:
    emu, _ = make(5, 3)
    feed(emu, f"{CSI}2;1H{CSI}?45h\bX")
    assert emu.text_lines()[0] == "    X"
    emu, _ = make(5, 3)
    feed(emu, f"{CSI}2;1H\bX")  # off by default: stays in column 1
    assert emu.text_lines()[1] == "X    "


# -- 4: combining and zero-width characters join the character before them -------------------------


def test_zero_width_characters_join_the_cell_before_them() -> None:
    emu, _ = make(30, 1)
    feed(emu, "สวัสดี ❤\ufe0f か\u3099 你\u0301 a\u200db \u1100\u1161\u11a8")
    cells = [emu.row(0)[x].data for x in range(19)]
    thai = ["ส", "วั", "ส", "ดี", " "]
    assert cells[:5] == thai
    wide = ["❤\ufe0f", " ", "が", "", " ", "你\u0301", "", " "]
    joined = ["a\u200d", "b", " ", "각", "", " "]
    assert cells[5:] == [*wide, *joined]


def test_a_mark_after_a_wide_character_at_the_end_of_a_row_joins_it() -> None:
    emu, _ = make(4, 2)
    feed(emu, "ab你\u0301c")
    assert [emu.row(0)[x].data for x in range(4)] == ["a", "b", "你\u0301", ""]
    assert emu.text_lines()[1].startswith("c")


def test_marks_on_one_cell_are_bounded() -> None:
    emu, _ = make(4, 1)
    feed(emu, "a" + "\u0301" * 10_000)
    assert len(emu.row(0)[0].data) <= 32


# -- 12: queries xterm answers ---------------------------------------------------------------------


def test_window_size_reports() -> None:
    emu, replies = make(80, 24)
    feed(emu, f"{CSI}18t{CSI}19t{CSI}14t{CSI}16t")
    assert replies == [b"\x1b[8;24;80t", b"\x1b[9;24;80t", b"\x1b[4;384;640t", b"\x1b[6;16;8t"]


def test_decrqss_reports_sgr_margins_and_cursor_style() -> None:
    emu, replies = make(10, 6)
    feed(emu, f"{CSI}1;4;31;44m{CSI}2;5r{CSI}5 q")
    feed(emu, f"{ESC}P$qm{ESC}\\{ESC}P$qr{ESC}\\{ESC}P$q q{ESC}\\{ESC}P$qx{ESC}\\")
    assert replies == [
        b"\x1bP1$r0;1;4;31;44m\x1b\\",
        b"\x1bP1$r2;5r\x1b\\",
        b"\x1bP1$r5 q\x1b\\",
        b"\x1bP0$r\x1b\\",
    ]


def test_xtgettcap_answers_known_capabilities_in_hex() -> None:
    emu, replies = make()
    names = ";".join(name.encode().hex() for name in ("TN", "Co"))
    feed(emu, f"{ESC}P+q{names}{ESC}\\{ESC}P+q{b'nope'.hex()}{ESC}\\")
    assert replies == [
        b"\x1bP1+r544e=" + b"xterm-256color".hex().upper().encode() + b"\x1b\\",
        b"\x1bP1+r436f=" + b"256".hex().upper().encode() + b"\x1b\\",
        b"\x1bP0+r6e6f7065\x1b\\",
    ]


def test_colour_osc_set_and_query() -> None:
    emu, replies = make()
    emu.set_default_colors("#d0d0d0", "#101010")
    feed(emu, f"{ESC}]10;?\x07{ESC}]11;?{ESC}\\{ESC}]4;1;?\x07")
    assert replies == [
        b"\x1b]10;rgb:d0d0/d0d0/d0d0\x1b\\",
        b"\x1b]11;rgb:1010/1010/1010\x1b\\",
        b"\x1b]4;1;rgb:cdcd/0000/0000\x1b\\",  # xterm's red until the pane gives its theme's
    ]
    replies.clear()
    feed(emu, f"{ESC}]11;#203040\x07{ESC}]4;1;rgb:ff/80/00\x07{ESC}]12;rgb:ffff/0000/0000\x07")
    assert emu.color_overrides == {"bg": "203040", 1: "ff8000", "cursor": "ff0000"}
    feed(emu, f"{ESC}]11;?\x07{ESC}]4;1;?\x07")
    assert replies == [b"\x1b]11;rgb:2020/3030/4040\x1b\\", b"\x1b]4;1;rgb:ffff/8080/0000\x1b\\"]
    feed(emu, f"{ESC}]104\x07{ESC}]111\x07")
    assert emu.color_overrides == {"cursor": "ff0000"}


def test_colour_changes_are_drawn_over_the_theme() -> None:
    from aisession_tui.terminal import ColorsChanged
    from aisession_tui.ui.render import Palette, render_row

    events: list[object] = []
    emu = Emulator(4, 1, on_event=events.append)
    feed(emu, f"{ESC}]4;1;#ff8000\x07{ESC}]11;#203040\x07{CSI}31mX")
    assert events.count(ColorsChanged()) == 2
    palette = Palette().with_overrides(emu.color_overrides)
    style = render_row(emu.row(0), 4, palette)._segments[0].style
    assert (style.color.triplet.hex, style.bgcolor.triplet.hex) == ("#ff8000", "#203040")


def test_rectangle_checksum_matches_xterms_algorithm() -> None:
    emu, replies = make(10, 3)
    feed(emu, f"AB{CSI}1mC{CSI}0m")
    feed(emu, f"{CSI}7;1;1;1;1;3*y")
    total = ord("A") + ord("B") + ord("C") + 0x80
    assert replies == [f"{ESC}P7!~{-total & 0xFFFF:04X}{ESC}\\".encode()]


def test_kitty_keyboard_flags_push_query_pop() -> None:
    emu, replies = make()
    feed(emu, f"{CSI}?u")
    assert replies.pop() == b"\x1b[?0u"
    feed(emu, f"{CSI}>1u{CSI}?u")
    assert replies.pop() == b"\x1b[?1u"
    assert emu.keyboard_flags == 1
    feed(emu, f"{CSI}>31u{CSI}?u")  # only "disambiguate" is supported, so only it is reported
    assert replies.pop() == b"\x1b[?1u"
    feed(emu, f"{CSI}<2u{CSI}?u")
    assert replies.pop() == b"\x1b[?0u"
    feed(emu, f"{CSI}=1;1u")
    assert emu.keyboard_flags == 1
    feed(emu, f"{CSI}?1049h")
    assert emu.keyboard_flags == 0  # the alternate screen has its own stack
    feed(emu, f"{CSI}?1049l{ESC}c")
    assert emu.keyboard_flags == 0  # RIS forgets


def test_keys_under_the_kitty_protocol() -> None:
    from aisession_tui.terminal import encode_key

    def kitty(key: str, character: str | None = None) -> bytes | None:
        return encode_key(key, character, keyboard_flags=1)

    assert kitty("shift+enter") == b"\x1b[13;2u"
    assert kitty("ctrl+enter") == b"\x1b[13;5u"
    assert kitty("enter", "\r") == b"\r"
    assert kitty("escape", "\x1b") == b"\x1b[27u"
    assert kitty("ctrl+a", "\x01") == b"\x1b[97;5u"
    assert kitty("alt+full_stop", ".") == b"\x1b[46;3u"
    assert kitty("shift+tab") == b"\x1b[9;2u"
    assert kitty("a", "a") == b"a"
    assert kitty("A", "A") == b"A"
    assert kitty("up") == b"\x1b[A"
    assert encode_key("shift+enter", None) == b"\r"  # legacy: Shift+Enter is Enter


# -- 13: left and right margins (DECLRMM, DECSLRM) -------------------------------------------------


def margins_screen() -> Emulator:
    emu, _ = make(8, 4)
    feed(emu, "\r\n".join(["abcdefgh", "ijklmnop", "qrstuvwx", "yz012345"]))
    feed(emu, f"{CSI}?69h{CSI}3;6s")  # columns 3 to 6
    return emu


def test_csi_s_sets_the_margins_only_in_margin_mode_and_otherwise_saves_the_cursor() -> None:
    emu = margins_screen()
    assert emu.screen.lr_margins == (2, 5)
    assert emu.cursor == (0, 0)  # DECSLRM homes the cursor
    emu, _ = make()
    feed(emu, f"{CSI}2;3H{CSI}3;6s{CSI}H{CSI}uX")  # no DECLRMM: SCOSC, then SCORC
    assert emu.screen.lr_margins is None
    assert emu.text_lines()[1] == "  X       "


def test_text_wraps_at_the_right_margin_to_the_left_margin() -> None:
    emu = margins_screen()
    feed(emu, f"{CSI}1;3HABCDEF")
    assert emu.text_lines()[:2] == ["abABCDgh", "ijEFmnop"]


def test_line_feed_at_the_bottom_scrolls_only_between_the_margins() -> None:
    emu = margins_screen()
    feed(emu, f"{CSI}4;3H\n")
    assert emu.text_lines() == ["abklmngh", "ijstuvop", "qr0123wx", "yz    45"]
    assert emu.history_size == 0  # a partial scroll keeps nothing


def test_insert_and_delete_lines_and_characters_stay_between_the_margins() -> None:
    emu = margins_screen()
    feed(emu, f"{CSI}2;4H{CSI}L")
    assert emu.text_lines() == ["abcdefgh", "ij    op", "qrklmnwx", "yzstuv45"]
    emu = margins_screen()
    feed(emu, f"{CSI}1;4H{CSI}2P")
    assert emu.text_lines()[0] == "abcf  gh"
    emu = margins_screen()
    feed(emu, f"{CSI}1;4H{CSI}@")
    assert emu.text_lines()[0] == "abc degh"  # "f" pushed past the right margin is lost


def test_carriage_return_goes_to_the_left_margin_and_reset_drops_the_margins() -> None:
    emu = margins_screen()
    feed(emu, f"{CSI}2;5H\rX")
    assert emu.text_lines()[1] == "ijXlmnop"
    feed(emu, f"{CSI}?69l")
    assert emu.screen.lr_margins is None
    feed(emu, "\rY")
    assert emu.text_lines()[1] == "YjXlmnop"


def test_decrqss_reports_the_left_and_right_margins() -> None:
    emu, replies = make(8, 4)
    feed(emu, f"{CSI}?69h{CSI}3;6s{ESC}P$qs{ESC}\\")
    assert replies == [b"\x1bP1$r3;6s\x1b\\"]
