"""Every control operation against a real headless app, through real socket clients."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from pathlib import Path

import pytest

from aisession_tui.control.client import AsyncControlClient, ControlClient, call
from aisession_tui.control.protocol import ControlError

from .helpers import SIZE, make_app, shell, wait_serving, wait_until


async def test_socket_is_owner_only_and_gone_after_the_app(control_socket: Path) -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        assert stat.S_ISSOCK(os.lstat(control_socket).st_mode)
        assert os.lstat(control_socket).st_mode & 0o777 == 0o600
        assert os.stat(control_socket.parent).st_mode & 0o777 == 0o700
        assert (await call("ping"))["pid"] == os.getpid()
        await app.shutdown()
        assert control_socket.name not in os.listdir(control_socket.parent)


async def test_every_operation_acts_on_the_live_sessions(tmp_path: Path) -> None:
    app = make_app(shell("one"), shell("two"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        async with AsyncControlClient() as client:
            listed = (await client.request("list_sessions"))["sessions"]
            assert [s["name"] for s in listed] == ["one", "two"]
            assert {"status", "attention", "agent_state", "command_count"} <= set(listed[0])

            await client.request("send_input", {"session": "one", "text": "echo $((6*7))"})
            await client.request("send_input", {"session": "one", "text": "", "enter": True})

            async def screen_has(text: str) -> bool:
                return text in (await client.request("capture", {"session": "one"}))["text"]

            deadline = asyncio.get_running_loop().time() + 15
            while not await screen_has("42"):
                assert asyncio.get_running_loop().time() < deadline, "echo output never appeared"
                await asyncio.sleep(0.05)

            result = await client.request(
                "execute_command", {"session": "two", "command": "echo hi; (exit 7)"}
            )
            assert result["output"].strip() == "hi"
            assert result["exit_code"] == 7

            history = (await client.request("history", {"session": "two"}))["commands"]
            assert history[-1]["command"] == "echo hi; (exit 7)"
            assert history[-1]["exit_code"] == 7

            await client.request(
                "execute_command", {"session": "two", "command": "seq 1 300", "timeout": 20}
            )
            tail = await client.request("capture", {"session": "two", "lines": 3})
            assert tail["lines"] == 3
            assert "300" in tail["text"]

            created = await client.request(
                "create_session",
                {"name": "three", "shell_command": "cat", "working_directory": str(tmp_path)},
            )
            assert created["session"]["name"] == "three"
            assert created["session"]["working_directory"] == str(tmp_path)
            assert "three" in [live.name for live in app.lives.values()]

            renamed = await client.request("rename", {"session": "three", "name": "echoer"})
            assert renamed == {"old_name": "three", "name": "echoer"}
            assert "echoer" in [live.name for live in app.lives.values()]

            await client.request("kill", {"session": "echoer"})
            assert "echoer" not in [live.name for live in app.lives.values()]
        await app.shutdown()


async def test_context_is_returned_within_the_budget() -> None:
    app = make_app(shell("ai", enable_ai_features=True))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        await call("execute_command", {"session": "ai", "command": "echo context-marker"})
        presenter = next(iter(app.presenters.values()))
        assert presenter.monitor is not None
        await presenter.monitor.context_settled()
        result = await call("context", {"session": "ai", "budget": 500})
        assert "context-marker" in result["text"]
        assert result["budget"] == 500
        await app.shutdown()


async def test_unknown_sessions_and_bad_fields_are_clear_errors() -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        with pytest.raises(ControlError) as missing:
            await call("capture", {"session": "nope"})
        assert missing.value.code == "not_found"
        assert "one" in missing.value.message
        with pytest.raises(ControlError) as invalid:
            await call("create_session", {"name": "x", "pty_size": [0, 0]})
        assert invalid.value.code == "invalid"
        assert "pty_size" in invalid.value.message
        with pytest.raises(ControlError) as duplicate:
            await call("create_session", {"name": "one", "shell_command": "cat"})
        assert "already exists" in duplicate.value.message
        with pytest.raises(ControlError) as timeout:
            await call("execute_command", {"session": "one", "command": "sleep 5", "timeout": 0.3})
        assert timeout.value.code == "timeout"
        result = await call("execute_command", {"session": "one", "command": "echo still-usable"})
        assert result["output"].strip() == "still-usable"
        await app.shutdown()


async def test_events_stream_output_commands_and_exits() -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        seen: list[dict[str, object]] = []

        def follow() -> None:
            for payload in ControlClient().events({"session": "one"}):
                seen.append(payload)
                if payload["type"] == "exited":
                    return

        reader = asyncio.create_task(asyncio.to_thread(follow))
        await wait_until(lambda: app.control_server.backend._subscribers)  # type: ignore[union-attr]
        await call("execute_command", {"session": "one", "command": "echo evt-$((40+2))"})
        await call("send_input", {"session": "one", "text": "exit 5", "enter": True})
        await asyncio.wait_for(reader, 20)
        output = "".join(str(p["text"]) for p in seen if p["type"] == "output")
        assert "evt-42" in output
        finished = [p for p in seen if p["type"] == "command_finished"]
        assert finished[0]["exit_code"] == 0
        assert finished[0]["session"] == "one"
        assert seen[-1] == {**seen[-1], "type": "exited", "exit_code": 5}
        json.dumps(seen)  # every payload is plain JSON
        await app.shutdown()
