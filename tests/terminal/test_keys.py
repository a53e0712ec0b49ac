"""Keys, pastes and mouse events encode to the bytes xterm sends."""

from __future__ import annotations

import pytest

from aisession_tui.terminal import encode_key, encode_mouse, encode_paste


@pytest.mark.parametrize(
    ("key", "character", "expected"),
    [
        ("a", "a", b"a"),
        ("A", "A", b"A"),
        ("exclamation_mark", "!", b"!"),
        ("space", " ", b" "),
        ("é", "é", "é".encode()),
        ("enter", "\r", b"\r"),
        ("backspace", "\x7f", b"\x7f"),
        ("tab", "\t", b"\t"),
        ("shift+tab", None, b"\x1b[Z"),
        ("escape", "\x1b", b"\x1b"),
        ("up", None, b"\x1b[A"),
        ("down", None, b"\x1b[B"),
        ("right", None, b"\x1b[C"),
        ("left", None, b"\x1b[D"),
        ("home", None, b"\x1b[H"),
        ("end", None, b"\x1b[F"),
        ("insert", None, b"\x1b[2~"),
        ("delete", None, b"\x1b[3~"),
        ("pageup", None, b"\x1b[5~"),
        ("pagedown", None, b"\x1b[6~"),
        ("f1", None, b"\x1bOP"),
        ("f4", None, b"\x1bOS"),
        ("f5", None, b"\x1b[15~"),
        ("f12", None, b"\x1b[24~"),
        ("ctrl+a", "\x01", b"\x01"),
        ("ctrl+c", "\x03", b"\x03"),
        ("ctrl+z", "\x1a", b"\x1a"),
        ("ctrl+space", None, b"\x00"),
        ("ctrl+@", None, b"\x00"),
        ("ctrl+backslash", None, b"\x1c"),
        ("alt+x", None, b"\x1bx"),
        ("alt+b", "b", b"\x1bb"),
        ("alt+enter", None, b"\x1b\r"),
        ("ctrl+alt+a", None, b"\x1b\x01"),
        ("ctrl+up", None, b"\x1b[1;5A"),
        ("shift+right", None, b"\x1b[1;2C"),
        ("alt+left", None, b"\x1b[1;3D"),
        ("ctrl+shift+home", None, b"\x1b[1;6H"),
        ("ctrl+delete", None, b"\x1b[3;5~"),
        ("shift+f5", None, b"\x1b[15;2~"),
        ("ctrl+f1", None, b"\x1b[1;5P"),
        # Issue 16: what Textual reports once `ui/alt_keys.py` is installed, and xterm's bytes.
        ("backspace", "\x08", b"\x08"),  # Ctrl+H
        ("alt+full_stop", ".", b"\x1b."),
        ("alt+number_sign", "#", b"\x1b#"),
        ("alt+slash", "/", b"\x1b/"),
        ("alt+left_square_bracket", "[", b"\x1b["),
        ("alt+enter", "\r", b"\x1b\r"),
        ("alt+ctrl+a", "\x01", b"\x1b\x01"),
        ("alt+backspace", "\x7f", b"\x1b\x7f"),
        ("alt+backspace", "\x08", b"\x1b\x08"),  # Alt+Ctrl+H
        ("alt+tab", "\t", b"\x1b\t"),
        ("alt+space", " ", b"\x1b "),
        ("alt+shift+b", "B", b"\x1bB"),
    ],
)
def test_key_encodes_like_xterm(key: str, character: str | None, expected: bytes) -> None:
    assert encode_key(key, character) == expected


def test_arrows_use_ss3_in_application_cursor_mode_but_modified_arrows_do_not() -> None:
    assert encode_key("up", None, application_cursor=True) == b"\x1bOA"
    assert encode_key("home", None, application_cursor=True) == b"\x1bOH"
    assert encode_key("ctrl+up", None, application_cursor=True) == b"\x1b[1;5A"


def test_keys_without_a_terminal_encoding_return_none() -> None:
    assert encode_key("ctrl+f13", None) is None
    assert encode_key("some_unknown_key", None) is None


def test_paste_is_bracketed_only_when_asked_and_cannot_close_the_bracket_early() -> None:
    assert encode_paste("a\nb", bracketed=False) == b"a\rb"
    assert encode_paste("a\r\nb", bracketed=True) == b"\x1b[200~a\rb\x1b[201~"
    evil = "x\x1b[201~rm -rf ~\n"
    assert encode_paste(evil, bracketed=True) == b"\x1b[200~xrm -rf ~\r\x1b[201~"


def test_mouse_is_not_reported_when_the_program_did_not_ask() -> None:
    assert encode_mouse("press", 1, 3, 4, mode=0, sgr=True) is None


def test_mouse_sgr_encoding_press_release_and_wheel() -> None:
    assert encode_mouse("press", 1, 0, 0, mode=1000, sgr=True) == b"\x1b[<0;1;1M"
    assert encode_mouse("release", 1, 9, 4, mode=1000, sgr=True) == b"\x1b[<0;10;5m"
    assert encode_mouse("press", 3, 2, 2, mode=1000, sgr=True, ctrl=True) == b"\x1b[<18;3;3M"
    assert encode_mouse("scroll_up", 0, 5, 6, mode=1000, sgr=True) == b"\x1b[<64;6;7M"
    assert encode_mouse("scroll_down", 0, 5, 6, mode=1000, sgr=True) == b"\x1b[<65;6;7M"


def test_mouse_motion_is_reported_per_mode() -> None:
    assert encode_mouse("move", 1, 1, 1, mode=1000, sgr=True) is None
    assert encode_mouse("move", 0, 1, 1, mode=1002, sgr=True) is None
    assert encode_mouse("move", 1, 1, 1, mode=1002, sgr=True) == b"\x1b[<32;2;2M"
    assert encode_mouse("move", 0, 1, 1, mode=1003, sgr=True) == b"\x1b[<35;2;2M"


def test_mouse_legacy_encoding_and_its_coordinate_limit() -> None:
    assert encode_mouse("press", 1, 0, 0, mode=1000, sgr=False) == b"\x1b[M !!"
    assert encode_mouse("release", 1, 0, 0, mode=1000, sgr=False) == b"\x1b[M#!!"
    assert encode_mouse("press", 1, 300, 0, mode=1000, sgr=False) is None
    assert encode_mouse("release", 1, 0, 0, mode=9, sgr=False) is None


def test_mouse_rejects_unknown_actions() -> None:
    with pytest.raises(ValueError, match="unknown mouse action"):
        encode_mouse("hover", 1, 0, 0, mode=1000, sgr=True)


def test_focus_reports() -> None:
    from aisession_tui.terminal import encode_focus

    assert encode_focus(True) == b"\x1b[I"
    assert encode_focus(False) == b"\x1b[O"
