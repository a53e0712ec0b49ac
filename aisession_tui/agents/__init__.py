"""One small module per agent CLI (Claude Code, Codex, Gemini CLI, Aider, anything else):
how to recognise it, how to install its hooks for one session without touching the person's own
files, what its hook payloads mean, and which keys answer its questions.

The hook command (`aisession-tui hook EVENT`, module `hook`) runs inside the agent on every event,
so this package's `__init__` imports nothing: that path must start in a few milliseconds.
"""

__all__: list[str] = []
