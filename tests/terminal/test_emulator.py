"""The emulator's additions to pyte: alternate screen, modes, OSC/BEL events, colours, replies."""

from __future__ import annotations

from aisession_tui.terminal import (
    Bell,
    CwdChanged,
    Emulator,
    ModesChanged,
    PromptMark,
    TerminalEvent,
    TitleChanged,
)

ESC = "\x1b"
CSI = ESC + "["


def make(columns: int = 20, lines: int = 5, **kwargs: object) -> tuple[Emulator, list, list]:
    events: list[TerminalEvent] = []
    replies: list[bytes] = []
    emulator = Emulator(columns, lines, on_event=events.append, reply=replies.append, **kwargs)
    return emulator, events, replies


def feed(emulator: Emulator, text: str) -> None:
    emulator.feed(text.encode())


# -- alternate screen -----------------------------------------------------------------------------


def test_mode_1049_saves_cursor_switches_buffer_and_restores_both() -> None:
    emu, events, _ = make()
    feed(emu, "main one\r\nmain two")
    saved_cursor = emu.cursor
    feed(emu, f"{CSI}?1049h")
    assert emu.alternate_screen
    assert emu.text_lines() == [" " * 20] * 5
    feed(emu, f"{CSI}3;3Hvim text")
    assert "vim text" in emu.text_lines()[2]
    feed(emu, f"{CSI}?1049l")
    assert not emu.alternate_screen
    assert emu.text_lines()[0].rstrip() == "main one"
    assert emu.text_lines()[1].rstrip() == "main two"
    assert emu.cursor == saved_cursor
    assert events.count(ModesChanged()) == 2


def test_modes_47_and_1047_switch_buffers_without_moving_the_cursor_back() -> None:
    for mode in (47, 1047):
        emu, _, _ = make()
        feed(emu, "keep me")
        feed(emu, f"{CSI}?{mode}h{CSI}2;1Halt")
        assert emu.alternate_screen
        assert emu.text_lines()[0].strip() == ""
        feed(emu, f"{CSI}?{mode}l")
        assert emu.text_lines()[0].rstrip() == "keep me"
        assert emu.cursor == (3, 1)  # no DECRC for 47/1047


def test_scrolling_in_alternate_screen_leaves_scrollback_untouched() -> None:
    emu, _, _ = make(lines=3)
    feed(emu, "a\r\nb\r\nc\r\nd\r\ne")
    before = emu.history_size
    assert before == 2
    history_text = [emu.history_row(i)[0].data for i in range(before)]
    feed(emu, f"{CSI}?1049h")
    assert emu.history_size == 0  # nothing to scroll back to inside a full-screen program
    feed(emu, "x\r\n" * 50 + f"{ESC}M" * 10)
    feed(emu, f"{CSI}?1049l")
    assert emu.history_size == before
    assert [emu.history_row(i)[0].data for i in range(before)] == history_text
    assert emu.text_lines()[2].rstrip() == "e"


def test_clear_scrollback_from_alternate_screen_is_ignored() -> None:
    emu, _, _ = make(lines=2)
    feed(emu, "1\r\n2\r\n3\r\n")
    feed(emu, f"{CSI}?1049h{CSI}3J{CSI}?1049l")
    assert emu.history_size == 2
    feed(emu, f"{CSI}3J")
    assert emu.history_size == 0


def test_reset_leaves_the_alternate_screen() -> None:
    emu, _, _ = make()
    feed(emu, f"main{CSI}?1049h alt {ESC}c")
    assert not emu.alternate_screen


# -- modes the pane reads ----------------------------------------------------------------------


def test_bracketed_paste_mode_is_tracked_with_an_event() -> None:
    emu, events, _ = make()
    assert not emu.bracketed_paste
    feed(emu, f"{CSI}?2004h")
    assert emu.bracketed_paste
    assert events == [ModesChanged()]
    feed(emu, f"{CSI}?2004l")
    assert not emu.bracketed_paste


def test_application_cursor_keys_mode_is_tracked() -> None:
    emu, _, _ = make()
    feed(emu, f"{CSI}?1h")
    assert emu.application_cursor_keys
    feed(emu, f"{CSI}?1l")
    assert not emu.application_cursor_keys


