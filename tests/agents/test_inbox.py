"""The attention inbox in the real app: questions from real hook runs, answered with keys."""

from __future__ import annotations

from pathlib import Path

from aisession_tui.ui.app import AppOptions, SupervisorApp
from aisession_tui.ui.screens.inbox import InboxScreen
from tests.control.helpers import SIZE, wait_serving
from tests.ui.helpers import screen_text, shell, wait_for

from .payloads import payloads
from .test_hook_app import run_hook

#: Prints every read from its terminal in raw mode, so the bytes an answer sends are visible.
BYTES_ECHO = """
import os, tty
tty.setraw(0)
os.write(1, b"ready\\r\\n")
while True:
    os.write(1, (repr(os.read(0, 64)) + "\\r\\n").encode())
"""


async def test_inbox_lists_waiting_sessions_and_answers_them(tmp_path: Path) -> None:
    script = tmp_path / "echo_bytes.py"
    script.write_text(BYTES_ECHO)
    app = SupervisorApp(
        [shell("other"), shell("asker", f"python3 {script}")],
        options=AppOptions(panels=("sessions",), control=True),
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_serving(app)
        asker = next(live for live in app.lives.values() if live.name == "asker")
        key = asker.session.id.uuid.hex
        await wait_for(pilot, lambda: "ready" in screen_text(app, "asker"))
        app.focus_session(next(k for k in app.lives if k != key))

        async def ask() -> None:
            code, _, _ = await run_hook(
                str(asker.session.id),
                "--agent",
                "claude",
                "PermissionRequest",
                stdin=payloads()["PermissionRequest"],
            )
            assert code == 0

        await ask()
        await wait_for(pilot, lambda: app.agent_hooks.inbox_items())
        assert "?" in app.presenters[key].attention_marker  # marked while not focused

        # The Sessions panel can list sessions needing the person first.
        assert next(row.value for row in app.main.sidebar.session_list.rows) != key
        await pilot.press("ctrl+b", "w")
        await wait_for(
            pilot, lambda: next(row.value for row in app.main.sidebar.session_list.rows) == key
        )

        await pilot.press("ctrl+b", "i")
        await wait_for(pilot, lambda: isinstance(app.screen, InboxScreen))
        inbox = app.screen
        assert isinstance(inbox, InboxScreen)
        assert [(i.name, i.agent, i.question) for i in inbox.items] == [
            ("asker", "Claude Code", "Bash: echo hello > out.txt — Do you want to proceed?")
        ]
        # Claude's dialog: "n" is Esc; the answered item leaves the inbox.
        await pilot.press("n")
        await wait_for(pilot, lambda: "b'\\x1b'" in screen_text(app, "asker"))
        await wait_for(pilot, lambda: inbox.items == [])
        assert app.presenters[key].attention_marker == ""

        # A new question appears in the open inbox by itself; "y" is Enter for Claude.
        await ask()
        await wait_for(pilot, lambda: len(inbox.items) == 1)
        await pilot.press("y")
        await wait_for(pilot, lambda: "b'\\r'" in screen_text(app, "asker"))
        await wait_for(pilot, lambda: inbox.items == [])

        # Enter on a row goes to that session's pane.
        await ask()
        await wait_for(pilot, lambda: len(inbox.items) == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, InboxScreen))
        assert app.focused_key == key
        await app.shutdown()
