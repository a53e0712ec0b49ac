"""Aider: `AIDER_NOTIFICATIONS_COMMAND` runs our hook whenever Aider waits for the person after a
model call (no payload). Its questions read `(Y)es/(N)o [Yes]:` and take a letter and Enter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import (
    DONE,
    ERROR,
    EXITED,
    WAITING,
    WORKING,
    Agent,
    HookContext,
    HookSignal,
    Launch,
    now,
)


class Aider(Agent):
    name = "aider"
    title = "Aider"
    programs = frozenset({"aider"})

    def launch(self, context: HookContext) -> Launch:
        return Launch(
            env={
                "AIDER_NOTIFICATIONS": "true",
                "AIDER_NOTIFICATIONS_COMMAND": context.command_line(self.name, "notification"),
            }
        )

    def signal(self, event: str, payload: Mapping[str, Any]) -> HookSignal | None:
        return HookSignal(
            agent=self.name,
            state=WAITING,
            reason=f"{self.title} notification",
            at=now(),
            question="Aider is waiting for your input",
            # Nothing says when the person answered but the screen: its next change (output
            # when they type) ends the wait; silence does not.
            yields_to=frozenset({WORKING, DONE, ERROR, EXITED}),
        )


AGENT = Aider()
