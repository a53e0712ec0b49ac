"""A faster, hardened pyte stream: common sequences are tokenized by regex and dispatched directly.

pyte's `Stream` pushes every control character and every byte of every escape sequence through a
generator one character at a time. Real output is dominated by a handful of shapes (runs of text,
CR/LF, complete `CSI ... m` sequences, OSC strings), so `TerminalStream.feed` recognises those with
compiled regexes (or, for runs of SGR/CUP/EL/ECH sequences, the optional C module of
`sequence_runs`) while the parser is in its ground state and calls the screen directly. Anything
unusual, or a sequence cut in half at a chunk boundary, goes through the character state machine,
which keeps pyte's event names and arguments (pyte's own test suite runs against this class) and
fixes what real programs trip over:

- `CSI > ...`, `CSI = ...`, `CSI < ...` and sequences with intermediates (`CSI 2 SP q`, `CSI ! p`)
  no longer leak into SGR or draw their final byte; only secondary DA (`CSI > c`) is dispatched.
- OSC strings are dispatched by their full numeric code (pyte reads only the first digit, so
  `OSC 133 ; A` set the icon name to `33;A`); codes other than 0/1/2 go to `listener.osc_command`.
- An ESC, CAN or SUB inside an OSC string aborts it, so an unterminated OSC cannot swallow the pane.
- Parameters are capped (digits and count), so absurd sequences cost nothing and never raise.
"""

from __future__ import annotations

import codecs
import inspect
import re
from collections import defaultdict
from collections.abc import Callable, Generator, Mapping
from typing import Any

import pyte
from pyte import control as ctrl

from . import sequence_runs
from .cells import UNDERLINE_STYLE_CODE
from .sequence_runs import GROUP, RUN

__all__ = ["TerminalByteStream", "TerminalStream"]

ParserGenerator = Generator[bool | None, str, None]

_MAX_PARAMS = 32
_MAX_DIGITS = 8
_MAX_OSC = 4096
_MAX_DCS = 4096
#: OSC 52 carries clipboard text (base64): it may be longer than other OSC strings.
MAX_OSC_52 = 256 * 1024

ESC = ctrl.ESC
# A complete CSI sequence with only digits and separators: the overwhelmingly common shape.
_CSI_RE = re.compile(r"\x1b\[(\??)([0-9;:]{0,128})([@-~])")
# A complete, numbered OSC string terminated by BEL or ST.
_OSC_RE = re.compile(
    r"\x1b\](\d{1,4};?[^\x07\x1b\x18\x1a\x9c]{0," + str(_MAX_OSC) + r"})(?:\x07|\x1b\\|\x9c)"
)
# Two or more lines of printable ASCII, each ending in CR LF (floods: logs, `cat`, `yes`).
_LINES_RE = re.compile(r"(?:[\x20-\x7e]*\r\n){2,}")
# Two or more lines of any printable text and SGR sequences, each ending in CR LF (coloured or
# wide-character floods: build and test output, `ls --color`, CJK logs).
_TEXT = r"[^\x00-\x1f\x7f-\x9f]*"
_STYLED_LINES_RE = re.compile(r"(?:" + _TEXT + r"(?:\x1b\[[0-9;]{0,128}m" + _TEXT + r")*\r\n){2,}")
# CSI finals that accept a ``private`` keyword in pyte's screen API.
_PRIVATE_OK = frozenset("hlJKc")


def _max_positional(handler: Callable[..., Any]) -> int | None:
    """How many positional parameters a screen method takes (None: any number)."""
    try:
        parameters = inspect.signature(handler).parameters.values()
    except (TypeError, ValueError):
        return None
    count = 0
    for parameter in parameters:
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            return None
        if parameter.kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        ):
            count += 1
    return count


def _param(text: str) -> int:
    """One CSI parameter as pyte reads it: empty is 0, anything above 9999 is 9999."""
    if not text:
        return 0
    if len(text) > 4:
        return 9999
    return min(int(text), 9999)


def _params(text: str) -> list[int]:
    """`;`-separated CSI parameters (at most 128 characters, from the fast-path regex)."""
    parts = text.split(";")
    try:
        values = list(map(int, parts))
    except ValueError:  # an empty parameter
        return [_param(part) for part in parts]
    if max(values) > 9999:
        return [min(value, 9999) for value in values]
    return values


