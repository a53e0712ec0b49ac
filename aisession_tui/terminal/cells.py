"""Cells and rows of the fast screen: cached `Char`s, lazily built scrollback rows, SGR plans.

Split from `screen.py` so the screen module is about escape sequences; everything here is data
and pure helpers the screen's fast paths share.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from pyte import graphics as g
from pyte.screens import Char, StaticDefaultDict, wcwidth

Row = StaticDefaultDict[int, Char]

MAX_CHAR_CACHE = 8192

new_char = tuple.__new__
BLANK = Char(data=" ", fg="default", bg="default")
BLANK_REVERSE = Char(data=" ", fg="default", bg="default", reverse=True)
_FIELD = {name: index for index, name in enumerate(Char._fields)}


def fill_char_cache(cache: dict[str, Char], attrs: Char, text: str) -> None:
    """Add the characters of `text` missing from `cache` (one `Char` each, no `_replace`)."""
    if len(cache) >= MAX_CHAR_CACHE:
        cache.clear()
    rest = tuple(attrs)[1:]
    wanted = set(text)
    wanted.add("")  # the stub cell of wide characters is always there
    for char in wanted.difference(cache):
        cache[char] = new_char(Char, (char, *rest))


# -- attributes pyte's `Char` has no field for -------------------------------------------------
#
# pyte's cells are `Char` tuples compared with pyte's own in its test suite, so the extra
# attributes xterm has live in the existing fields, equal to pyte's values when unused:
# - `bold` holds bits: BOLD (1, so plain bold is `True`) and DIM (2);
# - `blink` holds bits: BLINK (1) and CONCEAL (2);
# - `underscore` holds the underline style (0 none, 1 single = `True`, 2 double, 3 curly,
#   4 dotted, 5 dashed), or "style:rrggbb|name" once an underline colour (SGR 58) is set.
BOLD, DIM = 1, 2
BLINK, CONCEAL = 1, 2
#: `_sgr_params` turns `4:n` into this code plus n (pyte's flattening lost the style).
UNDERLINE_STYLE_CODE = 4000
_KEEP: Any = object()
_NAMES_16 = (*(g.FG_ANSI[30 + i] for i in range(8)), *(g.FG_AIXTERM[90 + i] for i in range(8)))


def bits_of(value: Any) -> int:
    """A `bold` or `blink` field as bits (pyte stores plain booleans there)."""
    return int(value)


def underline_of(value: Any) -> tuple[int, str | None]:
    """An `underscore` field as (style, colour or None)."""
    if type(value) is str:
        style, _, color = value.partition(":")
        return int(style), color
    return int(value), None


def _bits_value(bits: int) -> Any:
    return True if bits == 1 else False if bits == 0 else bits


def _underline_value(style: int, color: str | None) -> Any:
    if color is not None:
        return f"{style}:{color}"
    return True if style == 1 else False if style == 0 else style


class Bits:
    """A plan step that sets and clears bits of a field (bold/dim, blink/conceal)."""

    __slots__ = ("clear", "set")

    def __init__(self, set_bits: int = 0, clear_bits: int = 0) -> None:
        self.set, self.clear = set_bits, clear_bits

    def then(self, other: Bits) -> Bits:
        return Bits((self.set & ~other.clear) | other.set, self.clear | other.clear)

    def apply(self, value: Any) -> Any:
        return _bits_value((bits_of(value) & ~self.clear) | self.set)


class Underline:
    """A plan step that sets the underline style and/or colour, keeping what it does not set."""

    __slots__ = ("color", "style")

    def __init__(self, style: int | None = None, color: Any = _KEEP) -> None:
        self.style, self.color = style, color

    def then(self, other: Underline) -> Underline:
        return Underline(
            other.style if other.style is not None else self.style,
            other.color if other.color is not _KEEP else self.color,
        )

    def apply(self, value: Any) -> Any:
        style, color = underline_of(value)
        if self.style is not None:
            style = self.style
        if self.color is not _KEEP:
            color = self.color
        return _underline_value(style, color)


PlanStep = Bits | Underline
_FIELD_BOLD, _FIELD_UNDERSCORE, _FIELD_BLINK = _FIELD["bold"], _FIELD["underscore"], _FIELD["blink"]
#: SGR codes that change bits or the underline, as plan steps.
_STEPS: dict[int, tuple[int, PlanStep]] = {
    1: (_FIELD_BOLD, Bits(BOLD)),
    2: (_FIELD_BOLD, Bits(DIM)),
    22: (_FIELD_BOLD, Bits(0, BOLD | DIM)),
    5: (_FIELD_BLINK, Bits(BLINK)),
    6: (_FIELD_BLINK, Bits(BLINK)),  # rapid blink: drawn as blink
    25: (_FIELD_BLINK, Bits(0, BLINK)),
    8: (_FIELD_BLINK, Bits(CONCEAL)),
    28: (_FIELD_BLINK, Bits(0, CONCEAL)),
    4: (_FIELD_UNDERSCORE, Underline(1)),
    21: (_FIELD_UNDERSCORE, Underline(2)),  # xterm: doubly underlined
    24: (_FIELD_UNDERSCORE, Underline(0)),
    59: (_FIELD_UNDERSCORE, Underline(None, None)),
    **{UNDERLINE_STYLE_CODE + n: (_FIELD_UNDERSCORE, Underline(n)) for n in range(6)},  # `4:n`
}


# An SGR sequence reduced to: does it start from the default attributes, then which Char fields
# (by index) get which values (or `PlanStep`s applied to the current value). Independent of the
# current attributes, so it is cached per text.
SgrPlan = tuple[bool, tuple[tuple[int, Any], ...]]


def _color_256(index: int) -> str:
    """Colour n of the 256: 0-15 by name, so the pane's theme draws them as it draws SGR 30-37
    and 90-97; the rest as RGB."""
    return _NAMES_16[index] if index < 16 else g.FG_BG_256[index]


def sgr_plan(attrs: tuple[int, ...]) -> SgrPlan:
    """pyte's SGR semantics as a plan, plus dim, conceal, underline styles and colour (see the
    field notes above); truecolor components are clamped to 0..255."""
    if not attrs or attrs == (0,):
        return True, ()
    reset = False
    assign: dict[int, Any] = {}

    def step(index: int, value: PlanStep) -> None:
        before = assign.get(index)
        assign[index] = before.then(value) if type(before) is type(value) else value  # type: ignore[union-attr]

    pending = list(reversed(attrs))
    while pending:
        attr = pending.pop()
        if attr == 0:
            reset = True
            assign.clear()
        elif attr in _STEPS:
            step(*_STEPS[attr])
        elif attr in g.FG_ANSI:
            assign[1] = g.FG_ANSI[attr]
        elif attr in g.BG:
            assign[2] = g.BG_ANSI[attr]
        elif attr in g.TEXT:
            name = g.TEXT[attr]
            assign[_FIELD[name[1:]]] = name.startswith("+")
        elif attr in g.FG_AIXTERM:
            assign[1] = g.FG_AIXTERM[attr]
        elif attr in g.BG_AIXTERM:
            assign[2] = g.BG_AIXTERM[attr]
        elif attr in (g.FG_256, g.BG_256, 58):
            index = 1 if attr == g.FG_256 else 2
            color = None
            try:
                n = pending.pop()
                if n == 5:
                    m = pending.pop()
                    if 0 <= m < 256:
                        color = _color_256(m)
                elif n == 2:
                    r, gr, b = pending.pop(), pending.pop(), pending.pop()
                    color = f"{min(r, 255):02x}{min(gr, 255):02x}{min(b, 255):02x}"
            except IndexError:
                pass
            if color is not None:
                if attr == 58:
                    step(_FIELD_UNDERSCORE, Underline(None, color))
                else:
                    assign[index] = color
    return reset, tuple(assign.items())


class LazyRow(StaticDefaultDict[int, Char]):
    """A row of plain text built only when first used: a flood pushes thousands of rows through
    the screen into the scrollback that nobody may ever look at. Any read or write fills it and
    turns it into a plain row."""

    def __init__(self, default: Char, text: str, chars: dict[str, Char], attrs: Char) -> None:
        self.default = default
        self._lazy = (text, chars, attrs)

    def materialize(self) -> StaticDefaultDict[int, Char]:
        """Fill the cells and become a plain `StaticDefaultDict` row; returns self."""
        if type(self) is LazyRow:
            text, chars, attrs = self._lazy
            if not chars.keys() >= set(text):  # the attribute cache was trimmed meanwhile
                fill_char_cache(chars, attrs, text)
            dict.update(self, zip(range(len(text)), map(chars.__getitem__, text), strict=False))
            del self._lazy
            self.__class__ = StaticDefaultDict  # type: ignore[assignment]
        return self

    @property
    def unbuilt(self) -> tuple[str, Char]:
        """The row's text and the attributes of all of it, without building the cells (only
        while `type(row) is LazyRow`)."""
        text, _, attrs = self._lazy
        return text, attrs

    def with_text(self, text: str) -> LazyRow:
        """An unbuilt row of `text` in this row's attributes (only while this one is unbuilt)."""
        _, chars, attrs = self._lazy
        return LazyRow(self.default, text, chars, attrs)

    def __getitem__(self, key: int) -> Char:
        return self.materialize()[key]

    def __contains__(self, key: object) -> bool:
        return key in self.materialize()

    def __iter__(self) -> Any:
        return iter(self.materialize())

    def __len__(self) -> int:
        return len(self.materialize())

    def __eq__(self, other: object) -> bool:
        return self.materialize() == other

    def __ne__(self, other: object) -> bool:
        return self.materialize() != other

    def __repr__(self) -> str:
        return repr(self.materialize())

    def get(self, key: int, default: Any = None) -> Any:
        return self.materialize().get(key, default)

    def keys(self) -> Any:
        return self.materialize().keys()

    def values(self) -> Any:
        return self.materialize().values()

    def items(self) -> Any:
        return self.materialize().items()

    def pop(self, key: int, *default: Any) -> Any:
        return self.materialize().pop(key, *default)

    def __setitem__(self, key: int, value: Char) -> None:
        self.materialize()[key] = value

    def __delitem__(self, key: int) -> None:
        del self.materialize()[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.materialize().update(*args, **kwargs)

    def setdefault(self, key: int, default: Any = None) -> Any:
        return self.materialize().setdefault(key, default)

    def popitem(self) -> tuple[int, Char]:
        return self.materialize().popitem()

    def clear(self) -> None:
        self.materialize().clear()

    def copy(self) -> dict[int, Char]:
        return self.materialize().copy()


class ScreenBuffer(defaultdict[int, Row]):
    """A screen's rows by y. Indexing builds a row that is still a `LazyRow`, so pyte's own
    methods only ever see plain rows; the fast paths move lazy rows with `dict` methods."""

    def __getitem__(self, y: int) -> Row:
        row = dict.__getitem__(self, y)  # a missing row comes from `__missing__`, as usual
        if type(row) is LazyRow:
            row.materialize()
        return row


_TEXT_RUNS: re.Pattern[str] | None = None


def text_runs() -> re.Pattern[str]:
    """A regex splitting text into runs of width-1 characters, runs of width-2 characters (both
    in the BMP, classified with pyte's own `wcwidth`), and single other characters."""
    global _TEXT_RUNS
    if _TEXT_RUNS is None:
        classes: dict[int, list[tuple[int, int]]] = {1: [], 2: []}
        for code in range(0x20, 0x10000):
            if 0xD800 <= code < 0xE000:
                continue
            width = wcwidth(chr(code))
            if width not in classes:
                continue
            ranges = classes[width]
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))

        def char_class(ranges: list[tuple[int, int]]) -> str:
            return "".join(
                re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                for a, b in ranges
            )

        _TEXT_RUNS = re.compile(
            f"([{char_class(classes[1])}]+)|([{char_class(classes[2])}]+)|(.)", re.S
        )
    return _TEXT_RUNS
