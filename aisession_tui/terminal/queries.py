"""Queries programs send and xterm answers: window size (XTWINOPS 14/16/18/19), DECRQSS,
XTGETTCAP, XTVERSION, DECRQCRA checksums, the cursor style (DECSCUSR), and the colour OSCs
(4, 10, 11, 12 set and query; 104, 110, 111, 112 reset). Mixed into `TerminalScreen`.
"""

from __future__ import annotations

import re
from typing import Any

from pyte import modes as mo

from .cells import BLINK, BOLD, DIM, bits_of, underline_of
from .events import ColorsChanged

#: The pixel size of a cell reported by `CSI 14 t` / `CSI 16 t`; a pane has no pixels of its own,
#: so programs sizing images get a common cell size (the pane may set the real one).
DEFAULT_CELL_PIXELS = (8, 16)
_VERSION = "aisession-tui(1)"
#: XTGETTCAP answers: what our `xterm-256color` terminal has.
_TERMCAPS = {
    "TN": "xterm-256color",
    "name": "xterm-256color",
    "Co": "256",
    "colors": "256",
    "RGB": "8/8/8",
    "bce": "",
    "am": "",
    "Tc": "",
    "Su": "",
    "Smulx": "\x1b[4:%p1%dm",
    "Setulc": "\x1b[58:2::%p1%{65536}%/%d:%p1%{256}%/%{255}%&%d:%p1%{255}%&%d%;m",
    "Ss": "\x1b[%p1%d q",
    "Se": "\x1b[2 q",
    "kbs": "\x7f",
    "kcuu1": "\x1bOA",
    "kcud1": "\x1bOB",
    "kcuf1": "\x1bOC",
    "kcub1": "\x1bOD",
    "khome": "\x1bOH",
    "kend": "\x1bOF",
    "smcup": "\x1b[?1049h\x1b[22;0;0t",
    "rmcup": "\x1b[?1049l\x1b[23;0;0t",
}
_COLOR_SPEC = re.compile(
    r"^(?:rgb:([0-9a-f]{1,4})/([0-9a-f]{1,4})/([0-9a-f]{1,4})|#([0-9a-f]{6}))$"
)
_MAX_DCS = 4096


def parse_color(spec: str) -> str | None:
    """An X11 colour spec (`rgb:r/g/b` with 1-4 hex digits each, or `#rrggbb`) as "rrggbb"."""
    match = _COLOR_SPEC.match(spec.strip().lower())
    if match is None:
        return None
    if match.group(4):
        return match.group(4)
    return "".join(
        f"{int(part, 16) * 255 // (16 ** len(part) - 1):02x}" for part in match.groups()[:3]
    )


def color_reply(rgb: str) -> str:
    """ "rrggbb" as xterm reports it: `rgb:rrrr/gggg/bbbb`."""
    r, g, b = rgb[0:2], rgb[2:4], rgb[4:6]
    return f"rgb:{r}{r}/{g}{g}/{b}{b}"


