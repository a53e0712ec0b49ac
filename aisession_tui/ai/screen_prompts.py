"""Read a question off a whole screen: a numbered menu near the bottom or a prompt on the last row.

Agent CLIs draw their questions as dialogs (boxed menus with a selected item, a hidden cursor
parked on it), so the stream parser in `parsing` cannot see them as lines; this reads the screen
as drawn, and cleans the question down to the sentence a title or a reason can show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .parsing import QUESTION, EventKind, ParsedEvent, is_question, prompt_event, strip_ansi

__all__ = ["MAX_QUESTION_CHARS", "MENU_FOOTER_LINES", "clean_question", "prompt_on_screen"]


def prompt_on_screen(lines: list[str], footer_lines: int = 3) -> ParsedEvent | None:
    """A question waiting on a screen (all of it: agents park a hidden cursor on the selected
    menu item, so the rows below the cursor matter too).

    Either a numbered menu ends near the bottom (at most `footer_lines` rows of hints follow
    it, or `MENU_FOOTER_LINES` when an item is marked as selected, as in "Press enter to
    continue"), or the last non-blank row asks (``[y/N]``, ``(Y)es/(N)o [Yes]:``, "Do you
    want to proceed?", ``Password:``).
    Box borders (``│ ● 1. Trust folder │``) and indented description rows between items are
    read through. The event's message is a short clean question, never a screen's worth."""
    visible = [_unboxed(strip_ansi(line)) for line in lines]
    while visible and not visible[-1]:
        visible.pop()
    if not visible:
        return None
    for menu in reversed(_menus(visible)):
        after = sum(1 for line in visible[menu.end + 1 :] if line)
        asked = _question_above(visible, menu.start)
        if menu.selected is None and not (asked and is_question(asked)):
            continue
        if after > (MENU_FOOTER_LINES if menu.selected is not None else footer_lines):
            break  # output went on below it: an old list, not a question being asked
        return ParsedEvent(
            EventKind.PROMPT,
            "menu",
            clean_question(asked) if asked else f"choose 1-{len(menu.choices)}",
            choices=menu.choices,
        )
    if prompt := prompt_event(visible[-1].strip()):
        return ParsedEvent(
            EventKind.PROMPT, prompt.tool, clean_question(prompt.message), choices=prompt.choices
        )
    return None


MENU_FOOTER_LINES = 6  # hint rows a selected menu may have below it (Gemini's auth dialog: 4)
MAX_QUESTION_CHARS = 120
_SCREEN_MENU_ITEM = re.compile(
    r"^(\s*)(?:([\u276f>\u203a\u25b6\u25cf*])\s*)?(\d{1,2})[.)]\s+(\S.*)$"
)
_BOX_EDGE = "\u2502\u2503\u2551|"  # │ ┃ ║ and ASCII bars that frame a boxed dialog
_BOX_ONLY = re.compile(r"^[\s\u2500-\u257f\u2580-\u259f]*$")  # borders and rules
# The glyph a CLI puts before its question ("? ", a bullet, a chevron): decoration, not words.
_LEADING_MARKER = re.compile(r"^[^\w\s\"'`(\[{]{1,3}\s+")
_SHORT_YES_NO = re.compile(
    r"\s*(?:\((?:y/n|yes/no)\)|\[(?:y/n|yes/no)\]|\(Y\)es/\(N\)o.*)\s*[:?]?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Menu:
    start: int  # row of item 1
    end: int  # row of the last item (or its last description row)
    choices: tuple[str, ...]
    selected: int | None  # the marked item's number


def _unboxed(line: str) -> str:
    """A row without the borders of a box around it (its indentation inside the box kept,
    for description rows); rows of only borders and rules become empty."""
    line = line.rstrip()
    if _BOX_ONLY.match(line):
        return ""
    body = line.lstrip()
    if body[:1] in _BOX_EDGE:
        line = body[1:]
    if line[-1:] in _BOX_EDGE:
        line = line[:-1]
    return line.rstrip() if line.strip() else ""


def _menus(rows: list[str]) -> list[_Menu]:
    """Every run of items numbered 1..n on the screen; rows between items that are indented
    deeper than the items' numbers (descriptions) belong to the run, single blank rows too."""
    menus: list[_Menu] = []
    index = 0
    while index < len(rows):
        item = _SCREEN_MENU_ITEM.match(rows[index])
        if not item or item[3] != "1":
            index += 1
            continue
        start = index
        choices = [item[4].strip()]
        selected = 1 if item[2] else None
        indent = len(item[1])
        end = index
        index += 1
        while index < len(rows):
            row = rows[index]
            if not row and index + 1 < len(rows) and rows[index + 1]:
                index += 1  # one blank row between items (or an item and its description)
                row = rows[index]
            nxt = _SCREEN_MENU_ITEM.match(row)
            if nxt and int(nxt[3]) == len(choices) + 1:
                choices.append(nxt[4].strip())
                selected = len(choices) if nxt[2] else selected
                end = index
            elif row and len(row) - len(row.lstrip()) > indent + 1 and not nxt:
                end = index  # a description under the item above
            else:
                break
            index += 1
        if len(choices) >= 2:
            menus.append(_Menu(start, end, tuple(choices), selected))
    return menus


def _question_above(rows: list[str], start: int, reach: int = 8) -> str | None:
    """The question a menu answers: the nearest row above it with a question mark in it
    (within `reach` non-blank rows), else the nearest non-blank row."""
    nearest = None
    seen = 0
    for row in reversed(rows[max(0, start - 3 * reach) : start]):
        if not row:
            continue
        seen += 1
        nearest = nearest or row
        if "?" in row or QUESTION.search(row):
            return row
        if seen >= reach:
            break
    return nearest


def clean_question(text: str) -> str:
    """A question fit for a reason or a title: the sentence that asks (up to its "?"), without
    answer hints like ``(Y)es/(N)o [Yes]:``, control or drawing characters, at most
    `MAX_QUESTION_CHARS` long."""
    text = strip_ansi(text)
    text = "".join(ch for ch in text if ch.isprintable() and not _is_drawing(ch))
    text = " ".join(text.split())
    text = _SHORT_YES_NO.sub("", text).strip() or text
    text = _LEADING_MARKER.sub("", text) or text
    if (mark := text.find("?")) > 0:
        head = text[: mark + 1]
        boundary = max(head.rfind(". "), head.rfind(": "), head.rfind("! "))
        sentence = head[boundary + 2 :] if boundary >= 0 else head
        if len(sentence) > 3:
            text = sentence
    if len(text) > MAX_QUESTION_CHARS:
        text = text[: MAX_QUESTION_CHARS - 1].rstrip() + "\u2026"
    return text


def _is_drawing(ch: str) -> bool:
    """Braille art, box drawing and block elements: what logos and frames are made of."""
    code = ord(ch)
    return 0x2500 <= code <= 0x259F or 0x2800 <= code <= 0x28FF
