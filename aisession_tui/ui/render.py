"""Screen rows to Textual `Strip`s: pyte attributes mapped to Rich styles, cached.

Reverse video is resolved here (foreground and background swapped after defaults are applied),
so the output does not depend on how the host terminal treats reverse. Wide characters take two
cells (pyte keeps an empty "" stub in the second cell); a broken pair (a stub without its wide
character, or a wide character whose stub was overwritten) renders as blanks, so every strip is
exactly `width` cells.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from itertools import compress, groupby, pairwise, repeat
from operator import itemgetter, ne
from typing import Any, cast

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.terminal_theme import DEFAULT_TERMINAL_THEME
from textual.strip import Strip
from wcwidth import wcwidth

from ..terminal.cells import (
    BLINK,
    BOLD,
    CONCEAL,
    DIM,
    STUB,
    UNBUILT,
    LazyRow,
    SpanRow,
    UnbuiltRow,
    bits_of,
    underline_of,
)
from ..terminal.screen import Char, Row

__all__ = ["ANSI_NAMES", "Palette", "render_row"]

# pyte's colour names, in ANSI order (pyte calls yellow "brown"; its table has a "bfightmagenta").
ANSI_NAMES = ("black", "red", "green", "brown", "blue", "magenta", "cyan", "white")
_ALIASES = {"yellow": "brown", "bfightmagenta": "brightmagenta", "brightyellow": "brightbrown"}


def _default_ansi() -> tuple[str, ...]:
    colours = [DEFAULT_TERMINAL_THEME.ansi_colors[i] for i in range(16)]
    return tuple(f"#{c.red:02x}{c.green:02x}{c.blue:02x}" for c in colours)


@dataclass(frozen=True)
class Palette:
    """Colours for a pane: default foreground/background (hex, None = inherit the widget's), the
    16 ANSI colours (hex, normal then bright) and the cursor colour (None = invert the cell)."""

    foreground: str | None = "#e5e5e5"
    background: str | None = "#000000"
    ansi: tuple[str, ...] = field(default_factory=_default_ansi)
    cursor: str | None = None
    _styles: dict[Any, Style] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.ansi) != 16:
            raise ValueError(f"a palette needs 16 ANSI colours, got {len(self.ansi)}")
        for value in (self.foreground, self.background, self.cursor, *self.ansi):
            if value is not None:
                Color.parse(value)  # raises a clear ColorParseError for bad theme values

    def with_overrides(self, overrides: Mapping[int | str, str]) -> Palette:
        """This palette with a program's colours ("rrggbb") over it: ANSI entries 0-15 (OSC 4)
        and "fg", "bg", "cursor" (OSC 10/11/12). Other palette indexes are drawn as RGB."""
        if not overrides:
            return self
        ansi = tuple(
            f"#{overrides[i]}" if i in overrides else colour for i, colour in enumerate(self.ansi)
        )
        pick = overrides.get
        return replace(
            self,
            foreground=f"#{pick('fg')}" if "fg" in overrides else self.foreground,
            background=f"#{pick('bg')}" if "bg" in overrides else self.background,
            cursor=f"#{pick('cursor')}" if "cursor" in overrides else self.cursor,
            ansi=ansi,
            _styles={},
        )

    def resolve(self, name: str, *, foreground: bool) -> str | None:
        """A pyte colour (name, "default" or 6 hex digits) as "#rrggbb" (None = inherit)."""
        if name == "default":
            return self.foreground if foreground else self.background
        name = _ALIASES.get(name, name)
        bright = name.startswith("bright")
        base = name[6:] if bright else name
        if base in ANSI_NAMES:
            return self.ansi[ANSI_NAMES.index(base) + (8 if bright else 0)]
        if len(name) == 6:
            try:
                int(name, 16)
            except ValueError:
                return None
            return "#" + name
        return None

    def style(self, char: Char, cursor: bool = False) -> Style:
        """The Rich style of a cell with these attributes (cached per palette)."""
        key = (*char[1:9], cursor)
        style = self._styles.get(key)
        if style is None:
            if len(self._styles) > 4096:
                self._styles.clear()
            style = self._styles[key] = self._make_style(char, cursor)
        return style

    def _make_style(self, char: Char, cursor: bool) -> Style:
        fg = self.resolve(char.fg, foreground=True)
        bg = self.resolve(char.bg, foreground=False)
        if char.reverse:
            fg, bg = (bg or self.background or "#000000"), (fg or self.foreground or "#ffffff")
        intensity = bits_of(char.bold)
        blink = bits_of(char.blink)
        if blink & CONCEAL:
            fg = bg or self.background or "#000000"  # hidden text: drawn in the background
        if cursor:
            if self.cursor is not None:
                fg, bg = (bg or self.background or "#000000"), self.cursor
            else:  # no cursor colour: the cell is drawn inverted
                fg, bg = (bg or self.background or "#000000"), (fg or self.foreground or "#ffffff")
        # Rich draws single and double underlines in the text colour; curly, dotted and dashed
        # are drawn single, and an underline colour (SGR 58) cannot be drawn through it.
        underline, _ = underline_of(char.underscore)
        return Style(
            color=fg,
            bgcolor=bg,
            bold=bool(intensity & BOLD) or None,
            dim=bool(intensity & DIM) or None,
            italic=char.italics or None,
            underline=underline in (1, 3, 4, 5) or None,
            underline2=underline == 2 or None,
            blink=bool(blink & BLINK) or None,
            strike=char.strikethrough or None,
        )


_attrs_of = itemgetter(1, 2, 3, 4, 5, 6, 7, 8)
_data_of = itemgetter(0)


def _render_narrow(cells: list[Char], text: str, palette: Palette) -> Strip:
    """A row of one narrow character per cell (`text`): a segment per run of cells in equal
    attributes, found by comparing neighbours' attributes in C rather than cell by cell."""
    attrs = list(map(_attrs_of, cells))
    starts = [0, *compress(range(1, len(cells)), map(ne, attrs, attrs[1:])), len(cells)]
    style = palette.style
    return Strip(
        [Segment(text[a:b], style(cells[a])) for a, b in pairwise(starts)],
        len(cells),
    )


_WIDE_CACHE: dict[str, int] = {}


def _is_wide(text: str) -> bool:
    width = _WIDE_CACHE.get(text)
    if width is None:
        if len(_WIDE_CACHE) > 8192:
            _WIDE_CACHE.clear()
        width = _WIDE_CACHE[text] = wcwidth(text[0]) if text else 0
    return width == 2


def render_row(row: Row, width: int, palette: Palette, *, cursor_x: int | None = None) -> Strip:
    """One screen row as a Strip of exactly `width` cells; `cursor_x` draws the cursor there."""
    if cursor_x is None:
        if type(row) is LazyRow:
            text, attrs = row.unbuilt
            if text.isascii():
                return _render_text(text[:width], attrs, row.default, width, palette)
        elif type(row) is SpanRow:
            strip = _render_spans(row.spans, row.default, width, palette)
            if strip is not None:
                return strip
        else:
            if type(row) in UNBUILT:
                cast(UnbuiltRow, row).materialize()
            cells = list(map(row.get, range(width), repeat(row.default, width)))
            text = "".join(map(_data_of, cells))
            if len(text) == width and text.isascii():  # one narrow character in every cell
                return _render_narrow(cells, text, palette)
    return render_cells(row, width, palette, cursor_x=cursor_x)


def render_cells(row: Row, width: int, palette: Palette, *, cursor_x: int | None = None) -> Strip:
    """`render_row` the cell by cell way, which every row can take (the others are shortcuts
    for common rows, tested to draw the same)."""
    cells: list[Char] = []
    append = cells.append
    x = 0
    while x < width:
        char = row[x]
        data = char.data
        if data == "":
            append(char._replace(data=" "))  # a stub without its wide character
        elif data.isascii() or not _is_wide(data):
            append(char)
        elif x + 1 < width and row[x + 1].data == "":
            append(char)
            x += 1  # the stub is covered by the wide character
        else:
            append(char._replace(data=" "))  # a wide character cut in half
        x += 1
    style = palette.style
    if cursor_x is not None and 0 <= cursor_x < width:
        segments = []
        column = 0
        for char in cells:
            cell_width = 2 if (not char.data.isascii() and _is_wide(char.data)) else 1
            segments.append(
                Segment(char.data, style(char, column <= cursor_x < column + cell_width))
            )
            column += cell_width
        return Strip(list(Segment.simplify(segments))).adjust_cell_length(width)
    segments = []
    for _, group_iter in groupby(cells, _attrs_of):
        group = list(group_iter)
        segments.append(Segment("".join(c.data for c in group), style(group[0])))
    return Strip(segments).adjust_cell_length(width)


def _render_text(text: str, attrs: Char, default: Char, width: int, palette: Palette) -> Strip:
    """A row of narrow `text` in one set of attributes, blank after it: what a flood's rows are,
    drawn without building their cells (the same segments as the cell by cell way)."""
    style = palette.style(attrs)
    rest = width - len(text)
    if not rest:
        return Strip([Segment(text, style)], width)
    if _attrs_of(attrs) == _attrs_of(default):
        return Strip([Segment(text + " " * rest, style)], width)
    blank = Segment(" " * rest, palette.style(default))
    return Strip([Segment(text, style), blank] if text else [blank], width)


def _render_spans(spans: list[Any], default: Char, width: int, palette: Palette) -> Strip | None:
    """An unbuilt row of runs (`SpanRow.spans`) drawn from its cell text, without building its
    cells: the same segments as the cell by cell way (runs in equal attributes joined, a wide
    character's stub dropped, one cut in half at the edge drawn blank). None for runs of
    combining characters (a list per cell), which take the cell by cell way."""
    segments: list[Segment] = []
    style = palette.style
    key: tuple[Any, ...] | None = None
    first = default
    parts: list[str] = []
    x = 0
    for index in range(0, len(spans), 2):
        cells = spans[index]
        if type(cells) is not str:
            return None
        if x + len(cells) > width:
            cells = cells[: width - x]
            if len(cells) < len(spans[index]) and spans[index][len(cells)] == STUB:
                cells = cells[:-1] + " "  # a wide character without room for its second cell
        if not cells:
            continue
        x += len(cells)
        attrs = spans[index + 1]
        attrs_key = _attrs_of(attrs)
        if attrs_key != key:
            if parts:
                segments.append(Segment("".join(parts), style(first)))
                parts = []
            key, first = attrs_key, attrs
        parts.append(cells.replace(STUB, "") if STUB in cells else cells)
        if x >= width:
            break
    if x < width:
        if _attrs_of(default) != key:
            if parts:
                segments.append(Segment("".join(parts), style(first)))
                parts = []
            first = default
        parts.append(default.data * (width - x))
    if parts:
        segments.append(Segment("".join(parts), style(first)))
    return Strip(segments, width)
