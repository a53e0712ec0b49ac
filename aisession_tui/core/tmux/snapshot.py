"""What a pane looks like now, as bytes an emulator can be fed: the seed of an attach.

tmux keeps each pane's screen and history; an app attaching (or resuming a pane tmux paused)
asks for them with `capture-pane -e` and for the modes with format variables, and turns the
answers into output that leaves a fresh emulator in the same state: history scrolled into its
scrollback, the screen drawn row by row, the cursor where it was, and the modes the program set
(alternate screen, cursor keys, keypad, mouse reporting, bracketed paste, hidden cursor).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Format variables asked for, in this order, joined by `|` (see `PaneState.parse`).
STATE_FORMAT = "|".join(
    "#{" + name + "}"
    for name in (
        "alternate_on",
        "cursor_x",
        "cursor_y",
        "history_size",
        "pane_height",
        "keypad_cursor_flag",
        "keypad_flag",
        "mouse_standard_flag",
        "mouse_button_flag",
        "mouse_all_flag",
        "mouse_sgr_flag",
        "mouse_utf8_flag",
        "cursor_flag",
        "insert_flag",
        "wrap_flag",
        "scroll_region_upper",
        "scroll_region_lower",
        "@aisession-paste",
        "alternate_saved_x",
        "alternate_saved_y",
    )
)


@dataclass(frozen=True, slots=True)
class PaneState:
    """The parts of tmux's view of a pane that output alone does not restore."""

    alternate: bool
    cursor_x: int
    cursor_y: int
    history: int
    height: int
    cursor_keys: bool
    keypad: bool
    mouse_modes: tuple[int, ...]
    cursor_visible: bool
    insert: bool
    wrap: bool
    region: tuple[int, int]
    bracketed_paste: bool
    #: Where the cursor was on the main screen when the alternate one was entered.
    saved_cursor: tuple[int, int] = (0, 0)

    @classmethod
    def parse(cls, text: str) -> PaneState:
        """From the `display -p STATE_FORMAT` answer; raises `ValueError` when malformed."""
        fields = text.strip().split("|")
        if len(fields) != 20:
            raise ValueError(f"unexpected pane state {text!r}")
        flag = [f == "1" for f in fields]
        number = [int(f) if f.isdigit() else 0 for f in fields]
        mouse = tuple(
            mode for mode, on in zip((1000, 1002, 1003, 1006, 1005), flag[7:12], strict=True) if on
        )
        return cls(
            alternate=flag[0],
            cursor_x=number[1],
            cursor_y=number[2],
            history=number[3],
            height=number[4],
            cursor_keys=flag[5],
            keypad=flag[6],
            mouse_modes=mouse,
            cursor_visible=fields[12] != "0",
            insert=flag[13],
            wrap=fields[14] != "0",
            region=(number[15], number[16]),
            bracketed_paste=flag[17] or fields[17] == "on",
            saved_cursor=(_coordinate(fields[18]), _coordinate(fields[19])),
        )

    def modes(self) -> bytes:
        """The escape sequences that set these modes in an emulator in its default state."""
        out = bytearray()
        if self.cursor_keys:
            out += b"\x1b[?1h"
        if self.keypad:
            out += b"\x1b="
        for mode in self.mouse_modes:
            out += b"\x1b[?%dh" % mode
        if self.bracketed_paste:
            out += b"\x1b[?2004h"
        if self.insert:
            out += b"\x1b[4h"
        if not self.wrap:
            out += b"\x1b[?7l"
        if not self.cursor_visible:
            out += b"\x1b[?25l"
        return bytes(out)


def _coordinate(text: str) -> int:
    """A cursor coordinate from tmux (an unset one reads 4294967295): 0 when unknown."""
    return int(text) if text.isdigit() and int(text) < 10_000 else 0


def _rows(lines: list[bytes], height: int) -> bytes:
    """Draw `lines` as the screen, one row each, from the top (no wrapping, no scrolling)."""
    out = bytearray(b"\x1b[0m\x1b[H\x1b[2J")
    for row, line in enumerate(lines[:height]):
        out += b"\x1b[%d;1H" % (row + 1)
        out += line
        out += b"\x1b[0m"
    return bytes(out)


def seed_bytes(
    state: PaneState,
    screen: list[bytes],
    *,
    history: list[bytes] | None = None,
    normal_screen: list[bytes] | None = None,
    resync: bool = False,
) -> bytes:
    """Output that brings an emulator to the pane's state.

    `history` (joined lines, oldest first) is scrolled into a fresh emulator's scrollback;
    `normal_screen` is the main screen hidden under an alternate one; `screen` is what is shown.
    With `resync`, the emulator is not fresh (tmux skipped output while the pane was paused):
    its screen is redrawn and the alternate screen switched to tmux's.
    """
    out = bytearray(b"\x1b[0m")
    height = max(state.height, 1)
    if history:
        out += b"\r\n".join(history) + b"\x1b[0m" + b"\r\n" * height
    if resync:
        out += b"\x1b[?1049h" if state.alternate else b"\x1b[?1049l"
        out += b"\x1b[r\x1b[?25h\x1b[?7h\x1b[4l"
    elif state.alternate:
        if normal_screen is not None:
            out += _rows(normal_screen, height)
        x, y = state.saved_cursor  # 1049h saves it: leaving the program's screen returns there
        out += b"\x1b[%d;%dH\x1b[?1049h" % (y + 1, x + 1)
    out += _rows(screen, height)
    upper, lower = state.region
    if (upper, lower) != (0, height - 1) and lower > upper:
        out += b"\x1b[%d;%dr" % (upper + 1, lower + 1)
    out += b"\x1b[%d;%dH" % (state.cursor_y + 1, state.cursor_x + 1)
    out += state.modes()
    return bytes(out)
