"""Keys, pastes and mouse events to the bytes xterm sends a program.

Key names are Textual's (`"up"`, `"ctrl+a"`, `"shift+tab"`, `"alt+x"`, `"f5"`, ...). Nothing here
knows about widgets: the pane passes `event.key` and `event.character`.
"""

from __future__ import annotations

__all__ = ["encode_focus", "encode_key", "encode_mouse", "encode_paste"]

ESC = "\x1b"

# Cursor keys: final byte; CSI form normally, SS3 form in application cursor mode (DECCKM).
_CURSOR = {"up": "A", "down": "B", "right": "C", "left": "D", "home": "H", "end": "F"}
# `CSI <n> ~` keys.
_TILDE = {
    "insert": 2,
    "delete": 3,
    "pageup": 5,
    "pagedown": 6,
    "f5": 15,
    "f6": 17,
    "f7": 18,
    "f8": 19,
    "f9": 20,
    "f10": 21,
    "f11": 23,
    "f12": 24,
}
# F1-F4 are SS3 P..S unmodified, `CSI 1 ; m P..S` with modifiers.
_SS3_F = {"f1": "P", "f2": "Q", "f3": "R", "f4": "S"}
_SIMPLE = {
    "enter": "\r",
    "tab": "\t",
    "backspace": "\x7f",
    "escape": ESC,
    "space": " ",
    "shift+tab": ESC + "[Z",
    "ctrl+space": "\x00",
    "ctrl+@": "\x00",
    "ctrl+backspace": "\x08",
    "ctrl+h": "\x08",
    "ctrl+i": "\t",
    "ctrl+j": "\n",
    "ctrl+m": "\r",
    "ctrl+left_square_bracket": ESC,
    "ctrl+[": ESC,
    "ctrl+backslash": "\x1c",
    "ctrl+\\": "\x1c",
    "ctrl+right_square_bracket": "\x1d",
    "ctrl+]": "\x1d",
    "ctrl+circumflex_accent": "\x1e",
    "ctrl+^": "\x1e",
    "ctrl+underscore": "\x1f",
    "ctrl+_": "\x1f",
    "ctrl+minus": "\x1f",
    "ctrl+question_mark": "\x7f",
}
# xterm modifier parameter: 1 + shift(1) + alt(2) + ctrl(4) + meta(8).
_MODIFIER_BITS = {"shift": 1, "alt": 2, "meta": 2, "ctrl": 4}


def _split_modifiers(key: str) -> tuple[int, str]:
    """("ctrl+shift+up") -> (1 + 1 + 4, "up"); unknown prefixes stay part of the key name."""
    bits = 0
    parts = key.split("+")
    while len(parts) > 1 and parts[0] in _MODIFIER_BITS:
        bits |= _MODIFIER_BITS[parts.pop(0)]
    return bits, "+".join(parts)


#: Keys whose modified forms the kitty protocol reports as `CSI code ; modifiers u`.
_KITTY_CODES = {"enter": 13, "tab": 9, "backspace": 127, "space": 32}
#: Kitty keyboard flag: disambiguate escape codes.
KITTY_DISAMBIGUATE = 1


def _kitty_key(key: str, character: str | None) -> bytes | None:
    """A key in the kitty protocol's "disambiguate" mode, or None where it keeps the legacy
    bytes (text, unmodified Enter/Tab/Backspace, cursor and function keys)."""
    if key == "escape":
        return b"\x1b[27u"
    bits, base = _split_modifiers(key)
    code = _KITTY_CODES.get(base)
    if code is not None:
        return f"{ESC}[{code};{bits + 1}u".encode() if bits else None
    if not bits & 6:  # neither Alt nor Ctrl: text (Shift+a is "A") or a legacy key
        return None
    if len(base) == 1:
        code = ord(base.lower())
    elif character and len(character) == 1 and character.isprintable():
        code = ord(character.lower())
    else:
        return None
    return f"{ESC}[{code};{bits + 1}u".encode()


