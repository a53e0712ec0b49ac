"""Claude Code: hooks through `--settings FILE` (merged into the person's settings, never written
to them), BEL when it needs the person, `--resume ID` for its conversations.

Events seen (2.1.197): SessionStart, UserPromptSubmit, PreToolUse, PermissionRequest (the moment
the permission dialog opens), Notification (`permission_prompt` ~6 s later, or `idle_prompt`),
PostToolUse, Stop, StopFailure, SessionEnd. Its permission dialog takes Enter for "Yes" (the
first option is selected), Esc for "No", and a digit picks an option at once.
"""

from __future__ import annotations

import json
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
    one_line,
    write_private,
)

HOOK_EVENTS = (
    "UserPromptSubmit",
    "PreToolUse",
    "PermissionRequest",
    "Notification",
    "PostToolUse",
    "Stop",
    "StopFailure",
    "SessionEnd",
)
SETTINGS_FILE = "claude-settings.json"
PROCEED = "Do you want to proceed?"
_TOOL_SUBJECT = ("command", "file_path", "path", "url", "pattern", "query", "description")


def tool_question(tool: object, tool_input: object, question: str = PROCEED) -> str:
    """'Bash: rm -rf build — Do you want to proceed?' from a tool call in a payload."""
    subject = ""
    if isinstance(tool_input, Mapping):
        for key in _TOOL_SUBJECT:
            if isinstance(tool_input.get(key), str) and tool_input[key].strip():
                subject = tool_input[key]
                break
        else:
            if tool_input:
                subject = json.dumps(tool_input, ensure_ascii=False)[:200]
    head = one_line(tool) if tool else "A tool"
    head = f"{head}: {one_line(subject, 200)}" if subject else head
    return f"{head} — {question}"


class Claude(Agent):
    name = "claude"
    title = "Claude Code"
    programs = frozenset({"claude", "claude-code"})
    answers = {"y": b"\r", "n": b"\x1b", "enter": b"\r", "escape": b"\x1b"}
    digit_suffix = b""

    def settings(self, context: HookContext) -> dict[str, Any]:
        hooks = {
            event: [
                {
                    "hooks": [
                        {
                            "type": "command",
                            "command": context.command_line(self.name, event),
                            "timeout": 5,
                        }
                    ]
                }
            ]
            for event in HOOK_EVENTS
        }
        return {"hooks": hooks, "preferredNotifChannel": "terminal_bell"}

    def launch(self, context: HookContext) -> Launch:
        path = write_private(context.folder / SETTINGS_FILE, self.settings(context))
        return Launch(args=("--settings", str(path)))

    def resume_args(self, conversation_id: str) -> tuple[str, ...]:
        return ("--resume", conversation_id)

    def signal(self, event: str, payload: Mapping[str, Any]) -> HookSignal | None:
        event = str(payload.get("hook_event_name") or event)
        question: str | None = None
        if event == "PermissionRequest":
            state = WAITING
            question = tool_question(payload.get("tool_name"), payload.get("tool_input"))
        elif event == "Notification":
            kind = payload.get("notification_type")
            if kind == "idle_prompt":
                state = DONE
            else:
                state = WAITING
                question = one_line(payload.get("message") or "Claude needs your attention")
        elif event in ("UserPromptSubmit", "PreToolUse", "PostToolUse"):
            state = WORKING
        elif event == "Stop":
            state = DONE
        elif event == "StopFailure":
            state = ERROR
        elif event == "SessionEnd":
            state = EXITED
        else:
            return None
        return self.hook_signal(event, state, payload, question)


AGENT = Claude()
