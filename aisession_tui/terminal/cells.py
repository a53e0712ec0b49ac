"""Cells and rows of the fast screen: cached `Char`s, lazily built scrollback rows, SGR plans.

Split from `screen.py` so the screen module is about escape sequences; everything here is data
and pure helpers the screen's fast paths share.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from typing import Any, cast

from pyte import graphics as g
from pyte.screens import Char, StaticDefaultDict, wcwidth

Row = StaticDefaultDict[int, Char]

MAX_CHAR_CACHE = 8192

new_char = tuple.__new__
BLANK = Char(data=" ", fg="default", bg="default")
BLANK_REVERSE = Char(data=" ", fg="default", bg="default", reverse=True)
_FIELD = {name: index for index, name in enumerate(Char._fields)}


#: The second cell of a wide character in a row's cell text (`cell_text`). NUL never stands for
#: a cell of its own: it has width 0, and the stream never draws it.
STUB = "\x00"


def fill_char_cache(cache: dict[str, Char], attrs: Char, text: str | list[str]) -> None:
    """Add the cells of `text` (characters, or a `cell_text` list) missing from `cache` (one
    `Char` each, no `_replace`); `""` and `STUB` are the stub of wide characters."""
    if len(cache) >= MAX_CHAR_CACHE:
        cache.clear()
    rest = tuple(attrs)[1:]
    wanted = set(text)
    wanted.add("")  # the stub cell of wide characters is always there
    wanted.discard(STUB)
    for char in wanted.difference(cache):
        cache[char] = new_char(Char, (char, *rest))
    cache[STUB] = cache[""]


# -- character widths ----------------------------------------------------------------------------
#
# Text is turned into "cell text": one item per cell, a wide character followed by `STUB`, so a
# run of mixed widths is written as one slice (`str.translate` does the work in C). Widths are
# pyte's `wcwidth`, learned per character as text brings them (bounded).
_ZERO_WIDTH: set[str] = set()
_MAX_WIDTHS = 65536
_MAX_CELL_TEXT = 32


_zero_width_re: re.Pattern[str] | None = None


class _Expansions(dict[int, str | int | None]):
    """`str.translate`'s table of every character met: wide -> itself + `STUB`, unprintable ->
    None (dropped), others -> themselves (a key translate finds costs less than a missing one).
    A character met the first time is learned when translate asks for it."""

    def __missing__(self, code: int) -> str | int | None:
        global _zero_width_re
        char = chr(code)
        width = wcwidth(char) if char != STUB else -1  # NUL: nothing, as in pyte
        value: str | int | None = char + STUB if width == 2 else None if width < 0 else code
        if width == 0:
            _ZERO_WIDTH.add(char)
            _zero_width_re = None
        self[code] = value
        return value


_EXPAND = _Expansions()


def _zero_width_runs() -> re.Pattern[str]:
    """A regex splitting text around runs of the zero-width characters learned so far."""
    global _zero_width_re
    if _zero_width_re is None:
        marks = "".join(re.escape(char) for char in sorted(_ZERO_WIDTH))
        _zero_width_re = re.compile(f"([{marks}]+)")
    return _zero_width_re


def combine(cell: str, mark: str) -> str:
    """A cell's text with a zero-width character joined to it, as xterm joins them (NFC; at most
    `_MAX_CELL_TEXT` code points, so a flood of marks stays bounded)."""
    if not cell or len(cell) >= _MAX_CELL_TEXT:
        return cell
    return unicodedata.normalize("NFC", cell + mark)


def cell_text(text: str) -> tuple[str, str | list[str]]:
    """`text` as (zero-width characters before its first cell, its cells): a string of one
    character per cell when no character joins another, else a list of each cell's text. Wide
    characters take two cells (the second is `STUB`); unprintable characters are dropped; a
    zero-width character joins the cell before it (the wide character, not its stub)."""
    global _zero_width_re
    if len(_EXPAND) > _MAX_WIDTHS:  # between texts: one text's characters are learned together
        _EXPAND.clear()
        _ZERO_WIDTH.clear()
        _zero_width_re = None
    translated = text.translate(_EXPAND)
    if not _ZERO_WIDTH:
        return "", translated
    pieces = _zero_width_runs().split(translated)
    if len(pieces) == 1:
        return "", translated
    lead = pieces[1] if not pieces[0] else ""
    cells: list[str] = list(pieces[0])
    for index in range(1, len(pieces), 2):
        if cells:
            for mark in pieces[index]:
                last = len(cells) - 1
                if last > 0 and cells[last] == STUB:
                    last -= 1
                cells[last] = combine(cells[last], mark)
        cells.extend(pieces[index + 1])
    return lead, cells


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
        assign[index] = before.then(value) if type(before) is type(value) else value

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


class UnbuiltRow(StaticDefaultDict[int, Char]):
    """A row kept as text until first used: a flood pushes thousands of rows through the screen
    into the scrollback that nobody may ever look at. Any read or write builds the cells and
    turns the row into a plain `StaticDefaultDict`."""

    def _build(self) -> None:
        raise NotImplementedError

    def materialize(self) -> StaticDefaultDict[int, Char]:
        """Fill the cells and become a plain `StaticDefaultDict` row; returns self."""
        if type(self) in UNBUILT:
            self._build()
            self.__class__ = StaticDefaultDict  # type: ignore[assignment]
        return self

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


class LazyRow(UnbuiltRow):
    """An unbuilt row of printable ASCII in one set of attributes (the plain-log flood)."""

    def __init__(self, default: Char, text: str, chars: dict[str, Char], attrs: Char) -> None:
        self.default = default
        self._lazy = (text, chars, attrs)

    def _build(self) -> None:
        text, chars, attrs = self._lazy
        if not chars.keys() >= set(text):  # the attribute cache was trimmed meanwhile
            fill_char_cache(chars, attrs, text)
        dict.update(self, zip(range(len(text)), map(chars.__getitem__, text), strict=False))
        del self._lazy

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


#: The `Char`s of each set of attributes met, by character: shared by every screen (they are
#: immutable), so twenty sessions in the same colours keep one copy.
CHARS_BY_ATTRS: dict[Char, dict[str, Char]] = {}
MAX_ATTR_CACHE = 2048


def chars_for(attrs: Char) -> dict[str, Char]:
    """The `Char` cache of `attrs` (created empty; see `fill_char_cache`)."""
    chars = CHARS_BY_ATTRS.get(attrs)
    if chars is None:
        if len(CHARS_BY_ATTRS) >= MAX_ATTR_CACHE:
            CHARS_BY_ATTRS.clear()
        chars = CHARS_BY_ATTRS[attrs] = {}
    return chars


class AttrState:
    """One set of attributes as the fast paths carry it: its `Char` cache and where each SGR
    parameter text seen in it leads, so a run of coloured text costs one lookup per SGR (no
    hashing of the attributes tuple)."""

    __slots__ = ("attrs", "chars", "erase", "moves")

    def __init__(self, attrs: Char, chars: dict[str, Char], erase: Char) -> None:
        self.attrs = attrs
        self.chars = chars
        #: The blank cell erasing writes in these attributes (background colour erase).
        self.erase = erase
        self.moves: dict[str, AttrState] = {}


#: Runs of text written before, as the cells a row takes in one `dict.update` from a dict (the
#: fast C path, several times faster than from generated pairs): full-screen programs repaint the
#: same labels, menus and status lines where they were. By (column, text, `AttrState`); the key
#: keeps its state alive, so an identity never stands for other attributes. Bounded by cells held.
TEXT_RUNS: dict[tuple[int, str, AttrState], dict[int, Char]] = {}
#: Text this long is written from `TEXT_RUNS` (status lines, labels repainted where they were).
LONG_TEXT_RUN = 40
MAX_TEXT_RUN_CELLS = 1 << 16
_text_run_cells = 0


def new_text_run(key: tuple[int, str, AttrState]) -> dict[int, Char]:
    """The cells of `key`'s text at its column in its attributes, remembered in `TEXT_RUNS`."""
    global _text_run_cells
    x, text, state = key
    if _text_run_cells + len(text) > MAX_TEXT_RUN_CELLS:
        TEXT_RUNS.clear()
        _text_run_cells = 0
    chars = state.chars
    if not chars.keys() >= set(text):
        fill_char_cache(chars, state.attrs, text)
    run = TEXT_RUNS[key] = dict(
        zip(range(x, x + len(text)), map(chars.__getitem__, text), strict=False)
    )
    _text_run_cells += len(text)
    return run