def _sgr_params(text: str) -> list[int]:
    """SGR parameters with ITU colon sub-parameters (`38:2::r:g:b`, `4:3`) flattened pyte's way."""
    out: list[int] = []
    for group in text.split(";"):
        if ":" not in group:
            out.append(_param(group))
            continue
        parts = [_param(p) for p in group.split(":")]
        if parts[0] in (38, 48, 58) and len(parts) >= 2:
            if parts[1] == 2:
                rgb = parts[-3:] if len(parts) >= 6 else parts[2:5]
                out.extend([parts[0], 2, *rgb])
            elif parts[1] == 5 and len(parts) >= 3:
                out.extend([parts[0], 5, parts[2]])
        elif parts[0] == 4:
            style = parts[1] if len(parts) > 1 else 1
            out.append(UNDERLINE_STYLE_CODE + style if 0 <= style <= 5 else 4)
        else:
            out.append(parts[0])
    return out


class TerminalStream(pyte.Stream):
    """A drop-in `pyte.Stream` (text input) with regex fast paths and a hardened parser."""

    #: pyte's CSI table plus what xterm-256color's terminfo uses and pyte lacks: SU/SD (indn/rin),
    #: REP (rep), CBT (cbt) and CHT.
    csi = {
        **pyte.Stream.csi,
        "S": "scroll_up",
        "T": "scroll_down",
        "b": "repeat_last_character",
        "Z": "back_tab",
        "I": "forward_tab",
        "`": "cursor_to_column",  # HPA (pyte maps it to "'")
        "s": "save_cursor_or_set_margins",  # SCOSC, or DECSLRM under DECLRMM
        "u": "restore_cursor_sco",  # SCORC
        "t": "window_operation",  # XTWINOPS (size reports)
    }
    #: pyte's escapes, with NEL as "next line" (pyte made it a plain line feed).
    escape = {**pyte.Stream.escape, "E": "next_line"}
    #: `CSI ... <intermediate> <final>` sequences, by intermediate and final.
    csi_intermediate = {
        "!p": "soft_reset",  # DECSTR
        " q": "set_cursor_style",  # DECSCUSR
        "*y": "report_rectangle_checksum",  # DECRQCRA
    }
    #: `CSI <prefix> ... <final>` sequences (prefix `>`, `<`, `=` or private `?`).
    csi_prefixed = {
        ">c": "report_secondary_device_attributes",
        "?u": "report_keyboard_flags",  # kitty keyboard protocol
        ">u": "push_keyboard_flags",
        "<u": "pop_keyboard_flags",
        "=u": "set_keyboard_flags",
        ">q": "report_version",  # XTVERSION
    }

    # `CSI <digits;> m` immediately followed by plain text (pyte's definition of plain text).
    _sgr_text_re = re.compile(
        r"\x1b\[([0-9;]{0,128})m(" + pyte.Stream._text_pattern.pattern[:-1] + "*)"
    )

    def attach(self, screen: Any) -> None:
        self._bound_class: type | None = None
        super().attach(screen)

    def _initialize_parser(self) -> None:
        listener = self.listener
        assert listener is not None
        debug = listener.debug

        def dispatcher(mapping: Mapping[str, str]) -> dict[str, Callable[..., Any]]:
            # A screen without one of our extra methods (pyte's own screens) treats it as unknown.
            return defaultdict(
                lambda: debug,
                {key: getattr(listener, name, None) or debug for key, name in mapping.items()},
            )

        self._basic_dispatch = dispatcher(self.basic)
        self._escape_dispatch = dispatcher(self.escape)
        self._sharp_dispatch = dispatcher(self.sharp)
        self._csi_dispatch = dispatcher(self.csi)
        self._csi_arity = {
            key: _max_positional(handler) for key, handler in self._csi_dispatch.items()
        }
        self._osc_command: Callable[[str, str], Any] | None = getattr(listener, "osc_command", None)
        self._bound_class = type(listener)
        super()._initialize_parser()

    # -- dispatch shared by the fast path and the state machine -------------------------------

    def _dispatch_csi(self, final: str, params: list[int], private: bool, prefix: str) -> None:
        """Call the screen method for one complete CSI sequence, as pyte would."""
        if len(params) > _MAX_PARAMS:
            del params[_MAX_PARAMS:]
        if prefix or (private and final == "u"):
            name = self.csi_prefixed.get((prefix or "?") + final)
            handler = getattr(self.listener, name, None) if name else None
            if handler is not None:
                handler(*params)
            return
        handler = self._csi_dispatch[final]
        limit = self._csi_arity.get(final)
        if limit is not None and len(params) > limit:
            del params[limit:]  # extra parameters are ignored, as xterm does (pyte raised)
        if not private:
            handler(*params)
        elif final in _PRIVATE_OK or final not in self.csi:
            handler(*params, private=True)
        else:
            # pyte's cursor/erase methods take no ``private`` keyword; `CSI ? 5 A` is garbage.
            self.listener.debug(*params, private=True)  # type: ignore[union-attr]

    def _dispatch_intermediate(self, key: str, params: list[int], private: bool) -> None:
        """`CSI ... <intermediate> <final>` (DECSTR, DECSCUSR, DECRQCRA); others are ignored."""
        name = None if private else self.csi_intermediate.get(key)
        handler = getattr(self.listener, name, None) if name else None
        if handler is not None:
            handler(*params[:_MAX_PARAMS])
        else:
            self.listener.debug(*params)  # type: ignore[union-attr]

    def _dispatch_osc(self, body: str) -> None:
        """Handle an OSC string ``<code>;<value>`` (the code read in full, unlike pyte)."""
        code, _, value = body.partition(";")
        if code in ("0", "1", "2"):
            listener = self.listener
            assert listener is not None
            if code in "01":
                listener.set_icon_name(value)
            if code in "02":
                listener.set_title(value)
        elif self._osc_command is not None and code.isdigit():
            self._osc_command(code, value)

    # -- feeding ------------------------------------------------------------------------------

    def feed(self, data: str) -> None:
        """Consume text, advancing the screen; fast paths while the parser is in ground state."""
        listener = self.listener
        if listener is None:
            raise RuntimeError("Listener is not set")
        if "\r\r\n" in data:
            # A tty's ONLCR turns a program's CR LF into CR CR LF; a second CR changes nothing
            # (the cursor is already in column 0), and CR LF runs take the whole-line fast path.
            data = data.replace("\r\r\n", "\r\n")
        if type(listener) is not self._bound_class and self._taking_plain_text:
            # The screen switched behaviour (pyte history paging): rebind its methods.
            self._initialize_parser()

        send = self._send_to_parser
        draw = listener.draw
        basic = self._basic_dispatch
        linefeed = basic[ctrl.LF]
        carriage_return = basic[ctrl.CR]
        match_text = self._text_pattern.match
        match_csi = _CSI_RE.match
        match_osc = _OSC_RE.match
        dispatch_csi = self._dispatch_csi
        sgr = self._csi_dispatch["m"]
        # The screen's memoised SGR-from-text, unless someone replaced its SGR handler.
        sgr_text = getattr(listener, "select_graphic_rendition_text", None)
        if getattr(sgr, "__func__", None) is not getattr(
            type(listener), "select_graphic_rendition", None
        ):
            sgr_text = None
        match_sgr_text = self._sgr_text_re.match
        # Whole lines at once, unless someone replaced the screen methods they stand for.
        draw_lines = getattr(listener, "draw_lines", None)
        if draw_lines is not None and not all(
            getattr(getattr(listener, name), "__func__", None)
            is getattr(type(listener), name, None)
            for name in ("draw", "linefeed", "carriage_return", "index")
        ):
            draw_lines = None
        match_lines = _LINES_RE.match
        match_styled_lines = _STYLED_LINES_RE.match
        draw_sequences = getattr(listener, "draw_sequences", None)
        if (
            sgr_text is None
            or draw_lines is None
            or not all(
                getattr(getattr(listener, name), "__func__", None)
                is getattr(type(listener), name, None)
                for name in ("cursor_position", "erase_in_line", "erase_characters")
            )
        ):
            draw_sequences = None  # some screen method was replaced: dispatch one by one
        match_sequence_run = RUN.match
        findall_groups = GROUP.findall
        # The compiled fast path for those runs, where it was built.
        compiled = sequence_runs.compiled
        draw_sequence_run = getattr(listener, "draw_sequence_run", None)
        scan_run = compiled.scan_run if compiled is not None and draw_sequence_run else None
        taking_plain_text = self._taking_plain_text

        length = len(data)
        offset = 0
        failure: Exception | None = None
        while True:
            # Every branch moves `offset` past its sequence before calling the handler, so when a
            # handler raises, only that sequence is lost: the rest of the chunk is still parsed.
            try:
                while offset < length:
                    if not taking_plain_text:
                        char = data[offset]
                        offset += 1  # past the character before its handler runs
                        taking_plain_text = send(char)
                        continue
                    char = data[offset]
                    if char == "\n":
                        offset += 1
                        linefeed()
                    elif char == "\r":
                        offset += 1
                        carriage_return()
                    elif char == ESC:
                        if draw_sequences is not None:
                            # Floods start at a line's start: elsewhere the attempt is wasted.
                            match = (
                                match_styled_lines(data, offset)
                                if offset == 0 or data[offset - 1] == "\n"
                                else None
                            )
                            if match is not None:
                                offset = match.end()
                                draw_lines(match.group())  # type: ignore[misc]
                                continue
                            # Several SGR/CUP/EL/ECH + text tokens in a row: one call.
                            if scan_run is not None:
                                stop = scan_run(data, offset)
                                if stop:
                                    start, offset = offset, stop
                                    draw_sequence_run(data, start, stop)  # type: ignore[misc]
                                    continue
                            else:
                                match = match_sequence_run(data, offset)
                                if match is not None:
                                    start, offset = match.span()
                                    draw_sequences(findall_groups(data, start, offset))
                                    continue
                        match = match_sgr_text(data, offset)
                        if match is not None:
                            # The commonest shape of coloured output: `CSI ... m` then text.
                            params, text = match.groups()
                            end = match.end()
                            offset = end - len(text)  # the text still counts if the SGR fails
                            if sgr_text is not None:
                                sgr_text(params)
                            else:
                                sgr(*_params(params)) if params else sgr(0)
                            offset = end
                            if text:
                                draw(text)
                            continue
                        match = match_csi(data, offset)
                        if match is not None:
                            offset = match.end()
                            private, params, final = match.groups()
                            if final == "m" and not private:
                                if not params:
                                    sgr(0)
                                elif ":" in params:
                                    sgr(*_sgr_params(params))
                                else:
                                    sgr(*_params(params))
                            elif ":" in params:
                                listener.debug(params)
                            else:
                                dispatch_csi(final, _params(params), bool(private), "")
                            continue
                        match = match_osc(data, offset)
                        if match is not None:
                            offset = match.end()
                            self._dispatch_osc(match.group(1))
                            continue
                        offset += 1
                        taking_plain_text = send(char)
                    else:
                        if draw_lines is not None:
                            match = match_lines(data, offset)
                            if (
                                match is None
                                and draw_sequences is not None
                                and (offset == 0 or data[offset - 1] == "\n")
                            ):
                                match = match_styled_lines(data, offset)
                            if match is not None:
                                offset = match.end()
                                draw_lines(match.group())
                                continue
                        match = match_text(data, offset)
                        if match is not None:
                            start, offset = match.span()
                            draw(data[start:offset])
                        else:
                            offset += 1
                            taking_plain_text = send(char)

            except Exception as error:
                failure = failure or error
                self._recover()
                taking_plain_text = self._taking_plain_text
                continue
            break

        self._taking_plain_text = taking_plain_text
        if failure is not None:
            raise failure  # as pyte does, once the whole chunk has been parsed

    def _recover(self) -> None:
        """After a handler raised: the state machine restarts in the ground state (the failed
        sequence is dropped) and the screen mends what the handler may have left half done."""
        self._initialize_parser()
        repair = getattr(self.listener, "repair", None)
        if repair is not None:
            repair()

    def _parser_fsm(self) -> ParserGenerator:
        """pyte's character state machine, with the hardening described in the module docstring."""
        listener = self.listener
        assert listener is not None
        draw = listener.draw
        basic = self.basic
        basic_dispatch = self._basic_dispatch
        escape_dispatch = self._escape_dispatch
        escape_map = self.escape
        STRING_INTRODUCERS = "P_^X"
        dcs = getattr(listener, "device_control_string", None)
        sharp_dispatch = self._sharp_dispatch
        csi = self.csi

        CSI_C1, OSC_C1 = ctrl.CSI_C1, ctrl.OSC_C1
        NUL_OR_DEL = ctrl.NUL + ctrl.DEL
        CAN_OR_SUB = ctrl.CAN + ctrl.SUB
        ALLOWED_IN_CSI = "".join([ctrl.BEL, ctrl.BS, ctrl.HT, ctrl.LF, ctrl.VT, ctrl.FF, ctrl.CR])
        DIGITS = "0123456789"
        pending: str | None = None  # a character to process again (an ESC that aborted something)
        esc_next: str | None = None  # the character after that ESC, when already consumed

        while True:
            if pending is not None:
                char, pending = pending, None
            else:
                char = yield True

            if char == ESC:
                if esc_next is not None:
                    char, esc_next = esc_next, None
                else:
                    char = yield None
                if char == "[":
                    char = CSI_C1
                elif char == "]":
                    char = OSC_C1
                else:
                    if char == "#":
                        sharp_dispatch[(yield None)]()
                    elif char == "%":
                        self.select_other_charset((yield None))
                    elif char in "()":
                        code = yield None
                        if not self.use_utf8:
                            listener.define_charset(code, mode=char)
                    elif char == ESC:
                        pending = char  # ESC ESC: the second one starts a new sequence.
                    elif char in CAN_OR_SUB:
                        draw(char)
                    elif char in STRING_INTRODUCERS and char not in escape_map:
                        # DCS, SOS, PM, APC: a control string up to ST (vim sends
                        # `ESC P zz ESC \`; pyte drew the "zz"). A complete DCS goes to the
                        # screen (DECRQSS, XTGETTCAP); the others are skipped.
                        introducer, body = char, ""
                        while True:
                            char = yield None
                            if char == ESC:
                                char = yield None
                                if char != "\\":
                                    pending, esc_next = ESC, char
                                elif introducer == "P" and dcs is not None:
                                    dcs(body)
                                break
                            if char in CAN_OR_SUB or char == ctrl.BEL:
                                break
                            if len(body) < _MAX_DCS:
                                body += char
                    else:
                        escape_dispatch[char]()
                    continue

            if char in basic:
                if (char == ctrl.SI or char == ctrl.SO) and self.use_utf8:
                    continue
                basic_dispatch[char]()
            elif char == CSI_C1:
                params: list[int] = []
                current = ""
                private = False
                prefix = ""
                intermediates = ""
                while True:
                    char = yield None
                    if char == "?":
                        private = True
                    elif char in ALLOWED_IN_CSI:
                        basic_dispatch[char]()
                    elif char in CAN_OR_SUB:
                        draw(char)
                        break
                    elif char in DIGITS:
                        if len(current) < _MAX_DIGITS:
                            current += char
                    elif char in "<=>":
                        prefix = char
                    elif char == "$":
                        char = yield None
                        if char == "p" and not params and not prefix:  # DECRQM
                            report = getattr(self.listener, "report_mode", None)
                            if report is not None:
                                report(_param(current), private=private)
                        break  # other `CSI ... $ x` requests are not supported (as in pyte)
                    elif char == ESC:
                        pending = char  # An ESC aborts the sequence and starts a new one.
                        break
                    elif " " <= char <= "/" and char not in csi:
                        intermediates += char
                    else:
                        if len(params) < _MAX_PARAMS:
                            params.append(_param(current))
                        if char == ";" or char == ":":
                            current = ""
                        else:
                            if intermediates:
                                self._dispatch_intermediate(intermediates + char, params, private)
                            else:
                                self._dispatch_csi(char, params, private, prefix)
                            break
            elif char == OSC_C1:
                first: str | None = yield None
                if first == "R" or first == "P":
                    continue  # Linux palette sequences; not implemented (as in pyte).
                param = ""
                limit = _MAX_OSC
                while True:
                    if first is not None:
                        char, first = first, None
                    else:
                        char = yield None
                    if char == ESC:
                        char = yield None
                        if char != "\\":
                            # ESC aborts the OSC; it and what follows are a new sequence.
                            pending, esc_next, param = ESC, char, ""
                        break
                    if char == ctrl.BEL or char == ctrl.ST_C1:
                        break
                    if char in CAN_OR_SUB:
                        param = ""
                        break
                    if len(param) < limit:
                        param += char
                        if param == "52;":
                            limit = MAX_OSC_52
                if param:
                    self._dispatch_osc(param)
            elif char not in NUL_OR_DEL:
                draw(char)


class TerminalByteStream(TerminalStream):
    """A drop-in `pyte.ByteStream`: incremental UTF-8 (invalid bytes become U+FFFD)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.utf8_decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def feed(self, data: bytes) -> None:  # type: ignore[override]
        text = self.utf8_decoder.decode(data) if self.use_utf8 else data.decode("latin-1")
        super().feed(text)

    def select_other_charset(self, code: str) -> None:
        """`ESC % @` selects Latin-1, `ESC % G` / `ESC % 8` UTF-8 (as in pyte)."""
        if code == "@":
            self.use_utf8 = False
            self.utf8_decoder.reset()
        elif code in "G8":
            self.use_utf8 = True
