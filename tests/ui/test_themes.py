"""Theme files: every shipped theme loads and drives a real Textual app; bad files are reported."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Label

from aisession_tui.ui.themes import (
    ANSI_NAMES,
    DEFAULT_THEME,
    XTERM_ANSI,
    LoadedThemes,
    TerminalColors,
    ThemeFile,
    ThemeFileError,
    builtin_theme_dirs,
    load_theme_file,
    load_themes,
    repo_theme_dir,
    user_theme_dir,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED_DIR = REPO / "themes"
SHIPPED = sorted(SHIPPED_DIR.glob("*.toml"))

GOOD = """\
name = "{name}"
dark = true
primary = "#112233"
background = "#000000"
[terminal]
foreground = "#eeeeee"
background = "#101010"
cursor = "#ff00ff"
ansi = [{ansi}]
"""


def good_theme(name: str, ansi: tuple[str, ...] = XTERM_ANSI) -> str:
    return GOOD.format(name=name, ansi=", ".join(f'"{c}"' for c in ansi))


@pytest.fixture(autouse=True)
def isolated_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep the developer's own ~/.config themes out of the tests."""
    config = tmp_path / "xdg-config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    return config


class ThemedApp(App[None]):
    """A minimal real app that registers themes the way the production app will."""

    def __init__(self, loaded: LoadedThemes) -> None:
        self.loaded = loaded
        super().__init__()
        loaded.register(self)

    def compose(self) -> ComposeResult:
        yield Label("hello", id="label")


def test_at_least_four_themes_ship_and_all_load_without_errors() -> None:
    loaded = load_themes(SHIPPED_DIR)
    assert loaded.errors == []
    assert len(SHIPPED) >= 4
    assert len(loaded.themes) == len(SHIPPED)
    assert DEFAULT_THEME in loaded.themes
    assert {"midnight", "daylight", "solarized-dark", "gruvbox"} <= set(loaded.themes)


def test_shipped_themes_include_dark_and_light() -> None:
    loaded = load_themes(SHIPPED_DIR)
    assert {theme.dark for theme in loaded.themes.values()} == {True, False}


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_each_shipped_theme_has_a_full_opaque_terminal_palette(path: Path) -> None:
    theme = load_theme_file(path)
    colors = theme.terminal_colors
    assert len(colors.ansi) == 16
    for value in (colors.foreground, colors.background, colors.cursor, *colors.ansi):
        assert value.startswith("#") and len(value) == 7, value
    assert colors.foreground != colors.background
    assert path.stem == theme.name


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_each_shipped_theme_builds_a_textual_colour_system(path: Path) -> None:
    theme = load_theme_file(path).to_textual_theme()
    colors = theme.to_color_system().generate()
    assert colors["primary"].lower().startswith(theme.primary.lower()[:7])
    assert theme.variables["terminal-background"].startswith("#")


class TerminalCssApp(ThemedApp):
    """Uses the `$terminal-*` variables in CSS, with defaults for Textual's own themes."""

    CSS = "#label { background: $terminal-background; color: $terminal-foreground; }"

    def get_theme_variable_defaults(self) -> dict[str, str]:
        fallback = self.loaded.terminal_colors(self.current_theme)
        return {
            "terminal-foreground": fallback.foreground,
            "terminal-background": fallback.background,
            "terminal-cursor": fallback.cursor,
        }


async def test_terminal_css_variables_follow_the_active_theme() -> None:
    loaded = load_themes(SHIPPED_DIR)
    app = TerminalCssApp(loaded)
    async with app.run_test() as pilot:
        for name in [*loaded.names(), "nord"]:
            app.theme = name
            await pilot.pause()
            label = app.query_one("#label", Label)
            expected = loaded.terminal_colors(name)
            assert label.styles.background.hex.lower() == expected.background
            assert label.styles.color.hex.lower() == expected.foreground


async def test_every_shipped_theme_registers_and_applies_in_a_running_app() -> None:
    loaded = load_themes(SHIPPED_DIR)
    app = ThemedApp(loaded)
    async with app.run_test() as pilot:
        for name, theme in loaded.themes.items():
            assert name in app.available_themes
            app.theme = name
            await pilot.pause()
            assert app.current_theme.name == name
            assert app.current_theme.dark is theme.dark
            label = app.query_one("#label", Label)
            background = label.app.screen.styles.background
            expected = theme.to_textual_theme().to_color_system().generate()["background"]
            assert background.hex.lower() == expected.lower()[:7]


async def test_switching_theme_changes_the_screen_background() -> None:
    loaded = load_themes(SHIPPED_DIR)
    app = ThemedApp(loaded)
    async with app.run_test() as pilot:
        app.theme = "midnight"
        await pilot.pause()
        dark_bg = app.screen.styles.background
        app.theme = "daylight"
        await pilot.pause()
        light_bg = app.screen.styles.background
        assert dark_bg != light_bg
        assert light_bg.brightness > dark_bg.brightness