def encode_key(
    key: str,
    character: str | None,
    *,
    application_cursor: bool = False,
    keyboard_flags: int = 0,
) -> bytes | None:
    """The bytes xterm sends for a key press, or None when the key has no terminal encoding.

    Cursor keys honour DECCKM (`application_cursor`) and xterm modifier parameters
    (`ctrl+up` -> `CSI 1 ; 5 A`); `alt+<key>` is ESC followed by the key (`alt+full_stop` ->
    `ESC .`, `alt+enter` -> `ESC CR`, `alt+backspace` -> `ESC DEL`; see `ui/alt_keys.py` for how
    Textual is made to report them). With the kitty keyboard protocol's "disambiguate" flag
    (`keyboard_flags & 1`, pushed by the program) Escape and modified Enter, Tab, Backspace and
    Alt/Ctrl+key are `CSI code ; modifiers u` (Shift+Enter is `CSI 13;2u`).
    """
    if keyboard_flags & KITTY_DISAMBIGUATE:
        kitty = _kitty_key(key, character)
        if kitty is not None:
            return kitty
    if key == "backspace" and character == "\x08":
        return b"\x08"  # Ctrl+H: terminals send BS, which Textual also calls "backspace"
    simple = _SIMPLE.get(key)
    if simple is not None:
        return simple.encode()
    bits, base = _split_modifiers(key)

    if base in _CURSOR:
        final = _CURSOR[base]
        if bits:
            return f"{ESC}[1;{bits + 1}{final}".encode()
        return f"{ESC}{'O' if application_cursor else '['}{final}".encode()
    if base in _TILDE:
        code = _TILDE[base]
        if bits:
            return f"{ESC}[{code};{bits + 1}~".encode()
        return f"{ESC}[{code}~".encode()
    if base in _SS3_F:
        if bits:
            return f"{ESC}[1;{bits + 1}{_SS3_F[base]}".encode()
        return f"{ESC}O{_SS3_F[base]}".encode()

    ctrl = bits & 4
    alt = bits & 2
    if ctrl and len(base) == 1 and base.isascii() and base.isalpha():
        control = chr(ord(base.lower()) - ord("a") + 1)
        return ((ESC if alt else "") + control).encode()
    if alt and not ctrl:
        rest = key.split("+", 1)[1] if key.startswith(("alt+", "meta+")) else base
        inner = encode_key(
            rest, _alt_character(rest, character), application_cursor=application_cursor
        )
        if inner is not None:
            return ESC.encode() + inner
        return None
    if character is not None and character.isprintable() and character != "":
        return character.encode("utf-8", "surrogatepass")
    if base in _SIMPLE and not ctrl:
        return _SIMPLE[base].encode()
    return None


def _alt_character(rest: str, character: str | None) -> str | None:
    """The character of the key under Alt: Textual may report it (a control character too:
    Alt+Ctrl+H is ESC BS), else a single-letter name."""
    if character:
        return character
    if len(rest) == 1:
        return rest
    return None


def encode_paste(text: str, *, bracketed: bool) -> bytes:
    """Pasted text as the program should receive it.

    Newlines become CR (what Enter sends). In bracketed mode the text is wrapped in
    `ESC [200~ ... ESC [201~`, with any embedded end marker removed so a paste cannot end the
    bracket early and inject keystrokes.
    """
    body = text.replace("\r\n", "\r").replace("\n", "\r")
    if bracketed:
        body = body.replace(f"{ESC}[201~", "").replace(f"{ESC}[200~", "")
        return f"{ESC}[200~{body}{ESC}[201~".encode()
    return body.encode("utf-8", "surrogatepass")


_BUTTON_CODES = {"scroll_up": 64, "scroll_down": 65}


def encode_mouse(
    action: str,
    button: int,
    x: int,
    y: int,
    *,
    mode: int,
    sgr: bool,
    shift: bool = False,
    meta: bool = False,
    ctrl: bool = False,
) -> bytes | None:
    """A mouse event in xterm's protocol, or None when the program's mouse mode does not want it.

    `action` is "press", "release", "move", "scroll_up" or "scroll_down"; `button` is 1 (left),
    2 (middle) or 3 (right), 0 for none (motion without a button); x, y are 0-based cells.
    `mode` is 9, 1000, 1002 or 1003 (0 = off); `sgr` selects the 1006 encoding.
    """
    if mode == 0:
        return None
    if action not in ("press", "release", "move", "scroll_up", "scroll_down"):
        raise ValueError(f"unknown mouse action: {action!r}")
    if mode == 9 and action not in ("press",):
        return None  # X10: presses only
    if action == "move" and (mode == 1000 or (mode == 1002 and button == 0)):
        return None
    if action in _BUTTON_CODES:
        code = _BUTTON_CODES[action]
    elif button in (1, 2, 3):
        code = button - 1
    else:
        code = 3  # "no button" (motion, or a legacy release)
    if action == "move":
        code += 32
    if mode != 9:
        code += (4 if shift else 0) + (8 if meta else 0) + (16 if ctrl else 0)
    x, y = max(0, x), max(0, y)
    if sgr:
        final = "m" if action == "release" else "M"
        return f"{ESC}[<{code};{x + 1};{y + 1}{final}".encode()
    if action == "release":
        code = 3 + (code & ~3 & ~32)
    # Legacy encoding: one byte each, offset by 32; coordinates beyond 222 cannot be sent.
    if x + 1 + 32 > 255 or y + 1 + 32 > 255:
        return None
    return bytes((27, ord("["), ord("M"), 32 + code, 32 + x + 1, 32 + y + 1))


def encode_focus(focused: bool) -> bytes:
    """Focus in / out report (`CSI I` / `CSI O`), for programs that enabled mode 1004."""
    return b"\x1b[I" if focused else b"\x1b[O"
