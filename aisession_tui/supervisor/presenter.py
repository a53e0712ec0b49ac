"""What the UI says about a session, derived from the session, its emulator and its monitor."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..agents.tracker import AgentTracker
from ..ai.state import AgentState, AgentStatus
from ..core.session import AISession
from ..core.types import CommandRecord, SessionStatus, utc_now
from .live_session import Attention, LiveSession

if TYPE_CHECKING:
    from ..ai.monitor import SessionMonitor

TOKEN_BUCKET_SECONDS = 10
TOKEN_BUCKETS = 60
#: The sparkline always spans this many intervals, so one busy interval is not a full bar.
MIN_SPARKLINE_BUCKETS = 30
STATE_COLOURS = {
    AgentState.WORKING: "$success",
    AgentState.WAITING_FOR_INPUT: "$warning",
    AgentState.IDLE: "$text-muted",
    AgentState.DONE: "$success",
    AgentState.ERROR: "$error",
}
ATTENTION_MARKERS = {Attention.BELL: "🔔", Attention.EXITED: "■", Attention.WAITING: "?"}


def relative_time(moment: datetime, now: datetime | None = None) -> str:
    """'5s ago', '3m ago', '2h ago', '4d ago'."""
    seconds = max(0, int(((now or utc_now()) - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def relative_time_changes_in(moment: datetime, now: datetime | None = None) -> float:
    """Seconds until `relative_time(moment, now)` reads differently ("5s ago" in under a
    second, "3m ago" when the fourth minute is up), so a clock need not tick every second."""
    elapsed = ((now or utc_now()) - moment).total_seconds()
    if elapsed < 0:
        return 1 - elapsed  # "0s ago" until a second after the moment
    for size in (86400, 3600, 60):
        if elapsed >= size:
            return size - elapsed % size
    return 1 - elapsed % 1


def shorten_path(path: str | Path, home: Path | None = None) -> str:
    """A directory with the home folder written as ~."""
    text = str(path)
    home_text = str(home or Path.home())
    if text == home_text or text.startswith(home_text + "/"):
        return "~" + text[len(home_text) :]
    return text


@dataclass(frozen=True, slots=True)
class ContextUsage:
    active_tokens: int
    max_tokens: int
    threshold: float
    compression_line: str = ""

    @property
    def percent(self) -> float:
        return 100 * self.active_tokens / self.max_tokens if self.max_tokens else 0.0


class SessionPresenter:
    """Formats one live session for title bars and panels."""

    def __init__(self, live: LiveSession, monitor: SessionMonitor | None = None) -> None:
        self.live = live
        self._monitor = monitor
        #: The agent in the session and its hooks' latest word (authoritative while fresh).
        self.agent = AgentTracker(
            live.session.config.shell_command, lambda: self.live.session.pty_fd
        )
        self._last_shown: AgentState | None = None
        self._buckets: deque[list[int]] = deque(maxlen=TOKEN_BUCKETS)
        self._last_total = 0

    @property
    def monitor(self) -> SessionMonitor | None:
        return self._monitor

    @monitor.setter
    def monitor(self, monitor: SessionMonitor | None) -> None:
        """A new monitor means a restarted program: what its old hooks said no longer holds."""
        self._monitor = monitor
        self.agent.signal = None

    def heuristic_status(self) -> AgentStatus:
        """What the screen heuristics say (the fallback when no fresh hook speaks)."""
        if self.monitor is not None:
            return self.monitor.state
        reason = f"session status is {self.session.status}"
        return AgentStatus(AgentState.IDLE, reason, self.session.created_at)

    def agent_status(self) -> AgentStatus:
        """The state shown: a fresh hook's, else the heuristics'."""
        return self.agent.status(self.heuristic_status())

    def shown_transition(self) -> AgentStatus | None:
        """The shown status when its state changed since the last call, else None: one
        notification per transition, whichever signal (hook or screen) caused it."""
        status = self.agent_status()
        if status.state is self._last_shown:
            return None
        self._last_shown = status.state
        return status

    @property
    def agent_title(self) -> str | None:
        """The agent CLI running in the session ("Claude Code"), None when unknown."""
        return self.agent.agent_title

    @property
    def session(self) -> AISession:
        return self.live.session

    @property
    def name(self) -> str:
        return self.live.name

    @property
    def role(self) -> str | None:
        return self.session.config.agent_role

    @property
    def cwd(self) -> str:
        return self.live.emulator.cwd or str(self.session.config.working_directory)

    @property
    def short_cwd(self) -> str:
        return shorten_path(self.cwd)

    @property
    def attention_marker(self) -> str:
        """One mark per reason to look; a bell rung more than once shows its count (🔔12)."""
        live = self.live
        return "".join(
            ATTENTION_MARKERS[a]
            + (str(live.bells) if a is Attention.BELL and live.bells > 1 else "")
            for a in Attention
            if a in live.attention
        )

    @property
    def state_reason(self) -> str:
        """Why the badge says what it says."""
        return self.agent_status().reason

    def badge(self) -> tuple[str, str]:
        """The status badge text and the colour variable it is shown in."""
        status = self.session.status
        if self.live.start_error is not None:
            return "failed", "$error"
        if status in (SessionStatus.TERMINATED, SessionStatus.ERROR):
            code = self.session.exit_code
            text = "exited" if code is None else f"exited {code}"
            return text, "$success" if code == 0 else "$error"
        if self.monitor is not None or self.agent.signal is not None:
            state = self.agent_status().state
            colour = STATE_COLOURS.get(state, "$text-muted")
            return state.value.replace("_for_input", "").replace("_", " "), colour
        if status is SessionStatus.RUNNING:
            return "running", "$success"
        return str(status), "$text-muted"

    @property
    def event_summary(self) -> str:
        """The latest parsed event worth a glance, such as 'pytest: 3 failed, 120 passed';
        for a session that did not start, why."""
        if self.live.start_error is not None:
            return self.live.start_error
        if self.monitor is None:
            return ""
        event = self.monitor.latest_result
        if event is None and self.monitor.parsed_events:
            event = self.monitor.parsed_events[-1]
        return event.summary() if event is not None else ""

    @property
    def total_tokens(self) -> int:
        return self.session.total_tokens

    @property
    def command_count(self) -> int:
        return self.session.command_count

    def command_history(self) -> list[CommandRecord]:
        return self.session.command_history

    @property
    def token_counter_name(self) -> str:
        return self.monitor.token_counter_name if self.monitor is not None else "-"

    def context_usage(self) -> ContextUsage:
        """Context tokens against the budget, and what compression did."""
        budget = self.session.config.context_config
        context = self.monitor.context if self.monitor is not None else None
        if context is None:
            line = "context tracking off (enable_ai_features)"
            return ContextUsage(
                self.total_tokens, budget.max_tokens, budget.compression_threshold, line
            )
        stats = context.stats
        line = f"{stats.active_messages} messages in context"
        if stats.compressed_messages:
            when = self.ago(stats.last_compressed_at) if stats.last_compressed_at else ""
            line = (
                f"{stats.compressed_messages} of {stats.messages_added} messages compressed "
                f"{when}, {stats.tokens_saved:,} tokens saved, archive "
                f"{stats.compressed_bytes:,} B ({stats.compression_ratio:.1f}x)"
            )
        return ContextUsage(
            stats.active_tokens, budget.max_tokens, budget.compression_threshold, line
        )

    def record_token_total(self, total: int) -> None:
        """Note a new token total; the sparkline shows tokens added per ten seconds."""
        bucket = int(self.now().timestamp() // TOKEN_BUCKET_SECONDS)
        added = max(0, total - self._last_total)
        self._last_total = total
        if self._buckets and self._buckets[-1][0] == bucket:
            self._buckets[-1][1] += added
        else:
            self._buckets.append([bucket, added])

    def token_samples(self) -> list[float]:
        """Tokens added per interval, oldest first (empty intervals count as 0)."""
        if not self._buckets:
            return []
        first = self._buckets[0][0]
        values = [0.0] * (self._buckets[-1][0] - first + 1)
        for bucket, added in self._buckets:
            values[bucket - first] = float(added)
        values = values[-TOKEN_BUCKETS:]
        return [0.0] * (MIN_SPARKLINE_BUCKETS - len(values)) + values

    def ago(self, moment: datetime) -> str:
        """A moment relative to now (tests freeze `now`)."""
        return relative_time(moment, self.now())

    def now(self) -> datetime:
        return utc_now()

    def relative_times_change_in(self) -> float:
        """Seconds until one of the relative times this presenter shows reads differently."""
        now = self.now()
        moments = [self.session.last_activity, self.session.created_at]
        context = self.monitor.context if self.monitor is not None else None
        if context is not None and context.stats.last_compressed_at:
            moments.append(context.stats.last_compressed_at)
        return min(relative_time_changes_in(moment, now) for moment in moments)

    @property
    def last_activity(self) -> str:
        return self.ago(self.session.last_activity)

    @property
    def pid(self) -> str:
        return str(self.session.pid or "-")

    def _agent_rows(self) -> list[tuple[str, str]]:
        """The agent CLI and its conversation id, when known."""
        rows = [("agent", self.agent_title)] if self.agent_title else []
        if self.agent.conversation_id:
            rows.append(("conversation", self.agent.conversation_id))
        return rows

    def details(self) -> list[tuple[str, str]]:
        """The Details panel's rows: `SessionInfo`, config (env names only), metadata."""
        session = self.session
        config = session.config
        status = str(session.status)
        if session.exit_code is not None:
            status += f" (exit {session.exit_code})"
        rows = [
            ("id", str(session.id)),
            ("name", self.name),
            ("role", self.role or "-"),
            ("status", status),
            ("state", self.state_reason),
            *self._agent_rows(),
            ("command", config.display_command),
            ("cwd", self.short_cwd),
            ("mode", "headless (pipes)" if session.is_headless else "pty"),
            ("pid", self.pid),
            ("created", self.ago(session.created_at)),
            ("active", self.last_activity),
            ("ai features", "on" if config.enable_ai_features else "off"),
            ("tokens", f"{self.total_tokens:,}"),
            ("commands", str(self.command_count)),
            ("counter", self.token_counter_name),
            ("env", ", ".join(sorted(config.environment)) or "-"),
        ]
        rows += [(f"meta.{key}", str(value)) for key, value in sorted(session.metadata.items())]
        return rows
