"""`TerminalScreen`: pyte's `HistoryScreen` with fast paths, and the features real programs need.

Speed (pyte's behaviour kept, proven by pyte's own test suite in `tests/terminal/test_pyte_suite.py`
and by screen-for-screen comparisons with stock pyte and with tmux):

- `HistoryScreen.__getattribute__` wraps *every* method call in `before_event`/`after_event`, only
  to page back to the bottom after `prev_page`. We skip that wrapper, and switch the instance to a
  wrapped subclass only while it is paged back (`prev_page`), so pyte's paging semantics still hold.
- `draw` turns text into "cell text" (one item per cell, wide characters followed by a stub,
  zero-width characters joined to their cell; `cells.cell_text`, mostly `str.translate`) and
  writes it as one dict slice from a per-attribute cache of `Char`s, instead of one
  `namedtuple._replace` per character.
- `select_graphic_rendition` is memoised per (attributes, parameters), and parameter text is turned
  into an attribute "plan" once; the fast paths walk `AttrState`s (attributes -> SGR text -> next
  attributes), one string lookup per SGR.
- `draw_lines` takes whole CR LF-terminated lines of text and SGR sequences (floods, coloured or
  not): the screen is shifted once per batch, and rows pushed into the scrollback are unbuilt
  `LazyRow`s (plain text) or `SpanRow`s (runs of cell text), built only if someone reads them.
- `draw_sequences` takes runs of SGR, CUP, EL and ECH with text (full-screen repaints, coloured
  output) in groups, and keeps each text or erase as a write on the row (`PatchRow`), applied
  when the row is read: what a repaint overwrites before the next frame is never written.

Features pyte lacks, each in a mixin of its own: the alternate screen and the modes the pane needs
(`modes.py`: bracketed paste 2004, DECCKM, mouse 9/1000/1002/1003 and SGR 1006, synchronized output
2026, DECRQM reports), OSC 7 and 133, title changes and BEL surfaced as events with secondary DA
and colour-query replies (`reports.py`), and a resize that keeps the cursor row in view, like
xterm and tmux (`resize.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from pyte import charsets as cs
from pyte import modes as mo
from pyte.screens import Char, StaticDefaultDict
from pyte.screens import HistoryScreen as _HistoryScreen

from . import sequence_runs
from .cells import (
    BLANK,
    BLANK_REVERSE,
    CHARS_BY_ATTRS,
    MAX_ATTR_CACHE,
    MAX_PATCHES,
    STUB,
    AttrState,
    Bits,
    LazyRow,
    PatchRow,
    Row,
    ScreenBuffer,
    SgrPlan,
    SpanRow,
    Underline,
    cell_text,
    chars_for,
    combine,
    fill_char_cache,
    new_char,
    patch_row,
    sgr_plan,
)
from .cursor import CursorMixin
from .editing import EditingMixin
from .events import TerminalEvent
from .keyboard import KeyboardMixin
from .lr_margins import DECLRMM, LeftRightMarginsMixin
from .modes import (
    BRACKETED_PASTE,
    DECCKM,
    FOCUS_EVENTS,
    MOUSE_SGR,
    SYNCHRONIZED_OUTPUT,
    ModesMixin,
)
from .queries import DEFAULT_CELL_PIXELS, QueriesMixin
from .reflow import SHORT, set_wrapped
from .reports import ReportsMixin
from .resize import ResizeMixin
from .sequence_runs import GROUP

__all__ = [
    "BRACKETED_PASTE",
    "DECCKM",
    "FOCUS_EVENTS",
    "MOUSE_SGR",
    "SYNCHRONIZED_OUTPUT",
    "Char",
    "LazyRow",
    "Row",
    "SpanRow",
    "TerminalScreen",
]

_LAT1 = cs.LAT1_MAP
_STEP_TYPES = (Bits, Underline)
#: xterm's 16 ANSI colours, reported by OSC 4 until the pane tells the screen its theme's.
XTERM_ANSI = (
    *("000000", "cd0000", "00cd00", "cdcd00", "0000ee", "cd00cd", "00cdcd", "e5e5e5"),
    *("7f7f7f", "ff0000", "00ff00", "ffff00", "5c5cff", "ff00ff", "00ffff", "ffffff"),
)
_MAX_SGR_CACHE = 16384
_MAX_MOVES = 256
_MAX_POSITIONS = 8192
_SGR_SPLIT = re.compile(r"\x1b\[([0-9;]{0,128})m")


class TerminalScreen(
    ReportsMixin,
    QueriesMixin,
    KeyboardMixin,
    ModesMixin,
    LeftRightMarginsMixin,
    CursorMixin,
    EditingMixin,
    ResizeMixin,
    _HistoryScreen,
):
    """A fast `pyte.HistoryScreen` (drop-in) with alternate screen, modes, events and replies.

    `on_event` receives `TerminalEvent`s; `reply` receives bytes to write back to the child.
    """

    # Skip HistoryScreen's per-call wrapper; `_paged_class` restores it while paged back.
    __getattribute__ = object.__getattribute__

    def __init__(
        self,
        columns: int,
        lines: int,
        history: int = 100,
        ratio: float = 0.5,
        *,
        on_event: Callable[[TerminalEvent], None] | None = None,
        reply: Callable[[bytes], None] | None = None,
    ) -> None:
        self.on_event = on_event
        self.reply = reply
        self.allow_column_mode = True
        self.default_colors = ("ffffff", "000000")
        self._attr_cache = CHARS_BY_ATTRS  # shared by all screens
        self._attr_states: dict[tuple[Char, bool], AttrState] = {}
        #: CUP parameter text -> (y, x), for `_positions_for` (lines, columns, origin, margins).
        self._positions: dict[str, tuple[int, int]] = {}
        self._positions_for: tuple[Any, ...] = ()
        self._sgr_cache: dict[tuple[Char, Any, bool], Char] = {}
        self._sgr_plans: dict[Any, SgrPlan] = {}
        self._main_buffer: ScreenBuffer | None = None
        self._alt_savepoint = False
        self._fast_class: type[TerminalScreen] = type(self)
        self._last_char = ""
        self.cwd: str | None = None
        #: Rows that ever went into the scrollback (those it dropped since included); with its
        #: length, this numbers lines for good: line `history_added - len(top)` is the oldest.
        self.history_added = 0
        self._saved_cursors = {False: None, True: None}
        self._erase_chars = {}
        self._keyboard_stacks = {False: [], True: []}
        self.ansi_colors = XTERM_ANSI
        self.color_overrides = {}
        self.cursor_style = 0
        self.cell_pixels = DEFAULT_CELL_PIXELS
        self.lr_margins = None
        super().__init__(columns, lines, history, ratio)

    @property
    def default_char(self) -> Char:
        """An empty cell (reverse under DECSCNM); shared, not rebuilt for every new row."""
        return BLANK_REVERSE if mo.DECSCNM in self.mode else BLANK

    # -- fast paths ----------------------------------------------------------------------

    def draw(self, data: str) -> None:
        """Display text at the cursor, written as slices of cells (`cell_text`) from a
        per-attribute cache of `Char`s, instead of one `namedtuple._replace` per character."""
        if data:
            self._last_char = data[-1]
        if self.lr_margins is not None:
            self._draw_in_margins(data)
            return
        if self.charset or self.g0_charset is not _LAT1 or mo.IRM in self.mode:
            super().draw(data)
            return
        cells: str | list[str]
        if data.isascii() and data.isprintable():
            cells = data
        else:
            lead, cells = cell_text(data)
            for mark in lead:
                self._combine(mark)
        cursor = self.cursor
        x = cursor.x
        end = x + len(cells)
        cache = self._attr_cache.get(cursor.attrs)
        if end <= self.columns and cache is not None:
            # Fits on the line with known attributes: one dict update.
            line = self.buffer[cursor.y]
            try:
                line.update(zip(range(x, end), map(cache.__getitem__, cells), strict=False))
            except KeyError:
                fill_char_cache(cache, cursor.attrs, cells)
                line.update(zip(range(x, end), map(cache.__getitem__, cells), strict=False))
            cursor.x = end
        elif cells:
            self._draw_cells(cells)
        self.dirty.add(cursor.y)

    def _combine(self, mark: str) -> None:
        """A zero-width character (combining mark, Thai vowel, Devanagari sign, VS16, ZWJ,
        Hangul medial jamo, dakuten) joins the character before the cursor, as in xterm: the
        wide character itself when that cell is a wide character's second half (pyte put the
        mark on the empty second half, which blanked the character)."""
        cursor = self.cursor
        y, x = cursor.y, min(cursor.x, self.columns) - 1
        if x < 0:
            if y == 0:
                return
            y, x = y - 1, self.columns - 1
        line = self.buffer[y]
        if x > 0 and line[x].data == "":
            x -= 1
        last = line[x]
        data = combine(last.data, mark)
        if data is not last.data:
            line[x] = last._replace(data=data)
            self.dirty.add(y)

    def _draw_cells(self, cells: str | list[str]) -> None:
        """Write cells (`cell_text`), wrapping at the right margin as pyte's per-character `draw`
        does, except that a wide character that does not fit wraps whole."""
        cursor = self.cursor
        attrs = cursor.attrs
        cache = chars_for(attrs)
        if not cache.keys() >= set(cells):
            fill_char_cache(cache, attrs, cells)
        lookup = cache.__getitem__
        columns = self.columns
        buffer = self.buffer
        offset = 0
        length = len(cells)
        while offset < length:
            if cursor.x >= columns:
                if mo.DECAWM in self.mode:
                    self.dirty.add(cursor.y)
                    self._wrap()
                else:
                    self._overwrite_last_cells(cells[offset:], cache)
                    return
            x = cursor.x
            line = buffer[cursor.y]
            end = min(length, offset + columns - x)
            if end < length and cells[end] == STUB:
                end -= 1  # the wide character that would straddle the edge waits
                if end == offset:
                    # It does not fit in the last cell. Like xterm and tmux (not pyte, which drew
                    # half of it there), wrap first; without autowrap, draw it in the last two
                    # cells.
                    if x == 0:  # a one-column screen: it cannot fit anywhere, cut it
                        line[0] = lookup(cells[offset])
                        cursor.x = columns
                        offset += 2
                    elif mo.DECAWM in self.mode:
                        self.dirty.add(cursor.y)
                        self._wrap(short=True)
                    else:
                        cursor.x = columns
                    continue
            line.update(
                zip(range(x, x + end - offset), map(lookup, cells[offset:end]), strict=False)
            )
            cursor.x = x + end - offset
            offset = end

    def _overwrite_last_cells(self, cells: str | list[str], cache: dict[str, Char]) -> None:
        """Without autowrap, each character past the edge overwrites the last cell(s)."""
        columns = self.columns
        line = self.buffer[self.cursor.y]
        for index, cell in enumerate(cells):
            if cell == STUB:
                continue
            if index + 1 < len(cells) and cells[index + 1] == STUB:
                line[max(columns - 2, 0)] = cache[cell]
                if columns >= 2:
                    line[columns - 1] = cache[STUB]
            else:
                line[columns - 1] = cache[cell]
        self.cursor.x = columns

    def _wrap(self, *, short: bool = False) -> None:
        """Autowrap to the start of the next row, marking the row left as continued there
        (`short`: a wide character that did not fit left its last cell empty)."""
        row = self.buffer[self.cursor.y]
        self.carriage_return()
        self.linefeed()
        set_wrapped(row, SHORT if short else True)

    def linefeed(self) -> None:
        """LF; the row it leaves does not continue on the next (any wrap mark goes)."""
        row = dict.get(self.buffer, self.cursor.y)
        if row is not None and "wrapped" in row.__dict__:
            set_wrapped(row, False)
        super().linefeed()

    def scroll_up(self, count: int | None = None) -> None:
        """SU `CSI n S`: scroll the region up n lines; the cursor does not move."""
        self._scroll(count, self.index, bottom=True)

    def scroll_down(self, count: int | None = None) -> None:
        """SD `CSI n T`: scroll the region down n lines; the cursor does not move."""
        self._scroll(count, self.reverse_index, bottom=False)

    def _scroll(self, count: int | None, step: Callable[[], None], *, bottom: bool) -> None:
        top, last = self.margins or (0, self.lines - 1)
        cursor = self.cursor
        x, y = cursor.x, cursor.y
        cursor.y = last if bottom else top
        for _ in range(min(count or 1, self.lines)):
            step()
        cursor.x, cursor.y = x, y

    def repeat_last_character(self, count: int | None = None) -> None:
        """REP `CSI n b`: draw the last graphic character n more times (ncurses uses it)."""
        if self._last_char:
            self.draw(self._last_char * min(count or 1, self.columns * self.lines))

    def back_tab(self, count: int | None = None) -> None:
        """CBT `CSI n Z`: back to the n-th previous tab stop (or the first column)."""
        for _ in range(min(count or 1, self.columns)):
            stops = [stop for stop in self.tabstops if stop < self.cursor.x]
            self.cursor.x = max(stops) if stops else 0

    def forward_tab(self, count: int | None = None) -> None:
        """CHT `CSI n I`: forward n tab stops."""
        for _ in range(min(count or 1, self.columns)):
            self.tab()

    def _writes_plainly(self) -> bool:
        """Text goes into cells as it comes, what the fast paths assume: no charset to
        translate it, no insert mode, no left and right margins."""
        return not (
            self.charset
            or self.g0_charset is not _LAT1
            or mo.IRM in self.mode
            or self.lr_margins is not None
        )

    def draw_lines(self, block: str) -> None:
        """Lines each ending in CR LF, of text and SGR sequences (`CSI ... m`) only: the flood
        fast path (`cat`, `yes`, logs, coloured build and test output).

        Once a line feed has scrolled at the bottom of a full-screen scroll region, every further
        line lands on a fresh bottom row, so the rows can be built directly and the screen and
        history shifted once; they stay unbuilt (`LazyRow`, `SpanRow`) until someone reads them,
        and rows that would fall out of the scrollback are never built.
        """
        texts = block.split("\r\n")
        texts.pop()  # the block ends with CR LF
        bottom = self.lines - 1
        cursor = self.cursor
        simple = (
            (self.margins is None or self.margins == (0, bottom))
            and mo.DECAWM in self.mode
            and self._writes_plainly()
        )
        index = 0
        count = len(texts)
        while index < count:
            fresh = False
            # The normal way until a line feed scrolls at the bottom (then the bottom row is
            # fresh), and for a line the fresh path cannot lay out.
            while index < count and not (simple and fresh):
                self._draw_line(texts[index])
                self.carriage_return()
                fresh = cursor.y == bottom
                self.linefeed()
                index += 1
            if index < count:
                index = self._append_fresh_lines(texts, index)

    def _draw_line(self, text: str) -> None:
        """One line of text and SGR sequences, as the stream would dispatch it."""
        if "\x1b" not in text:
            if text:
                self.draw(text)
            return
        parts = _SGR_SPLIT.split(text)
        if parts[0]:
            self.draw(parts[0])
        for index in range(1, len(parts), 2):
            self.select_graphic_rendition_text(parts[index])
            if parts[index + 1]:
                self.draw(parts[index + 1])

    def _attr_state(self, attrs: Char) -> AttrState:
        """The `AttrState` of `attrs` under the current reverse-video mode."""
        key = (attrs, mo.DECSCNM in self.mode)
        state = self._attr_states.get(key)
        if state is None:
            if len(self._attr_states) >= MAX_ATTR_CACHE:
                self._attr_states.clear()
            state = AttrState(attrs, chars_for(attrs), self._erase_for(attrs))
            self._attr_states[key] = state
        return state

    def _move(self, state: AttrState, params: str) -> AttrState:
        """Where SGR `params` leads from `state` (remembered in `state.moves`)."""
        cursor = self.cursor
        saved = cursor.attrs
        cursor.attrs = state.attrs
        self.select_graphic_rendition_text(params)
        following = self._attr_state(cursor.attrs)
        cursor.attrs = saved
        if len(state.moves) >= _MAX_MOVES:
            state.moves.clear()
        state.moves[params] = following
        return following

    def _move_run(self, state: AttrState, run: str) -> AttrState:
        """Where a run of SGR sequences (their text) leads from `state` (remembered in
        `state.moves` beside the steps of its sequences)."""
        following = state
        for params in _SGR_SPLIT.findall(run):
            following = following.moves.get(params) or self._move(following, params)
        if len(state.moves) >= _MAX_MOVES:
            state.moves.clear()
        state.moves[run] = following
        return following

    def _line_spans(self, text: str) -> tuple[list[Any], int, str] | None:
        """A line's runs (flat: cell text, attributes, ...; see `SpanRow`) from the cursor's
        attributes on, which it leaves as the line does; with its width in cells and last text.
        None (attributes untouched) when a zero-width character would join a cell of another
        run or row. The Python path of the compiled `line_spans` (see `_append_fresh_lines`)."""
        state = self._attr_state(self.cursor.attrs)
        spans: list[Any] = []
        append = spans.append
        move = self._move
        width = 0
        last = ""
        parts: list[str | None] = [None]  # no SGR before the line's first text
        parts.extend(_SGR_SPLIT.split(text))
        pairs = iter(parts)
        for params, part in zip(pairs, pairs, strict=True):
            if params is not None:
                state = state.moves.get(params) or move(state, params)
            if not part:
                continue
            last = part
            cells: str | list[str]
            if part.isascii():
                cells = part
            else:
                lead, cells = cell_text(part)
                if lead:
                    return None
                if not cells:
                    continue
            append(cells)
            append(state.attrs)
            width += len(cells)
        self.cursor.attrs = state.attrs
        return spans, width, last

    def _cut_spans(self, spans: list[Any], erase: Char) -> list[tuple[list[Any], Char, bool | str]]:
        """A line's spans cut into rows of at most `columns` cells, as autowrap cuts them: each
        (spans, blank cell, wrap mark); a wide character that does not fit wraps whole, leaving
        its row `SHORT`. A row a wrap brings in is blank in the colour drawn when it wraps."""
        compiled = sequence_runs.compiled
        if compiled is not None:
            rows: list[tuple[list[Any], Char, bool | str]] = compiled.cut_spans(
                spans, self.columns, erase, self._erase_cell, SHORT, STUB
            )
            return rows
        columns = self.columns
        rows = []
        current: list[Any] = []
        room = columns
        for index in range(0, len(spans), 2):
            cells, attrs = spans[index], spans[index + 1]
            while cells:
                if room == 0:
                    rows.append((current, erase, True))
                    current, room, erase = [], columns, self._erase_cell(attrs)
                if len(cells) <= room:
                    current += (cells, attrs)
                    room -= len(cells)
                    break
                cut = room
                if cells[cut] == STUB:
                    cut -= 1
                if cut:
                    current += (cells[:cut], attrs)
                    cells = cells[cut:]
                rows.append((current, erase, True if cut == room else SHORT))
                current, room, erase = [], columns, self._erase_cell(attrs)
        rows.append((current, erase, False))
        return rows

    def _erase_cell(self, attrs: Char) -> Char:
        """`_erase_for(attrs)`, remembered with the attributes' `AttrState`."""
        return self._attr_state(attrs).erase

    def _erase_for(self, attrs: Char) -> Char:
        """The blank cell erasing would write with the cursor in `attrs`."""
        saved = self.cursor.attrs
        self.cursor.attrs = attrs
        try:
            return self.erase_char()
        finally:
            self.cursor.attrs = saved

    def _append_fresh_lines(self, texts: list[str], start: int) -> int:
        """Write `texts[start:]` (each followed by CR LF) from a fresh bottom row with the cursor
        at its start, in one shift of the screen and one extension of the history. Stops before
        a line it cannot lay out (a zero-width character joining another run's cell, a wide
        character on a one-column screen) and returns its index."""
        columns = self.columns
        cursor = self.cursor
        new_rows: list[Row] = []
        last = ""
        erase = self.erase_char()
        attrs = cursor.attrs
        cache = chars_for(attrs)
        stop = len(texts)
        # The compiled layout, carrying the `AttrState` from line to line (each line starts in
        # the attributes the one before left) instead of looking it up again for each.
        compiled = sequence_runs.compiled
        line_spans = compiled.line_spans if compiled is not None else None
        state = self._attr_state(attrs)
        for index in range(start, stop):
            text = texts[index]
            if text.isascii() and "\x1b" not in text:
                if len(text) <= columns:
                    new_rows.append(LazyRow(erase, text, cache, attrs))
                else:
                    for offset in range(0, len(text), columns):
                        row = LazyRow(erase, text[offset : offset + columns], cache, attrs)
                        if offset + columns < len(text):
                            row.__dict__["wrapped"] = True  # `set_wrapped` of a new row
                        new_rows.append(row)
                if text:
                    last = text
                continue
            if columns < 2 and not text.isascii():
                return self._finish_fresh_lines(new_rows, last, index)
            if "\x1b" not in text:
                # Text of mixed widths in the current attributes (CJK logs, emoji).
                lead, cells = cell_text(text)
                if lead:
                    return self._finish_fresh_lines(new_rows, last, index)
                spans, width, text_last = [cells, attrs] if cells else [], len(cells), text
            else:
                if state.attrs is not cursor.attrs:
                    state = self._attr_state(cursor.attrs)
                compiled_layout = line_spans(text, state, cell_text) if line_spans else None
                if compiled_layout is not None:
                    spans, width, text_last, state = compiled_layout
                    cursor.attrs = state.attrs
                else:
                    laid_out = self._line_spans(text)
                    if laid_out is None:
                        return self._finish_fresh_lines(new_rows, last, index)
                    spans, width, text_last = laid_out
            if text_last:
                last = text_last
            if width <= columns:
                new_rows.append(_unbuilt_row(erase, spans))
            else:
                for row_spans, blank, wrapped in self._cut_spans(spans, erase):
                    piece = _unbuilt_row(blank, row_spans)
                    if wrapped:
                        piece.__dict__["wrapped"] = wrapped  # `set_wrapped` of a new row
                    new_rows.append(piece)
            if cursor.attrs is not attrs:
                attrs = cursor.attrs
                cache = chars_for(attrs)
                erase = self.erase_char()
        return self._finish_fresh_lines(new_rows, last, stop)

    def _finish_fresh_lines(self, new_rows: list[Row], last: str, stop: int) -> int:
        """Shift the screen and history by `new_rows` (below a fresh bottom row)."""
        if not new_rows:
            return stop
        lines = self.lines
        bottom = lines - 1
        history = self.history.top
        buffer = self.buffer
        if self._main_buffer is not None:
            keep_history = 0
        else:
            keep_history = history.maxlen if history.maxlen is not None else len(new_rows) + lines
        total = bottom + len(new_rows) + 1
        first = max(0, total - lines - keep_history)
        default = self.default_char
        # `dict.get`: rows moving up stay as they are (unbuilt rows are not built by moving).
        rows: list[Row] = [
            StaticDefaultDict(default) if row is None else row
            for row in map(buffer.get, range(first, bottom))
        ]
        rows.extend(new_rows[max(0, first - bottom) :])
        pushed = len(rows) + 1 - lines
        if self._main_buffer is None:
            self.history_added += len(new_rows)  # one row left the top for each (some unbuilt)
            if pushed > 0:
                for row in rows[: min(pushed, max(0, bottom - first))]:  # the screen's rows
                    if type(row) is PatchRow:
                        row.materialize()  # the scrollback keeps cells (`_history_row`)
                history.extend(rows[:pushed])
        screen_rows = rows[pushed:] if pushed > 0 else rows
        for y, row in enumerate(screen_rows):
            buffer[y] = row
        self.blank_row(bottom)
        self.cursor.x = 0
        self.cursor.y = bottom
        self.dirty.update(range(lines))
        if last:
            self._last_char = last[-1]
        return stop

    def index(self) -> None:
        """IND / line feed: scroll at the bottom margin; the line leaving the top goes to history
        (not while the alternate screen is shown)."""
        cursor = self.cursor
        margins = self.margins
        if margins is None:
            top, bottom = 0, self.lines - 1
        else:
            top, bottom = margins
        if cursor.y != bottom:
            # Below the region the cursor goes on to the screen's last row (xterm), not back up.
            cursor.y = min(cursor.y + 1, bottom if cursor.y < bottom else self.lines - 1)
            return
        if self.lr_margins is not None:
            self.scroll_in_margins(up=True)
            return
        buffer = self.buffer
        get = buffer.get  # moving rows does not build lazy ones; missing rows are blank
        if self._main_buffer is None:
            self.history.top.append(_history_row(get(top), self.default_char))
            self.history_added += 1
        self.dirty.update(range(self.lines))
        for y in range(top, bottom):
            row = get(y + 1)
            if row is None:
                buffer.pop(y, None)
            else:
                buffer[y] = row
        if cursor.attrs.bg == "default":
            buffer.pop(bottom, None)
        else:
            self.blank_row(bottom)  # the new row takes the background colour (BCE)

    def repair(self) -> None:
        """After a handler raised (the stream skips its sequence and goes on): restore what it
        may have left broken, the cursor's and the rows' bounds, and repaint everything."""
        cursor = self.cursor
        cursor.x = min(max(cursor.x, 0), self.columns)
        cursor.y = min(max(cursor.y, 0), self.lines - 1)
        for y in [y for y in self.buffer if not 0 <= y < self.lines]:
            del self.buffer[y]
        self.dirty.update(range(self.lines))

    def on_soft_reset(self) -> None:
        """DECSTR also drops left/right margin mode and the margins, and the cursor style."""
        self.mode.discard(DECLRMM)
        self.lr_margins = None
        self.cursor_style = 0

    def reverse_index(self) -> None:
        """RI: scroll down at the top margin (the row leaving the bottom goes to pyte's bottom
        history, only outside the alternate screen); the new top row takes the background
        colour. Rows move as they are: unbuilt ones are not built by moving."""
        margins = self.margins
        top, bottom = (0, self.lines - 1) if margins is None else margins
        if self.cursor.y != top:
            self.cursor_up()
            return
        if self.scroll_in_margins(up=False):
            return
        buffer = self.buffer
        get = buffer.get
        if self._main_buffer is None:
            self.history.bottom.append(_history_row(get(bottom), self.default_char))
        self.dirty.update(range(self.lines))
        for y in range(bottom, top, -1):
            row = get(y - 1)
            # A missing row moves as a new blank one, as in pyte (whose tests count rows).
            buffer[y] = StaticDefaultDict(self.default_char) if row is None else row
        buffer.pop(top, None)
        if self.cursor.attrs.bg != "default":
            self.blank_row(top)

    def select_graphic_rendition(self, *attrs: int, **kwargs: Any) -> None:
        """SGR, memoised; `CSI ? ... m` (private) is ignored rather than misread."""
        if kwargs.get("private"):
            return
        key = (self.cursor.attrs, attrs, mo.DECSCNM in self.mode)
        cached = self._sgr_cache.get(key)
        if cached is None:
            plan = self._sgr_plans.get(attrs)
            if plan is None:
                plan = self._remember_plan(attrs, sgr_plan(attrs))
            cached = self._remember_sgr(key, self._apply_sgr(plan))
        self.cursor.attrs = cached

    def select_graphic_rendition_text(self, params: str) -> None:
        """SGR from its raw `;`-separated parameter text (the stream's fast path), memoised on the
        text so the common case does no parsing at all."""
        key = (self.cursor.attrs, params, mo.DECSCNM in self.mode)
        cached = self._sgr_cache.get(key)
        if cached is None:
            plan = self._sgr_plans.get(params)
            if plan is None:
                values = (
                    tuple(min(int(p), 9999) if p else 0 for p in params.split(";"))
                    if params
                    else (0,)
                )
                plan = self._remember_plan(params, sgr_plan(values))
            cached = self._remember_sgr(key, self._apply_sgr(plan))
        self.cursor.attrs = cached

    def draw_sequences(self, groups: list[tuple[str, str, str, str, str, str]]) -> None:
        """Runs of SGR, CUP, EL and ECH sequences with text, as coloured output and full-screen
        programs interleave them, in groups (`sequence_runs.GROUP`): SGRs, a CUP, SGRs, text,
        an EL or ECH (each part may be missing; a sequence's text keeps its escape bytes). The
        same as the stream dispatching each sequence then `draw`, without a call per sequence
        in the common case: a group's SGRs are one step between `AttrState`s and its CUP a
        remembered position. A sequence whose handler raises is skipped alone (the first error
        is raised once all are done)."""
        cursor = self.cursor
        mode = self.mode
        columns = self.columns
        lines = self.lines
        plain = self._writes_plainly()
        buffer = self.buffer
        dirty = self.dirty
        move = self._move_run
        state = self._attr_state(cursor.attrs)
        positions = self._positions
        if self._positions_for != (lines, columns, mo.DECOM in mode, self.margins):
            positions.clear()
            self._positions_for = (lines, columns, mo.DECOM in mode, self.margins)
        buffer_get = buffer.get
        failure: Exception | None = None
        for group in groups:
            sgr, cup, more_sgr, text, erase, final = group
            step = 0
            try:
                if more_sgr:
                    sgr = sgr + more_sgr if sgr else more_sgr
                if sgr:
                    state = state.moves.get(sgr) or move(state, sgr)
                    cursor.attrs = state.attrs
                step = 1
                if cup:
                    position = positions.get(cup)
                    if position is None:
                        position = self._cursor_position_text(cup)
                    if position is not None:
                        cursor.y, cursor.x = position
                step = 2
                if text:
                    x = cursor.x
                    end = x + len(text)
                    if plain and end <= columns and text.isascii() and text.isprintable():
                        y = cursor.y
                        line = buffer_get(y)
                        if type(line) is not PatchRow or len(line.patches) >= MAX_PATCHES:
                            line = patch_row(buffer, y)
                        line.patches.append((x, end, text, state))
                        cursor.x = end
                        dirty.add(y)
                        self._last_char = text[-1]
                    else:
                        self.draw(text)
                step = 3
                if final:
                    x = cursor.x
                    if final == "K":
                        if erase == "" or erase == "0":
                            start, stop = x, columns
                        elif erase == "1":
                            start, stop = 0, x + 1
                        else:
                            start = stop = 0
                        if 0 < stop - start < columns:
                            # EL 0 or 1 not covering the whole row (`erase_in_line` in one patch)
                            y = cursor.y
                            line = buffer_get(y)
                            if type(line) is not PatchRow or len(line.patches) >= MAX_PATCHES:
                                line = patch_row(buffer, y)
                            line.patches.append((start, stop, None, state.erase))
                            if stop == columns and "wrapped" in line.__dict__:
                                set_wrapped(line, False)
                            dirty.add(y)
                        else:
                            self.erase_in_line(_csi_param(erase))
                    else:  # "X"
                        count = _csi_param(erase) or 1
                        y = cursor.y
                        line = buffer_get(y)
                        if type(line) is not PatchRow or len(line.patches) >= MAX_PATCHES:
                            line = patch_row(buffer, y)
                        line.patches.append((x, min(x + count, columns), None, state.erase))
                        dirty.add(y)
            except Exception as error:
                failure = failure or error
                self.repair()
                failure = self._finish_group(group, step) or failure
                state = self._attr_state(cursor.attrs)
        if failure is not None:
            raise failure

    def draw_sequence_run(self, data: str, start: int, stop: int) -> None:
        """The run `data[start:stop]` (`sequence_runs.RUN`) through the compiled fast path: it
        applies each group whose parts are plain (remembered SGR steps, a CUP of one or two
        numbers, printable ASCII that fits, an EL or ECH within the row) and leaves the others,
        one at a time, to `draw_sequences`. The Python path when the compiled module is missing."""
        compiled = sequence_runs.compiled
        if compiled is None or not self._writes_plainly():
            self.draw_sequences(GROUP.findall(data, start, stop))
            return
        cursor = self.cursor
        context = (
            *(cursor, self.buffer, self.dirty, mo.DECOM in self.mode),
            *(patch_row, PatchRow, self.columns, self.lines, MAX_PATCHES),
        )
        draw_groups = compiled.draw_groups
        match_group = GROUP.match
        state = self._attr_state(cursor.attrs)
        failure: Exception | None = None
        while True:
            start, state = draw_groups(self, data, start, stop, state, context)
            if start >= stop:
                break
            match = match_group(data, start, stop)
            try:
                if match is None or match.end() == start:  # the two disagree: Python's way
                    self.draw_sequences(GROUP.findall(data, start, stop))
                    break
                start = match.end()
                self.draw_sequences([match.groups()])  # type: ignore[list-item]
            except Exception as error:
                failure = failure or error
            state = self._attr_state(cursor.attrs)
        if failure is not None:
            raise failure

    def _finish_group(
        self, group: tuple[str, str, str, str, str, str], failed: int
    ) -> Exception | None:
        """The rest of a `draw_sequences` group after part `failed` raised (0: its SGRs, 1: its
        CUP, 2: its text, 3: its EL or ECH), one sequence at a time, as the stream would
        dispatch them; each failure is skipped alone and the first returned."""
        sgr, cup, more_sgr, text, erase, final = group
        calls: list[Callable[[], Any]] = []
        if failed == 0:
            # Which SGR failed is not known: each of them again (SGR depends only on the
            # attributes before it, and those were not changed by the failed step).
            calls.extend(
                partial(self.select_graphic_rendition_text, params)
                for params in _SGR_SPLIT.findall(sgr)
            )
        if failed < 1 and cup:
            calls.append(partial(self.cursor_position, *_csi_params(cup[2:-1])[:2]))
        if failed == 0:
            calls.extend(
                partial(self.select_graphic_rendition_text, params)
                for params in _SGR_SPLIT.findall(more_sgr)
            )
        if failed < 2 and text:
            calls.append(partial(self.draw, text))
        if failed < 3 and final:
            method = self.erase_in_line if final == "K" else self.erase_characters
            calls.append(partial(method, _csi_param(erase)))
        first: Exception | None = None
        for call in calls:
            try:
                call()
            except Exception as error:
                first = first or error
                self.repair()
        return first

    def _cursor_position_text(self, sequence: str) -> tuple[int, int] | None:
        """CUP from its text (`CSI ... H`): where the cursor goes (remembered in `_positions` for
        the current size, origin mode and margins), or None if pyte's method moved it."""
        params = sequence[2:-1]
        values = params.split(";")
        if len(values) > 2 or mo.DECOM in self.mode or not all(map(str.isdigit, values)):
            self.cursor_position(*_csi_params(params)[:2])
            return None
        line = min(int(values[0]), 9999) or 1
        column = min(int(values[1]), 9999) or 1 if len(values) > 1 else 1
        position = min(line - 1, self.lines - 1), min(column - 1, self.columns - 1)
        if len(self._positions) >= _MAX_POSITIONS:
            self._positions.clear()
        self._positions[sequence] = position
        return position

    def _apply_sgr(self, plan: SgrPlan) -> Char:
        reset, assignments = plan
        base = self.default_char if reset else self.cursor.attrs
        if not assignments:
            return base
        fields = list(base)
        for index, value in assignments:
            fields[index] = value.apply(fields[index]) if type(value) in _STEP_TYPES else value
        return new_char(Char, fields)

    def _remember_plan(self, key: Any, plan: SgrPlan) -> SgrPlan:
        if len(self._sgr_plans) >= _MAX_SGR_CACHE:
            self._sgr_plans.clear()
        self._sgr_plans[key] = plan
        return plan

    def _remember_sgr(self, key: tuple[Char, Any, bool], attrs: Char) -> Char:
        if len(self._sgr_cache) >= _MAX_SGR_CACHE:
            self._sgr_cache.clear()
        self._sgr_cache[key] = attrs
        return attrs

    def reset(self) -> None:
        """RIS: also leaves the alternate screen."""
        main = getattr(self, "_main_buffer", None)
        if main is not None:
            self.buffer = main
            self._main_buffer = None
            self._alt_savepoint = False
        super().reset()
        self.buffer = self._new_buffer()
        self.forget_saved_cursors()
        self.forget_keyboard_flags()
        self.cursor_style = 0
        self.lr_margins = None
        if getattr(self, "color_overrides", None):
            self._reset_overrides(list(self.color_overrides))

    # -- pyte paging compatibility ---------------------------------------------------------------

    def prev_page(self) -> None:
        """Page back through history; the screen then behaves like a wrapped HistoryScreen."""
        _HistoryScreen.prev_page(self)
        if self.history.position < self.history.size:
            self.__class__ = _paged_class(self._fast_class)
        self._after_paging()

    def next_page(self) -> None:
        _HistoryScreen.next_page(self)
        self._after_paging()

    def _after_paging(self) -> None:
        at_bottom = self.history.position == self.history.size
        self.cursor.hidden = not (at_bottom and mo.DECTCEM in self.mode)
        if at_bottom and type(self) is not self._fast_class:
            self.__class__ = self._fast_class

    def after_event(self, event: str) -> None:
        super().after_event(event)
        if self.history.position == self.history.size and type(self) is not self._fast_class:
            self.__class__ = self._fast_class


