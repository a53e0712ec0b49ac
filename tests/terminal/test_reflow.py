"""Reflow: text the terminal wrapped is re-wrapped when the width changes, as under tmux."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from aisession_tui.terminal import Emulator

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.streams import plain_log, sgr_heavy, wide_utf8

CSI = "\x1b["


def emulator(columns: int, lines: int, text: str) -> Emulator:
    emu = Emulator(columns, lines)
    emu.feed(text.encode())
    return emu


def shown(emu: Emulator) -> list[str]:
    """Scrollback and screen, blanks at the ends of rows and of the whole dropped."""
    rows = [row.rstrip() for row in emu.history_text() + emu.text_lines()]
    while rows and not rows[-1]:
        rows.pop()
    return rows


def test_narrowing_wraps_text_and_widening_joins_it_again() -> None:
    emu = emulator(30, 5, "$ echo the quick brown fox\r\nthe quick brown fox\r\n$ ")
    emu.resize(5, 10)
    assert shown(emu) == ["$ echo the", " quick bro", "wn fox", "the quick", "brown fox", "$"]
    assert emu.cursor == (2, 4)  # after the prompt, now on the bottom row
    emu.resize(5, 30)
    assert shown(emu) == ["$ echo the quick brown fox", "the quick brown fox", "$"]
    assert emu.cursor == (2, 2)
    emu.feed(b"typed")
    assert emu.text_lines()[2].rstrip() == "$ typed"


def test_lines_ended_by_the_program_are_never_joined() -> None:
    emu = emulator(10, 4, "one\r\ntwo\r\n")
    emu.resize(4, 30)
    assert shown(emu) == ["one", "two"]


def test_a_line_erased_to_its_end_no_longer_continues() -> None:
    emu = emulator(10, 4, "0123456789abcdef\r\n")
    emu.feed(f"{CSI}2;1H{CSI}K".encode())  # erase the row the first one wrapped onto ...
    emu.feed(f"{CSI}1;5H{CSI}K".encode())  # ... and the first one from its 5th column on
    emu.resize(4, 30)
    assert shown(emu) == ["0123"]


def test_a_wide_character_that_wrapped_early_rejoins_without_a_gap() -> None:
    emu = emulator(5, 3, "abcd漢字\r\n")
    assert shown(emu) == ["abcd", "漢字"]  # 漢 did not fit in the last cell
    emu.resize(3, 10)
    assert shown(emu) == ["abcd漢字"]
    emu.resize(3, 3)
    assert shown(emu) == ["abc", "d漢", "字"]  # 漢 fits after d


def test_the_alternate_screen_is_cut_not_reflowed() -> None:
    emu = emulator(20, 3, f"{CSI}?1049h0123456789abcdefghij")
    emu.resize(3, 10)
    assert emu.text_lines()[0] == "0123456789"
    assert emu.history_size == 0


@pytest.mark.parametrize("make", [plain_log, sgr_heavy])
@pytest.mark.parametrize(("before", "after"), [(160, 80), (80, 160), (100, 37), (37, 100)])
def test_reflow_shows_what_the_new_width_would_have_shown(make, before: int, after: int) -> None:
    resized, direct = resized_and_direct(make(200_000), before, after)
    assert resized.text_lines() == direct.text_lines()
    assert resized.cursor == direct.cursor
    # Scrollback rows of nothing but blanks may differ: a line's trailing blanks are not kept.
    assert written(resized)[-500:] == written(direct)[-500:]


@pytest.mark.parametrize(("before", "after"), [(160, 80), (80, 160), (100, 37), (37, 100)])
def test_wide_characters_reflow_to_the_same_text(before: int, after: int) -> None:
    resized, direct = resized_and_direct(wide_utf8(200_000), before, after)
    # Rows of nothing but blanks may come or go (trailing blanks), shifting the screen by a row.
    assert written(resized)[-500:] == written(direct)[-500:]
    assert resized.cursor[0] == direct.cursor[0]


def resized_and_direct(data: bytes, before: int, after: int) -> tuple[Emulator, Emulator]:
    """`data` fed `before` columns wide then resized to `after`, and fed `after` wide."""
    resized = Emulator(before, 48)
    resized.feed(data)
    resized.resize(48, after)
    direct = Emulator(after, 48)
    direct.feed(data)
    return resized, direct


def written(emu: Emulator) -> list[str]:
    return [row for row in emu.history_text() + emu.text_lines() if row.strip()]


def test_a_pane_with_room_below_keeps_its_first_line_at_the_top() -> None:
    emu = emulator(30, 10, "$ make\r\nerror: implicit declaration of tok_peek\r\n$ ")
    emu.resize(10, 20)
    assert emu.history_size == 0
    assert [row.rstrip() for row in emu.text_lines()[:4]] == [
        "$ make",
        "error: implicit decl",
        "aration of tok_peek",
        "$",
    ]
    assert emu.cursor == (2, 3)