def test_mouse_modes_are_tracked_one_protocol_at_a_time_with_sgr_encoding_flag() -> None:
    emu, events, _ = make()
    assert emu.mouse_mode == 0
    for mode in (9, 1000, 1002, 1003):
        feed(emu, f"{CSI}?{mode}h")
        assert emu.mouse_mode == mode
    feed(emu, f"{CSI}?1006h")
    assert emu.mouse_sgr
    feed(emu, f"{CSI}?1003l{CSI}?1006l")
    assert emu.mouse_mode == 0
    assert not emu.mouse_sgr
    assert len(events) == 7  # four protocol switches, 1006 on, 1003 off, 1006 off


def test_cursor_visibility_follows_dectcem() -> None:
    emu, events, _ = make()
    assert emu.cursor_visible
    feed(emu, f"{CSI}?25l")
    assert not emu.cursor_visible
    feed(emu, f"{CSI}?25h")
    assert emu.cursor_visible
    assert events == [ModesChanged(), ModesChanged()]


def test_column_mode_does_not_resize_the_pane() -> None:
    emu, _, _ = make(columns=30)
    feed(emu, f"{CSI}?3h")
    assert emu.columns == 30


# -- OSC and BEL events --------------------------------------------------------------------------


def test_osc_0_and_2_set_the_title_with_bel_or_st_terminators() -> None:
    emu, events, _ = make()
    feed(emu, f"{ESC}]0;first\x07")
    feed(emu, f"{ESC}]2;second{ESC}\\")
    assert emu.title == "second"
    assert events == [TitleChanged("first"), TitleChanged("second")]


def test_osc_7_reports_the_decoded_working_directory() -> None:
    emu, events, _ = make()
    feed(emu, f"{ESC}]7;file://host/home/me/my%20project\x07")
    assert emu.cwd == "/home/me/my project"
    assert events == [CwdChanged("/home/me/my project")]


def test_osc_133_prompt_marks_are_events_with_exit_codes() -> None:
    emu, events, _ = make()
    feed(emu, f"{ESC}]133;A\x07$ {ESC}]133;B\x07ls{ESC}]133;C\x07out\r\n{ESC}]133;D;2\x07")
    assert events == [
        PromptMark("A", None, ""),
        PromptMark("B", None, ""),
        PromptMark("C", None, ""),
        PromptMark("D", 2, "2"),
    ]
    assert emu.title == ""  # pyte read OSC 133 as "OSC 1" and set the icon name to "33;A"
    assert emu.text_lines()[0].rstrip() == "$ lsout"


def test_osc_split_across_feeds_still_dispatches_once() -> None:
    emu, events, _ = make()
    data = f"{ESC}]133;D;0{ESC}\\after".encode()
    for i in range(len(data)):
        emu.feed(data[i : i + 1])
    assert events == [PromptMark("D", 0, "0")]
    assert emu.text_lines()[0].rstrip() == "after"


def test_unterminated_osc_is_aborted_by_the_next_escape_sequence() -> None:
    emu, _, _ = make()
    feed(emu, f"{ESC}]0;never ends{CSI}31mvisible")
    assert emu.text_lines()[0].rstrip() == "visible"
    assert emu.screen.buffer[0][0].fg == "red"


def test_bel_is_an_attention_event_and_draws_nothing() -> None:
    emu, events, _ = make()
    feed(emu, "a\x07b")
    assert events == [Bell()]
    assert emu.text_lines()[0].rstrip() == "ab"


# -- colours and attributes ----------------------------------------------------------------------


def test_256_colour_and_truecolor_sgr_set_hex_colours() -> None:
    emu, _, _ = make()
    feed(emu, f"{CSI}38;5;196ma{CSI}48;2;1;2;3mb{CSI}38:2::10:20:30mc{CSI}0md")
    row = emu.screen.buffer[0]
    assert row[0].fg == "ff0000"
    assert row[1].bg == "010203"
    assert row[2].fg == "0a141e"
    assert (row[3].fg, row[3].bg) == ("default", "default")


def test_sgr_attributes_bold_italic_underline_reverse_strike() -> None:
    emu, _, _ = make()
    feed(emu, f"{CSI}1;3;4;7;9mx{CSI}22;23;24;27;29my")
    x, y = emu.screen.buffer[0][0], emu.screen.buffer[0][1]
    assert (x.bold, x.italics, x.underscore, x.reverse, x.strikethrough) == (True,) * 5
    assert (y.bold, y.italics, y.underscore, y.reverse, y.strikethrough) == (False,) * 5


