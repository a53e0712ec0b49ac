"""The kitty keyboard protocol's state: which key-reporting flags the program asked for.

A program pushes flags (`CSI > flags u`), pops them (`CSI < n u`), sets them (`CSI = flags ;
mode u`) and asks for them (`CSI ? u`, answered `CSI ? flags u`). Each screen (main and
alternate) keeps its own stack, as the protocol says. Only "disambiguate escape codes" (1) is
supported, so the flags reported are masked to it; with it on, `encode_key` reports keys that
are ambiguous in the legacy encoding (Shift+Enter, Ctrl+Enter, Escape, Alt+key, Ctrl+key) as
`CSI code ; modifiers u`, which is how agent CLIs tell Shift+Enter (new line) from Enter.
Mixed into `TerminalScreen`.
"""

from __future__ import annotations

from typing import Any

from .events import ModesChanged

#: Flags we implement: 1 = disambiguate escape codes.
SUPPORTED_FLAGS = 1
_MAX_STACK = 16


class KeyboardMixin:
    """`CSI > u`, `CSI < u`, `CSI = u`, `CSI ? u` (kitty keyboard protocol)."""

    _main_buffer: Any
    #: Flag stacks of the main (False) and alternate (True) screen; the last entry is current.
    _keyboard_stacks: dict[bool, list[int]]

    @property
    def keyboard_flags(self) -> int:
        """The current kitty keyboard flags (0: legacy key encoding)."""
        stack = self._keyboard_stacks[self._main_buffer is not None]
        return stack[-1] if stack else 0

    def _keyboard_stack(self) -> list[int]:
        return self._keyboard_stacks[self._main_buffer is not None]

    def push_keyboard_flags(self, flags: int = 0, *rest: int) -> None:
        """`CSI > flags u`: push flags (the oldest entry goes when the stack is full)."""
        stack = self._keyboard_stack()
        if len(stack) >= _MAX_STACK:
            del stack[0]
        self._change_flags(lambda: stack.append(flags & SUPPORTED_FLAGS))

    def pop_keyboard_flags(self, count: int = 1, *rest: int) -> None:
        """`CSI < n u`: pop n entries (popping everything leaves legacy encoding)."""
        stack = self._keyboard_stack()
        self._change_flags(
            lambda: stack.__delitem__(slice(max(0, len(stack) - max(1, count)), None))
        )

    def set_keyboard_flags(self, flags: int = 0, mode: int = 1, *rest: int) -> None:
        """`CSI = flags ; mode u`: mode 1 sets the flags, 2 adds them, 3 removes them."""
        stack = self._keyboard_stack()
        current = stack[-1] if stack else 0
        if mode == 2:
            flags = current | flags
        elif mode == 3:
            flags = current & ~flags
        value = flags & SUPPORTED_FLAGS

        def change() -> None:
            if stack:
                stack[-1] = value
            else:
                stack.append(value)

        self._change_flags(change)

    def report_keyboard_flags(self, *params: int) -> None:
        """`CSI ? u`: answer `CSI ? flags u`."""
        self.write_process_input(f"\x1b[?{self.keyboard_flags}u")  # type: ignore[attr-defined]

    def forget_keyboard_flags(self) -> None:
        """RIS: both screens back to legacy key encoding."""
        self._keyboard_stacks = {False: [], True: []}

    def _change_flags(self, change: Any) -> None:
        before = self.keyboard_flags
        change()
        if self.keyboard_flags != before:
            self.emit(ModesChanged())  # type: ignore[attr-defined]
