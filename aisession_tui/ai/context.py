"""A session's AI context: commands and outputs as messages, with token accounting and
lossless compression.

When the live context passes ``compression_threshold * max_tokens``, all but the most recent
messages move into a zstd archive (every message can always be expanded back, byte for byte)
and are replaced by one summary message that keeps what a model needs: the commands with their
exit codes, errors with locations, and test and build results.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum

import zstandard

from aisession_tui.core.config import ContextConfig
from aisession_tui.core.types import CommandRecord, utc_now

from .parsing import EventKind, parse_output
from .tokens import TokenCounter, default_counter

__all__ = [
    "CompressedArchive",
    "CompressionEvent",
    "CompressionStats",
    "Message",
    "Role",
    "SessionContext",
]


class Role(StrEnum):
    SYSTEM = "system"  # summaries of archived messages
    USER = "user"  # a command or line sent to the session
    ASSISTANT = "assistant"  # what an agent said (for callers that have it)
    TOOL = "tool"  # the output a command printed


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str
    timestamp: datetime
    token_count: int
    exit_code: int | None = None  # for command messages, when known

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["timestamp"] = self.timestamp.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Message:
        return cls(
            role=Role(str(data["role"])),
            content=str(data["content"]),
            timestamp=datetime.fromisoformat(str(data["timestamp"])),
            token_count=int(data["token_count"]),  # type: ignore[call-overload]
            exit_code=None if data.get("exit_code") is None else int(data["exit_code"]),  # type: ignore[call-overload]
        )


@dataclass(frozen=True, slots=True)
class CompressionStats:
    """What the Tokens panel shows."""

    messages_added: int
    active_messages: int
    compressed_messages: int
    active_tokens: int
    max_tokens: int
    tokens_saved: int
    compressed_bytes: int
    raw_bytes: int
    compressions: int
    last_compressed_at: datetime | None

    @property
    def compression_ratio(self) -> float:
        """Raw archived bytes per compressed byte (1.0 when nothing is archived)."""
        return self.raw_bytes / self.compressed_bytes if self.compressed_bytes else 1.0

    @property
    def usage(self) -> float:
        """Fraction of `max_tokens` the live context uses."""
        return self.active_tokens / self.max_tokens


@dataclass(frozen=True, slots=True)
class CompressionEvent:
    """One compression: when, how many messages moved, tokens before and after."""

    timestamp: datetime
    messages: int
    tokens_before: int
    tokens_after: int
    compressed_bytes: int


class CompressedArchive:
    """Messages compressed with zstd, one frame per compression; expands back losslessly."""

    def __init__(self, level: int = 10) -> None:
        self._compressor = zstandard.ZstdCompressor(level=level)
        self._frames: list[bytes] = []
        self.message_count = 0
        self.raw_bytes = 0

    def add(self, messages: list[Message]) -> int:
        """Archive messages; returns the compressed size of the new frame."""
        raw = "".join(json.dumps(m.to_json(), ensure_ascii=False) + "\n" for m in messages).encode()
        frame = self._compressor.compress(raw)
        self._frames.append(frame)
        self.message_count += len(messages)
        self.raw_bytes += len(raw)
        return len(frame)

    @property
    def compressed_bytes(self) -> int:
        return sum(len(f) for f in self._frames)

    def expand(self) -> list[Message]:
        """Every archived message, oldest first."""
        return _decode(self.to_bytes())

    def to_bytes(self) -> bytes:
        """The archive as concatenated zstd frames (a valid .zst stream of JSON lines)."""
        return b"".join(self._frames)

    @classmethod
    def from_bytes(cls, data: bytes) -> CompressedArchive:
        """Load an archive saved by `to_bytes`; raises ValueError when it is not one."""
        archive = cls()
        messages = _decode(data)
        archive._frames = [data] if data else []
        archive.message_count = len(messages)
        archive.raw_bytes = sum(
            len(json.dumps(m.to_json(), ensure_ascii=False).encode()) + 1 for m in messages
        )
        return archive


def _decode(data: bytes) -> list[Message]:
    if not data:
        return []
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(
            io.BytesIO(data), read_across_frames=True
        )
        text = reader.read().decode()
        return [Message.from_json(json.loads(line)) for line in text.splitlines() if line]
    except (zstandard.ZstdError, ValueError, KeyError) as error:
        raise ValueError(f"not a context archive: {error}") from error


@dataclass(slots=True)
class _Summary:
    """What survives of archived messages in the live context."""

    messages: int = 0
    tokens: int = 0
    commands: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    results: list[str] = field(default_factory=list)
    other: int = 0

    MAX_COMMANDS = 20
    MAX_ERRORS = 8
    MAX_RESULTS = 8

    def absorb(self, message: Message) -> None:
        self.messages += 1
        self.tokens += message.token_count
        if message.role is Role.USER:
            status = "" if message.exit_code is None else f"  -> exit {message.exit_code}"
            self.commands.append(f"$ {_one_line(message.content)}{status}")
            return
        if message.role is Role.SYSTEM:
            return
        found = False
        for event in parse_output(message.content):
            if event.kind is EventKind.ERROR:
                _append_unique(self.errors, event.summary())
                found = True
            elif event.kind in (EventKind.TEST_SUMMARY, EventKind.BUILD_RESULT, EventKind.GIT):
                _append_unique(self.results, event.summary())
                found = True
        if not found:
            self.other += 1

    def render(self) -> str:
        lines = [f"[Summary of {self.messages} archived messages, {self.tokens} tokens]"]
        lines += _section("Commands", self.commands, self.MAX_COMMANDS)
        lines += _section("Errors", self.errors, self.MAX_ERRORS)
        lines += _section("Results", self.results, self.MAX_RESULTS)
        if self.other:
            lines.append(f"({self.other} other outputs without errors or results)")
        return "\n".join(lines)


def _section(title: str, items: list[str], limit: int) -> list[str]:
    if not items:
        return []
    shown = items[-limit:]
    more = [f"  ... and {len(items) - limit} earlier"] if len(items) > limit else []
    return [f"{title}:", *more, *(f"  {item}" for item in shown)]


def _append_unique(items: list[str], item: str) -> None:
    if item in items:
        items.remove(item)
    items.append(item)


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class SessionContext:
    """The context of one session, kept within a token budget by lossless compression."""

    def __init__(
        self,
        config: ContextConfig | None = None,
        *,
        counter: TokenCounter | None = None,
        compress: bool = True,
        keep_recent: int = 6,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.config = config or ContextConfig()
        self.counter = counter or default_counter()
        self.compress = compress
        self.keep_recent = max(1, keep_recent)
        self._clock = clock
        self._active: list[Message] = []  # originals only; the summary is kept apart
        self._summary: _Summary | None = None
        self._summary_message: Message | None = None
        self.archive = CompressedArchive()
        self.compression_events: list[CompressionEvent] = []
        self._added = 0
        self._listeners: list[Callable[[CompressionEvent], None]] = []
        # The monitor updates a context on a worker thread while the UI reads it.
        self._lock = threading.RLock()
        self._stats = self._compute_stats()

    # --- adding -----------------------------------------------------------------------------

    def add_message(
        self,
        role: Role | str,
        content: str,
        *,
        timestamp: datetime | None = None,
        exit_code: int | None = None,
        token_count: int | None = None,
    ) -> Message:
        """Append a message (tokens counted unless given) and compress when over threshold.

        Thread-safe: the monitor calls this on a worker thread while the UI reads `stats`.
        """
        message = Message(
            role=Role(role),
            content=content,
            timestamp=timestamp or self._clock(),
            token_count=self.counter.count(content) if token_count is None else token_count,
            exit_code=exit_code,
        )
        with self._lock:
            self._active.append(message)
            self._added += 1
            if self.compress and self.active_tokens > self.threshold_tokens:
                self.compress_now()
            self._stats = self._compute_stats()
        return message

    def add_command(self, record: CommandRecord) -> None:
        """A finished command as two messages: the command line and its output."""
        self.add_message(
            Role.USER, record.command, timestamp=record.timestamp, exit_code=record.exit_code
        )
        output = record.output or record.output_preview
        if output:
            self.add_message(Role.TOOL, output, timestamp=record.timestamp)

    # --- compression --------------------------------------------------------------------------

    @property
    def threshold_tokens(self) -> int:
        return int(self.config.max_tokens * self.config.compression_threshold)

    def compress_now(self) -> CompressionEvent | None:
        """Archive all but the most recent messages (more if still over budget) now."""
        with self._lock:
            event = self._compress()
            self._stats = self._compute_stats()
        if event is not None:
            for listener in list(self._listeners):
                listener(event)
        return event

    def _compress(self) -> CompressionEvent | None:
        if len(self._active) <= 1:
            return None
        before = self.active_tokens
        keep = min(self.keep_recent, len(self._active) - 1)
        cut = len(self._active) - keep
        # If the recent messages alone are over the threshold, archive further (keep >= 1).
        while cut < len(self._active) - 1 and self._tokens_of(self._active[cut:]) > (
            self.threshold_tokens
        ):
            cut += 1
        moved, self._active = self._active[:cut], self._active[cut:]
        size = self.archive.add(moved)
        summary = self._summary or _Summary()
        for message in moved:
            summary.absorb(message)
        self._summary = summary
        text = summary.render()
        self._summary_message = Message(
            Role.SYSTEM, text, moved[-1].timestamp, self.counter.count(text)
        )
        event = CompressionEvent(self._clock(), len(moved), before, self.active_tokens, size)
        self.compression_events.append(event)
        return event

    def on_compressed(self, listener: Callable[[CompressionEvent], None]) -> Callable[[], None]:
        """Call `listener` after each compression; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # --- reading ----------------------------------------------------------------------------

    @property
    def messages(self) -> list[Message]:
        """The live context: the summary of archived messages (if any), then recent messages."""
        with self._lock:
            head = [self._summary_message] if self._summary_message else []
            return head + list(self._active)

    @property
    def active_tokens(self) -> int:
        summary = self._summary_message.token_count if self._summary_message else 0
        return summary + self._tokens_of(self._active)

    @staticmethod
    def _tokens_of(messages: list[Message]) -> int:
        return sum(m.token_count for m in messages)

    def all_messages(self) -> list[Message]:
        """Every message ever added, in order: the archive expanded, then the live ones."""
        with self._lock:
            return self.archive.expand() + list(self._active)

    @property
    def stats(self) -> CompressionStats:
        """A snapshot taken after the last change: reading it never waits for the worker."""
        return self._stats

    def _compute_stats(self) -> CompressionStats:
        archived_tokens = self._summary.tokens if self._summary else 0
        summary_tokens = self._summary_message.token_count if self._summary_message else 0
        return CompressionStats(
            messages_added=self._added,
            active_messages=len(self._active),
            compressed_messages=self.archive.message_count,
            active_tokens=self.active_tokens,
            max_tokens=self.config.max_tokens,
            tokens_saved=max(0, archived_tokens - summary_tokens),
            compressed_bytes=self.archive.compressed_bytes,
            raw_bytes=self.archive.raw_bytes,
            compressions=len(self.compression_events),
            last_compressed_at=(
                self.compression_events[-1].timestamp if self.compression_events else None
            ),
        )

    def context_for_model(
        self, budget_tokens: int | None = None, *, as_text: bool = False
    ) -> list[Message] | str:
        """The context to hand to a model, within `budget_tokens` (default: ``max_tokens``).

        The newest messages win; the summary comes first when it fits; a newest message that
        alone is over budget is cut to its last lines (outputs end with what matters).
        """
        budget = self.config.max_tokens if budget_tokens is None else budget_tokens
        if budget <= 0:
            raise ValueError(f"budget_tokens must be positive, got {budget}")
        with self._lock:
            active = list(self._active)
            summary = self._summary_message
        chosen: list[Message] = []
        used = 0
        for message in reversed(active):
            if used + message.token_count <= budget:
                chosen.append(message)
                used += message.token_count
                continue
            if not chosen:
                cut = self._tail_within(message, budget)
                if cut is not None:
                    chosen.append(cut)
                    used += cut.token_count
            break
        chosen.reverse()
        if summary and used + summary.token_count <= budget:
            chosen.insert(0, summary)
        if as_text:
            return "\n\n".join(_as_text(m) for m in chosen)
        return chosen

    def _tail_within(self, message: Message, budget: int) -> Message | None:
        lines = message.content.splitlines(keepends=True)
        marker = "[... earlier output cut to fit the budget]\n"
        kept: list[str] = []
        used = self.counter.count(marker)
        for line in reversed(lines):
            cost = self.counter.count(line)
            if used + cost > budget:
                break
            kept.append(line)
            used += cost
        kept.reverse()
        content = marker + "".join(kept)
        while kept and self.counter.count(content) > budget:  # per-line sums can undercount
            kept.pop(0)
            content = marker + "".join(kept)
        if not kept:
            return None
        return Message(
            message.role,
            content,
            message.timestamp,
            self.counter.count(content),
            message.exit_code,
        )


def _as_text(message: Message) -> str:
    if message.role is Role.USER:
        status = "" if message.exit_code is None else f"  [exit {message.exit_code}]"
        return f"$ {message.content}{status}"
    if message.role is Role.SYSTEM:
        return message.content
    return f"[{message.role.value}]\n{message.content}"