def test_out_of_range_colours_are_clamped_or_ignored() -> None:
    emu, _, _ = make()
    feed(emu, f"{CSI}38;2;999;0;300ma{CSI}38;5;999mb")
    assert emu.screen.buffer[0][0].fg == "ff00ff"
    assert emu.screen.buffer[0][1].fg == "ff00ff"


def test_secondary_sequences_do_not_leak_into_attributes() -> None:
    emu, _, _ = make()
    # vim sends modifyOtherKeys as CSI > 4 ; 1 m; pyte applied it as underline+bold.
    feed(emu, f"{CSI}>4;1m{CSI}2 q{CSI}!pz")
    char = emu.screen.buffer[0][0]
    assert char.data == "z"
    assert not char.bold and not char.underscore
    assert emu.text_lines()[0].rstrip() == "z"


# -- replies written back to the child ------------------------------------------------------------


def test_device_attributes_and_status_queries_are_answered() -> None:
    emu, _, replies = make()
    feed(emu, f"{CSI}c{CSI}>c{CSI}5n")
    feed(emu, f"{CSI}3;7H{CSI}6n")
    assert replies == [b"\x1b[?6c", b"\x1b[>1;10;0c", b"\x1b[0n", b"\x1b[3;7R"]


def test_mode_queries_decrqm_report_set_reset_and_unknown_modes() -> None:
    emu, _, replies = make()
    feed(emu, f"{CSI}?2026$p{CSI}?2026h{CSI}?2026$p{CSI}?25$p{CSI}?4242$p{CSI}4$p{CSI}4h{CSI}4$p")
    assert replies == [
        b"\x1b[?2026;2$y",  # synchronized output: known, off
        b"\x1b[?2026;1$y",  # ... and on
        b"\x1b[?25;1$y",  # cursor shown
        b"\x1b[?4242;0$y",  # not a mode we know
        b"\x1b[4;2$y",  # insert mode (ANSI), off
        b"\x1b[4;1$y",
    ]
    assert emu.synchronized_output
    feed(emu, f"{CSI}?2026l{CSI}2$x{CSI}1$}}ok")  # other `$` requests are ignored, not drawn
    assert not emu.synchronized_output
    assert emu.text_lines()[0].rstrip() == "ok"
    assert len(replies) == 6


def test_programs_can_set_the_clipboard_but_not_read_it() -> None:
    import base64

    from aisession_tui.terminal import ClipboardSet
    from aisession_tui.terminal.stream import MAX_OSC_52

    emu, events, replies = make()
    short, long = "copied ✓", "line\n" * 3000  # long: past other OSC strings' 4096 limit
    for text in (short, long):
        feed(emu, f"{ESC}]52;c;{base64.b64encode(text.encode()).decode()}\x07")
    feed(emu, f"{ESC}]52;c;?\x07")  # a read request: not answered
    feed(emu, f"{ESC}]52;c;not*base64\x07")
    feed(emu, f"{ESC}]52;c;{'QUFB' * (MAX_OSC_52 // 4)}\x07")  # cut short: dropped whole
    assert [e for e in events if isinstance(e, ClipboardSet)] == [
        ClipboardSet(short),
        ClipboardSet(long),
    ]
    assert replies == []
    feed(emu, "after")
    assert "after" in "".join(emu.text_lines())


def test_background_colour_query_is_answered_from_default_colours() -> None:
    emu, _, replies = make()
    emu.screen.default_colors = ("c0c0c0", "102030")
    feed(emu, f"{ESC}]11;?\x07")
    assert replies == [b"\x1b]11;rgb:1010/2020/3030\x1b\\"]


def test_failing_reply_or_event_callbacks_do_not_break_parsing() -> None:
    def boom(_: object) -> None:
        raise OSError("child gone")

    emu = Emulator(10, 2, on_event=boom, reply=boom)
    emu.feed(b"\x1b[6n\x07ok")
    assert emu.text_lines()[0].rstrip() == "ok"


# -- text: wide characters, combining marks, UTF-8 -------------------------------------------------


def test_wide_characters_take_two_cells_with_a_stub() -> None:
    emu, _, _ = make(columns=6)
    feed(emu, "漢字x")
    row = emu.screen.buffer[0]
    assert [row[x].data for x in range(5)] == ["漢", "", "字", "", "x"]
    assert emu.cursor == (5, 0)


