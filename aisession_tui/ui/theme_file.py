"""A theme file: TOML validated by pydantic, turned into a Textual theme and a terminal palette.

A theme file carries two things: the Textual colours of the app chrome, and a `[terminal]` table
with the default foreground, background, cursor and 16-colour ANSI palette of the terminal panes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from textual.color import Color, ColorParseError
from textual.theme import Theme

from ..core.textfile import NotTextError, NotTomlError, TextFileError, read_config_toml

ANSI_NAMES: tuple[str, ...] = (
    "black",
    "red",
    "green",
    "yellow",
    "blue",
    "magenta",
    "cyan",
    "white",
    "bright_black",
    "bright_red",
    "bright_green",
    "bright_yellow",
    "bright_blue",
    "bright_magenta",
    "bright_cyan",
    "bright_white",
)
"""The 16 ANSI colour names, in palette order (SGR 30-37 then 90-97)."""

XTERM_ANSI: tuple[str, ...] = (
    "#000000",
    "#cd0000",
    "#00cd00",
    "#cdcd00",
    "#0000ee",
    "#cd00cd",
    "#00cdcd",
    "#e5e5e5",
    "#7f7f7f",
    "#ff0000",
    "#00ff00",
    "#ffff00",
    "#5c5cff",
    "#ff00ff",
    "#00ffff",
    "#ffffff",
)
"""xterm's default palette: the fallback for Textual themes that have no theme file."""

_VARIABLE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
#: What a CSS variable's value may hold: colours, numbers, words, `$other`, `%`, `#`, `(),.`;
#: never `;`, braces, quotes or controls that would end the declaration it is put into.
_VARIABLE_VALUE = re.compile(r"^[A-Za-z0-9 #$%().,+_-]{1,200}$")
#: A theme file is a page of colours; anything near this size is not one.
MAX_THEME_BYTES = 64 * 1024
#: Problems named in one theme file's message; a file of a thousand bad keys gets one line.
MAX_PROBLEMS = 8


def _opaque_hex(value: str) -> str:
    """Normalise any Textual colour notation to `#rrggbb`; terminal cells have no alpha."""
    if not isinstance(value, str):
        raise ValueError(f"expected a colour string, got {type(value).__name__}")
    try:
        color = Color.parse(value.strip())
    except ColorParseError:
        raise ValueError(f"invalid colour {value!r} (use #rrggbb, rgb(...) or hsl(...))") from None
    if color.a < 1.0:
        raise ValueError(f"colour {value!r} must be opaque")
    return color.hex.lower()


def _colour(value: str) -> str:
    """Check a Textual colour; keep the author's notation (Textual parses it again)."""
    if not isinstance(value, str):
        raise ValueError(f"expected a colour string, got {type(value).__name__}")
    try:
        Color.parse(value.strip())
    except ColorParseError:
        raise ValueError(f"invalid colour {value!r} (use #rrggbb, rgb(...) or hsl(...))") from None
    return value.strip()


HexColour = Annotated[str, AfterValidator(_opaque_hex)]
ThemeColour = Annotated[str, AfterValidator(_colour)]


@dataclass(frozen=True, slots=True)
class TerminalColors:
    """Default colours and 16-colour palette of a terminal pane, all `#rrggbb`."""

    foreground: str
    background: str
    cursor: str
    ansi: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.ansi) != 16:
            raise ValueError(f"a terminal palette has 16 ANSI colours, got {len(self.ansi)}")

    def ansi_color(self, index: int) -> str:
        """The palette colour for SGR index 0-15 (30-37 are 0-7, 90-97 are 8-15)."""
        return self.ansi[index]

    @classmethod
    def from_textual_theme(cls, theme: Theme) -> TerminalColors:
        """A palette for a Textual theme with no theme file: its colours plus xterm's ANSI set."""
        fallback_fg, fallback_bg = ("#e0e0e0", "#121212") if theme.dark else ("#1e1e1e", "#f5f5f5")
        foreground = _safe_hex(theme.foreground, fallback_fg)
        background = _safe_hex(theme.background, fallback_bg)
        return cls(foreground, background, _safe_hex(theme.primary, foreground), XTERM_ANSI)


def _safe_hex(value: str | None, fallback: str) -> str:
    if not value:
        return fallback
    try:
        colour = Color.parse(value)
    except ColorParseError:
        return fallback
    # ANSI theme colours ("ansi_default") have no fixed value: use the fallback.
    return fallback if colour.ansi is not None else colour.hex.lower()[:7]


