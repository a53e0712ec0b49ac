"""The themes the app offers: the theme files found (see `theme_file.py`) and Textual's own.

A bad file never stops the app: `load_themes` returns the valid themes and one message per bad
file, naming the file and the field, for the app to show as notifications.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
from textual.css.stylesheet import Stylesheet, StylesheetError
from textual.theme import Theme
from textual.widget import Widget

from .theme_file import (
    ANSI_NAMES,
    XTERM_ANSI,
    TerminalColors,
    TerminalTable,
    ThemeFile,
    ThemeFileError,
    clipped,
    load_theme_file,
)

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
        f"variables.{key}: {clipped(value)!r} is not valid where the app uses it"
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
