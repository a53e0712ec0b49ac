"""Terminal emulation: a fast pyte screen and key encoding (rows are drawn by `ui.render`)."""

from .emulator import DEFAULT_SCROLLBACK, Emulator
from .events import (
    Bell,
    ClipboardSet,
    ColorsChanged,
    CwdChanged,
    ModesChanged,
    PromptMark,
    TerminalEvent,
    TitleChanged,
)
from .keys import encode_focus, encode_key, encode_mouse, encode_paste
from .screen import TerminalScreen
from .stream import TerminalByteStream, TerminalStream

__all__ = [
    "DEFAULT_SCROLLBACK",
    "Bell",
    "ClipboardSet",
    "ColorsChanged",
    "CwdChanged",
    "Emulator",
    "ModesChanged",
    "PromptMark",
    "TerminalByteStream",
    "TerminalEvent",
    "TerminalScreen",
    "TerminalStream",
    "TitleChanged",
    "encode_focus",
    "encode_key",
    "encode_mouse",
    "encode_paste",
]
