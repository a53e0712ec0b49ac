"""The app's key tables: the prefix commands (tmux style) and the direct keys."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from textual.keys import KEY_ALIASES, Keys, _character_to_key

from .widgets.copy_mode import COPY_MODE_KEYS

DEFAULT_PREFIX = "ctrl+b"
#: The side panels, by widget id, in sidebar order.
PANEL_NAMES = ("sessions", "details", "tokens", "history", "messages")


@dataclass(frozen=True, slots=True)
class PrefixCommand:
    """A key pressed after the prefix, the app action it runs, and its footer label."""

    key: str
    action: str
    label: str
    description: str
    show: bool = True

    @property
    def id(self) -> str:
        """The binding id a `[keymap]` entry names it by: `prefix.new_session`,
        `prefix.toggle_panel.sessions`, `prefix.resize_sidebar.4`."""
        name, _, argument = self.action.partition("(")
        argument = argument.rstrip(")").strip("'\"")
        return f"prefix.{name}" + (f".{argument}" if argument else "")

    def keys(self, keymap: Mapping[str, str]) -> list[str]:
        """The keys that choose it, with the person's keymap applied."""
        return [key.strip() for key in keymap.get(self.id, self.key).split(",") if key.strip()]


PREFIX_COMMANDS: list[PrefixCommand] = [
    PrefixCommand("c", "new_session", "New", "Start a new session (form)"),
    PrefixCommand("comma", "rename_session", "Rename", "Rename the focused session"),
    PrefixCommand("r", "restart_session", "Restart", "Restart the focused session's command"),
    PrefixCommand("R", "restore_last_run", "Restore", "Bring back the last run's sessions", False),
    PrefixCommand("x", "kill_session", "Kill", "Kill the focused session (asks first)"),
    PrefixCommand("z", "toggle_zoom", "Zoom", "Zoom the focused pane / unzoom"),
    PrefixCommand("space", "next_layout", "Layout", "Next layout: grid, columns, rows"),
    PrefixCommand("n", "focus_next_pane", "Next", "Focus the next pane"),
    PrefixCommand("p", "focus_previous_pane", "Prev", "Focus the previous pane"),
    PrefixCommand("a", "next_attention", "Attention", "Jump to the next session needing attention"),
    PrefixCommand("i", "inbox", "Inbox", "Inbox: every session needing you; answer from there"),
    PrefixCommand(
        "w",
        "toggle_waiting_first",
        "Waiting 1st",
        "Sessions panel: list sessions needing you first",
        False,
    ),
    PrefixCommand("s", "toggle_panel('sessions')", "Sessions", "Show/hide the Sessions panel"),
    PrefixCommand("d", "toggle_panel('details')", "Details", "Show/hide the Details panel"),
    PrefixCommand("t", "toggle_panel('tokens')", "Tokens", "Show/hide the Tokens panel"),
    PrefixCommand("h", "toggle_panel('history')", "History", "Show/hide the History panel"),
    PrefixCommand("m", "toggle_panel('messages')", "Messages", "Show/hide messages between agents"),
    PrefixCommand(
        "less_than_sign", "resize_sidebar(4)", "Wider", "Make the side panels wider", False
    ),
    PrefixCommand(
        "greater_than_sign",
        "resize_sidebar(-4)",
        "Narrower",
        "Make the side panels narrower",
        False,
    ),
    PrefixCommand("b", "broadcast", "Broadcast", "Type once, send to selected sessions"),
    PrefixCommand("slash", "search", "Search", "Search the focused pane's scrollback"),
    PrefixCommand(
        "left_square_bracket", "copy_mode", "Copy", "Copy mode: select and copy with the keyboard"
    ),
    PrefixCommand("y", "change_theme", "Theme", "Change the theme"),
    PrefixCommand("colon", "command_palette", "Palette", "Open the command palette"),
    PrefixCommand("question_mark", "help", "Help", "Show every key binding"),
    PrefixCommand("q", "quit_app", "Quit", "Quit (asks first when sessions run)"),
]

DIRECT_KEYS: list[tuple[str, str]] = [
    ("Alt+1 … Alt+9", "Focus session 1 … 9"),
    ("Alt+← ↑ → ↓", "Move focus to the pane in that direction"),
    ("Shift+PgUp / Shift+PgDn", "Scroll the pane back / forward (any key typed returns to live)"),
    ("Mouse wheel", "Scroll back (or to the program when it asked for the mouse)"),
    ("Click", "Focus a pane; select a row in a panel"),
    ("Drag, double / triple click", "Select text, a word, a line, and copy it (Shift: always)"),
]


