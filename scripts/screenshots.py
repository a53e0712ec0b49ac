"""Make the README's SVG screenshots from the app itself: `python scripts/screenshots.py`.

Each picture is a fresh run of the real app (`App.run_test()`, headless) with the four demo
agents in their deterministic mode (each prints one round at once, then waits), a frozen clock
and fixed session ids, so running the script again gives the same pictures. A picture is saved
only once every agent's round is on its pane and the screen has stopped changing.

Options: `--only NAME` (repeatable) makes just those pictures; `--out DIR` writes elsewhere.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the frozen-clock app lives with the tests

from textual.pilot import Pilot  # noqa: E402
from textual.widgets import Input  # noqa: E402

from aisession_tui.core.config import SessionConfig  # noqa: E402
from aisession_tui.demo import demo_sessions  # noqa: E402
from aisession_tui.ui.app import AppOptions, SupervisorApp  # noqa: E402
from aisession_tui.ui.screens import HelpScreen, NewSessionScreen  # noqa: E402
from tests.ui.helpers import DeterministicApp  # noqa: E402

OUT = ROOT / "screenshots"
#: Working directory of the demo agents: exists everywhere and reads the same in every picture.
CWD = Path("/tmp")
#: Long enough for a loaded machine; the script fails loudly rather than saving a half picture.
WAIT = 60.0
ALL_PANELS = ("sessions", "details", "tokens", "history")

Setup = Callable[[SupervisorApp, Pilot[None]], Awaitable[None]]


def round_done(name: str, lines: list[str]) -> bool:
    """Whether a demo agent's first round is fully on its screen (it waits for input after)."""
    text = "\n".join(lines)
    if name == "builder":
        return "Build succeeded" in text
    if name == "tester":
        return any(" passed in " in line and "====" in line for line in lines)
    if name == "reviewer":
        return "Apply these changes? [y/N]" in text
    if name == "shell":
        filled = [line.rstrip() for line in lines if line.strip()]
        return "cd .." in text and bool(filled) and filled[-1].endswith("$")
    raise ValueError(f"no end-of-round marker for demo agent {name!r}")


def demo_configs(sizes: dict[str, tuple[int, int]] | None = None) -> list[SessionConfig]:
    """The four demo agents of `aisession-tui --demo`, in the deterministic script mode.

    The interpreter is called `python` (found on PATH, which `main` points at this venv first)
    so the pictures do not show this machine's venv path. `sizes` gives each agent's PTY
    (rows, columns) from the start, so its round is printed at its pane's final width.
    """
    configs = []
    for spec in demo_sessions(speed=0):
        argv = ["python", *shlex.split(spec.command)[1:]]
        config = SessionConfig(
            name=spec.name,
            shell_command=shlex.join(argv),
            agent_role=spec.role,
            working_directory=CWD,
            enable_ai_features=True,  # as the CLI starts them
        )
        if sizes is not None:
            config.pty_size = sizes[spec.name]
        configs.append(config)
    return configs


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not seen within {WAIT}s: {what}")
        await pilot.pause(0.05)


async def rounds_on_screen(app: SupervisorApp, pilot: Pilot[None]) -> None:
    """Wait until every agent's round is on its pane."""
    for live in list(app.lives.values()):
        await wait_for(
            pilot,
            lambda live=live: round_done(live.name, live.emulator.text_lines()),
            f"{live.name}'s round on screen",
        )


async def settled(app: SupervisorApp, pilot: Pilot[None]) -> None:
    """Wait until the whole screen stops changing (token counts and panels are caught up)."""
    previous = ""
    steady = 0
    deadline = time.monotonic() + WAIT
    while steady < 3:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the screen kept changing for {WAIT}s")
        await pilot.pause(0.2)
        app.main.refresh_panels()
        await pilot.pause()
        current = app.export_screenshot()
        steady = steady + 1 if current == previous else 0
        previous = current


async def nothing(app: SupervisorApp, pilot: Pilot[None]) -> None:
    """The app as it starts."""


async def zoom_reviewer(app: SupervisorApp, pilot: Pilot[None]) -> None:
    app.main.action_focus_number(3)
    app.main.action_toggle_zoom()