def test_wide_character_that_does_not_fit_wraps_whole_like_xterm() -> None:
    emu, _, _ = make(columns=5)
    feed(emu, "abcd漢字")
    lines = emu.text_lines()
    assert lines[0] == "abcd "  # the last cell stays blank
    assert lines[1].startswith("漢字")
    assert emu.cursor == (4, 1)


def test_wide_character_without_autowrap_lands_in_the_last_two_cells() -> None:
    emu, _, _ = make(columns=5)
    feed(emu, f"{CSI}?7labcd漢字")
    assert emu.text_lines()[0] == "abc字"


def test_wide_character_on_a_one_column_screen_does_not_loop() -> None:
    emu, _, _ = make(columns=1, lines=2)
    feed(emu, "漢字🚀")
    assert emu.history_size >= 1


def test_combining_marks_join_the_previous_character() -> None:
    emu, _, _ = make()
    feed(emu, "e\u0301a\u0308")
    row = emu.screen.buffer[0]
    assert row[0].data == "é"
    assert row[1].data == "ä"
    assert emu.cursor == (2, 0)


def test_zero_width_joiner_does_not_swallow_the_rest_of_the_text() -> None:
    emu, _, _ = make()
    feed(emu, "a\u200db c")
    # The joiner stays with the "a" (as in tmux and xterm), taking no cell of its own.
    assert emu.text_lines()[0].rstrip() == "a\u200db c"
    assert emu.screen.buffer[0][1].data == "b"


def test_utf8_split_across_feeds_and_invalid_bytes_become_replacement_chars() -> None:
    emu, _, _ = make()
    data = "né漢".encode()
    for i in range(len(data)):
        emu.feed(data[i : i + 1])
    emu.feed(b"\xff\xfe!")
    assert emu.text_lines()[0].startswith("né漢\ufffd\ufffd!")


# -- scrollback, dirty rows, resize ---------------------------------------------------------------


def test_scrollback_is_bounded_and_keeps_the_newest_lines() -> None:
    emu, _, _ = make(columns=10, lines=3, scrollback=5)
    feed(emu, "".join(f"line {i}\r\n" for i in range(20)))
    assert emu.history_size == 5
    assert emu.history_text()[0].rstrip() == "line 13"
    assert emu.history_text()[-1].rstrip() == "line 17"
    assert [line.rstrip() for line in emu.text_lines()] == ["line 18", "line 19", ""]


def test_take_dirty_reports_changed_rows_once() -> None:
    emu, _, _ = make()
    emu.take_dirty()
    feed(emu, f"{CSI}3;1Hx")
    assert emu.take_dirty() == {2}
    assert emu.take_dirty() == set()
    feed(emu, "\r\n" * 10)
    assert emu.take_dirty() == set(range(5))


def test_resize_shrinking_keeps_the_cursor_row_and_moves_top_rows_to_scrollback() -> None:
    emu, _, _ = make(columns=10, lines=6)
    feed(emu, "r0\r\nr1\r\nr2\r\nr3\r\n$ ")
    emu.resize(3, 8)
    assert (emu.lines, emu.columns) == (3, 8)
    assert [line.rstrip() for line in emu.text_lines()] == ["r2", "r3", "$"]
    assert emu.cursor == (2, 2)
    assert [line.rstrip() for line in emu.history_text()] == ["r0", "r1"]


def test_resize_shrinking_below_the_cursor_drops_blank_rows_first() -> None:
    emu, _, _ = make(columns=10, lines=10)
    feed(emu, "prompt$ ")
    emu.resize(4, 10)
    assert emu.text_lines()[0].rstrip() == "prompt$"
    assert emu.history_size == 0


def test_resize_growing_brings_rows_back_from_scrollback_as_tmux_does() -> None:
    emu, _, _ = make(columns=10, lines=3, scrollback=100)
    feed(emu, "".join(f"l{i}\r\n" for i in range(10)) + "$ ")
    emu.resize(2, 10)
    emu.resize(5, 10)
    assert [line.rstrip() for line in emu.text_lines()] == ["l6", "l7", "l8", "l9", "$"]
    assert emu.cursor == (2, 4)
    assert emu.history_size == 6
    emu.resize(20, 10)  # more rows than the scrollback holds: the rest are blank, below
    assert [line.rstrip() for line in emu.text_lines()][:12] == [
        *(f"l{i}" for i in range(10)),
        "$",
        "",
    ]
    assert emu.history_size == 0
    feed(emu, "x\r\ny")
    assert [line.rstrip() for line in emu.text_lines()][10:12] == ["$ x", "y"]


