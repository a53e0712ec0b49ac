"""Theme files: TOML files validated by pydantic, turned into Textual themes and terminal palettes.

A theme file carries two things: the Textual colours of the app chrome, and a `[terminal]` table
with the default foreground, background, cursor and 16-colour ANSI palette of the terminal panes.
A bad file never stops the app: `load_themes` returns the valid themes and one message per bad
file, naming the file and the field, for the app to show as notifications.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import platformdirs
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
from textual.css.stylesheet import Stylesheet, StylesheetError
from textual.theme import Theme
from textual.widget import Widget

from ..core.textfile import NotTextError, TextFileError, read_config_text

__all__ = [
    "ANSI_NAMES",
    "DEFAULT_THEME",
    "XTERM_ANSI",
    "LoadedThemes",
    "TerminalColors",
    "TerminalTable",
    "ThemeFile",
    "ThemeFileError",
    "builtin_theme_dirs",
    "load_theme_file",
    "load_themes",
    "packaged_theme_dir",
    "repo_theme_dir",
    "user_theme_dir",
]

DEFAULT_THEME = "midnight"
"""The theme the app starts with when the user has not chosen one."""

APP_NAME = "aisession-tui"

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
                    f"variable {key!r}: {_clip(text)!r} is not a CSS value "
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


def _clip(text: str, limit: int = 40) -> str:
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
        data = tomllib.loads(read_config_text(path, MAX_THEME_BYTES))
    except NotTextError as exc:
        raise ThemeFileError(f"Theme file {path}: {exc}") from None
    except TextFileError as exc:
        raise ThemeFileError(f"Theme file {path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"Theme file {path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ThemeFileError(f"Theme file {path}: invalid TOML: nested too deeply") from None
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


@dataclass(slots=True)
class LoadedThemes:
    """The valid themes found (by name, in load order) and one message per rejected file."""

    themes: dict[str, ThemeFile] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        return list(self.themes)

    def textual_themes(self) -> list[Theme]:
        return [theme.to_textual_theme() for theme in self.themes.values()]

    def register(self, app: Any) -> None:
        """Register every theme with a Textual `App` (later registrations replace same names).

        A theme whose `variables` the app's stylesheet rejects (a colour where a colour is
        expected, ...) would stop the app the moment it is applied: it is dropped instead, with
        a message in `errors` naming the file and the variable.
        """
        for name, theme_file in list(self.themes.items()):
            problems = css_problems(app, theme_file)
            if problems:
                source = self.sources.get(name, Path(name))
                self.errors.append(f"Theme file {source}: {'; '.join(problems)}; theme skipped")
                del self.themes[name]
                self.sources.pop(name, None)
                continue
            app.register_theme(theme_file.to_textual_theme())

    def terminal_colors(self, theme: str | Theme) -> TerminalColors:
        """The pane palette for a theme name or Textual theme, falling back for Textual's own."""
        name = theme if isinstance(theme, str) else theme.name
        loaded = self.themes.get(name)
        if loaded is not None:
            return loaded.terminal_colors
        if isinstance(theme, Theme):
            return TerminalColors.from_textual_theme(theme)
        from textual.theme import BUILTIN_THEMES

        builtin = BUILTIN_THEMES.get(name)
        if builtin is not None:
            return TerminalColors.from_textual_theme(builtin)
        raise KeyError(f"unknown theme: {name}")


