"""Hostile strings, a real child that prints them on request, and what the outer terminal gets.

The checks read what the app really draws: the compositor's full repaint, the very string
Textual writes to the terminal, and the text of each widget's region on the screen.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from textual.pilot import Pilot
from textual.widget import Widget

from aisession_tui.core.config import SessionConfig, check_name
from aisession_tui.core.types import SessionStatus
from aisession_tui.ui.app import SupervisorApp

from .helpers import QUIET_ENV, wait_for

#: (raw, how it must look on one line). Markup must stay as written; controls become visible
#: Control Pictures; bidi and invisible characters go.
HOSTILE: list[tuple[str, str]] = [
    ("[/x]", "[/x]"),
    ("[/data]/x", "[/data]/x"),
    ("Overwrite [/etc/hosts]? [y/N]", "Overwrite [/etc/hosts]? [y/N]"),
    ("[@click=app.quit]CLICK[/]", "[@click=app.quit]CLICK[/]"),
    ("[bold", "[bold"),
    ("[link=https://evil.example/]LINK[/link]", "[link=https://evil.example/]LINK[/link]"),
    ("[red on white]redtext[/]", "[red on white]redtext[/]"),
    ("esc\x1b]2;PWNED\x07title", "esc␛]2;PWNED␇title"),
    ("sgr\x1b[31mred\x1b[0m", "sgr␛[31mred␛[0m"),
    ("bel\x07\x07", "bel␇␇"),
    ("nul\x00here", "nul␀here"),
    ("c1\u009b31mcsi\u009d0;t\u009c", "c1\ufffd31mcsi\ufffd0;t\ufffd"),
    ("bidi\u202egnp.exe\u202c", "bidignp.exe"),
    ("iso\u2066late\u2069d", "isolated"),
    ("zero\u200bwidth\ufeff", "zerowidth"),
    ("emoji🔔👨\u200d👩\u200d👧", "emoji🔔👨\u200d👩\u200d👧"),
]


def _nameable(raw: str) -> bool:
    try:
        return check_name(raw) == raw
    except ValueError:
        return False


#: The hostile strings a session name, role or sender may be (names with controls or bidi
#: overrides are refused where they enter); shown cleaned all the same (zero-width ones).
NAMEABLE = [(raw, shown) for raw, shown in HOSTILE if _nameable(raw)]
#: The screenshot action wrote a file where the child said; its directory is filled in per test.
SCREENSHOT_LINK = '[@click=app.screenshot("pwned.svg","{folder}")]SHOT[/]'
#: Long enough to be cut everywhere, short enough for one OSC string (4096 bytes).
LONG = "L" * 3000 + "[/x]"

_CSI = re.compile(r"\x1b\[[0-9;:?<>=]*[ -/]*[@-~]")
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

EMITTER = """\
import sys
from pathlib import Path

folder = Path(sys.argv[1])
for line in sys.stdin:
    sys.stdout.buffer.write((folder / line.strip()).read_bytes())
    sys.stdout.flush()
"""


class Emitter:
    """A real child on a real PTY that prints, on request, the bytes of one payload file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.script = folder / "emit.py"
        self.script.write_text(EMITTER)
        self.count = 0

    def config(self, name: str, **fields: object) -> SessionConfig:
        command = f"stty -echo; exec {sys.executable} {self.script} {self.folder}"
        return SessionConfig(
            name=name,
            shell_command=command,
            environment=dict(QUIET_ENV),
            **fields,  # type: ignore[arg-type]
        )

    def emit(self, app: SupervisorApp, name: str, data: bytes) -> None:
        """Have the child of session `name` print `data`."""
        self.count += 1
        payload = f"payload-{self.count}"
        (self.folder / payload).write_bytes(data)
        live = next(live for live in app.lives.values() if live.name == name)
        live.session.write(f"{payload}\n".encode())


async def started(pilot: Pilot, app: SupervisorApp, count: int = 1) -> None:
    """Wait until `count` sessions run (they start once the panes are laid out)."""
    await wait_for(
        pilot,
        lambda: (
            len(app.lives) == count
            and all(live.session.status is SessionStatus.RUNNING for live in app.lives.values())
        ),
    )


def terminal_output(app: SupervisorApp) -> str:
    """What Textual writes to the outer terminal to repaint the whole screen now."""
    return app.screen._compositor.render_full_update().render_segments(app.console)


def unsafe_output(app: SupervisorApp) -> list[str]:
    """Characters of the repaint that are not drawing: anything but CSI (cursor moves, colours)
    and newlines. An OSC (title, hyperlink), BEL, NUL, C1 or bidi control would be listed."""
    rest = _CSI.sub("", terminal_output(app))
    return [
        repr(char)
        for char in rest
        if (ord(char) < 0x20 and char != "\n") or 0x7F <= ord(char) <= 0x9F or char in _BIDI
    ]


def click_actions(app: SupervisorApp) -> list[str]:
    """Actions a click anywhere on the screen would run (`[@click=...]` markup makes these)."""
    found = []
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            style = segment.style
            if style is not None and style._meta:
                found += [str(v) for k, v in style.meta.items() if k.startswith("@click")]
    return found


def screen_lines(app: SupervisorApp) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def widget_text(app: SupervisorApp, widget: Widget) -> str:
    """The text drawn inside `widget`'s border, row by row."""
    region = widget.content_region
    strips = app.screen._compositor.render_strips()
    rows = strips[region.y : region.bottom]
    return "\n".join(strip.crop(region.x, region.right).text for strip in rows)


def squash(text: str) -> str:
    """Text without any whitespace: wrapped and folded lines compare equal to the original."""
    return "".join(text.split())


def shows(app: SupervisorApp, widget: Widget, expected: str) -> bool:
    """Whether `widget` draws `expected` (wrapping aside)."""
    return squash(expected) in squash(widget_text(app, widget))
