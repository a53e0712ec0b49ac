"""`aisession-tui hook [--socket PATH] [--agent NAME] EVENT [PAYLOAD]`: what agents run.

It forwards the event and its payload (stdin JSON for Claude Code and Gemini, the last argument
for Codex's notify) to the app whose session it runs in (`AISESSION_ID`), and always exits 0,
silently and within about a second, whether or not an app listens: an agent must never be slowed
down or broken by it. Standard library only, imported lazily by the console script, so it starts
in a few milliseconds (no pydantic, Textual or tokenizer on this path).
"""

from __future__ import annotations

import json
import os
import select
import socket
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

SESSION_ENV = "AISESSION_ID"
SOCKET_ENV = "AISESSION_CONTROL_SOCKET"
#: Everything (reading the payload, connecting, the app's reply) within this many seconds.
BUDGET_SECONDS = 1.0
MAX_PAYLOAD_BYTES = 1024 * 1024


def parse_args(argv: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """`--socket`/`--agent` options and the positional words (EVENT, PAYLOAD)."""
    options: dict[str, str] = {}
    words: list[str] = []
    items = list(argv)
    while items:
        item = items.pop(0)
        if item in ("--socket", "--agent") and items:
            options[item[2:]] = items.pop(0)
        else:
            words.append(item)
    return options, words


def read_stdin(deadline: float) -> str:
    """Stdin's JSON if it is a pipe or file, read until EOF or the deadline (never a terminal)."""
    try:
        fd = sys.stdin.fileno()
        if os.isatty(fd):
            return ""
    except (OSError, ValueError, AttributeError):
        return ""
    chunks: list[bytes] = []
    size = 0
    while size < MAX_PAYLOAD_BYTES:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                break
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks).decode(errors="replace")


def decode_payload(text: str) -> Any:
    text = text.strip()
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return {"text": text[:4096]}


def default_socket() -> str:
    explicit = os.environ.get(SOCKET_ENV, "").strip()
    if explicit:
        return explicit
    runtime = os.environ.get("XDG_RUNTIME_DIR", "").strip()
    return os.path.join(runtime, "aisession-tui", "default.sock") if runtime else ""


def send(path: str, request: dict[str, Any], deadline: float) -> bool:
    """Send one request line and wait (until the deadline) for the reply; False on any trouble."""
    line = json.dumps(request, separators=(",", ":")).encode() + b"\n"
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            sock.connect(path)
            sock.sendall(line)
            reply = b""
            while not reply.endswith(b"\n"):
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = sock.recv(65536)
                if not chunk:
                    break
                reply += chunk
    except (OSError, ValueError):
        return False
    return reply.startswith(b"{") and b'"ok":true' in reply


def main(argv: Sequence[str] | None = None) -> int:
    """Forward one hook event; the exit status is 0 whatever happens."""
    started = time.monotonic()
    deadline = started + BUDGET_SECONDS
    try:
        options, words = parse_args(sys.argv[1:] if argv is None else argv)
        session = os.environ.get(SESSION_ENV, "").strip()
        if not words or not session:
            return 0
        event = words[0]
        raw = words[-1] if len(words) > 1 else read_stdin(started + BUDGET_SECONDS / 2)
        path = options.get("socket") or default_socket()
        if not path:
            return 0
        params = {
            "session": session,
            "agent": options.get("agent", ""),
            "event": event,
            "payload": decode_payload(raw),
        }
        send(path, {"v": 1, "id": 1, "op": "hook", "params": params}, deadline)
    except Exception:  # a hook must never fail its agent
        pass
    return 0
