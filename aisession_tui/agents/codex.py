"""Codex: `-c notify=[...]` runs our hook with a JSON argument after every finished turn, and
`tui.notifications` rings BEL on approvals (the screen heuristics then see the dialog); its own
hooks would first raise a "Hooks need review" dialog, so they are not used. `codex resume ID`.

Its approval dialog: `y` (or 1) proceeds, Esc declines.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .base import (
    ALL_STATES,
    DONE,
    EXITED,
    IDLE,
    Agent,
    HookContext,
    HookSignal,
    Launch,
    now,
)

#: Codex also finishes an internal turn that names the conversation; its notify starts so.
_TITLE_TURN = "Generate a concise, single-line task title"


class Codex(Agent):
    name = "codex"
    title = "Codex"
    programs = frozenset({"codex"})
    answers = {"y": b"y", "n": b"\x1b", "enter": b"\r", "escape": b"\x1b"}
    digit_suffix = b""

    def launch(self, context: HookContext) -> Launch:
        notify = json.dumps(context.argv(self.name, "notify"))
        return Launch(
            args=(
                "-c",
                f"notify={notify}",
                "-c",
                "tui.notifications=true",
                "-c",
                'tui.notification_method="bel"',
                "-c",
                'tui.notification_condition="always"',
            )
        )

    def resume_args(self, conversation_id: str) -> tuple[str, ...]:
        return ("resume", conversation_id)

    def signal(self, event: str, payload: Mapping[str, Any]) -> HookSignal | None:
        if payload.get("type") != "agent-turn-complete":
            return None
        inputs = payload.get("input-messages")
        first = inputs[0] if isinstance(inputs, list) and inputs else ""
        if isinstance(first, str) and first.startswith(_TITLE_TURN):
            return None
        thread = payload.get("thread-id")
        return HookSignal(
            agent=self.name,
            state=DONE,
            reason=f"{self.title} notify: agent-turn-complete",
            at=now(),
            conversation_id=thread if isinstance(thread, str) else None,
            # Codex says nothing more until the next turn ends, and starts none by itself: the
            # screen takes over once it shows something new after the person typed, except
            # silence (idle), which is what "done" looks like. Before that, what it shows is
            # this turn's end: its bell comes just before or just after this notify.
            yields_to=frozenset({EXITED}),
            yields_after_input=ALL_STATES - {IDLE},
        )


AGENT = Codex()
