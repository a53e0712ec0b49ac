"""Every control operation, defined once: its name, its parameters and result (pydantic models)
and its help. The socket server's backend, the CLI subcommands and the MCP server all use
these, so an operation cannot be named, validated or described differently in each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..core.config import SessionConfig, check_name
from .protocol import INVALID, ControlError, describe

#: The longest `execute_command` may wait.
MAX_EXEC_TIMEOUT = 24 * 3600.0


class Params(BaseModel):
    """Parameters of an operation; unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Result(BaseModel):
    """What an operation answers."""

    model_config = ConfigDict(populate_by_name=True)


class SessionParams(Params):
    session: str = Field(min_length=1, description="a session's name, id or id prefix")


class SendInput(SessionParams):
    text: str
    enter: bool = False


class ExecuteCommand(SessionParams):
    command: str = Field(min_length=1)
    timeout: float = Field(default=30.0, gt=0, le=MAX_EXEC_TIMEOUT)


class Capture(SessionParams):
    lines: int | None = Field(default=None, gt=0, le=1_000_000)


class History(SessionParams):
    limit: int = Field(default=50, gt=0, le=100_000)


class Context(SessionParams):
    budget: int | None = Field(default=None, gt=0)


class Rename(SessionParams):
    name: str = Field(min_length=1, max_length=200)


class Subscribe(Params):
    session: str | None = None


class SendMessage(Params):
    to: str = Field(min_length=1, description="a session, or * for every session")
    text: str = Field(min_length=1)
    sender: str = Field(default="control", min_length=1, max_length=200)

    @field_validator("sender")
    @classmethod
    def _printable(cls, value: str) -> str:
        return check_name(value)


class MessageRef(SessionParams):
    id: int


class Hook(Params):
    """What `aisession-tui hook` forwards: the session's id (AISESSION_ID), the agent, the event
    and its payload (a JSON object, as the agent gave it)."""

    session: str = Field(min_length=1, max_length=64)
    agent: str = Field(default="", max_length=32)
    event: str = Field(min_length=1, max_length=64)
    payload: dict[str, Any] | list[Any] | str | int | float | bool | None = None


class Pong(Result):
    app: str
    version: str
    pid: int


class SessionJson(Result):
    id: str
    name: str
    status: str
    created_at: str
    last_activity: str
    working_directory: str
    ai_features_enabled: bool
    context_token_count: int
    command_count: int
    role: str | None
    command: str
    pid: int | None
    exit_code: int | None
    attention: list[str]
    agent_state: str | None
    agent_reason: str | None
    agent: str | None
    conversation_id: str | None
    unread_messages: int


class SessionList(Result):
    sessions: list[SessionJson]


class OneSession(Result):
    session: SessionJson


class Sent(Result):
    sent_bytes: int


class Executed(Result):
    output: str
    exit_code: int | None
    duration_ms: int | None


class Captured(Result):
    text: str
    lines: int


class CommandJson(Result):
    command: str
    exit_code: int | None
    started_at: str
    duration_ms: int | None
    cwd: str | None
    output: str


class CommandList(Result):
    commands: list[CommandJson]


class ContextText(Result):
    text: str
    budget: int


class Renamed(Result):
    old_name: str
    name: str


class Killed(Result):
    killed: str
    exit_code: int | None


class MessageJson(Result):
    id: int
    sender: str = Field(alias="from")
    to: str
    text: str
    sent_at: str
    broadcast: bool


class Delivered(Result):
    delivered: list[MessageJson]


class Inbox(Result):
    messages: list[MessageJson]
    dropped: int


class Discarded(Result):
    discarded: int


class Forwarded(Result):
    forwarded: int


class HookHeard(Result):
    accepted: bool


P = TypeVar("P", bound=BaseModel)
R = TypeVar("R", bound=Result)


