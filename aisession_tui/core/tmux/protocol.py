"""tmux control mode, the text side: quoting commands, decoding `%output`, reading replies.

Control mode is line based. Every command line we write is answered by a block
`%begin T N F` ... `%end T N F` (or `%error`), in the order the lines were written; everything
else is a notification starting with `%`. Pane output arrives as `%output %PANE DATA` (or, with
flow control on, `%extended-output %PANE AGE ... : DATA`), where every byte below a space and
every backslash is written as a three-digit octal escape. Nothing here does any I/O.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: Bytes a double-quoted tmux string may hold as they are; the rest become octal escapes.
_PLAIN = frozenset(range(0x20, 0x7F)) - {ord('"'), ord("\\"), ord("$"), ord("#"), ord("~")}


def quote(argument: str | bytes) -> str:
    """`argument` as one word of a tmux command line, every byte arriving unchanged.

    Double quotes with octal escapes for anything unusual: `$` would expand a variable, `#`
    (in arguments that take formats) a format, and a newline would end the command.
    """
    data = argument.encode() if isinstance(argument, str) else argument
    out = ['"']
    for byte in data:
        out.append(chr(byte) if byte in _PLAIN else f"\\{byte:03o}")
    out.append('"')
    return "".join(out)


def command_line(args: Sequence[str | bytes]) -> str:
    """One tmux command from its arguments; the command name itself is not quoted."""
    name, *rest = args
    assert isinstance(name, str)
    return " ".join([name, *(quote(arg) for arg in rest)])


def hex_keys(data: bytes, *, target: str, chunk: int = 2048) -> Iterable[str]:
    """`send-keys -H` lines that type `data` into pane `target` byte for byte."""
    for start in range(0, len(data), chunk):
        part = data[start : start + chunk]
        yield f"send-keys -H -t {target} " + " ".join(f"{b:02x}" for b in part)


def last_line(text: bytes, default: str) -> str:
    """What a failing ssh said last (its error; warnings come before it)."""
    lines = text.decode(errors="replace").strip().splitlines()
    return lines[-1].strip() if lines else default


def decode_output(escaped: bytes) -> bytes:
    """The pane's bytes from the DATA of a `%output` line (octal escapes undone, in C)."""
    if b"\\" not in escaped:
        return escaped
    return codecs.escape_decode(escaped)[0]


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to one command: its output lines, and whether tmux reported an error."""

    lines: list[bytes]
    error: bool

    @property
    def text(self) -> str:
        return b"\n".join(self.lines).decode(errors="replace")


@dataclass(frozen=True, slots=True)
class PaneOutput:
    """`%output` or `%extended-output`: bytes a pane printed."""

    pane: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Notification:
    """Any other `%` line: its name (without `%`) and the rest, split on spaces."""

    name: str
    args: list[str]


Parsed = PaneOutput | Notification


class LineParser:
    """Turns control-mode lines into pane output, notifications and completed replies.

    A reply block's own lines are held until its `%end`/`%error`; `%begin` blocks that were not
    started by our own commands (flags without bit 1, such as the command on tmux's command line)
    are read and dropped.
    """

    def __init__(self) -> None:
        self._block: list[bytes] | None = None
        self._ours = False

    def feed_line(self, line: bytes) -> Parsed | Reply | None:
        """One line without its newline; what it completes, if anything.

        tmux writes the notifications a command causes (`%pause` for `refresh-client -A`,
        `%layout-change` for a resize) in the middle of its reply block; commands that do that
        print nothing of their own, so those names inside a block are taken as notifications.
        """
        if self._block is not None:
            if line.startswith((b"%end ", b"%error ")):
                lines, self._block = self._block, None
                if not self._ours:
                    return None
                return Reply(lines, error=line.startswith(b"%error"))
            if not _is_notification(line):
                self._block.append(line)
                return None
        if line.startswith(b"%output "):
            _, pane, data = (line + b" ").split(b" ", 2)
            return PaneOutput(pane.decode(), decode_output(data[:-1]))
        if line.startswith(b"%extended-output "):
            head, _, data = line.partition(b" : ")
            return PaneOutput(head.split(b" ")[1].decode(), decode_output(data))
        if line.startswith(b"%begin ") and self._block is None:
            fields = line.split(b" ")
            self._block = []
            self._ours = len(fields) > 3 and int(fields[3]) & 1 == 1
            return None
        if line.startswith(b"%"):
            name, *args = line[1:].decode(errors="replace").split(" ")
            return Notification(name, args)
        return None  # stray text outside a block (tmux prints none)


#: Notifications a command of ours can cause while it runs (so inside its reply block).
_CAUSED = (
    b"%pause ",
    b"%continue ",
    b"%layout-change ",
    b"%window-add ",
    b"%window-close ",
    b"%unlinked-window-",
    b"%window-renamed ",
    b"%sessions-changed",
    b"%session-window-changed ",
    b"%subscription-changed ",
    b"%exit",
)


def _is_notification(line: bytes) -> bool:
    return line.startswith(_CAUSED)
