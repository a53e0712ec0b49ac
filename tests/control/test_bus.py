"""The agent message bus: bounded inboxes, and messages between live sessions via the socket."""

from __future__ import annotations

import asyncio

import pytest

from aisession_tui.control.bus import MessageBus
from aisession_tui.control.client import ControlClient, call
from aisession_tui.control.protocol import ControlError

from .helpers import SIZE, make_app, shell, wait_serving, wait_until


def test_a_full_inbox_drops_its_oldest_messages_and_counts_them() -> None:
    bus = MessageBus(capacity=3)
    for n in range(5):
        bus.post(["a"], "lead", f"m{n}")
    assert [m.text for m in bus.messages("a")] == ["m2", "m3", "m4"]
    assert bus.dropped("a") == 2
    assert bus.messages("b") == []


def test_taking_a_message_removes_it_and_unknown_ids_are_errors() -> None:
    bus = MessageBus()
    first, second = bus.post(["a"], "lead", "one") + bus.post(["a"], "lead", "two")
    assert bus.take("a", first.id).text == "one"
    assert [m.id for m in bus.messages("a")] == [second.id]
    with pytest.raises(KeyError):
        bus.take("a", first.id)
    with pytest.raises(ValueError, match="needs text"):
        bus.post(["a"], "lead", "")


async def test_messages_between_sessions_are_kept_forwarded_and_discarded() -> None:
    app = make_app(shell("lead"), shell("tester", "cat"), shell("builder", "cat"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        seen: list[dict[str, object]] = []

        def follow() -> None:
            for payload in ControlClient().events({"session": "tester"}):
                if payload["type"] == "message":
                    seen.append(payload)
                    return

        watcher = asyncio.create_task(asyncio.to_thread(follow))
        await wait_until(lambda: app.control_server.backend._subscribers)  # type: ignore[union-attr]

        sent = await call(
            "send_message", {"to": "tester", "text": "run the suite", "sender": "lead"}
        )
        assert [m["to"] for m in sent["delivered"]] == ["tester"]
        await asyncio.wait_for(watcher, 15)
        assert seen[0]["from"] == "lead"
        assert seen[0]["text"] == "run the suite"

        everyone = await call("send_message", {"to": "*", "text": "stand up", "sender": "lead"})
        assert sorted(m["to"] for m in everyone["delivered"]) == ["builder", "tester"]

        inbox = await call("messages", {"session": "tester"})
        assert [(m["from"], m["text"]) for m in inbox["messages"]] == [
            ("lead", "run the suite"),
            ("lead", "stand up"),
        ]
        assert inbox["dropped"] == 0
        listed = (await call("list_sessions"))["sessions"]
        assert {s["name"]: s["unread_messages"] for s in listed} == {
            "lead": 0,
            "tester": 2,
            "builder": 1,
        }

        first, second = inbox["messages"]
        await call("forward_message", {"session": "tester", "id": first["id"]})
        tester = next(live for live in app.lives.values() if live.name == "tester")
        await wait_until(lambda: "run the suite" in "\n".join(tester.emulator.text_lines()))
        await call("discard_message", {"session": "tester", "id": second["id"]})
        assert (await call("messages", {"session": "tester"}))["messages"] == []

        with pytest.raises(ControlError) as gone:
            await call("discard_message", {"session": "tester", "id": second["id"]})
        assert gone.value.code == "not_found"
        with pytest.raises(ControlError) as nobody:
            await call("send_message", {"to": "ghost", "text": "hello"})
        assert nobody.value.code == "not_found"
        await app.shutdown()