def test_named_ansi_keys_override_the_list() -> None:
    text = good_theme("tweaked") + 'red = "#abcdef"\n'
    theme = ThemeFile.model_validate(tomllib.loads(text))
    palette = theme.terminal_colors.ansi
    assert palette[ANSI_NAMES.index("red")] == "#abcdef"
    assert palette[ANSI_NAMES.index("green")] == XTERM_ANSI[2]


def test_colours_in_other_notations_are_normalised_to_hex(tmp_path: Path) -> None:
    path = tmp_path / "rgb.toml"
    path.write_text(good_theme("rgb").replace('"#eeeeee"', '"rgb(255, 0, 0)"'))
    assert load_theme_file(path).terminal_colors.foreground == "#ff0000"


def test_unknown_field_is_reported_with_file_and_field_and_others_still_load(
    tmp_path: Path,
) -> None:
    (tmp_path / "good.toml").write_text(good_theme("good"))
    (tmp_path / "bad.toml").write_text(good_theme("bad") + 'sparkle = "yes"\n')
    loaded = load_themes(tmp_path)
    assert loaded.names() == ["good"]
    assert len(loaded.errors) == 1
    message = loaded.errors[0]
    assert "bad.toml" in message
    assert "terminal.sparkle: unknown field" in message


def test_bad_colour_is_reported_with_file_and_field(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text(good_theme("good"))
    bad = good_theme("bad", ansi=(*XTERM_ANSI[:3], "#zzzzzz", *XTERM_ANSI[4:]))
    (tmp_path / "bad.toml").write_text(bad.replace('primary = "#112233"', 'primary = "blurple"'))
    loaded = load_themes(tmp_path)
    assert loaded.names() == ["good"]
    (message,) = loaded.errors
    assert "bad.toml" in message
    assert "primary: invalid colour 'blurple'" in message
    assert "terminal.ansi.3: invalid colour '#zzzzzz'" in message


def test_invalid_toml_is_reported_with_file_and_position(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text(good_theme("good"))
    (tmp_path / "broken.toml").write_text('name = "broken\nprimary = \n')
    loaded = load_themes(tmp_path)
    assert loaded.names() == ["good"]
    (message,) = loaded.errors
    assert "broken.toml" in message
    assert "invalid TOML" in message
    assert "line 1" in message


def test_incomplete_palette_names_the_missing_colours(tmp_path: Path) -> None:
    text = good_theme("partial").split("ansi =")[0] + 'black = "#000000"\n'
    path = tmp_path / "partial.toml"
    path.write_text(text)
    with pytest.raises(ThemeFileError) as caught:
        load_theme_file(path)
    message = str(caught.value)
    assert "partial.toml" in message
    assert "terminal:" in message
    assert "bright_white" in message


def test_missing_required_fields_and_wrong_palette_length_are_named(tmp_path: Path) -> None:
    path = tmp_path / "short.toml"
    path.write_text('name = "short"\n[terminal]\nforeground = "#fff"\nansi = ["#000000"]\n')
    with pytest.raises(ThemeFileError) as caught:
        load_theme_file(path)
    message = str(caught.value)
    assert "primary: required field is missing" in message
    assert "terminal.background: required field is missing" in message
    assert "terminal.ansi" in message


def test_non_utf8_and_unreadable_files_are_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "dir.toml").mkdir()
    loaded = load_themes(tmp_path)
    assert loaded.themes == {}
    assert len(loaded.errors) == 2
    assert any("binary.toml" in m and "UTF-8" in m for m in loaded.errors)
    assert any("dir.toml" in m and "cannot read: not a regular file" in m for m in loaded.errors)


def test_duplicate_name_in_one_directory_keeps_the_first_and_reports_the_second(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.toml").write_text(good_theme("same"))
    (tmp_path / "b.toml").write_text(good_theme("same").replace("#112233", "#445566"))
    loaded = load_themes(tmp_path)
    assert loaded.themes["same"].primary == "#112233"
    (message,) = loaded.errors
    assert "b.toml" in message and "already defined by a.toml" in message


def test_a_user_theme_overrides_a_shipped_theme_of_the_same_name(
    isolated_user_config: Path,
) -> None:
    user_dir = user_theme_dir()
    assert user_dir.is_relative_to(isolated_user_config)
    user_dir.mkdir(parents=True)
    (user_dir / "my-midnight.toml").write_text(good_theme("midnight"))
    loaded = load_themes(*builtin_theme_dirs())
    assert loaded.errors == []
    assert loaded.themes["midnight"].primary == "#112233"
    assert loaded.sources["midnight"] == user_dir / "my-midnight.toml"
    assert "daylight" in loaded.themes


def test_missing_directories_are_skipped_silently(tmp_path: Path) -> None:
    loaded = load_themes(tmp_path / "nope", SHIPPED_DIR)
    assert loaded.errors == []
    assert DEFAULT_THEME in loaded.themes


def test_builtin_dirs_find_the_checkout_themes_and_end_with_the_user_dir() -> None:
    dirs = builtin_theme_dirs()
    assert repo_theme_dir() == SHIPPED_DIR
    assert SHIPPED_DIR in dirs
    assert dirs[-1] == user_theme_dir()
    assert user_theme_dir() not in builtin_theme_dirs(include_user=False)


def test_terminal_colors_fall_back_for_textual_builtin_themes() -> None:
    loaded = load_themes(SHIPPED_DIR)
    nord = loaded.terminal_colors("nord")
    assert nord.background == "#2e3440"
    assert nord.ansi == XTERM_ANSI
    assert loaded.terminal_colors("gruvbox").ansi[1] == "#cc241d"
    with pytest.raises(KeyError):
        loaded.terminal_colors("no-such-theme")


def test_terminal_colors_reject_a_short_palette() -> None:
    with pytest.raises(ValueError, match="16 ANSI colours"):
        TerminalColors("#000000", "#ffffff", "#ff0000", XTERM_ANSI[:8])


def test_built_wheel_contains_the_themes_and_the_compiled_fast_path_and_loads_them(
    tmp_path: Path,
) -> None:
    """Slow-ish: builds a real wheel from a copy of the source tree and loads themes from it."""
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy2(REPO / "pyproject.toml", source)
    shutil.copy2(REPO / "hatch_build.py", source)
    no_cache = shutil.ignore_patterns("__pycache__", "*.so")  # the build compiles its own
    shutil.copytree(REPO / "aisession_tui", source / "aisession_tui", ignore=no_cache)
    shutil.copytree(SHIPPED_DIR, source / "themes")
    for extra in ("README.md", "LICENSE"):
        if (REPO / extra).exists():
            shutil.copy2(REPO / extra, source)
    if not (source / "README.md").exists():
        (source / "README.md").write_text("# aisession-tui\n")  # the build needs the readme
    out = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(source), "-w", str(out)],
        check=True,
        capture_output=True,
        timeout=280,
    )
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for path in SHIPPED:
            assert f"aisession_tui/themes/{path.name}" in names
            assert archive.read(f"aisession_tui/themes/{path.name}") == path.read_bytes()
        compiled = bool(shutil.which("cc") or os.environ.get("AISESSION_CI"))
        if compiled:  # the C fast path, built by the hook and tagged for this interpreter
            suffix = sysconfig.get_config_var("EXT_SUFFIX")
            assert f"aisession_tui/terminal/_speedups{suffix}" in names, sorted(names)
            assert "-cp3" in wheel.name, wheel.name
        site = tmp_path / "site"
        archive.extractall(site)
    probe = (
        "from aisession_tui.ui.themes import builtin_theme_dirs, load_themes, repo_theme_dir;"
        "assert repo_theme_dir() is None, repo_theme_dir();"
        "l = load_themes(*builtin_theme_dirs(include_user=False));"
        "assert not l.errors, l.errors;"
        "print(' '.join(sorted(l.names())));"
        "from aisession_tui.terminal import sequence_runs;"
        "print(sequence_runs.compiled is not None)"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    names, loaded = result.stdout.splitlines()
    assert names.split() == sorted(p.stem for p in SHIPPED)
    assert loaded == str(compiled)


async def test_bad_theme_files_are_skipped_with_a_notice_and_the_app_runs_on(
    isolated_user_config: Path,
) -> None:
    """A markup-like colour, a variable the app's CSS rejects, a nested bomb and a FIFO among
    the user's themes: each is named in a notice (shown literally), the app starts on the
    default theme, and the good themes still apply."""
    from aisession_tui.core.config import SessionConfig
    from aisession_tui.ui.app import AppOptions, SupervisorApp

    themes = isolated_user_config / "aisession-tui" / "themes"
    themes.mkdir(parents=True)
    markup = good_theme("markup").replace('primary = "#112233"', 'primary = "[/x]"')
    (themes / "markup.toml").write_text(markup)
    variables = '\n[variables]\n"footer-key-foreground" = "nope nope"\n'
    (themes / "badvar.toml").write_text(good_theme("badvar") + variables)
    (themes / "deep.toml").write_text("x = " + "[" * 5000 + "]" * 5000)
    os.mkfifo(themes / "fifo.toml")
    (themes / "fine.toml").write_text(good_theme("fine"))

    options = AppOptions(theme="badvar", control=False, panels=("sessions",))
    app = SupervisorApp([SessionConfig(name="sh", shell_command="cat")], options=options)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        messages = [notice.message for notice in app._notifications]
        assert app.theme == DEFAULT_THEME
        expected = {
            "markup.toml": "primary: invalid colour '[/x]'",
            "badvar.toml": "variables.footer-key-foreground: 'nope nope' is not valid",
            "deep.toml": "nested too deeply",
            "fifo.toml": "not a regular file (a FIFO)",
        }
        for file, words in expected.items():
            assert any(file in m and words in m for m in messages), (file, messages)
        assert any("'badvar' is not available; using 'midnight'" in m for m in messages)
        assert "badvar" not in app.available_themes
        app.theme = "fine"
        await pilot.pause(0.2)
        assert app.current_theme.name == "fine"
        assert app.is_running
        await app.shutdown()
