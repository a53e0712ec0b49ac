"""Untrusted text made safe to show: outside a pane (a panel, title bar, toast, dialog or table)
as drawing characters, and in the CLI's error messages as one line of escapes.

A child's title, cwd or output, a session name, a socket message: any of them may carry bytes
that the outer terminal would obey if they reached it (ESC starting a sequence that sets its
title, BEL, NUL, C1 controls such as CSI 0x9b), or characters that make the text read other
than it is (bidi overrides and isolates turning `txt.exe` into `exe.txt`, zero-width and tag
characters hiding words). This module turns such text into characters that only draw:

- C0 controls and DEL become their visible Control Pictures (ESC is shown as `␛`, BEL as `␇`),
  C1 controls and lone surrogates become `�`, so a person sees that something odd was there;
- invisible format characters (Unicode category Cf: bidi embeddings, overrides, isolates and
  marks, zero-width space, word joiner, soft hyphen, BOM, tag characters) are dropped, except
  the zero-width joiner and non-joiner, which emoji sequences and some scripts need;
- line breaks are kept in a block and become ` ↵ ` on a single line; tabs become spaces;
- the length (and a block's line count) is bounded, with `…` marking a cut.

Markup is not this module's job: the UI shows the result as `rich.text.Text` or `Content`, never
as markup. The standard library only, so the core and the CLI can use it as well as the UI.
"""

from __future__ import annotations

import json
import re

__all__ = [
    "BLOCK_LIMIT",
    "BLOCK_LINES",
    "ELLIPSIS",
    "LINE_BREAK_MARK",
    "LINE_LIMIT",
    "display_block",
    "display_line",
    "json_text",
    "one_line",
]

#: Characters kept on a single line (a title bar, a table cell, a Details value).
LINE_LIMIT = 300
#: Characters and lines kept in a block (a toast, a preview, a dialog's question).
BLOCK_LIMIT = 4000
BLOCK_LINES = 40
ELLIPSIS = "…"
#: What a line break becomes when the text must stay on one line.
LINE_BREAK_MARK = " ↵ "
TAB_WIDTH = 4

#: Every format (Cf) character of Unicode 15, except U+200C ZWNJ and U+200D ZWJ (kept: emoji
#: sequences and Persian, Indic scripts need them). A test checks this against `unicodedata`.
_FORMAT_RANGES = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b\u200e-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f"
)
_LINE_BREAKS = "\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]"
_BREAK = re.compile(_LINE_BREAKS)
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff{_FORMAT_RANGES}]")
#: What JSON printed for a terminal writes as `\uXXXX` beyond what `json` itself escapes (C0):
#: DEL, C1 controls, lone surrogates, every format character (ZWJ/ZWNJ too: nothing is lost),
#: the Unicode line and paragraph separators.
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f\ud800-\udfff\u200c\u200d\u2028\u2029{_FORMAT_RANGES}]")


def _replacement(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Picture: ␀ ␇ ␛ ...
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0x9F or 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return ""  # an invisible format character


def _visible(text: str) -> str:
    """`text` (already without line breaks, or with only `\\n`) with every control shown and
    every invisible format character dropped; `\\n` itself stays."""
    text = text.replace("\t", " " * TAB_WIDTH)
    parts = text.split("\n")
    return "\n".join(_UNSAFE.sub(_replacement, part) for part in parts)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ELLIPSIS))] + ELLIPSIS


def _as_text(value: object, limit: int) -> tuple[str, bool]:
    """`value` as a string, cut early when huge so the cost is bounded by `limit`, not by the
    input; True when that cut happened."""
    text = value if isinstance(value, str) else str(value)
    # Dropped characters can shrink the text, so keep a generous margin before the real cut.
    margin = limit * 4 + 64
    if len(text) > margin:
        return text[:margin], True
    return text, False


def display_line(value: object, limit: int = LINE_LIMIT) -> str:
    """`value` as one line of at most `limit` characters that only draws: for a title bar, a
    table cell or a Details value. Line breaks become ` ↵ `."""
    text, was_cut = _as_text(value, limit)
    lines = _BREAK.split(text)
    if len(lines) > 1:
        # Blanks next to a break go with it; blank lines and breaks at either end disappear.
        last = len(lines) - 1
        trimmed = (line.lstrip(" \t") if index else line for index, line in enumerate(lines))
        kept = [line.rstrip(" \t") if index < last else line for index, line in enumerate(trimmed)]
        text = LINE_BREAK_MARK.join(line for line in kept if line)
    text = _visible(text)
    if was_cut:
        text = text[: max(0, limit - len(ELLIPSIS))] + ELLIPSIS
    return _cut(text, limit)


def display_block(value: object, limit: int = BLOCK_LIMIT, max_lines: int = BLOCK_LINES) -> str:
    """`value` as at most `max_lines` lines and `limit` characters that only draw: for a toast,
    a preview or a dialog's question. Line breaks of every kind become `\\n`."""
    text, was_cut = _as_text(value, limit)
    lines = _BREAK.split(text)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], ELLIPSIS]
        was_cut = False  # the ellipsis line already says so
    text = _visible("\n".join(lines))
    if was_cut:
        text = text[: max(0, limit - len(ELLIPSIS))] + ELLIPSIS
    return _cut(text, limit)


# -- error messages for a terminal -----------------------------------------------------------


def one_line(text: str) -> str:
    """`text` with every unprintable character (newline, ESC, NUL, bidi override, lone
    surrogate ...) written as its Python escape, e.g. ``\\n``, ``\\x1b``."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def json_text(data: object, *, indent: int | None = None) -> str:
    """`data` as JSON that is safe to print to a terminal and still readable: non-ASCII text
    stays as it is, but a C1 control (CSI 0x9b), DEL, bidi override, zero-width or other
    invisible character is written as its `\\uXXXX` escape, so a reader without `jq` sees it
    and the terminal obeys none; the value decodes to the same data."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return _JSON_UNSAFE.sub(_json_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON writes characters beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _escape(char: str) -> str:
    code = ord(char)
    if char in "\n\r\t":
        return repr(char)[1:-1]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
