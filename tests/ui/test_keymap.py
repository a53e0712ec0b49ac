"""`--prefix` names: what people write becomes the key Textual names; anything else is refused
with the reason (a prefix that matches no key left the app with no way to quit)."""

from __future__ import annotations

import pytest

from aisession_tui.ui.keymap import parse_key


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("ctrl+b", "ctrl+b"),
        ("Ctrl+A", "ctrl+a"),
        ("C-a", "ctrl+a"),
        ("M-x", "alt+x"),
        ("C-M-space", "ctrl+alt+space"),
        ("alt+ctrl+b", "ctrl+alt+b"),
        ("alt+,", "alt+comma"),
        ("ctrl+space", "ctrl+space"),
        ("f12", "f12"),
        ("shift+f1", "shift+f1"),
        ("escape", "escape"),
        (" ctrl+b ", "ctrl+b"),
    ],
)
def test_written_keys_become_textual_key_names(written: str, key: str) -> None:
    assert parse_key(written) == key


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("garbage", "'garbage' is not a key name"),
        ("ctrl+garbage", "'garbage' is not a key name"),
        ("hyperx+a", "unknown modifier 'hyperx'"),
        ("ctrl+ctrl+a", "a modifier is repeated"),
        ("a", "is a character you type"),
        ("comma", "is a character you type"),
        ("space", "is a character you type"),
        ("", "no key given"),
        ("ctrl+", "is not a key name"),
    ],
)
def test_names_that_are_no_usable_key_say_why(written: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_key(written)