def css_problems(app: Any, theme_file: ThemeFile) -> list[str]:
    """The theme's own variables that the app's CSS cannot use, each as ``field: why``.

    Only the CSS that mentions one of those variables is parsed: the app's own stylesheet and
    the default CSS of every widget class loaded so far (dialogs mount later, but their classes
    are imported), so a bad value is caught before the theme is ever applied.
    """
    variables = theme_file.variables
    if not variables:
        return []
    plain = theme_file.model_copy(update={"variables": {}}).to_textual_theme()
    mentions = re.compile(r"\$(" + "|".join(re.escape(key) for key in variables) + r")\b")
    sources = [
        (location, source.content, source.is_defaults, source.tie_breaker, source.scope)
        for location, source in app.stylesheet.source.items()
        if mentions.search(source.content)
    ]
    for widget_class in _subclasses(Widget):
        css = widget_class.__dict__.get("DEFAULT_CSS", "")
        if css and mentions.search(css):
            scoped = widget_class.__dict__.get("SCOPED_CSS", True)
            scope = widget_class._css_type_name if scoped else ""
            location = ("", f"{widget_class.__name__}.DEFAULT_CSS")
            sources.append((location, css, True, 0, scope))
    defaults = {
        **app.get_theme_variable_defaults(),
        **plain.to_color_system().generate(),
        **plain.variables,
    }

    def parses(overrides: Mapping[str, str]) -> bool:
        stylesheet = Stylesheet(variables={**defaults, **overrides})
        for location, css, is_defaults, tie_breaker, scope in sources:
            stylesheet.add_source(
                css,
                read_from=location,
                is_default_css=is_defaults,
                tie_breaker=tie_breaker,
                scope=scope,
            )
        try:
            stylesheet.parse()
        except StylesheetError:
            return False
        return True

    if parses(variables):
        return []
    culprits = [
        f"variables.{key}: {_clip(value)!r} is not valid where the app uses it"
        for key, value in variables.items()
        if not parses({key: value})
    ]
    return culprits or ["variables: the app's stylesheet rejects them"]


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    pending = [cls]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub not in found:
                found.append(sub)
                pending.append(sub)
    return found


def load_themes(*dirs: Path | str) -> LoadedThemes:
    """Load every `*.toml` in the given directories, in order; later directories override.

    Missing directories are skipped (the user's theme directory usually does not exist). Within
    one directory, files load in name order and a second file claiming a taken name is rejected.
    """
    loaded = LoadedThemes()
    for directory in _unique_dirs(dirs):
        if not directory.is_dir():
            continue
        claimed: dict[str, Path] = {}
        try:
            paths = sorted(directory.glob("*.toml"))
        except OSError as exc:
            loaded.errors.append(f"Theme directory {directory}: cannot list: {exc}")
            continue
        for path in paths:
            try:
                theme = load_theme_file(path)
            except ThemeFileError as exc:
                loaded.errors.append(str(exc))
                continue
            if theme.name in claimed:
                loaded.errors.append(
                    f"Theme file {path}: name: theme {theme.name!r} is already defined by "
                    f"{claimed[theme.name].name}; skipped"
                )
                continue
            claimed[theme.name] = path
            loaded.themes.pop(theme.name, None)  # re-insert so an override moves to the end
            loaded.themes[theme.name] = theme
            loaded.sources[theme.name] = path
    return loaded


def _unique_dirs(dirs: Iterable[Path | str]) -> list[Path]:
    seen: set[Path] = set()
    result: list[Path] = []
    for entry in dirs:
        path = Path(entry).expanduser()
        key = path.resolve() if path.exists() else path
        if key not in seen:
            seen.add(key)
            result.append(path)
    return result


def repo_theme_dir() -> Path | None:
    """`themes/` of a source checkout (editable install), recognised by its `pyproject.toml`."""
    root = Path(__file__).resolve().parents[2]
    candidate = root / "themes"
    if (root / "pyproject.toml").is_file() and candidate.is_dir():
        return candidate
    return None


def packaged_theme_dir() -> Path | None:
    """`aisession_tui/themes` inside an installed wheel (force-included by the build)."""
    candidate = Path(__file__).resolve().parents[1] / "themes"
    return candidate if candidate.is_dir() else None


def user_theme_dir() -> Path:
    """Where users put their own theme files; they override shipped themes of the same name."""
    return platformdirs.user_config_path(APP_NAME) / "themes"


def builtin_theme_dirs(include_user: bool = True) -> list[Path]:
    """The directories to load themes from, lowest precedence first."""
    dirs = [d for d in (packaged_theme_dir(), repo_theme_dir()) if d is not None]
    if include_user:
        dirs.append(user_theme_dir())
    return dirs
