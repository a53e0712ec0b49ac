"""The bytes a terminal sends for Alt+key, Ctrl+H and friends reach the program unchanged: through
Textual's input parser (with `install_alt_keys`) and `encode_key`, as xterm would send them."""

from __future__ import annotations

import pytest
from textual import events
from textual._xterm_parser import XTermParser

from aisession_tui.terminal import encode_key
from aisession_tui.ui.alt_keys import install_alt_keys

# What xterm (and tmux) send for each key; the pane must pass the same bytes to its program.
XTERM_BYTES = {
    "Alt+.": b"\x1b.",
    "Alt+#": b"\x1b#",
    "Alt+/": b"\x1b/",
    "Alt+-": b"\x1b-",
    "Alt+=": b"\x1b=",
    "Alt+Enter": b"\x1b\r",
    "Alt+Ctrl+A": b"\x1b\x01",
    "Alt+Backspace": b"\x1b\x7f",
    "Alt+Tab": b"\x1b\t",
    "Alt+Space": b"\x1b ",
    "Alt+b": b"\x1bb",
    "Alt+f": b"\x1bf",
    "Alt+B": b"\x1bB",
    "Alt+2": b"\x1b2",
    "Ctrl+H": b"\x08",
    "Backspace": b"\x7f",
    "Ctrl+Left": b"\x1b[1;5D",
    "Shift+Tab": b"\x1b[Z",
    "Alt+Up": b"\x1b[1;3A",
}


def through_textual(data: bytes) -> bytes:
    parser = XTermParser(debug=False)
    keys = [event for event in parser.feed(data.decode()) if isinstance(event, events.Key)]
    keys += [event for event in parser.feed("") if isinstance(event, events.Key)]
    sent = [encode_key(key.key, key.character) for key in keys]
    assert None not in sent, keys
    return b"".join(sent)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", XTERM_BYTES)
def test_keys_reach_the_program_as_xterm_sends_them(name: str) -> None:
    install_alt_keys()
    assert through_textual(XTERM_BYTES[name]) == XTERM_BYTES[name]
