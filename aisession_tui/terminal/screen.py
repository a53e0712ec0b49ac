"""`TerminalScreen`: pyte's `HistoryScreen` with fast paths, and the features real programs need.

Speed (pyte's behaviour kept, proven by pyte's own test suite in `tests/terminal/test_pyte_suite.py`
and by screen-for-screen comparisons with stock pyte and with tmux):

- `HistoryScreen.__getattribute__` wraps *every* method call in `before_event`/`after_event`, only
  to page back to the bottom after `prev_page`. We skip that wrapper, and switch the instance to a
  wrapped subclass only while it is paged back (`prev_page`), so pyte's paging semantics still hold.
- `draw` writes runs of width-1 and width-2 characters as dict slices, from a per-attribute cache of
  `Char`s, instead of one `namedtuple._replace` per character.
- `select_graphic_rendition` is memoised per (attributes, parameters), and parameter text is turned
  into an attribute "plan" once.
- `draw_lines` takes whole CR LF-terminated ASCII lines (floods): the screen is shifted once per
  batch, and rows pushed into the scrollback are `LazyRow`s, built only if someone reads them.

Features pyte lacks: the alternate screen (modes 47, 1047, 1049; scrollback untouched while in it),
modes the pane needs (bracketed paste 2004, DECCKM, mouse 9/1000/1002/1003 and SGR 1006), OSC 7 and
133, title changes and BEL surfaced as events, secondary DA and colour-query replies, and a resize
that keeps the cursor row and pushes rows off the top into scrollback, like xterm and tmux.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from itertools import repeat
from typing import Any
from urllib.parse import unquote, urlsplit

from pyte import charsets as cs
from pyte import modes as mo
from pyte.screens import Char, StaticDefaultDict, wcwidth
from pyte.screens import HistoryScreen as _HistoryScreen
from pyte.screens import Screen as _Screen

from .cells import (
    BLANK,
    BLANK_REVERSE,
    LazyRow,
    Row,
    ScreenBuffer,
    SgrPlan,
    fill_char_cache,
    new_char,
    sgr_plan,
    text_runs,
)
from .events import Bell, CwdChanged, ModesChanged, PromptMark, TerminalEvent, TitleChanged

__all__ = ["Char", "LazyRow", "Row", "TerminalScreen"]

# Private modes (pyte stores private mode N as N << 5).
DECCKM = 1 << 5
MOUSE_X10 = 9 << 5
MOUSE_NORMAL = 1000 << 5
MOUSE_BUTTON = 1002 << 5
MOUSE_ANY = 1003 << 5
MOUSE_SGR = 1006 << 5
ALT_47 = 47 << 5
ALT_1047 = 1047 << 5
ALT_1049 = 1049 << 5
BRACKETED_PASTE = 2004 << 5
FOCUS_EVENTS = 1004 << 5
SYNCHRONIZED_OUTPUT = 2026 << 5
_ALT_MODES = frozenset((ALT_47, ALT_1047, ALT_1049))
#: Modes DECRQM reports as set or reset (others: "not recognised").
_KNOWN_PRIVATE_MODES = frozenset(
    (1, 5, 6, 7, 9, 25, 47, 1000, 1002, 1003, 1004, 1006, 1047, 1049, 2004, 2026)
)
_KNOWN_ANSI_MODES = frozenset((4, 20))
_MOUSE_MODES = (MOUSE_ANY, MOUSE_BUTTON, MOUSE_NORMAL, MOUSE_X10)
_WATCHED = frozenset(
    (
        DECCKM,
        MOUSE_X10,
        MOUSE_NORMAL,
        MOUSE_BUTTON,
        MOUSE_ANY,
        MOUSE_SGR,
        BRACKETED_PASTE,
        FOCUS_EVENTS,
        *tuple(_ALT_MODES),
        mo.DECTCEM,
    )
)
_LAT1 = cs.LAT1_MAP
_MAX_ATTR_CACHE = 2048
_MAX_SGR_CACHE = 16384


class TerminalScreen(_HistoryScreen):
    """A fast `pyte.HistoryScreen` (drop-in) with alternate screen, modes, events and replies.

    `on_event` receives `TerminalEvent`s; `reply` receives bytes to write back to the child.
    """

    # Skip HistoryScreen's per-call wrapper; `_paged_class` restores it while paged back.
    __getattribute__ = object.__getattribute__  # type: ignore[assignment]

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
        self._attr_cache: dict[Char, dict[str, Char]] = {}
        self._sgr_cache: dict[tuple[Char, Any, bool], Char] = {}
        self._sgr_plans: dict[Any, SgrPlan] = {}
        self._main_buffer: ScreenBuffer | None = None
        self._alt_savepoint = False
        self._fast_class: type[TerminalScreen] = type(self)
        self._last_char = ""
        self.cwd: str | None = None
        super().__init__(columns, lines, history, ratio)

    @property
    def default_char(self) -> Char:
        """An empty cell (reverse under DECSCNM); shared, not rebuilt for every new row."""
        return BLANK_REVERSE if mo.DECSCNM in self.mode else BLANK

    # -- events and replies ---------------------------------------------------------------------

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

    def report_mode(self, mode: int, *, private: bool = False) -> None:
        """DECRQM `CSI ? Ps $ p` / `CSI Ps $ p`: is mode Ps set (1), reset (2) or unknown (0)?
        Programs ask before they use a mode, e.g. synchronized output (2026)."""
        known = _KNOWN_PRIVATE_MODES if private else _KNOWN_ANSI_MODES
        flag = mode << 5 if private else mode
        status = 1 if flag in self.mode else 2 if mode in known else 0
        mark = "?" if private else ""
        self.write_process_input(f"\x1b[{mark}{mode};{status}$y")

    def report_secondary_device_attributes(self, *params: int) -> None:
        """`CSI > c`: identify as a VT220-class terminal."""
        if not params or params[0] == 0:
            self.write_process_input("\x1b[>1;10;0c")

    def osc_command(self, code: str, value: str) -> None:
        """OSC strings other than titles: 7 (cwd), 133 (prompt marks), 10/11 colour queries."""
        if code == "7":
            path = self._cwd_from_url(value)
            if path is not None and path != self.cwd:
                self.cwd = path
                self.emit(CwdChanged(path))
        elif code == "133":
            kind, _, rest = value.partition(";")
            exit_code: int | None = None
            if kind == "D" and rest:
                head = rest.split(";", 1)[0]
                if head.lstrip("-").isdigit() and len(head) < 10:
                    exit_code = int(head)
            if kind:
                self.emit(PromptMark(kind[:1], exit_code, rest))
        elif code in ("10", "11") and value == "?":
            rgb = self.default_colors[0 if code == "10" else 1]
            r, gr, b = rgb[0:2], rgb[2:4], rgb[4:6]
            self.write_process_input(f"\x1b]{code};rgb:{r}{r}/{gr}{gr}/{b}{b}\x1b\\")

    @staticmethod
    def _cwd_from_url(value: str) -> str | None:
        if value.startswith("file://"):
            path = unquote(urlsplit(value).path)
        elif value.startswith("/"):
            path = value
        else:
            return None
        return path or None

    # -- modes ------------------------------------------------------------------------------------

    @property
    def alternate_screen(self) -> bool:
        return self._main_buffer is not None

    @property
    def mouse_mode(self) -> int:
        mode = self.mode
        for flag in _MOUSE_MODES:
            if flag in mode:
                return flag >> 5
        return 0

    def _watched_modes(self) -> tuple[bool, ...]:
        mode = self.mode
        return (*(flag in mode for flag in sorted(_WATCHED)), self.cursor.hidden)

    def set_mode(self, *modes: int, **kwargs: Any) -> None:
        """SM / DECSET, plus the alternate screen and the modes the pane reads."""
        private = bool(kwargs.get("private"))
        if private and not self.allow_column_mode:
            modes = tuple(m for m in modes if m != 3)
        before = self._watched_modes()
        if private:
            shifted = [m << 5 for m in modes]
            # One mouse protocol at a time, as in xterm.
            if any(m in _MOUSE_MODES for m in shifted):
                self.mode.difference_update(_MOUSE_MODES)
            for alt in _ALT_MODES.intersection(shifted):
                self._enter_alternate(alt)
        super().set_mode(*modes, **kwargs)
        if before != self._watched_modes():
            self.emit(ModesChanged())

    def reset_mode(self, *modes: int, **kwargs: Any) -> None:
        """RM / DECRST, plus leaving the alternate screen."""
        private = bool(kwargs.get("private"))
        if private and not self.allow_column_mode:
            modes = tuple(m for m in modes if m != 3)
        before = self._watched_modes()
        if private:
            for alt in _ALT_MODES.intersection(m << 5 for m in modes):
                self._leave_alternate(alt)
        super().reset_mode(*modes, **kwargs)
        if before != self._watched_modes():
            self.emit(ModesChanged())

    def _new_buffer(self) -> ScreenBuffer:
        return ScreenBuffer(lambda: StaticDefaultDict(self.default_char))

    def _enter_alternate(self, mode: int) -> None:
        """`CSI ? 47/1047/1049 h`: draw on a separate, blank buffer; 1049 saves the cursor first."""
        if self._main_buffer is not None:
            return
        if mode == ALT_1049:
            self.save_cursor()
            self._alt_savepoint = True
        self._main_buffer = self.buffer
        self.buffer = self._new_buffer()
        self.dirty.update(range(self.lines))

    def _leave_alternate(self, mode: int) -> None:
        """`CSI ? 47/1047/1049 l`: back to the main buffer (and cursor, for 1049)."""
        if self._main_buffer is None:
            return
        self.buffer = self._main_buffer
        self._main_buffer = None
        self.dirty.update(range(self.lines))
        if self._alt_savepoint:
            self._alt_savepoint = False
            self.restore_cursor()

    # -- fast paths ----------------------------------------------------------------------

    def draw(self, data: str) -> None:
        """Display text at the cursor; runs of width-1 and width-2 characters are written as
        slices, everything else (combining marks, astral characters) goes through pyte."""
        if data:
            self._last_char = data[-1]
        if self.charset or self.g0_charset is not _LAT1 or mo.IRM in self.mode:
            super().draw(data)
            return
        if data.isascii() and data.isprintable():
            cursor = self.cursor
            x = cursor.x
            end = x + len(data)
            cache = self._attr_cache.get(cursor.attrs)
            if end <= self.columns and cache is not None:
                # No wrap and known attributes: the whole run is one dict update.
                line = self.buffer[cursor.y]
                try:
                    line.update(zip(range(x, end), map(cache.__getitem__, data), strict=False))
                except KeyError:
                    fill_char_cache(cache, cursor.attrs, data)
                    line.update(zip(range(x, end), map(cache.__getitem__, data), strict=False))
                cursor.x = end
            else:
                self._draw_run(data, 1)
        else:
            cursor = self.cursor
            columns = self.columns
            for narrow, wide, other in text_runs().findall(data):
                if narrow or wide:
                    run, width = (narrow, 1) if narrow else (wide, 2)
                    x = cursor.x
                    end = x + len(run) * width
                    cache = self._attr_cache.get(cursor.attrs)
                    if end <= columns and cache is not None and "" in cache:
                        # Fits on the line with known attributes: one or two dict updates.
                        line = self.buffer[cursor.y]
                        lookup = cache.__getitem__
                        try:
                            line.update(zip(range(x, end, width), map(lookup, run), strict=False))
                        except KeyError:
                            fill_char_cache(cache, cursor.attrs, run)
                            line.update(zip(range(x, end, width), map(lookup, run), strict=False))
                        if width == 2:
                            stub = cache[""]
                            line.update(zip(range(x + 1, end, 2), repeat(stub), strict=False))
                        cursor.x = end
                    else:
                        self._draw_run(run, width)
                else:
                    width = wcwidth(other)
                    if width == 2:
                        self._draw_run(other, 2)
                    elif width > 0 or (width == 0 and unicodedata.combining(other)):
                        _Screen.draw(self, other)
                    # Other zero-width or unprintable characters are skipped (pyte drops the
                    # rest of the run, which loses text after a ZWJ or a stray control).
        self.dirty.add(self.cursor.y)

    def _draw_run(self, text: str, width: int) -> None:
        """Write characters that all have `width` (1 or 2), wrapping at the right margin as pyte's
        per-character `draw` does, except that a wide character that does not fit wraps whole."""
        cursor = self.cursor
        attrs = cursor.attrs
        cache = self._attr_cache.get(attrs)
        if cache is None:
            if len(self._attr_cache) >= _MAX_ATTR_CACHE:
                self._attr_cache.clear()
            cache = self._attr_cache[attrs] = {}
        if "" not in cache:
            fill_char_cache(cache, attrs, "")  # the stub of wide characters
        lookup = cache.__getitem__
        columns = self.columns
        buffer = self.buffer
        offset = 0
        length = len(text)
        while offset < length:
            if cursor.x >= columns:
                if mo.DECAWM in self.mode:
                    self.dirty.add(cursor.y)
                    self.carriage_return()
                    self.linefeed()
                else:
                    # Without autowrap each further character overwrites the last cell(s).
                    last = text[-1]
                    if last not in cache:
                        fill_char_cache(cache, attrs, last)
                    line = buffer[cursor.y]
                    line[max(columns - width, 0)] = cache[last]
                    if width == 2 and columns >= 2:
                        line[columns - 1] = cache[""]
                    cursor.x = columns
                    return
            x = cursor.x
            line = buffer[cursor.y]
            take = min(length - offset, (columns - x) // width)
            if take == 0:
                # A wide character does not fit in the last cell. Like xterm and tmux (not pyte,
                # which drew half of it there), wrap first; without autowrap, draw it in the last
                # two cells.
                if x == 0:  # a one-column screen: the character cannot fit anywhere, cut it
                    char = text[offset]
                    if char not in cache:
                        fill_char_cache(cache, attrs, char)
                    line[0] = cache[char]
                    cursor.x = columns
                    offset += 1
                elif mo.DECAWM in self.mode:
                    self.dirty.add(cursor.y)
                    self.carriage_return()
                    self.linefeed()
                else:
                    cursor.x = columns
                continue
            segment = text[offset : offset + take]
            try:
                line.update(
                    zip(range(x, x + take * width, width), map(lookup, segment), strict=False)
                )
            except KeyError:
                fill_char_cache(cache, attrs, segment)
                line.update(
                    zip(range(x, x + take * width, width), map(lookup, segment), strict=False)
                )
            if width == 2:
                line.update(
                    zip(range(x + 1, x + take * 2, 2), repeat(cache[""], take), strict=False)
                )
            cursor.x = x + take * width
            offset += take

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

    def draw_lines(self, block: str) -> None:
        """Lines of printable ASCII, each ending in CR LF: the flood fast path (`cat`, `yes`, logs).

        Once a line feed has scrolled at the bottom of a full-screen scroll region, every further
        line lands on a fresh bottom row, so the rows can be built directly and the screen and
        history shifted once; rows that would fall out of the scrollback are never built.
        """
        texts = block.split("\r\n")
        texts.pop()  # the block ends with CR LF
        bottom = self.lines - 1
        cursor = self.cursor
        simple = (
            (self.margins is None or self.margins == (0, bottom))
            and mo.DECAWM in self.mode
            and mo.IRM not in self.mode
            and not self.charset
            and self.g0_charset is _LAT1
        )
        index = 0
        count = len(texts)
        fresh = False
        # The normal way until a line feed scrolls at the bottom (then the bottom row is fresh).
        while index < count and not (simple and fresh):
            text = texts[index]
            if text:
                self.draw(text)
            self.carriage_return()
            fresh = cursor.y == bottom
            self.linefeed()
            index += 1
        if index >= count:
            return
        self._append_fresh_lines(texts[index:])
        last = next((text for text in reversed(texts) if text), "")
        if last:
            self._last_char = last[-1]

    def _append_fresh_lines(self, texts: list[str]) -> None:
        """Write `texts` (each followed by CR LF) from a fresh bottom row with the cursor at its
        start, in one shift of the screen and one extension of the history."""
        columns = self.columns
        lines = self.lines
        bottom = lines - 1
        segments: list[str] = []
        for text in texts:
            if len(text) <= columns:
                segments.append(text)
            else:
                segments.extend(text[i : i + columns] for i in range(0, len(text), columns))
        history = self.history.top
        if self._main_buffer is not None:
            keep_history = 0
        else:
            keep_history = history.maxlen if history.maxlen is not None else len(segments) + lines
        buffer = self.buffer
        total = bottom + len(segments) + 1
        first = max(0, total - lines - keep_history)
        default = self.default_char
        # `dict.get`: rows moving up stay as they are (lazy rows are not built by moving them).
        rows: list[Row] = [
            StaticDefaultDict(default) if row is None else row
            for row in map(buffer.get, range(first, bottom))
        ]
        attrs = self.cursor.attrs
        cache = self._attr_cache.get(attrs)
        if cache is None:
            if len(self._attr_cache) >= _MAX_ATTR_CACHE:
                self._attr_cache.clear()
            cache = self._attr_cache[attrs] = {}
        # Every new row starts lazy: it is built when painted, read or written, if ever.
        rows.extend(
            LazyRow(default, segment, cache, attrs)
            for segment in segments[max(0, first - bottom) :]
        )
        pushed = len(rows) + 1 - lines
        if self._main_buffer is None and pushed > 0:
            history.extend(rows[:pushed])
        screen_rows = rows[pushed:] if pushed > 0 else rows
        for y, row in enumerate(screen_rows):
            buffer[y] = row
        buffer.pop(bottom, None)
        self.cursor.x = 0
        self.cursor.y = bottom
        self.dirty.update(range(lines))

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
            cursor.y = min(cursor.y + 1, bottom)  # pyte's cursor_down
            return
        buffer = self.buffer
        get = buffer.get  # moving rows does not build lazy ones; missing rows are blank
        if self._main_buffer is None:
            row = get(top)
            self.history.top.append(StaticDefaultDict(self.default_char) if row is None else row)
        self.dirty.update(range(self.lines))
        for y in range(top, bottom):
            row = get(y + 1)
            if row is None:
                buffer.pop(y, None)
            else:
                buffer[y] = row
        buffer.pop(bottom, None)

    def reverse_index(self) -> None:
        """RI: scroll down at the top margin (bottom history only outside the alternate screen)."""
        if self._main_buffer is None:
            super().reverse_index()
        else:
            _Screen.reverse_index(self)

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

    def draw_styled(self, tokens: list[tuple[str, str]]) -> None:
        """(SGR parameter text, text) pairs, as coloured output interleaves them: the same as
        `select_graphic_rendition_text` then `draw` for each, without a call per token in the
        common case (cached attributes, text that fits on the line)."""
        cursor = self.cursor
        sgr_cache = self._sgr_cache
        attr_cache = self._attr_cache
        reverse = mo.DECSCNM in self.mode
        columns = self.columns
        plain = not (self.charset or self.g0_charset is not _LAT1 or mo.IRM in self.mode)
        buffer = self.buffer
        dirty = self.dirty
        for params, text in tokens:
            attrs = sgr_cache.get((cursor.attrs, params, reverse))
            if attrs is None:
                self.select_graphic_rendition_text(params)
                attrs = cursor.attrs
            else:
                cursor.attrs = attrs
            if not text:
                continue
            x = cursor.x
            end = x + len(text)
            cache = attr_cache.get(attrs)
            if (
                plain
                and end <= columns
                and cache is not None
                and text.isascii()
                and text.isprintable()
            ):
                line = buffer[cursor.y]
                try:
                    line.update(zip(range(x, end), map(cache.__getitem__, text), strict=False))
                except KeyError:
                    fill_char_cache(cache, attrs, text)
                    line.update(zip(range(x, end), map(cache.__getitem__, text), strict=False))
                cursor.x = end
                dirty.add(cursor.y)
                self._last_char = text[-1]
                continue
            self.draw(text)

    def _apply_sgr(self, plan: SgrPlan) -> Char:
        reset, assignments = plan
        base = self.default_char if reset else self.cursor.attrs
        if not assignments:
            return base
        fields = list(base)
        for index, value in assignments:
            fields[index] = value
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

    def restore_cursor(self) -> None:
        """DECRC; cursor visibility follows DECTCEM, not the saved cursor (as HistoryScreen)."""
        super().restore_cursor()
        self.cursor.hidden = not (
            self.history.position == self.history.size and mo.DECTCEM in self.mode
        )

    def reset(self) -> None:
        """RIS: also leaves the alternate screen."""
        main = getattr(self, "_main_buffer", None)
        if main is not None:
            self.buffer = main
            self._main_buffer = None
            self._alt_savepoint = False
        super().reset()
        self.buffer = self._new_buffer()

    def erase_in_display(self, how: int = 0, *args: Any, **kwargs: Any) -> None:
        """ED; `CSI 3 J` clears scrollback (never from inside the alternate screen)."""
        if how == 3 and self._main_buffer is not None:
            how = 2
        if how == 0:
            interval = range(self.cursor.y + 1, self.lines)
        elif how == 1:
            interval = range(self.cursor.y)
        elif how in (2, 3):
            interval = range(self.lines)
        else:
            return  # pyte raised UnboundLocalError on `CSI 4 J`
        self.dirty.update(interval)
        attrs = self.cursor.attrs
        buffer = self.buffer
        for y in interval:
            if y in buffer:  # cells never written keep reading as the default
                line = buffer[y]
                line.update(dict.fromkeys(line, attrs))
        if how in (0, 1):
            self.erase_in_line(how)
        elif how == 3:
            self._reset_history()

    def erase_in_line(self, how: int = 0, private: bool = False) -> None:
        """EL `CSI n K`: erase part of the line with the cursor's attributes, in one update."""
        cursor = self.cursor
        self.dirty.add(cursor.y)
        if how == 0:
            start, stop = cursor.x, self.columns
        elif how == 1:
            start, stop = 0, min(cursor.x + 1, self.columns)
        elif how == 2:
            start, stop = 0, self.columns
        else:
            return  # pyte raised UnboundLocalError on `CSI 3 K`
        self.buffer[cursor.y].update(dict.fromkeys(range(start, stop), cursor.attrs))

    # -- resize ---------------------------------------------------------------------------------

    def resize(self, lines: int | None = None, columns: int | None = None) -> None:
        """pyte's resize, keeping the cursor inside the screen."""
        super().resize(lines, columns)
        self._clamp_cursor()

    def resize_keeping_cursor(self, lines: int, columns: int) -> None:
        """Resize like xterm/tmux: when rows are removed, the cursor row stays visible; rows that
        leave the top go to scrollback (main screen) and blank rows below the cursor go first.
        When rows are added, rows come back from the scrollback first, so what was shown stays
        at the bottom (a shell's prompt does not jump up when its pane is zoomed)."""
        lines = max(1, lines)
        columns = max(1, columns)
        old_columns = self.columns
        if lines > self.lines and self._main_buffer is None:
            self._pull_from_history(min(lines - self.lines, len(self.history.top)))
        if lines < self.lines:
            scroll = max(0, self.cursor.y - lines + 1)
            if scroll:
                buffer = self.buffer
                if self._main_buffer is None:
                    self.history.top.extend(buffer[y] for y in range(scroll))
                for y in range(self.lines):
                    if y + scroll < self.lines and (y + scroll) in buffer:
                        buffer[y] = buffer[y + scroll]
                    else:
                        buffer.pop(y, None)
                self.cursor.y -= scroll
            for buf in (self.buffer, self._main_buffer):
                if buf is not None:
                    for y in [y for y in buf if y >= lines or y < 0]:
                        del buf[y]
            self.lines = lines
            self.dirty.update(range(lines))
        if columns < self.columns:
            for buf in (self.buffer, self._main_buffer):
                if buf is not None:
                    for line in buf.values():
                        for x in [x for x in line if x >= columns]:
                            del line[x]
        if lines != self.lines or columns != self.columns:
            self.dirty.update(range(lines))
            self.lines, self.columns = lines, columns
        self.tabstops = {t for t in self.tabstops if t < columns}
        self.tabstops.update(t for t in range(8, columns, 8) if t >= old_columns)
        self.set_margins()
        self._clamp_cursor()
        self.dirty.update(range(lines))

    def _pull_from_history(self, count: int) -> None:
        """Move the screen's rows down by `count` and fill the top with the newest history rows."""
        if count <= 0:
            return
        buffer = self.buffer
        get = buffer.get  # rows move without being built
        for y in range(self.lines - 1, -1, -1):
            row = get(y)
            if row is None:
                buffer.pop(y + count, None)
            else:
                buffer[y + count] = row
        history = self.history.top
        columns = self.columns
        for y in range(count - 1, -1, -1):
            row = history.pop()  # it may be wider: it left the screen before a narrowing
            for x in [x for x in row if x >= columns]:
                del row[x]
            buffer[y] = row
        self.cursor.y += count
        self.dirty.update(range(self.lines + count))

    def _clamp_cursor(self) -> None:
        cursor = self.cursor
        cursor.x = min(max(cursor.x, 0), self.columns)
        cursor.y = min(max(cursor.y, 0), self.lines - 1)

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
