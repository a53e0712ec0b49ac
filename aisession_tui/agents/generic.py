"""Any other program: no hooks; the screen heuristics decide its state, and answers are typed
as a person would at a `[y/N]` prompt (a letter, a digit, then Enter)."""

from __future__ import annotations

from .base import Agent

AGENT = Agent()
