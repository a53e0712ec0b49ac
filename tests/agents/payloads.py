"""The real hook payloads captured in the agent lab (Claude Code 2.1.197, Codex 0.171.0, Gemini
CLI 0.61.0), one block per event in `fixtures/hook-payloads.txt`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).with_name("fixtures")


@cache
def payloads() -> dict[str, str]:
    """Event label ("PermissionRequest", "codex-notify", ...) -> the payload text as captured."""
    found: dict[str, str] = {}
    label = None
    for line in (FIXTURES / "hook-payloads.txt").read_text().splitlines():
        if line.startswith("## "):
            label = line[3:].strip()
        elif label and line.startswith("{"):
            found[label] = line
            label = None
    return found


def payload(label: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(payloads()[label])
    return value