class QueriesMixin:
    """Replies go through `write_process_input`; colour changes are `ColorsChanged` events."""

    lines: int
    columns: int
    cursor: Any
    mode: set[int]
    margins: Any
    buffer: Any
    default_colors: tuple[str, str]
    #: The 16 ANSI colours the pane draws ("rrggbb"), for OSC 4 queries.
    ansi_colors: tuple[str, ...]
    #: Colours a program set with OSC 4 (index -> "rrggbb") and OSC 10/11/12 ("fg", "bg",
    #: "cursor" -> "rrggbb"); the pane draws with them.
    color_overrides: dict[int | str, str]
    cursor_style: int
    cell_pixels: tuple[int, int]

    # -- window -------------------------------------------------------------------------------

    def window_operation(self, operation: int = 0, *params: int) -> None:
        """XTWINOPS `CSI Ps t`: the size reports (14 text area in pixels, 16 cell size in pixels,
        18 text area in characters, 19 screen in characters); requests to move, resize or
        iconify the window are ignored (a pane is not a window)."""
        width, height = self.cell_pixels
        if operation == 18 or operation == 19:
            code = 8 if operation == 18 else 9
            self.write_process_input(f"\x1b[{code};{self.lines};{self.columns}t")  # type: ignore[attr-defined]
        elif operation == 14:
            self.write_process_input(  # type: ignore[attr-defined]
                f"\x1b[4;{self.lines * height};{self.columns * width}t"
            )
        elif operation == 16:
            self.write_process_input(f"\x1b[6;{height};{width}t")  # type: ignore[attr-defined]

    def report_version(self, *params: int) -> None:
        """XTVERSION `CSI > q`: `DCS > | name(version) ST`."""
        if not params or params[0] == 0:
            self.write_process_input(f"\x1bP>|{_VERSION}\x1b\\")  # type: ignore[attr-defined]

    def set_cursor_style(self, style: int = 0, *params: int) -> None:
        """DECSCUSR `CSI Ps SP q`: 0/1 blinking block, 2 block, 3/4 underline, 5/6 bar. Kept
        for DECRQSS (the pane draws its own cursor)."""
        if 0 <= style <= 6:
            self.cursor_style = style

    # -- control strings ----------------------------------------------------------------------

    def device_control_string(self, body: str) -> None:
        """A DCS string (without `ESC P` and ST): DECRQSS `$ q`, XTGETTCAP `+ q`."""
        if body.startswith("$q"):
            self._request_setting(body[2:])
        elif body.startswith("+q"):
            self._request_termcap(body[2:])

    def _request_setting(self, name: str) -> None:
        """DECRQSS: `DCS 1 $ r <setting> ST` for what we know, `DCS 0 $ r ST` otherwise."""
        if name == "m":
            value = self._sgr_report() + "m"
        elif name == "r":
            top, bottom = self.margins or (0, self.lines - 1)
            value = f"{top + 1};{bottom + 1}r"
        elif name == "s":
            left, right = getattr(self, "lr_margins", None) or (0, self.columns - 1)
            value = f"{left + 1};{right + 1}s"
        elif name == " q":
            value = f"{self.cursor_style or 1} q"
        elif name == '"p':
            value = '65;1"p'  # VT500 level, 7-bit controls
        elif name == '"q':
            value = '0"q'  # DECSCA: characters erasable
        else:
            self.write_process_input("\x1bP0$r\x1b\\")  # type: ignore[attr-defined]
            return
        self.write_process_input(f"\x1bP1$r{value}\x1b\\")  # type: ignore[attr-defined]

    def _sgr_report(self) -> str:
        """The cursor's attributes as xterm's DECRQSS SGR answer (it starts with 0)."""
        attrs = self.cursor.attrs
        codes = ["0"]
        intensity = bits_of(attrs.bold)
        if intensity & BOLD:
            codes.append("1")
        if intensity & DIM:
            codes.append("2")
        if attrs.italics:
            codes.append("3")
        style, _ = underline_of(attrs.underscore)
        if style == 1:
            codes.append("4")
        elif style:
            codes.append(f"4:{style}")
        if bits_of(attrs.blink) & BLINK:
            codes.append("5")
        if attrs.reverse:
            codes.append("7")
        if bits_of(attrs.blink) & 2:
            codes.append("8")
        if attrs.strikethrough:
            codes.append("9")
        codes.extend(_color_codes(attrs.fg, 30))
        codes.extend(_color_codes(attrs.bg, 40))
        return ";".join(codes)

    def _request_termcap(self, names: str) -> None:
        """XTGETTCAP: for each hex-encoded name, `DCS 1 + r name=value ST` (hex) or
        `DCS 0 + r name ST` for one we do not have; xterm stops at the first unknown one."""
        for encoded in names.split(";"):
            try:
                name = bytes.fromhex(encoded).decode()
            except (ValueError, UnicodeDecodeError):
                self.write_process_input(f"\x1bP0+r{encoded}\x1b\\")  # type: ignore[attr-defined]
                return
            value = _TERMCAPS.get(name)
            if value is None:
                self.write_process_input(f"\x1bP0+r{encoded}\x1b\\")  # type: ignore[attr-defined]
                return
            reply = f"{encoded}={value.encode().hex().upper()}" if value else encoded
            self.write_process_input(f"\x1bP1+r{reply}\x1b\\")  # type: ignore[attr-defined]

    # -- checksum -----------------------------------------------------------------------------

    def report_rectangle_checksum(
        self,
        request: int = 0,
        page: int = 0,
        top: int = 0,
        left: int = 0,
        bottom: int = 0,
        right: int = 0,
        *rest: int,
    ) -> None:
        """DECRQCRA `CSI Pi ; Pg ; Pt ; Pl ; Pb ; Pr * y`: `DCS Pi ! ~ xxxx ST`, xterm's
        checksum of the rectangle (character codes plus attribute weights, negated, 16 bits)."""
        first = self.margins.top if self.margins and mo.DECOM in self.mode else 0
        top = first + max(1, top) - 1
        left = max(1, left) - 1
        bottom = min(self.lines, first + bottom if bottom else self.lines) - 1
        right = min(self.columns, right or self.columns) - 1
        total = 0
        for y in range(top, bottom + 1):
            row = self.buffer[y]
            for x in range(left, right + 1):
                cell = row[x]
                total += ord(cell.data[0]) if cell.data else 0x20
                if underline_of(cell.underscore)[0]:
                    total += 0x10
                if cell.reverse:
                    total += 0x20
                if bits_of(cell.blink) & BLINK:
                    total += 0x40
                if bits_of(cell.bold) & BOLD:
                    total += 0x80
        self.write_process_input(f"\x1bP{request}!~{-total & 0xFFFF:04X}\x1b\\")  # type: ignore[attr-defined]

    # -- colours ------------------------------------------------------------------------------

    def color_command(self, code: str, value: str) -> None:
        """OSC 4 (palette entry), 10/11/12 (foreground, background, cursor): set, or query with
        `?`; OSC 104/110/111/112 reset them."""
        if code == "4":
            parts = value.split(";")
            for index_text, spec in zip(parts[::2], parts[1::2], strict=False):
                if not index_text.isdigit() or not 0 <= int(index_text) < 256:
                    continue
                index = int(index_text)
                if spec == "?":
                    rgb = self._palette_color(index)
                    self.write_process_input(f"\x1b]4;{index};{color_reply(rgb)}\x1b\\")  # type: ignore[attr-defined]
                else:
                    self._override(index, spec)
        elif code in ("10", "11", "12"):
            # One OSC may carry several: `OSC 10 ; fg ; bg` sets 10 and then 11.
            number = int(code)
            for spec in value.split(";"):
                if number > 12:
                    break
                key = _DYNAMIC[number]
                if spec == "?":
                    rgb = self._dynamic_color(key)
                    self.write_process_input(f"\x1b]{number};{color_reply(rgb)}\x1b\\")  # type: ignore[attr-defined]
                else:
                    self._override(key, spec)
                number += 1
        elif code == "104":
            indexes = [int(p) for p in value.split(";") if p.isdigit()] if value else None
            self._reset_overrides(
                [k for k in self.color_overrides if type(k) is int] if indexes is None else indexes
            )
        elif code in ("110", "111", "112"):
            self._reset_overrides([_DYNAMIC[int(code) - 100]])

    def _palette_color(self, index: int) -> str:
        override = self.color_overrides.get(index)
        if override is not None:
            return override
        if index < 16:
            return self.ansi_colors[index]
        from pyte.graphics import FG_BG_256

        return FG_BG_256[index]

    def _dynamic_color(self, key: str) -> str:
        override = self.color_overrides.get(key)
        if override is not None:
            return override
        if key == "cursor":
            return self.default_colors[0]
        return self.default_colors[0 if key == "fg" else 1]

    def _override(self, key: int | str, spec: str) -> None:
        rgb = parse_color(spec)
        if rgb is not None and self.color_overrides.get(key) != rgb:
            self.color_overrides[key] = rgb
            self.emit(ColorsChanged())  # type: ignore[attr-defined]

    def _reset_overrides(self, keys: list[Any]) -> None:
        changed = False
        for key in keys:
            changed = self.color_overrides.pop(key, None) is not None or changed
        if changed:
            self.emit(ColorsChanged())  # type: ignore[attr-defined]


_DYNAMIC = {10: "fg", 11: "bg", 12: "cursor"}
_NAMED = ("black", "red", "green", "brown", "blue", "magenta", "cyan", "white")


def _color_codes(color: str, base: int) -> list[str]:
    """SGR codes for a pyte colour value (`base` 30 foreground, 40 background)."""
    if color == "default":
        return []
    bright = color.startswith("bright")
    name = color[6:] if bright else color
    if name in _NAMED:
        index = _NAMED.index(name)
        return [str((base + 60 if bright else base) + index)]
    if len(color) == 6:
        r, g, b = (int(color[i : i + 2], 16) for i in (0, 2, 4))
        return [f"{base + 8}:2::{r}:{g}:{b}"]
    return []
