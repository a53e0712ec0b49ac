"""Untrusted text shown outside a pane only draws: no controls, no invisible formatting, bounded."""

from __future__ import annotations

import json
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aisession_tui.core.display_text import (
    _FORMAT_RANGES,
    BLOCK_LINES,
    ELLIPSIS,
    LINE_LIMIT,
    display_block,
    display_line,
    json_text,
)

KEPT_FORMAT = {"\u200c", "\u200d"}  # ZWNJ, ZWJ: emoji sequences and some scripts need them


def _unsafe(char: str, *, block: bool) -> bool:
    """A character that must never reach the outer terminal from untrusted text."""
    if block and char == "\n":
        return False
    category = unicodedata.category(char)
    if category in ("Cc", "Cs", "Zl", "Zp"):
        return True
    return category == "Cf" and char not in KEPT_FORMAT


#: Text a hostile child might print: controls, escapes, bidi, invisible characters, emoji.
hostile = st.lists(
    st.one_of(
        st.characters(),
        st.sampled_from(
            [
                "\x1b",
                "\x07",
                "\x00",
                "\x7f",
                "\x9b",
                "\x9d",
                "\r",
                "\n",
                "\r\n",
                "\t",
                "\u2028",
                "\u202e",
                "\u2066",
                "\u2069",
                "\u200b",
                "\ufeff",
                "\U000e0041",
                "\ud800",
                "\u200d",
                " ↵ ",
                "[",
                "[/",
                "]",
                "@click=",
                "🔔",
                "👨\u200d👩\u200d👧",
            ]
        ),
    ),
    max_size=300,
).map("".join)


@given(hostile)
def test_a_line_has_only_drawing_characters_and_stays_bounded(text: str) -> None:
    shown = display_line(text)
    assert not [char for char in shown if _unsafe(char, block=False)]
    assert "\n" not in shown
    assert len(shown) <= LINE_LIMIT


@given(hostile, st.integers(min_value=1, max_value=500))
def test_a_line_respects_any_limit(text: str, limit: int) -> None:
    assert len(display_line(text, limit)) <= limit


@given(hostile)
def test_a_block_keeps_newlines_but_nothing_else_unsafe(text: str) -> None:
    shown = display_block(text, limit=1000, max_lines=10)
    assert not [char for char in shown if _unsafe(char, block=True)]
    assert len(shown) <= 1000
    assert shown.count("\n") < 10


@given(hostile)
def test_showing_shown_text_again_changes_nothing(text: str) -> None:
    once = display_line(text)
    assert display_line(once) == once
    block = display_block(text)
    assert display_block(block) == block


@given(st.text(alphabet=st.characters(categories=["L", "N", "P", "S", "Zs"]), max_size=200))
def test_ordinary_text_is_shown_exactly(text: str) -> None:
    assert display_line(text) == text
    assert display_block(text) == text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("/tmp/\x1b]2;PWNED\x07", "/tmp/␛]2;PWNED␇"),
        ("a\x00b\x7fc\x9bd", "a␀b␡c\ufffdd"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("\u2066hid\u2069den\u200bword\ufeff", "hiddenword"),
        ("line one\r\nline two\n\n  line three\n", "line one ↵ line two ↵ line three"),
        ("Overwrite [/etc/hosts]? [y/N]", "Overwrite [/etc/hosts]? [y/N]"),
        ("[@click=app.quit]CLICK[/]", "[@click=app.quit]CLICK[/]"),
        ("family 👨\u200d👩\u200d👧 e\u0301", "family 👨\u200d👩\u200d👧 e\u0301"),
        ("tab\there", "tab    here"),
    ],
)
def test_hostile_examples_are_shown_as_these_characters(raw: str, shown: str) -> None:
    assert display_line(raw) == shown


def test_a_huge_line_is_cut_with_an_ellipsis_without_reading_all_of_it() -> None:
    shown = display_line("x" * 10_000_000 + "\x1b")
    assert len(shown) == LINE_LIMIT and shown.endswith(ELLIPSIS)


def test_a_long_block_keeps_its_first_lines_and_says_it_was_cut() -> None:
    shown = display_block("\n".join(f"line {n}" for n in range(1000)))
    lines = shown.split("\n")
    assert len(lines) == BLOCK_LINES
    assert lines[0] == "line 0" and lines[-1] == ELLIPSIS


def test_every_invisible_format_character_of_this_python_is_dropped() -> None:
    """The hard-coded list covers Unicode's whole Cf category (ZWJ and ZWNJ aside)."""
    import re

    dropped = re.compile(f"[{_FORMAT_RANGES}]")
    missing = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) == "Cf"
        and chr(code) not in KEPT_FORMAT
        and not dropped.match(chr(code))
    ]
    assert missing == []


@given(st.dictionaries(hostile, st.one_of(hostile, st.lists(hostile, max_size=3)), max_size=4))
def test_json_for_a_terminal_holds_no_unsafe_character_and_decodes_to_the_same_data(
    data: dict[str, object],
) -> None:
    for indent in (None, 2):
        text = json_text(data, indent=indent)
        assert json.loads(text) == data
        assert not any(_unsafe(char, block=True) for char in text if char != "\n"), text
        assert "\u200d" not in text and "\u200c" not in text  # escaped too: nothing is lost


def test_json_for_a_terminal_keeps_readable_text_and_escapes_c1_and_bidi() -> None:
    text = json_text({"name": "caf\u00e9 \u2603 \x9b2J \u202eevil \U000e0041 \x1b"})
    assert text == ('{"name": "caf\u00e9 \u2603 \\u009b2J \\u202eevil \\udb40\\udc41 \\u001b"}')
