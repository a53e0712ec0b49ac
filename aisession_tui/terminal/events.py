"""Things a program running in a terminal tells its supervisor, surfaced by the emulator."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Bell",
    "ClipboardSet",
    "CwdChanged",
    "ModesChanged",
    "PromptMark",
    "TerminalEvent",
    "TitleChanged",
]


@dataclass(frozen=True, slots=True)
class TitleChanged:
    """OSC 0 or OSC 2 set the window title."""

    title: str


@dataclass(frozen=True, slots=True)
class CwdChanged:
    """OSC 7 reported the shell's working directory (already decoded from its file:// URL)."""

    path: str


@dataclass(frozen=True, slots=True)
class PromptMark:
    """OSC 133 shell-integration mark.

    `kind` is "A" (prompt starts), "B" (command input starts), "C" (command output starts) or
    "D" (command finished, with `exit_code` when the shell gave one); `params` is the raw rest.
    """

    kind: str
    exit_code: int | None
    params: str


@dataclass(frozen=True, slots=True)
class Bell:
    """BEL: the program asks for attention."""


@dataclass(frozen=True, slots=True)
class ClipboardSet:
    """OSC 52: the program put text on the clipboard (vim's and tmux's `set-clipboard` do)."""

    text: str


@dataclass(frozen=True, slots=True)
class ModesChanged:
    """Alternate screen, mouse reporting, bracketed paste, cursor keys, cursor visibility or the
    keyboard protocol's flags changed."""


@dataclass(frozen=True, slots=True)
class ColorsChanged:
    """The program set or reset colours the pane draws with (OSC 4, 10, 11, 12, 104, 110-112):
    read them from `Emulator.color_overrides`."""


TerminalEvent = (
    TitleChanged | CwdChanged | PromptMark | Bell | ClipboardSet | ModesChanged | ColorsChanged
)