class TerminalTable(BaseModel):
    """The `[terminal]` table: pane defaults and the 16 ANSI colours.

    The palette is either `ansi = [16 colours]` or 16 named keys (`black` ... `bright_white`);
    named keys override entries of the list, so a file may tweak one colour of a list.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    foreground: HexColour
    background: HexColour
    cursor: HexColour
    ansi: list[HexColour] | None = Field(default=None, min_length=16, max_length=16)
    black: HexColour | None = None
    red: HexColour | None = None
    green: HexColour | None = None
    yellow: HexColour | None = None
    blue: HexColour | None = None
    magenta: HexColour | None = None
    cyan: HexColour | None = None
    white: HexColour | None = None
    bright_black: HexColour | None = None
    bright_red: HexColour | None = None
    bright_green: HexColour | None = None
    bright_yellow: HexColour | None = None
    bright_blue: HexColour | None = None
    bright_magenta: HexColour | None = None
    bright_cyan: HexColour | None = None
    bright_white: HexColour | None = None

    @model_validator(mode="after")
    def _palette_complete(self) -> TerminalTable:
        if self.ansi is None:
            missing = [name for name in ANSI_NAMES if getattr(self, name) is None]
            if missing:
                raise ValueError(
                    "give the palette as ansi = [16 colours] or all 16 named colours; "
                    f"missing: {', '.join(missing)}"
                )
        return self

    def palette(self) -> tuple[str, ...]:
        """The 16 ANSI colours in SGR order, named keys taking precedence over the list."""
        base = self.ansi or [""] * 16
        return tuple(getattr(self, name) or base[i] for i, name in enumerate(ANSI_NAMES))

    def colors(self) -> TerminalColors:
        return TerminalColors(self.foreground, self.background, self.cursor, self.palette())


class ThemeFile(BaseModel):
    """One theme file, as written on disk."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    dark: bool = True
    primary: ThemeColour
    secondary: ThemeColour | None = None
    accent: ThemeColour | None = None
    foreground: ThemeColour | None = None
    background: ThemeColour | None = None
    surface: ThemeColour | None = None
    panel: ThemeColour | None = None
    boost: ThemeColour | None = None
    success: ThemeColour | None = None
    warning: ThemeColour | None = None
    error: ThemeColour | None = None
    luminosity_spread: float = Field(default=0.15, ge=0.0, le=1.0)
    text_alpha: float = Field(default=0.95, ge=0.0, le=1.0)
    variables: dict[str, str] = Field(default_factory=dict)
    terminal: TerminalTable

    @field_validator("variables")
    @classmethod
    def _variable_names(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            if not _VARIABLE_NAME.match(key):
                raise ValueError(f"variable name {key!r} must be lower-case words joined by '-'")
            if not text.strip():
                raise ValueError(f"variable {key!r} must not be empty")
            if not _VARIABLE_VALUE.match(text):
                raise ValueError(
                    f"variable {key!r}: {clipped(text)!r} is not a CSS value "
                    "(colours, numbers, words and $variables only)"
                )
        return value

    @property
    def terminal_colors(self) -> TerminalColors:
        """The palette terminal panes use under this theme."""
        return self.terminal.colors()

    def to_textual_theme(self) -> Theme:
        """The Textual theme; terminal defaults are also exposed as `$terminal-*` CSS variables."""
        colors = self.terminal_colors
        variables = {
            "terminal-foreground": colors.foreground,
            "terminal-background": colors.background,
            "terminal-cursor": colors.cursor,
            **self.variables,
        }
        return Theme(
            name=self.name,
            primary=self.primary,
            secondary=self.secondary,
            accent=self.accent,
            foreground=self.foreground,
            background=self.background,
            surface=self.surface,
            panel=self.panel,
            boost=self.boost,
            success=self.success,
            warning=self.warning,
            error=self.error,
            dark=self.dark,
            luminosity_spread=self.luminosity_spread,
            text_alpha=self.text_alpha,
            variables=variables,
        )


def clipped(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ThemeFileError(ValueError):
    """A theme file could not be read or is invalid; the message names the file and field."""


def _describe(error: Mapping[str, Any]) -> str:
    location = ".".join(str(part) for part in error.get("loc", ())) or "(file)"
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        message = "unknown field"
    elif kind == "missing":
        message = "required field is missing"
    else:
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{location}: {message}"


def load_theme_file(path: Path) -> ThemeFile:
    """Read and validate one theme file; raises `ThemeFileError` naming file and fields."""
    try:
        data = read_config_toml(path, MAX_THEME_BYTES)
    except (NotTextError, NotTomlError) as exc:
        raise ThemeFileError(f"Theme file {path}: {exc}") from None
    except TextFileError as exc:
        raise ThemeFileError(f"Theme file {path}: cannot read: {exc}") from None
    try:
        return ThemeFile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        problems = "; ".join(_describe(error) for error in errors[:MAX_PROBLEMS])
        if len(errors) > MAX_PROBLEMS:
            problems += f"; and {len(errors) - MAX_PROBLEMS} more"
        raise ThemeFileError(f"Theme file {path}: {problems}") from None
    except RecursionError:
        raise ThemeFileError(f"Theme file {path}: nested too deeply") from None
