"""The Messages panel in the real app: read a message, forward it into its session, discard one."""

from __future__ import annotations

from textual.message import Message

from aisession_tui.control.client import call
from aisession_tui.ui.widgets.messages_panel import MessagesPanel

from .helpers import SIZE, make_app, shell, wait_serving, wait_until


async def test_messages_panel_forwards_and_discards_through_the_bridge() -> None:
    app = make_app(shell("lead"), shell("tester", "cat"))
    seen: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await wait_serving(app)
        bridge = app.control_server.backend  # type: ignore[union-attr]
        await call("send_message", {"to": "tester", "text": "run the tests", "sender": "lead"})
        await call("send_message", {"to": "*", "text": "lunch", "sender": "lead"})

        panel = app.main.sidebar.messages_panel
        await pilot.press("ctrl+b", "m")  # the app's own panel
        await wait_until(lambda: panel.display and len(panel.rows) == 2)
        assert [(r.message.sender, r.to_name, r.message.text) for r in panel.rows] == [
            ("lead", "tester", "run the tests"),
            ("lead", "tester", "lunch"),
        ]
        panel._table.focus()
        panel._table.move_cursor(row=0)
        await pilot.pause()
        assert "lead: run the tests" in str(panel._preview.render())

        await pilot.press("enter")  # the app forwards it into its session
        await wait_until(lambda: any(isinstance(m, MessagesPanel.Forward) for m in seen))
        tester = next(live for live in app.lives.values() if live.name == "tester")
        await wait_until(lambda: "run the tests" in "\n".join(tester.emulator.text_lines()))
        await wait_until(lambda: [r.message.text for r in bridge.message_rows()] == ["lunch"])

        panel._table.focus()
        await pilot.press("d")  # and discards the rest
        await wait_until(lambda: any(isinstance(m, MessagesPanel.Discard) for m in seen))
        await wait_until(lambda: bridge.message_rows() == [] and panel.rows == [])
        await app.shutdown()
