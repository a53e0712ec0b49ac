"""Export a stored session as JSON or Markdown, ready to paste into a model's context.

Parsed events come from `aisession_tui.ai.parsing.parse_output` when that module is present;
without it (or if it fails on some text) the export simply has no events.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..core.display_text import json_text
from .records import StoredCommand, StoredSession, to_iso
from .redact import redact_data, redact_text

if TYPE_CHECKING:
    from .store import Store

FORMATS = ("json", "markdown")
Parser = Callable[[str], list[Any]]


def _default_parser() -> Parser | None:
    try:
        from aisession_tui.ai.parsing import parse_output
    except ImportError:
        return None
    return parse_output


def _event_json(event: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(event) and not isinstance(event, type):
        data = dataclasses.asdict(event)
    elif hasattr(event, "model_dump"):
        data = event.model_dump(mode="json")
    elif hasattr(event, "__dict__"):
        data = dict(vars(event))
    else:
        return {"text": str(event)}
    return {k: v for k, v in data.items() if v not in (None, [], (), {}, "")}


def _event_text(event: Any) -> str:
    summary = getattr(event, "summary", None)
    if callable(summary):
        return str(summary())
    if summary is not None:
        return str(summary)
    return str(getattr(event, "message", event))


def _events(parser: Parser | None, text: str) -> list[Any]:
    if parser is None or not text:
        return []
    try:
        return list(parser(text))
    except Exception:  # a parser bug must not cost the user the export
        return []


def export_data(
    store: Store, session: StoredSession, parser: Parser | bool | None = True
) -> dict[str, Any]:
    """Everything the store knows about `session`, as JSON-ready data."""
    parse = _default_parser() if parser is True else (parser or None)
    commands = store.history(session.id)
    screen = store.load_screen(session.id)
    return {
        "session": session.to_json(),
        "commands": [
            {**c.to_json(), "events": [_event_json(e) for e in _events(parse, c.record.output)]}
            for c in commands
        ],
        "status_changes": [
            {"ts": to_iso(s.ts), "old": None if s.old is None else str(s.old), "new": str(s.new)}
            for s in store.status_changes(session.id)
        ],
        "token_samples": [
            {"ts": to_iso(t.ts), "tokens": t.tokens} for t in store.token_samples(session.id)
        ],
        "scrollback": screen.lines if screen else [],
        "scrollback_events": [
            _event_json(e) for e in _events(parse, "\n".join(screen.lines) if screen else "")
        ],
    }


def export_json(
    store: Store,
    session: StoredSession,
    parser: Parser | bool | None = True,
    *,
    redact: bool = True,
) -> str:
    data = export_data(store, session, parser)
    if redact:
        data = redact_data(data)
    return json_text(data, indent=2) + "\n"


def _longest_tick_run(text: str) -> int:
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return longest


def _fence(text: str) -> str:
    """A code fence longer than any backtick run inside `text`, so output cannot break out."""
    return "`" * max(3, _longest_tick_run(text) + 1)


def _inline(text: str) -> str:
    """Inline code that survives backticks inside `text`."""
    ticks = "`" * (_longest_tick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _block(text: str) -> list[str]:
    fence = _fence(text)
    return [fence, text.rstrip("\n"), fence]


def export_markdown(
    store: Store, session: StoredSession, parser: Parser | bool | None = True
) -> str:
    parse = _default_parser() if parser is True else (parser or None)
    s = session
    lines = [
        f"# Session {s.name or s.id.short}",
        "",
        f"- id: `{s.id}`",
        f"- role: {s.role or '-'}",
        f"- command: {_inline(s.command)} in {_inline(s.working_directory)}",
        f"- created: {to_iso(s.created_at)}; last update: {to_iso(s.updated_at)}",
        f"- status: {s.status}; exit code: {'-' if s.exit_code is None else s.exit_code}",
        f"- tokens: {s.total_tokens}",
        "",
        "## Commands",
        "",
    ]
    commands: list[StoredCommand] = store.history(s.id)
    if not commands:
        lines += ["(no commands recorded)", ""]
    for n, c in enumerate(commands, 1):
        rec = c.record
        exit_text = "?" if rec.exit_code is None else str(rec.exit_code)
        took = "" if rec.duration_ms is None else f", {rec.duration_ms} ms"
        lines += [f"### {n}. {_inline(rec.command)} (exit {exit_text}{took})", ""]
        if rec.output:
            lines += [*_block(rec.output), ""]
        events = _events(parse, rec.output)
        if events:
            lines += ["Events:", *[f"- {_event_text(e)}" for e in events], ""]
    screen = store.load_screen(s.id)
    if screen and screen.lines:
        lines += ["## Last screen and scrollback", "", *_block("\n".join(screen.lines)), ""]
        events = _events(parse, "\n".join(screen.lines))
        if events:
            lines += ["Events:", *[f"- {_event_text(e)}" for e in events], ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def export_session(
    store: Store,
    session: StoredSession,
    fmt: str,
    parser: Parser | bool | None = True,
    *,
    redact: bool = True,
) -> str:
    """Render `session` in `fmt` ('json' or 'markdown'); credentials are redacted unless
    `redact` is False (a database written by an older version may still hold some)."""
    if fmt == "json":
        return export_json(store, session, parser, redact=redact)
    if fmt == "markdown":
        text = export_markdown(store, session, parser)
        return redact_text(text) if redact else text
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