_MAX_BLANK_RUNS = 4096
_BLANK_RUNS: dict[tuple[int, int, Char], dict[int, Char]] = {}


def blank_run(start: int, stop: int, blank: Char) -> dict[int, Char]:
    """Cells `start..stop-1` set to `blank`, as a shared dict to `update` rows from (never
    changed): a row takes a prebuilt dict's items much faster than a generated run's."""
    key = (start, stop, blank)
    run = _BLANK_RUNS.get(key)
    if run is None:
        if len(_BLANK_RUNS) >= _MAX_BLANK_RUNS:
            _BLANK_RUNS.clear()
        run = _BLANK_RUNS[key] = dict.fromkeys(range(start, stop), blank)
    return run


class SpanRow(UnbuiltRow):
    """An unbuilt row of runs of cell text in several attributes, from column 0 on (coloured
    or wide-character floods). `spans` is flat, cell text then attributes for each run: a flood
    makes one list per row, not a tuple per run, which keeps the garbage collector's work down."""

    def __init__(self, default: Char, spans: list[Any]) -> None:
        self.default = default
        self._spans = spans

    def _build(self) -> None:
        x = 0
        spans = self._spans
        for index in range(0, len(spans), 2):
            cells, attrs = spans[index], spans[index + 1]
            chars = chars_for(attrs)
            if not chars.keys() >= set(cells):
                fill_char_cache(chars, attrs, cells)
            end = x + len(cells)
            dict.update(self, zip(range(x, end), map(chars.__getitem__, cells), strict=False))
            x = end
        del self._spans

    @property
    def spans(self) -> list[Any]:
        """The row's runs, flat (cell text, attributes, ...), without building the cells (only
        while `type(row) is SpanRow`; not to be changed)."""
        return self._spans

    def text(self, columns: int) -> str:
        """The row's text as `row_text` reads it, without building the cells (only while
        `type(row) is SpanRow`)."""
        cells = self._spans[::2]
        try:
            text = "".join(cells)  # runs of one character per cell (all but combining marks)
        except TypeError:
            text = "".join(part if type(part) is str else "".join(part) for part in cells)
            count = sum(map(len, cells))
        else:
            count = len(text)
        if STUB in text:
            text = text.replace(STUB, "")
        return text + self.default.data * max(0, columns - count)