async def open_help(app: SupervisorApp, pilot: Pilot[None]) -> None:
    app.action_help()
    await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")


async def open_new_session_form(app: SupervisorApp, pilot: Pilot[None]) -> None:
    await app.run_command("new_session")
    await wait_for(pilot, lambda: isinstance(app.screen, NewSessionScreen), "the new form")
    for field_input in app.screen.query(Input):
        field_input.cursor_blink = False  # a blinking cursor never holds still for a picture


@dataclass(frozen=True, slots=True)
class Shot:
    """One picture: file name, terminal size, start options, and what to do before saving."""

    name: str
    description: str
    size: tuple[int, int] = (160, 48)
    options: dict[str, object] = field(default_factory=dict)
    setup: Setup = nothing


SHOTS: tuple[Shot, ...] = (
    Shot("demo-grid", "Four demo agents tiled in a grid, with the Sessions and Details panels."),
    Shot(
        "demo-all-panels",
        "The same agents with all four side panels: Sessions, Details, Tokens and History.",
        options={"panels": ALL_PANELS},
    ),
    Shot(
        "demo-zoomed",
        "The reviewer's pane zoomed (prefix z), waiting for an answer.",
        setup=zoom_reviewer,
    ),
    Shot("help", "The help screen (prefix ?): every key binding.", setup=open_help),
    Shot(
        "new-session",
        "The new-session form (prefix c).",
        setup=open_new_session_form,
    ),
    Shot("daylight", "The grid in the light `daylight` theme.", options={"theme": "daylight"}),
    Shot("demo-100x30", "The grid on a small 100x30 terminal.", size=(100, 30)),
)


def shot_app(shot: Shot, configs: list[SessionConfig]) -> DeterministicApp:
    options: dict[str, object] = {"idle_after": 3600.0, "control": False, **shot.options}
    return DeterministicApp(configs, options=AppOptions(**options))  # type: ignore[arg-type]


def laid_out(app: SupervisorApp) -> bool:
    """Whether every pane has its size and its emulator has followed it."""
    frames = list(app.main.pane_grid.frames)
    return len(frames) == 4 and all(
        frame.terminal.size.area > 0
        and (frame.terminal.size.height, frame.terminal.size.width)
        == (frame.live.emulator.lines, frame.live.emulator.columns)
        for frame in frames
    )


async def pane_sizes(shot: Shot) -> dict[str, tuple[int, int]]:
    """Each agent's pane size in this picture, measured with placeholder sessions (`cat`).

    The agents print a round the moment they start, possibly before their pane is laid out;
    starting them at the measured size makes every run draw the same picture.
    """
    placeholders = [config.model_copy(update={"shell_command": "cat"}) for config in demo_configs()]
    app = shot_app(shot, placeholders)
    async with app.run_test(size=shot.size) as pilot:
        await wait_for(pilot, lambda: laid_out(app), "panes laid out")
        await settled(app, pilot)
        lives = app.lives.values()
        return {live.name: (live.emulator.lines, live.emulator.columns) for live in lives}


async def take(shot: Shot, out: Path) -> Path:
    """Run the app for one picture and save it; the path written."""
    app = shot_app(shot, demo_configs(await pane_sizes(shot)))
    async with app.run_test(size=shot.size) as pilot:
        await wait_for(pilot, lambda: len(app.lives) == 4, "four demo sessions")
        await rounds_on_screen(app, pilot)
        await shot.setup(app, pilot)
        await settled(app, pilot)
        app.save_screenshot(filename=f"{shot.name}.svg", path=str(out))
    return out / f"{shot.name}.svg"


async def take_all(shots: Sequence[Shot], out: Path) -> list[Path]:
    return [await take(shot, out) for shot in shots]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = [shot.name for shot in SHOTS]
    parser.add_argument("--only", action="append", choices=names, help="make just this picture")
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder (default: {OUT})")
    args = parser.parse_args(argv)
    # The demo agents run as `python -m aisession_tui.demo`: this interpreter's, wherever it is.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    shots = [shot for shot in SHOTS if not args.only or shot.name in args.only]
    args.out.mkdir(parents=True, exist_ok=True)
    for path, shot in zip(asyncio.run(take_all(shots, args.out)), shots, strict=True):
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(f"{shown}: {shot.description}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