@dataclass(frozen=True, slots=True)
class Op(Generic[P, R]):
    """One operation of the control protocol."""

    name: str
    params: type[P]
    result: type[R]
    help: str

    def parse(self, params: dict[str, Any]) -> P:
        """The request's parameters, validated; `ControlError(INVALID)` naming the field."""
        try:
            return self.params.model_validate(params)
        except ValidationError as error:
            raise ControlError(INVALID, describe(error)) from None

    def reply(self, result: R) -> dict[str, Any]:
        """The result as the JSON object the protocol carries."""
        return result.model_dump(mode="json", by_alias=True)


class NoParams(Params):
    pass


PING = Op("ping", NoParams, Pong, "Is an app listening? Its version and pid.")
LIST_SESSIONS = Op(
    "list_sessions",
    NoParams,
    SessionList,
    "List the app's live sessions: name, id, status, agent state, attention, command.",
)
CREATE_SESSION = Op(
    "create_session",
    SessionConfig,
    OneSession,
    "Open a new session (a pane in the app) running a command, or a shell without one.",
)
SEND_INPUT = Op(
    "send_input", SendInput, Sent, "Type text into a session (then Enter when enter is true)."
)
EXECUTE_COMMAND = Op(
    "execute_command",
    ExecuteCommand,
    Executed,
    "Run a shell command in a session and wait for it: output, exit code, duration.",
)
CAPTURE = Op(
    "capture",
    Capture,
    Captured,
    "The session's screen as text, or its last `lines` lines of scrollback.",
)
HISTORY = Op(
    "history",
    History,
    CommandList,
    "The session's recent commands with exit codes, durations and outputs.",
)
CONTEXT = Op(
    "context",
    Context,
    ContextText,
    "The session's AI context (commands, outputs, summary) within `budget` tokens.",
)
RENAME = Op("rename", Rename, Renamed, "Give a session a new name (saved with the session).")
KILL = Op("kill", SessionParams, Killed, "Stop a live session and close its pane.")
SEND_MESSAGE = Op(
    "send_message",
    SendMessage,
    Delivered,
    "Leave a message in a session's inbox (`to` = * for every session); the person sees it "
    "and may forward it into the session.",
)
MESSAGES = Op(
    "messages",
    SessionParams,
    Inbox,
    "The messages waiting in a session's inbox, and how many older ones were dropped.",
)
DISCARD_MESSAGE = Op("discard_message", MessageRef, Discarded, "Drop a waiting message.")
FORWARD_MESSAGE = Op(
    "forward_message",
    MessageRef,
    Forwarded,
    "Type a waiting message into its session, as if the person had pasted it.",
)
HOOK = Op(
    "hook",
    Hook,
    HookHeard,
    "An agent's hook event for the session it runs in (sent by `aisession-tui hook`).",
)
#: Not a request/reply operation: the connection then streams events until closed.
SUBSCRIBE = Op(
    "subscribe",
    Subscribe,
    Result,
    "Stream output, state changes and finished commands (of one session, or all).",
)

#: Every request/reply operation by name (`subscribe` is served by the server itself).
OPS: dict[str, Op[Any, Any]] = {
    op.name: op
    for op in (
        PING,
        LIST_SESSIONS,
        CREATE_SESSION,
        SEND_INPUT,
        EXECUTE_COMMAND,
        CAPTURE,
        HISTORY,
        CONTEXT,
        RENAME,
        KILL,
        SEND_MESSAGE,
        MESSAGES,
        DISCARD_MESSAGE,
        FORWARD_MESSAGE,
        HOOK,
    )
}

__all__ = [
    "CAPTURE",
    "CONTEXT",
    "CREATE_SESSION",
    "DISCARD_MESSAGE",
    "EXECUTE_COMMAND",
    "FORWARD_MESSAGE",
    "HISTORY",
    "HOOK",
    "KILL",
    "LIST_SESSIONS",
    "MESSAGES",
    "OPS",
    "PING",
    "RENAME",
    "SEND_INPUT",
    "SEND_MESSAGE",
    "SUBSCRIBE",
    "Op",
    "Params",
    "Result",
]