MODIFIERS = ("ctrl", "alt", "shift", "meta", "super", "hyper")
#: tmux spellings of the modifiers, so `--prefix C-a` means what a tmux user expects.
_TMUX_MODIFIERS = {"C": "ctrl", "M": "alt", "S": "shift"}


#: Names of the keys that type a character (`a`, `comma`, `space`).
_CHARACTER_KEYS = frozenset(_character_to_key(c) for c in string.printable if c.isprintable())
#: Every key Textual has a name for, without modifiers: `f5`, `pageup`, `comma`, ...
_NAMED_KEYS = frozenset(
    {key.value.rsplit("+", 1)[-1] for key in Keys if not key.value.endswith("+")}
    | _CHARACTER_KEYS
    | set(KEY_ALIASES)
    | {"space", "enter", "tab", "backspace", "escape"}
    | {f"f{n}" for n in range(1, 25)}
)


def parse_key(text: str) -> str:
    """A key as Textual names it, from what a person wrote (``ctrl+a``, ``C-a``, ``Ctrl+Space``,
    ``f12``); raises `ValueError` saying why a name is no key.

    A bare printable character (``a``, ``space``) is refused: as a prefix it would swallow that
    character from everything typed.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("no key given")
    if "-" in raw and "+" not in raw and len(raw) > 2 and raw[1] == "-":
        *mods, base = raw.split("-")
        parts = [_TMUX_MODIFIERS.get(mod, mod) for mod in mods] + [base]
    else:
        parts = raw.split("+")
    *mods, base = [part.strip() for part in parts]
    modifiers = [mod.lower() for mod in mods]
    for mod in modifiers:
        if mod not in MODIFIERS:
            raise ValueError(f"unknown modifier {mod!r} in {raw!r} (use {', '.join(MODIFIERS)})")
    if len(set(modifiers)) != len(modifiers):
        raise ValueError(f"a modifier is repeated in {raw!r}")
    if len(base) == 1:
        base = _character_to_key(base.lower() if modifiers else base)
    else:
        base = base.lower()
    if base not in _NAMED_KEYS:
        raise ValueError(f"{base!r} is not a key name (e.g. ctrl+b, alt+a, f12)")
    if not modifiers and base in _CHARACTER_KEYS:
        raise ValueError(f"{raw!r} is a character you type; add a modifier (e.g. ctrl+{base})")
    ordered = [mod for mod in MODIFIERS if mod in modifiers]
    return "+".join([*ordered, base])


def parse_command_key(text: str) -> str:
    """A key pressed after the prefix: a single character (``c``, ``,``) or any key
    `parse_key` accepts (``f5``, ``ctrl+n``); raises `ValueError` saying why not."""
    raw = text.strip()
    if len(raw) == 1 and raw.isprintable():
        return _character_to_key(raw)
    if raw in _CHARACTER_KEYS or raw in ("space", "tab", "enter", "backspace"):
        return raw
    return parse_key(raw)


#: Binding ids of the keys that work without the prefix (remappable in `[keymap]` too).
DIRECT_IDS = (
    "prefix",
    *(f"focus.{n}" for n in range(1, 10)),
    *(f"focus.{name}" for name in ("left", "right", "up", "down")),
)


def binding_ids() -> list[str]:
    """Every id a `[keymap]` table may name."""
    return [*DIRECT_IDS, *(command.id for command in PREFIX_COMMANDS)]


def key_label(key: str) -> str:
    """How a Textual key name is written for people."""
    names = {
        "comma": ",",
        "space": "Space",
        "slash": "/",
        "colon": ":",
        "question_mark": "?",
        "less_than_sign": "<",
        "greater_than_sign": ">",
        "left_square_bracket": "[",
        "escape": "Esc",
    }
    if key in names:
        return names[key]
    return "+".join(part.capitalize() if len(part) > 1 else part for part in key.split("+"))


def help_sections(
    prefix: str, keymap: Mapping[str, str] | None = None
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every binding, grouped, for the help screen (with the person's keymap applied)."""
    prefix_label = key_label(prefix)
    prefix_rows = [
        (" ".join(key_label(key) for key in c.keys(keymap or {})), c.description)
        for c in PREFIX_COMMANDS
    ]
    prefix_rows.append((prefix_label, f"Send {prefix_label} itself to the program"))
    prefix_rows.append(("Esc", "Cancel the prefix"))
    return [
        (f"After the prefix ({prefix_label}, then)", prefix_rows),
        ("Direct keys", DIRECT_KEYS),
        (f"In copy mode ({prefix_label} [)", COPY_MODE_KEYS),
        ("Everything else", [("any key", "Goes to the focused program")]),
    ]