#: A write `PatchRow` keeps: cells `start..stop-1` take `text` in `AttrState` `how`, or, when
#: `text` is None, the blank cell `how` (an erase).
Patch = tuple[int, int, str | None, Any]
#: Writes a row keeps before it is built anyway: bounds what an unread row holds.
MAX_PATCHES = 32


class PatchRow(UnbuiltRow):
    """A built row with writes not yet applied: full-screen programs rewrite the same rows
    many times between two frames (a repaint's text, then its erase, then new text), and most
    of those cells are overwritten before anyone reads them. A row becomes one in place
    (`patch_row`); when read, writes wholly covered by later ones are skipped and the rest
    applied in order, so the row ends as if each had been applied when made."""

    #: The writes not yet applied, oldest first; the screen's fast path appends to it directly,
    #: and at `MAX_PATCHES` has it built (`patch_row`).
    patches: list[Patch]

    def _build(self) -> None:
        patches = self.patches
        del self.patches
        if len(patches) > 1:
            covered = 0
            shown: list[Patch] = []
            for patch in reversed(patches):
                start, stop = patch[0], patch[1]
                mask = ((1 << (stop - start)) - 1) << start
                if mask & ~covered:
                    shown.append(patch)
                    covered |= mask
            shown.reverse()
            patches = shown
        update = dict.update
        for start, stop, text, how in patches:
            if text is None:
                update(self, blank_run(start, stop, how))
            elif stop - start >= LONG_TEXT_RUN:
                update(self, TEXT_RUNS.get((start, text, how)) or new_text_run((start, text, how)))
            else:
                chars = how.chars
                columns = range(start, stop)
                try:
                    update(self, zip(columns, map(chars.__getitem__, text), strict=False))
                except KeyError:  # a character not met in these attributes yet
                    fill_char_cache(chars, how.attrs, text)
                    update(self, zip(columns, map(chars.__getitem__, text), strict=False))


def patch_row(buffer: ScreenBuffer, y: int) -> PatchRow:
    """Row `y` made a `PatchRow` with no writes kept, in place: built first if it is unbuilt (a
    `PatchRow` holding `MAX_PATCHES` writes too), created if missing."""
    row = cast(PatchRow, buffer[y])  # indexing a `ScreenBuffer` builds or creates the row
    row.__class__ = PatchRow
    row.patches = []
    return row


UNBUILT = (LazyRow, SpanRow, PatchRow)


class ScreenBuffer(defaultdict[int, Row]):
    """A screen's rows by y. Indexing builds a row that is still a `LazyRow`, so pyte's own
    methods only ever see plain rows; the fast paths move lazy rows with `dict` methods."""

    def __getitem__(self, y: int) -> Row:
        row = dict.__getitem__(self, y)  # a missing row comes from `__missing__`, as usual
        if type(row) in UNBUILT:
            cast(UnbuiltRow, row).materialize()
        return row
