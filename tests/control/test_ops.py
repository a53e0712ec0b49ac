"""One table of control operations: the backend, the CLI and the MCP server all follow it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aisession_tui.control import ops
from aisession_tui.control.backend import ControlBackend
from aisession_tui.control.mcp_server import build_server
from aisession_tui.control.protocol import INVALID, ControlError
from aisession_tui.supervisor import Supervisor

from .helpers import ROOT

#: MCP tool -> the operation it sends.
MCP_TOOLS = {
    "list_sessions": ops.LIST_SESSIONS,
    "create_session": ops.CREATE_SESSION,
    "send_input": ops.SEND_INPUT,
    "execute_command": ops.EXECUTE_COMMAND,
    "capture_screen": ops.CAPTURE,
    "get_history": ops.HISTORY,
    "get_context": ops.CONTEXT,
    "send_message": ops.SEND_MESSAGE,
    "read_messages": ops.MESSAGES,
}


def test_the_backend_serves_exactly_the_operations_of_the_table() -> None:
    backend = ControlBackend(Supervisor())
    try:
        assert set(backend._ops) == set(ops.OPS)
    finally:
        backend.close()


async def test_an_unknown_operation_lists_the_table() -> None:
    backend = ControlBackend(Supervisor())
    with pytest.raises(ControlError) as caught:
        await backend.call("nope", {})
    for name in [*ops.OPS, "subscribe"]:
        assert name in caught.value.message
    backend.close()


async def test_mcp_tools_describe_themselves_with_the_operations_help() -> None:
    tools = {tool.name: tool for tool in await build_server(Path("/nonexistent")).list_tools()}
    assert set(tools) == set(MCP_TOOLS)
    for name, op in MCP_TOOLS.items():
        assert tools[name].description == op.help


def test_parameters_are_checked_by_the_one_model_and_name_the_field() -> None:
    with pytest.raises(ControlError) as caught:
        ops.CAPTURE.parse({"session": "x", "lines": 0})
    assert caught.value.code == INVALID
    assert caught.value.message.startswith("lines: ")
    with pytest.raises(ControlError, match=r"^force: Extra inputs are not permitted"):
        ops.KILL.parse({"session": "x", "force": True})


def test_results_keep_the_wire_names() -> None:
    message = {
        "id": 1,
        "from": "lead",
        "to": "worker",
        "text": "hi",
        "sent_at": "2026-01-01T00:00:00+00:00",
        "broadcast": False,
    }
    reply = ops.MESSAGES.reply(ops.Inbox.model_validate({"messages": [message], "dropped": 0}))
    assert reply == {"messages": [message], "dropped": 0}


def test_the_cli_checks_parameters_before_looking_for_an_app(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_RUNTIME_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "aisession_tui", "message", "x", "hi", "--from", ""],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "aisession-tui: sender: String should have at least 1 character"
