"""`aisession-tui mcp`: the running app's live sessions as MCP tools over stdio.

Built on the official MCP Python SDK (`mcp.server.mcpserver.MCPServer`). Every tool is one
request on the app's control socket (an operation of `ops`, whose help it shows), so a lead
agent hands work to sessions the person watches.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from .. import __version__
from . import ops
from .client import call
from .paths import socket_path
from .protocol import ControlError

INSTRUCTIONS = (
    "Drive the terminal sessions of a running aisession-tui app, which a person watches live. "
    "Sessions are named by name or id prefix. execute_command runs a command in a session's shell "
    "and returns its output and exit code; send_input types text into any program (an AI agent, "
    "an editor); capture_screen shows what the session's screen shows now."
)


def build_server(path: Path | None = None) -> MCPServer:
    """The MCP server, acting on the app listening at `path` (default: the default socket)."""
    target = path or socket_path()
    server = MCPServer("aisession-tui", instructions=INSTRUCTIONS, version=__version__)

    async def request(
        op: ops.Op[Any, Any],
        params: dict[str, Any],
        timeout: float = 30.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        try:
            op.parse(params)  # the app's own check, before anything is sent
            return await call(op.name, params, path=target, timeout=timeout)
        except ControlError as error:
            raise ToolError(f"{error.code}: {error.message}") from None

    @server.tool(description=ops.LIST_SESSIONS.help)
    async def list_sessions() -> dict[str, Any]:
        return await request(ops.LIST_SESSIONS, {})

    @server.tool(description=ops.CREATE_SESSION.help)
    async def create_session(
        name: str,
        command: str | None = None,
        working_directory: str | None = None,
        role: str | None = None,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"name": name}
        if command:
            params["shell_command"] = command
        if working_directory:
            params["working_directory"] = working_directory
        if role:
            params["agent_role"] = role
        return await request(ops.CREATE_SESSION, params)

    @server.tool(description=ops.SEND_INPUT.help)
    async def send_input(session: str, text: str, enter: bool = True) -> dict[str, Any]:
        return await request(ops.SEND_INPUT, {"session": session, "text": text, "enter": enter})

    @server.tool(description=ops.EXECUTE_COMMAND.help)
    async def execute_command(session: str, command: str, timeout: float = 60.0) -> dict[str, Any]:  # noqa: ASYNC109
        params = {"session": session, "command": command, "timeout": timeout}
        return await request(ops.EXECUTE_COMMAND, params, timeout=timeout + 30)

    @server.tool(description=ops.CAPTURE.help)
    async def capture_screen(session: str, lines: int | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"session": session}
        if lines is not None:
            params["lines"] = lines
        return await request(ops.CAPTURE, params)

    @server.tool(description=ops.HISTORY.help)
    async def get_history(session: str, limit: int = 20) -> dict[str, Any]:
        return await request(ops.HISTORY, {"session": session, "limit": limit})

    @server.tool(description=ops.CONTEXT.help)
    async def get_context(session: str, budget: int | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"session": session}
        if budget is not None:
            params["budget"] = budget
        return await request(ops.CONTEXT, params)

    @server.tool(description=ops.SEND_MESSAGE.help)
    async def send_message(to: str, text: str, sender: str = "mcp") -> dict[str, Any]:
        return await request(ops.SEND_MESSAGE, {"to": to, "text": text, "sender": sender})

    @server.tool(description=ops.MESSAGES.help)
    async def read_messages(session: str) -> dict[str, Any]:
        return await request(ops.MESSAGES, {"session": session})

    return server


def run_mcp(path: Path | None = None) -> None:
    """Serve MCP on stdin/stdout until the client goes away."""
    build_server(path).run("stdio")