def _csi_param(text: str) -> int:
    """A lone CSI parameter as the stream reads it (empty is 0, at most 9999)."""
    if not text:
        return 0
    if ";" in text:
        return _csi_params(text)[0]
    return min(int(text), 9999)


def _csi_params(text: str) -> list[int]:
    return [min(int(part), 9999) if part else 0 for part in text.split(";")]


def _history_row(row: Row | None, default: Char) -> Row:
    """A screen row as the scrollback keeps it: a missing one blank, a `PatchRow` built (cells,
    not a screen row's pending writes)."""
    if row is None:
        return StaticDefaultDict(default)
    if type(row) is PatchRow:
        row.materialize()
    return row


def _unbuilt_row(blank: Char, spans: list[Any]) -> Row:
    """A `LazyRow` for one run of ASCII (the pane draws those fastest), else a `SpanRow`."""
    if len(spans) == 2:
        cells, attrs = spans
        if type(cells) is str and cells.isascii():
            return LazyRow(blank, cells, chars_for(attrs), attrs)
    return SpanRow(blank, spans)


_PAGED: dict[type, type] = {}


def _paged_class(fast: type[TerminalScreen]) -> type[TerminalScreen]:
    """A subclass using HistoryScreen's wrapping `__getattribute__`, for while paged back."""
    paged = _PAGED.get(fast)
    if paged is None:
        paged = _PAGED[fast] = type(
            f"Paged{fast.__name__}",
            (fast,),
            {"__getattribute__": _HistoryScreen.__getattribute__},
        )
    return paged