def test_resize_growing_in_the_alternate_screen_leaves_the_scrollback_alone() -> None:
    emu, _, _ = make(columns=10, lines=3, scrollback=100)
    feed(emu, "".join(f"l{i}\r\n" for i in range(10)) + f"{CSI}?1049h{CSI}Hvim")
    emu.resize(6, 10)
    assert emu.text_lines()[0].rstrip() == "vim"
    feed(emu, f"{CSI}?1049l")
    assert emu.history_size == 8
    assert [line.rstrip() for line in emu.text_lines()][:2] == ["l8", "l9"]


def test_lines_keep_their_numbers_while_the_scrollback_drops_old_ones() -> None:
    fast, _, _ = make(columns=10, lines=3, scrollback=5)
    slow, _, _ = make(columns=10, lines=3, scrollback=5)
    feed(fast, "".join(f"l{i}\r\n" for i in range(10)))  # one block: the whole-line fast path
    for i in range(10):
        feed(slow, f"l{i}\r\n")
    for emu in (fast, slow):
        assert emu.first_line == 3  # l0..l2 dropped; the oldest kept line is line 3, "l3"
        assert emu.history_text()[0].rstrip() == "l3"
    feed(fast, "a\r\nb\r\n")
    assert fast.first_line == 5
    fast.resize(6, 10)  # three rows come back out of the scrollback: still the same numbers
    assert fast.first_line == 5 and fast.history_size == 2
    assert fast.history_text()[0].rstrip() == "l5"


def test_resize_storm_keeps_the_screen_consistent() -> None:
    emu, _, _ = make(columns=40, lines=12)
    for i in range(200):
        emu.resize(1 + (i * 7) % 30, 1 + (i * 13) % 90)
        feed(emu, f"line {i} {'x' * (i % 50)}\r\n{CSI}{i % 20};{i % 70}H*")
        x, y = emu.screen.cursor.x, emu.screen.cursor.y
        assert 0 <= x <= emu.columns and 0 <= y < emu.lines
        assert all(0 <= row < emu.lines for row in emu.screen.buffer)
        assert all(max(r, default=0) < emu.columns for r in emu.screen.buffer.values())
    assert len(emu.text_lines()) == emu.lines


def test_resize_in_alternate_screen_also_trims_the_main_buffer() -> None:
    emu, _, _ = make(columns=20, lines=6)
    feed(emu, "main\r\n" * 5 + f"{CSI}?1049h")
    emu.resize(3, 10)
    feed(emu, f"{CSI}?1049l")
    assert len(emu.text_lines()) == 3
    assert all(max(row, default=0) < 10 for row in emu.screen.buffer.values())


def test_constructor_rejects_negative_scrollback_and_clamps_sizes() -> None:
    import pytest

    with pytest.raises(ValueError, match="scrollback"):
        Emulator(scrollback=-1)
    emu = Emulator(0, 0)
    assert (emu.columns, emu.lines) == (1, 1)


def test_flood_rows_pushed_to_history_are_built_on_first_read_and_then_plain() -> None:
    from pyte.screens import StaticDefaultDict

    from aisession_tui.terminal.screen import LazyRow

    emu, _, _ = make(columns=8, lines=3, scrollback=100)
    feed(emu, "".join(f"row {i:02d}\r\n" for i in range(40)))
    raw = emu.screen.history.top[5]
    assert type(raw) is LazyRow
    raw._lazy[1].clear()  # even if the character cache was trimmed meanwhile
    assert raw[0].data == "r"  # any read fills the row ...
    assert type(raw) is StaticDefaultDict  # ... and makes it a plain row
    assert "".join(raw[x].data for x in range(8)) == "row 05  "
    assert sorted(raw) == list(range(6))
    row = emu.history_row(6)
    assert type(row) is LazyRow  # handed out as stored: drawing it and its text need no cells
    assert dict(row)[0].data == "r"  # built on the first access to its cells
    assert type(row) is StaticDefaultDict


def test_flood_in_alternate_screen_pushes_nothing_to_history() -> None:
    emu, _, _ = make(columns=8, lines=3)
    feed(emu, f"{CSI}?1049h" + "x\r\n" * 50 + "end")
    assert emu.screen.history.top == type(emu.screen.history.top)(maxlen=10_000)
    assert emu.text_lines()[2].rstrip() == "end"
    feed(emu, f"{CSI}?1049l")
    assert emu.history_size == 0


