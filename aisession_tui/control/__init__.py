"""Drive the running app from scripts and agents: control socket, clients, CLI, MCP, message bus."""

from .bus import BusMessage, MessageBus
from .client import AsyncControlClient, ControlClient
from .paths import socket_path
from .protocol import PROTOCOL_VERSION, AppNotRunning, ControlError
from .server import Backend, ControlServer

__all__ = [
    "PROTOCOL_VERSION",
    "AppNotRunning",
    "AsyncControlClient",
    "Backend",
    "BusMessage",
    "ControlClient",
    "ControlError",
    "ControlServer",
    "MessageBus",
    "socket_path",
]
