"""Gemini CLI: hooks from a system-defaults file named by `GEMINI_CLI_SYSTEM_DEFAULTS_PATH` (the
person's settings stay untouched). Gemini ignores that file if any folder above it is group- or
world-writable, so it lives in our 0700 folder. Its menus take Enter for the selected option.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import (
    DONE,
    EXITED,
    WAITING,
    WORKING,
    Agent,
    HookContext,
    HookSignal,
    Launch,
    one_line,
    write_private,
)

DEFAULTS_ENV = "GEMINI_CLI_SYSTEM_DEFAULTS_PATH"
DEFAULTS_FILE = "gemini-defaults.json"
_STATES = {
    "BeforeAgent": WORKING,
    "BeforeTool": WORKING,
    "AfterTool": WORKING,
    "Notification": WAITING,
    "AfterAgent": DONE,
    "SessionEnd": EXITED,
}


class Gemini(Agent):
    name = "gemini"
    title = "Gemini CLI"
    programs = frozenset({"gemini"})
    answers = {"y": b"\r", "n": b"\x1b", "enter": b"\r", "escape": b"\x1b"}
    digit_suffix = b""

    def launch(self, context: HookContext) -> Launch:
        hooks = {
            event: [
                {
                    "matcher": "*",
                    "hooks": [
                        {
                            "name": f"aisession-{event}",
                            "type": "command",
                            "command": context.command_line(self.name, event),
                        }
                    ],
                }
            ]
            for event in _STATES
        }
        settings = {"hooksConfig": {"enabled": True}, "hooks": hooks}
        path = write_private(context.folder / DEFAULTS_FILE, settings)
        return Launch(env={DEFAULTS_ENV: str(path)})

    def signal(self, event: str, payload: Mapping[str, Any]) -> HookSignal | None:
        event = str(payload.get("hook_event_name") or event)
        state = _STATES.get(event)
        if state is None:
            return None
        question = None
        if state == WAITING:
            question = one_line(payload.get("message") or "Gemini CLI needs your attention")
        return self.hook_signal(event, state, payload, question)


AGENT = Gemini()
