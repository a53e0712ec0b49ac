"""`aisession-tui mcp`: the running app's live sessions as MCP tools over stdio.

Built on the official MCP Python SDK (`mcp.server.mcpserver.MCPServer`). Every tool is one
request on the app's control socket, so a lead agent hands work to sessions the person watches.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from .. import __version__
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

    async def request(op: str, params: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:  # noqa: ASYNC109
        try:
            return await call(op, params, path=target, timeout=timeout)
        except ControlError as error:
            raise ToolError(f"{error.code}: {error.message}") from None

    @server.tool()
    async def list_sessions() -> dict[str, Any]:
        """List the app's live sessions: name, id, status, agent state, attention, command."""
        return await request("list_sessions", {})

    @server.tool()
    async def create_session(
        name: str,
        command: str | None = None,
        working_directory: str | None = None,
        role: str | None = None,
    ) -> dict[str, Any]:
        """Open a new session (a pane in the app) running `command`, or a shell without one."""
        params: dict[str, Any] = {"name": name}
        if command:
            params["shell_command"] = command
        if working_directory:
            params["working_directory"] = working_directory
        if role:
            params["agent_role"] = role
        return await request("create_session", params)

    @server.tool()
    async def send_input(session: str, text: str, enter: bool = True) -> dict[str, Any]:
        """Type `text` into a session (then Enter unless enter=false)."""
        return await request("send_input", {"session": session, "text": text, "enter": enter})

    @server.tool()
    async def execute_command(session: str, command: str, timeout: float = 60.0) -> dict[str, Any]:  # noqa: ASYNC109
        """Run a shell command in a session and wait for it: output, exit code, duration."""
        params = {"session": session, "command": command, "timeout": timeout}
        return await request("execute_command", params, timeout=timeout + 30)

    @server.tool()
    async def capture_screen(session: str, lines: int | None = None) -> dict[str, Any]:
        """The session's screen as text, or its last `lines` lines of scrollback."""
        params: dict[str, Any] = {"session": session}
        if lines is not None:
            params["lines"] = lines
        return await request("capture", params)

    @server.tool()
    async def get_history(session: str, limit: int = 20) -> dict[str, Any]:
        """The session's recent commands with exit codes, durations and outputs."""
        return await request("history", {"session": session, "limit": limit})

    @server.tool()
    async def get_context(session: str, budget: int | None = None) -> dict[str, Any]:
        """The session's AI context (commands, outputs, summary) within `budget` tokens."""
        params: dict[str, Any] = {"session": session}
        if budget is not None:
            params["budget"] = budget
        return await request("context", params)

    @server.tool()
    async def send_message(to: str, text: str, sender: str = "mcp") -> dict[str, Any]:
        """Leave a message in a session's inbox (`to` = "*" for every session); the person
        sees it and may forward it into the session."""
        return await request("send_message", {"to": to, "text": text, "sender": sender})

    @server.tool()
    async def read_messages(session: str) -> dict[str, Any]:
        """The messages waiting in a session's inbox, and how many older ones were dropped."""
        return await request("messages", {"session": session})

    return server


def run_mcp(path: Path | None = None) -> None:
    """Serve MCP on stdin/stdout until the client goes away."""
    build_server(path).run("stdio")
