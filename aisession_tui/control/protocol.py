"""The control socket's wire format: one JSON object per line, each carrying a version.

A request is ``{"v": 1, "id": 7, "op": "send_input", "params": {...}}``; its reply is
``{"v": 1, "id": 7, "ok": true, "result": {...}}`` or ``{"v": 1, "id": 7, "ok": false,
"error": {"code": "not_found", "message": "..."}}``. A subscription replies once, then streams
``{"v": 1, "id": 7, "event": {...}}`` lines until the client hangs up. Replies carry the request's
id, so a client may have many requests in flight on one connection.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

PROTOCOL_VERSION = 1
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
#: Longest request line accepted (bytes, newline excluded); longer ones close the connection.
MAX_REQUEST_BYTES = 1024 * 1024

# Error codes (stable strings clients may branch on).
BAD_REQUEST = "bad_request"
TOO_LARGE = "too_large"
UNSUPPORTED_VERSION = "unsupported_version"
UNKNOWN_OP = "unknown_op"
NOT_FOUND = "not_found"
AMBIGUOUS = "ambiguous"
INVALID = "invalid"
TIMEOUT = "timeout"
SESSION_ERROR = "session_error"
SHUTTING_DOWN = "shutting_down"
REFUSED = "refused"
IN_USE = "in_use"
INTERNAL = "internal"
NOT_RUNNING = "not_running"
DISCONNECTED = "disconnected"
TOO_MANY = "too_many"


class ControlError(Exception):
    """A request that failed, with a stable `code` and a message meant for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}

    def __str__(self) -> str:
        return self.message


class AppNotRunning(ControlError):
    """Nobody listens on the control socket."""

    def __init__(self, message: str) -> None:
        super().__init__(NOT_RUNNING, message)


class Request(BaseModel):
    """One request line."""

    model_config = ConfigDict(extra="forbid")

    v: int
    id: int | str | None = None
    op: str = Field(min_length=1, max_length=64)
    params: dict[str, Any] = Field(default_factory=dict)


def encode(message: dict[str, Any]) -> bytes:
    """One line of compact JSON; non-ASCII kept as UTF-8.

    A lone surrogate (JSON allows ``"\\ud800"``, UTF-8 does not) becomes U+FFFD, so echoing a
    hostile request's text back in an error never fails to encode.
    """
    text = json.dumps(message, ensure_ascii=False, separators=(",", ":"), default=str)
    try:
        return text.encode() + b"\n"
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", text).encode() + b"\n"


def ok(request_id: Any, result: dict[str, Any]) -> dict[str, Any]:
    return {"v": PROTOCOL_VERSION, "id": request_id, "ok": True, "result": result}


def failure(request_id: Any, error: ControlError) -> dict[str, Any]:
    return {"v": PROTOCOL_VERSION, "id": request_id, "ok": False, "error": error.to_json()}


def event(request_id: Any, payload: dict[str, Any]) -> dict[str, Any]:
    return {"v": PROTOCOL_VERSION, "id": request_id, "event": payload}


def _loads(line: bytes) -> Any:
    """`json.loads` with every way hostile input makes it fail turned into `ControlError`:
    bad UTF-8 or syntax, nesting deeper than the interpreter's stack (a 100k-deep array), and
    integers longer than Python converts (``ValueError``)."""
    try:
        return json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ControlError(BAD_REQUEST, f"request is not valid JSON: {error}") from None
    except RecursionError:
        raise ControlError(BAD_REQUEST, "request is nested too deeply") from None
    except ValueError as error:
        raise ControlError(BAD_REQUEST, f"request is not usable JSON: {error}") from None


def parse_request(line: bytes) -> Request:
    """A request from one line; raises `ControlError` saying what is wrong with it."""
    data = _loads(line)
    if not isinstance(data, dict):
        raise ControlError(BAD_REQUEST, "request must be a JSON object")
    version = data.get("v")
    if version != PROTOCOL_VERSION:
        raise ControlError(
            UNSUPPORTED_VERSION,
            f"protocol version {_clip(repr(version))} is not supported "
            f"(this app speaks {PROTOCOL_VERSION})",
        )
    try:
        return Request.model_validate(data)
    except ValidationError as error:
        raise ControlError(BAD_REQUEST, describe(error)) from None
    except RecursionError:
        raise ControlError(BAD_REQUEST, "request is nested too deeply") from None


def request_id_of(line: bytes) -> Any:
    """The id of a request that failed to parse, when one can be found, so the reply matches."""
    try:
        data = _loads(line)
    except ControlError:
        return None
    if isinstance(data, dict) and isinstance(data.get("id"), int | str):
        return data["id"]
    return None


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(error: ValidationError) -> str:
    """A pydantic error as one line: ``field: reason; field: reason`` (the first three)."""
    parts = []
    for problem in error.errors()[:3]:
        field = ".".join(str(part) for part in problem["loc"]) or "request"
        parts.append(f"{field}: {problem['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)