def test_control_strings_dcs_apc_pm_sos_are_skipped_not_drawn() -> None:
    emu, _, _ = make()
    feed(emu, f"a{ESC}Pzz{ESC}\\b{ESC}_apc stuff{ESC}\\c{ESC}^pm\x07d{ESC}Xsos{ESC}\\e")
    assert emu.text_lines()[0].rstrip() == "abcde"


def test_unterminated_control_string_is_ended_by_the_next_escape() -> None:
    emu, _, _ = make()
    feed(emu, f"{ESC}Pnever ends{CSI}32mgreen")
    assert emu.text_lines()[0].rstrip() == "green"
    assert emu.screen.buffer[0][0].fg == "green"


def test_focus_event_mode_is_tracked() -> None:
    emu, events, _ = make()
    feed(emu, f"{CSI}?1004h")
    assert emu.focus_events
    assert events == [ModesChanged()]
    feed(emu, f"{CSI}?1004l")
    assert not emu.focus_events


def test_xterm_terminfo_extras_scroll_repeat_and_tabs() -> None:
    emu, _, _ = make(columns=20, lines=4)
    feed(emu, "r0\r\nr1\r\nr2\r\nr3")
    feed(emu, f"{CSI}2;5H{CSI}1S")  # SU: scroll up one, cursor stays
    assert [row.rstrip() for row in emu.text_lines()] == ["r1", "r2", "r3", ""]
    assert emu.cursor == (4, 1)
    assert emu.history_text()[-1].rstrip() == "r0"
    feed(emu, f"{CSI}2T")  # SD: scroll down two
    assert [row.rstrip() for row in emu.text_lines()] == ["", "", "r1", "r2"]
    feed(emu, f"{CSI}1;1H-{CSI}9b")  # REP: ncurses draws runs as "x CSI n b"
    assert emu.text_lines()[0] == "-" * 10 + " " * 10
    feed(emu, f"{CSI}4;1H{CSI}2Ix{CSI}2Zy")  # CHT forward two tab stops, CBT back two
    assert emu.text_lines()[3].rstrip() == "r2      y       x"


def test_extra_csi_parameters_are_ignored_and_do_not_lose_the_rest_of_the_chunk() -> None:
    emu, _, _ = make()
    feed(emu, f"{CSI}3;4H{CSI}1;2;3Aup{CSI}2;9Cright")
    # pyte raised TypeError on `CSI 1;2;3 A`, and the rest of the chunk was lost.
    assert emu.text_lines()[1].rstrip() == "   up" + " " * 2 + "right"


def test_trimmed_character_cache_keeps_drawing_wide_and_narrow_text(monkeypatch) -> None:
    from aisession_tui.terminal import cells

    monkeypatch.setattr(cells, "MAX_CHAR_CACHE", 3)
    emu, _, _ = make(columns=30, lines=3)
    for _ in range(3):
        feed(emu, "abcdefg 漢字仮名交じり文 hijk\r\n")
    assert [row.rstrip() for row in emu.text_lines()[:2]] == ["abcdefg 漢字仮名交じり文 hijk"] * 2


def test_erase_with_unknown_modes_is_ignored_and_erase_keeps_background_colour() -> None:
    emu, _, _ = make(columns=10, lines=3)
    feed(emu, f"keep{CSI}5K{CSI}4J still")
    assert emu.text_lines()[0].rstrip() == "keep still"
    feed(emu, f"{CSI}44m{CSI}2;1H{CSI}2K")
    assert all(emu.screen.buffer[1][x].bg == "blue" for x in range(10))
    feed(emu, f"{CSI}1;1H{CSI}1K")
    assert emu.screen.buffer[0][0].bg == "blue"
    assert emu.screen.buffer[0][2].data == "e"


def test_default_colours_for_queries_are_validated() -> None:
    import pytest

    emu, _, replies = make()
    emu.set_default_colors("#FFEEDD", "#000000")
    feed(emu, f"{ESC}]10;?{ESC}\\")
    assert replies == [b"\x1b]10;rgb:ffff/eeee/dddd\x1b\\"]
    with pytest.raises(ValueError, match="rrggbb"):
        emu.set_default_colors("white", "#000000")
