"""MCP round trip: the SDK's own client launches `aisession-tui mcp` (stdio) against a real app."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from mcp import Client
from mcp.client.stdio import StdioServerParameters

from aisession_tui.control.paths import SOCKET_ENV

from .helpers import ROOT, SIZE, make_app, shell, wait_serving, wait_until

TOOLS = {
    "list_sessions",
    "create_session",
    "send_input",
    "execute_command",
    "capture_screen",
    "get_history",
    "get_context",
    "send_message",
    "read_messages",
}


def structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        data = result.structured_content
        return data.get("result", data) if set(data) == {"result"} else data
    return json.loads(result.content[0].text)


async def test_mcp_tools_drive_the_running_app(control_socket: Path, tmp_path: Path) -> None:
    app = make_app(shell("worker", enable_ai_features=True))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "aisession_tui", "mcp"],
            env={SOCKET_ENV: str(control_socket), "PYTHONPATH": str(ROOT)},
            cwd=str(ROOT),
        )
        async with Client(params, read_timeout_seconds=60) as client:
            tools = {tool.name for tool in (await client.list_tools()).tools}
            assert tools >= TOOLS

            listed = structured(await client.call_tool("list_sessions", {}))
            assert [s["name"] for s in listed["sessions"]] == ["worker"]

            ran = structured(
                await client.call_tool(
                    "execute_command", {"session": "worker", "command": "echo mcp-$((3*4)); false"}
                )
            )
            assert ran["output"].strip() == "mcp-12"
            assert ran["exit_code"] == 1

            history = structured(await client.call_tool("get_history", {"session": "worker"}))
            assert history["commands"][-1]["exit_code"] == 1

            screen = structured(await client.call_tool("capture_screen", {"session": "worker"}))
            assert "mcp-12" in screen["text"]

            created = structured(
                await client.call_tool(
                    "create_session",
                    {"name": "helper", "command": "cat", "working_directory": str(tmp_path)},
                )
            )
            assert created["session"]["name"] == "helper"
            structured(await client.call_tool("send_input", {"session": "helper", "text": "ping"}))
            helper = next(live for live in app.lives.values() if live.name == "helper")
            await wait_until(lambda: "ping" in "\n".join(helper.emulator.text_lines()))

            presenter = next(p for p in app.presenters.values() if p.name == "worker")
            assert presenter.monitor is not None
            await presenter.monitor.context_settled()
            context = structured(
                await client.call_tool("get_context", {"session": "worker", "budget": 400})
            )
            assert "mcp-12" in context["text"]

            sent = structured(
                await client.call_tool(
                    "send_message", {"to": "helper", "text": "please review", "sender": "worker"}
                )
            )
            assert sent["delivered"][0]["to"] == "helper"
            inbox = structured(await client.call_tool("read_messages", {"session": "helper"}))
            assert [m["text"] for m in inbox["messages"]] == ["please review"]

            missing = await client.call_tool("capture_screen", {"session": "ghost"})
            assert missing.is_error
            assert "not_found" in missing.content[0].text
        await app.shutdown()
