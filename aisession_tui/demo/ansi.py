"""Escape sequences the demo agents write: SGR colours, spinners and shell-integration marks.

Kept as plain strings so every agent's output is exactly the bytes a real tool would send.
"""

from __future__ import annotations

from urllib.parse import quote

__all__ = [
    "BEL",
    "BOLD",
    "CLEAR_LINE",
    "DIM",
    "RESET",
    "SPINNER",
    "command_finished",
    "cwd_report",
    "paint",
    "sgr",
    "window_title",
]

RESET = "\x1b[0m"
CLEAR_LINE = "\r\x1b[2K"
"""Return to column 0 and erase the line: how spinners redraw in place."""
BEL = "\x07"
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

BOLD = 1
DIM = 2
ITALIC = 3
RED = 31
GREEN = 32
YELLOW = 33
BLUE = 34
MAGENTA = 35
CYAN = 36
WHITE = 37
GREY = 90
BRIGHT_RED = 91
BRIGHT_GREEN = 92
BRIGHT_YELLOW = 93
BRIGHT_BLUE = 94
BRIGHT_MAGENTA = 95
BRIGHT_CYAN = 96
ORANGE = "38;5;209"
"""A 256-colour orange, like Claude Code's accent."""

PROMPT_START = "\x1b]133;A\x07"
"""OSC 133;A: a prompt begins (FinalTerm / VS Code shell integration)."""
COMMAND_START = "\x1b]133;B\x07"
"""OSC 133;B: the prompt ended; what follows is the command the user types."""
OUTPUT_START = "\x1b]133;C\x07"
"""OSC 133;C: the command was submitted; its output follows."""


def sgr(*codes: int | str) -> str:
    """`CSI <codes> m`: select graphic rendition."""
    return "\x1b[" + ";".join(str(code) for code in codes) + "m"


def paint(text: str, *codes: int | str) -> str:
    """Text in the given SGR attributes, reset afterwards."""
    return sgr(*codes) + text + RESET if codes else text


def command_finished(exit_code: int) -> str:
    """OSC 133;D;<code>: the command finished with this exit status."""
    return f"\x1b]133;D;{exit_code}\x07"


def cwd_report(host: str, path: str) -> str:
    """OSC 7: tell the terminal the working directory, as a `file://` URL."""
    return f"\x1b]7;file://{host}{quote(path)}\x07"


def window_title(title: str) -> str:
    """OSC 0: set icon name and window title."""
    return f"\x1b]0;{title}\x07"
