"""Error messages for a terminal: whatever a message quotes (a name, a path, an argument) it
stays one line and cannot reach the terminal as an escape sequence."""

from __future__ import annotations


def one_line(text: str) -> str:
    """`text` with every unprintable character (newline, ESC, NUL, bidi override, lone
    surrogate ...) written as its Python escape, e.g. ``\\n``, ``\\x1b``."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    if char in "\n\r\t":
        return repr(char)[1:-1]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
