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

        panel = MessagesPanel(id="messages")
        await app.sidebar.mount(panel)
        panel.show(bridge.message_rows())
        await pilot.pause()
        assert [(r.message.sender, r.to_name, r.message.text) for r in panel.rows] == [
            ("lead", "tester", "run the tests"),
            ("lead", "tester", "lunch"),
        ]
        assert "lead: lunch" in str(panel._preview.render())

        panel._table.focus()
        panel._table.move_cursor(row=0)
        await pilot.press("enter")
        await wait_until(lambda: any(isinstance(m, MessagesPanel.Forward) for m in seen))
        forward = next(m for m in seen if isinstance(m, MessagesPanel.Forward))
        assert forward.message.text == "run the tests"
        assert bridge.forward(forward.message)
        tester = next(live for live in app.lives.values() if live.name == "tester")
        await wait_until(lambda: "run the tests" in "\n".join(tester.emulator.text_lines()))

        panel.show(bridge.message_rows())
        await pilot.pause()
        await pilot.press("d")
        await wait_until(lambda: any(isinstance(m, MessagesPanel.Discard) for m in seen))
        discard = next(m for m in seen if isinstance(m, MessagesPanel.Discard))
        bridge.discard(discard.message)
        assert bridge.message_rows() == []
        panel.show(bridge.message_rows())
        assert panel.rows == []
        await app.shutdown()
