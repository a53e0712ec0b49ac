"""Programs asking for the person: BEL and desktop notifications (OSC 9, OSC 777 notify, OSC 99).

Agents ring or notify when they need an answer (Claude Code's terminal bell, Codex's
`tui.notifications`, kitty-style notifications from other tools). `AttentionScanner` finds them
in decoded output, across chunk boundaries, holding back at most `MAX_HELD` characters of an
unfinished OSC string.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

__all__ = ["MAX_HELD", "AttentionRequest", "AttentionScanner"]

MAX_HELD = 2048
_SIGNAL = re.compile(r"\x1b\](\d+);([^\x07\x1b]*)(?:\x07|\x1b\\)|\x07")
_OSC_START = re.compile(r"\x1b(?:\](?:\d*(?:;[^\x07\x1b]*)?)?)?\Z")
_CONEMU_SUBCOMMAND = re.compile(r"\d+(?:;|$)")  # OSC 9;4;... is a progress bar, not a message


@dataclass(frozen=True, slots=True)
class AttentionRequest:
    """`source` is "bell", "OSC 9", "OSC 777" or "OSC 99"; `message` the notification text."""

    source: str
    message: str | None = None


class AttentionScanner:
    """Finds attention requests in a stream of decoded output text."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, text: str) -> list[AttentionRequest]:
        if not self._held and "\x07" not in text and "\x1b]" not in text and text[-1:] != "\x1b":
            return []  # the common case: no BEL, no OSC at all
        data = self._held + text
        self._held = ""
        found: list[AttentionRequest] = []
        end = 0
        for match in _SIGNAL.finditer(data):
            end = match.end()
            if match[1] is None:
                found.append(AttentionRequest("bell"))
            elif request := _notification(match[1], match[2]):
                found.append(request)
        tail = _OSC_START.search(data, end)
        if tail is not None and len(data) - tail.start() <= MAX_HELD:
            self._held = data[tail.start() :]
        return found


def _notification(code: str, value: str) -> AttentionRequest | None:
    if code == "9":
        if not value or _CONEMU_SUBCOMMAND.match(value):
            return None
        return AttentionRequest("OSC 9", value)
    if code == "777":
        kind, _, rest = value.partition(";")
        if kind != "notify":
            return None  # other OSC 777 uses (the core's own command markers among them)
        title, _, body = rest.partition(";")
        return AttentionRequest("OSC 777", f"{title}: {body}" if title and body else title or body)
    if code == "99":
        metadata, _, payload = value.partition(";")
        fields = dict(item.partition("=")[::2] for item in metadata.split(":") if item)
        if fields.get("p") == "?":
            return None  # a capability query, not a notification
        if fields.get("e") == "1":
            try:
                payload = base64.b64decode(payload, validate=True).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                return None
        return AttentionRequest("OSC 99", payload or None)
    return None
