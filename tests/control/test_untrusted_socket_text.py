"""What arrives through the control socket (messages, senders, renames) is shown as text;
names holding control characters are refused there.

`aisession-tui message sh '[/x] hello'` killed the app through its toast. The real CLI and the
real socket client talk to a real app here; toasts, the Messages panel, the title bars and the
Sessions panel are read from what the app draws and what it would write to the terminal.
"""

from __future__ import annotations

import pytest
from textual.widgets._data_table import default_cell_formatter
from textual.widgets._toast import Toast

from aisession_tui.control.client import call
from aisession_tui.control.protocol import ControlError
from aisession_tui.core.config import check_name
from aisession_tui.ui.app import AppOptions, SupervisorApp

from ..ui.untrusted import HOSTILE, click_actions, shows, squash, unsafe_output, widget_text
from .helpers import cli, shell, wait_serving, wait_until


def _refused(raw: str) -> bool:
    try:
        check_name(raw)
    except ValueError:
        return True
    return False


#: Names holding control characters are refused by the socket (they never become a sender or
#: a session's name that way); the rest must be shown exactly as `HOSTILE` says.
REFUSED = [(raw, shown) for raw, shown in HOSTILE if _refused(raw)]
ACCEPTED = [(raw, shown) for raw, shown in HOSTILE if not _refused(raw)]


def _toasts(app: SupervisorApp) -> str:
    return squash("\n".join(widget_text(app, toast) for toast in app.screen.query(Toast)))


def _drawn_safely(app: SupervisorApp) -> None:
    assert app.is_running
    assert unsafe_output(app) == []
    assert click_actions(app) == []


async def test_socket_messages_senders_and_renames_are_shown_literally() -> None:
    app = SupervisorApp(
        [shell("sh", "cat"), shell("other", "cat")],
        options=AppOptions(panels=("sessions", "details", "messages"), control=True),
    )
    async with app.run_test(size=(200, 80), notifications=True) as pilot:
        await wait_serving(app)
        # The reproduction, through the real command line.
        result = await cli("message", "sh", "[/x] hello")
        assert result.code == 0, result.err
        await wait_until(lambda: squash("[/x] hello") in _toasts(app))
        await pilot.pause()
        _drawn_safely(app)

        for raw, _shown in REFUSED:  # a sender holding controls is refused by the socket
            with pytest.raises(ControlError) as refused:
                await call("send_message", {"to": "sh", "text": f"{raw} body", "sender": raw})
            assert refused.value.code == "invalid"
        for raw, shown in ACCEPTED:
            await call("send_message", {"to": "sh", "text": f"{raw} body", "sender": raw})
            await wait_until(lambda shown=shown: squash(f"Message {shown}") in _toasts(app))
            await pilot.pause()
            _drawn_safely(app)
            app.clear_notifications()
        await call("send_message", {"to": "sh", "text": "line one\nline [/two]\x1b]2;X\x07"})
        await wait_until(lambda: squash("line [/two]␛]2;X␇") in _toasts(app))

        panel = app.main.sidebar.messages_panel
        await wait_until(lambda: len(panel.rows) == len(ACCEPTED) + 2)
        app.main.refresh_panels()
        await pilot.pause()
        _drawn_safely(app)
        # The table's cells, as the table renders them (its columns cut what is drawn).
        cells = [default_cell_formatter(cell).plain for cell in panel._table.get_row_at(1)]
        assert cells[1:] == [HOSTILE[0][1], "sh", f"{HOSTILE[0][1]} body"]
        panel._table.focus()
        for row, (_, shown) in enumerate(ACCEPTED, start=1):
            panel._table.move_cursor(row=row)
            await pilot.pause()
            _drawn_safely(app)
            # The preview is a few rows high: what it would draw, in full.
            assert str(panel._preview.render()) == f"{shown}: {shown} body"

        # Renames through the socket: the title bar, Sessions and Details show the new name.
        other = next(live for live in app.lives.values() if live.name == "other")
        for raw, _shown in REFUSED:
            with pytest.raises(ControlError):
                await call("rename", {"session": other.session.id.uuid.hex, "name": raw})
        for raw, shown in ACCEPTED:
            if raw.strip() != raw or any(ch.isspace() for ch in raw):
                continue  # names with blanks are another check's business
            await call("rename", {"session": other.session.id.uuid.hex, "name": raw})
            await wait_until(lambda raw=raw: other.name == raw)
            app.focus_session(other.session.id.uuid.hex)
            app.main.refresh_panels()
            await pilot.pause()
            _drawn_safely(app)
            frame = next(f for f in app.main.pane_grid.frames if f.live is other)
            assert shows(app, frame.title_bar, shown), raw
            assert shows(app, app.main.sidebar.details_panel, f"name{shown}"), raw
        await app.shutdown()


def _raw_controls(text: str) -> list[str]:
    return [repr(c) for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]


async def test_the_cli_prints_names_commands_and_messages_without_raw_escapes() -> None:
    evil = "evil\x1b]2;PWNED\x07"
    app = SupervisorApp(
        [shell("inbox", "cat"), shell(evil, "cat; echo \x1b[2J")],
        options=AppOptions(panels=("sessions",), control=True),
    )
    async with app.run_test(size=(160, 48)):
        await wait_serving(app)
        sessions = await cli("sessions")
        assert sessions.code == 0, sessions.err
        assert _raw_controls(sessions.out) == []
        assert "evil␛]2;PWNED␇" in sessions.out and "echo ␛[2J" in sessions.out

        # The socket refuses such a sender; the text of a message may hold anything.
        text = "one\nt\x1bwo [/x]"
        await call("send_message", {"to": "inbox", "text": text, "sender": "[/x]lead"})
        inbox = await cli("inbox", "inbox")
        assert inbox.code == 0, inbox.err
        assert _raw_controls(inbox.out) == []
        assert "[/x]lead: one\nt␛wo [/x]" in inbox.out

        message = await cli("message", "*", "hello")
        assert _raw_controls(message.out) == [] and "evil␛]2;PWNED␇" in message.out
        await app.shutdown()
