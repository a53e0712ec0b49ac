"""A session's AI context: commands and outputs as messages, with token accounting and
lossless compression.

When the live context passes ``compression_threshold * max_tokens``, all but the most recent
messages move into a zstd archive (expanded back byte for byte) and are replaced by one summary
message that keeps what a model needs: the commands with their exit codes, errors with
locations, and test and build results.

Everything kept is bounded, so a session that runs for days holds no more than at its first
hour: the archive keeps its newest `MAX_ARCHIVE_BYTES` (older frames are dropped and counted),
the summary its newest entries per section, the log of compressions its newest events.
"""

from __future__ import annotations

import io
import json
import threading
from collections import deque
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


#: Compressed bytes of archived messages kept per session; the oldest frames go first.
MAX_ARCHIVE_BYTES = 4 * 1024 * 1024
#: Compression events remembered (the count of all of them is kept apart).
MAX_COMPRESSION_EVENTS = 64


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
    #: Archived messages dropped to keep the archive within `MAX_ARCHIVE_BYTES`.
    dropped_messages: int = 0

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


@dataclass(frozen=True, slots=True)
class _Frame:
    data: bytes
    messages: int
    raw_bytes: int


class CompressedArchive:
    """Messages compressed with zstd, one frame per compression; expands back losslessly.

    At most `max_bytes` of frames are kept: past that the oldest are dropped (and counted in
    `dropped_messages`), so the archive of a session that never stops stays bounded.
    """

    def __init__(self, level: int = 10, *, max_bytes: int = MAX_ARCHIVE_BYTES) -> None:
        self._compressor = zstandard.ZstdCompressor(level=level)
        self.max_bytes = max_bytes
        self._frames: deque[_Frame] = deque()
        self.message_count = 0
        self.raw_bytes = 0
        self.compressed_bytes = 0
        self.dropped_messages = 0

    def add(self, messages: list[Message]) -> int:
        """Archive messages; returns the compressed size of the new frame."""
        raw = "".join(json.dumps(m.to_json(), ensure_ascii=False) + "\n" for m in messages).encode()
        self._append(_Frame(self._compressor.compress(raw), len(messages), len(raw)))
        return len(self._frames[-1].data)

    def _append(self, frame: _Frame) -> None:
        self._frames.append(frame)
        self.message_count += frame.messages
        self.raw_bytes += frame.raw_bytes
        self.compressed_bytes += len(frame.data)
        while self.compressed_bytes > self.max_bytes and len(self._frames) > 1:
            oldest = self._frames.popleft()
            self.message_count -= oldest.messages
            self.raw_bytes -= oldest.raw_bytes
            self.compressed_bytes -= len(oldest.data)
            self.dropped_messages += oldest.messages

    def expand(self) -> list[Message]:
        """Every archived message, oldest first."""
        return _decode(self.to_bytes())

    def to_bytes(self) -> bytes:
        """The archive as concatenated zstd frames (a valid .zst stream of JSON lines)."""
        return b"".join(frame.data for frame in self._frames)

    @classmethod
    def from_bytes(cls, data: bytes) -> CompressedArchive:
        """Load an archive saved by `to_bytes`; raises ValueError when it is not one."""
        archive = cls(max_bytes=max(MAX_ARCHIVE_BYTES, len(data)))
        messages = _decode(data)
        if data:
            raw = sum(
                len(json.dumps(m.to_json(), ensure_ascii=False).encode()) + 1 for m in messages
            )
            archive._append(_Frame(data, len(messages), raw))
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
    #: Entries of each section no longer kept (only the newest ones are shown).
    earlier: dict[str, int] = field(
        default_factory=lambda: {"commands": 0, "errors": 0, "results": 0}
    )

    MAX_COMMANDS = 20
    MAX_ERRORS = 8
    MAX_RESULTS = 8

    def absorb(self, message: Message) -> None:
        self.messages += 1
        self.tokens += message.token_count
        if message.role is Role.USER:
            status = "" if message.exit_code is None else f"  -> exit {message.exit_code}"
            self.commands.append(f"$ {_one_line(message.content)}{status}")
            self._trim("commands", self.commands, self.MAX_COMMANDS)
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
        self._trim("errors", self.errors, self.MAX_ERRORS)
        self._trim("results", self.results, self.MAX_RESULTS)

    def _trim(self, section: str, items: list[str], limit: int) -> None:
        """Keep the newest `limit` entries, counting the rest (the summary says how many)."""
        if len(items) > limit:
            self.earlier[section] += len(items) - limit
            del items[: len(items) - limit]

    def render(self) -> str:
        earlier = self.earlier
        lines = [f"[Summary of {self.messages} archived messages, {self.tokens} tokens]"]
        lines += _section("Commands", self.commands, earlier["commands"])
        lines += _section("Errors", self.errors, earlier["errors"])
        lines += _section("Results", self.results, earlier["results"])
        if self.other:
            lines.append(f"({self.other} other outputs without errors or results)")
        return "\n".join(lines)


def _section(title: str, items: list[str], earlier: int) -> list[str]:
    if not items:
        return []
    more = [f"  ... and {earlier} earlier"] if earlier else []
    return [f"{title}:", *more, *(f"  {item}" for item in items)]


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
        #: The newest compressions (`stats.compressions` counts them all).
        self.compression_events: deque[CompressionEvent] = deque(maxlen=MAX_COMPRESSION_EVENTS)
        self._compressions = 0
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
        self._compressions += 1
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
        """Every message kept, in order: the archive expanded, then the live ones (the archive
        drops its oldest frames past `MAX_ARCHIVE_BYTES`; `stats.dropped_messages` counts them)."""
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
            compressions=self._compressions,
            last_compressed_at=(
                self.compression_events[-1].timestamp if self.compression_events else None
            ),
            dropped_messages=self.archive.dropped_messages,
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
