"""What a screen tells the world: events (bell, title, cwd, prompt marks) and replies to the
queries programs send (secondary DA, colour queries). Mixed into `TerminalScreen`."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from ..core.osc import cwd_from_osc7, exit_code_from_osc133
from .events import Bell, ClipboardSet, CwdChanged, PromptMark, TerminalEvent, TitleChanged
from .screen_base import ScreenBase
from .stream import MAX_OSC_52

#: OSC codes for colours (set, query, reset), handled in `queries.py`.
_COLOR_CODES = frozenset(("4", "10", "11", "12", "104", "110", "111", "112"))


class ReportsMixin(ScreenBase):
    """Events through `on_event`, replies to the child through `reply`."""

    on_event: Callable[[TerminalEvent], None] | None
    reply: Callable[[bytes], None] | None
    title: str
    cwd: str | None
    default_colors: tuple[str, str]

    def emit(self, event: TerminalEvent) -> None:
        """Hand an event to `on_event`; a failing listener must not break parsing."""
        if self.on_event is not None:
            self.on_event(event)

    def write_process_input(self, data: str) -> None:
        """Replies to DA/DSR/CPR and colour queries go to the child through `reply`."""
        if self.reply is not None:
            self.reply(data.encode("utf-8"))

    def bell(self, *args: Any) -> None:
        """BEL: the program wants attention."""
        self.emit(Bell())

    def set_title(self, param: str) -> None:
        """OSC 0/2: window title."""
        changed = param != self.title
        super().set_title(param)
        if changed:
            self.emit(TitleChanged(param))

    def report_secondary_device_attributes(self, *params: int) -> None:
        """`CSI > c`: identify as a VT220-class terminal."""
        if not params or params[0] == 0:
            self.write_process_input("\x1b[>1;10;0c")

    def osc_command(self, code: str, value: str) -> None:
        """OSC strings other than titles: 7 (cwd), 133 (prompt marks), 52 (clipboard), colours."""
        if code == "7":
            path = cwd_from_osc7(value)
            if path is not None and path != self.cwd:
                self.cwd = path
                self.emit(CwdChanged(path))
        elif code == "133":
            kind, _, rest = value.partition(";")
            if kind:
                self.emit(PromptMark(kind[:1], exit_code_from_osc133(kind, rest), rest))
        elif code == "52":
            self._set_clipboard(value)
        elif code in _COLOR_CODES:
            self.color_command(code, value)

    def _set_clipboard(self, value: str) -> None:
        """OSC 52 `Pc;Pd`: Pd is base64 text for the clipboard; `?` (asking to read it) is not
        answered, so no program can read what the person copied elsewhere."""
        _, _, data = value.partition(";")
        if not data or data == "?" or len(data) >= MAX_OSC_52 - 3:
            return  # asked to read, or cut short: never put half a text on the clipboard
        try:
            text = base64.b64decode(data, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return
        self.emit(ClipboardSet(text))
