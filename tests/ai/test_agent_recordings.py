"""Real agent CLIs' recorded PTY streams (Claude Code 2.1.197, Codex 0.171.0, Gemini CLI 0.61.0,
Aider 0.86.2; see fixtures/agents/record.py) replayed through the emulator and the monitor at
their recorded pace (virtual time): each checkpoint has the state a person would name."""

from __future__ import annotations

import itertools

import pytest

from aisession_tui.ai.screen_prompts import MAX_QUESTION_CHARS
from aisession_tui.ai.state import AgentState

from .agent_replay import load, replay

W, WORK, IDLE, EXIT = (
    AgentState.WAITING_FOR_INPUT,
    AgentState.WORKING,
    AgentState.IDLE,
    AgentState.EXITED,
)
TRUST_CLAUDE = "screen shows a 2-choice menu: Is this a project you created or one you trust?"
PROCEED = "screen shows a 3-choice menu: Do you want to proceed?"
CODEX_RUN = "screen shows a 3-choice menu: Would you like to run the following command?"
SIGN_IN = "screen shows a 3-choice menu: Choose how you want to use Codex."
GEMINI_TRUST = "screen shows a 3-choice menu: Do you trust the files in this folder?"
GEMINI_AUTH = "screen shows a 3-choice menu: How would you like to authenticate for this project?"

EXPECTED: dict[str, dict[str, tuple[AgentState, str | None]]] = {
    "claude_permission": {
        "trust": (W, TRUST_CLAUDE),
        "trust_down": (W, TRUST_CLAUDE),  # the hidden cursor sits on item 2, below the question
        "api_key": (W, "screen shows a 2-choice menu: Do you want to use this API key?"),
        "idle_prompt": (IDLE, None),
        "working": (WORK, "output flowing"),
        "permission": (W, PROCEED),
        "permission_down": (W, PROCEED),  # all three choices, not the two above the cursor
        "turn_done": (IDLE, None),
        "exited": (EXIT, "process exited with code 0"),
    },
    "codex_signin": {
        "signin": (W, SIGN_IN),
        "signin_down": (W, SIGN_IN),
        "exited": (EXIT, "process exited with code 0"),
    },
    "codex_approval": {
        "trust": (W, "screen shows a 2-choice menu: Trust this folder?"),
        "idle_prompt": (IDLE, None),
        "working": (WORK, "output flowing"),
        "approval": (W, CODEX_RUN),
        "approval_down": (W, CODEX_RUN),
        "turn_done": (IDLE, None),
        "exited": (EXIT, "process exited with code 0"),
    },
    "gemini_trust": {
        "trust": (W, GEMINI_TRUST),
        "trust_down": (W, GEMINI_TRUST),
        "auth": (W, GEMINI_AUTH),
        "exited": (EXIT, "process exited with code 0"),
    },
    "aider_question": {
        "question": (
            W,
            "screen asks yes/no: Allow collection of anonymous analytics to help improve aider?",
        ),
        "second_question": (W, "screen asks yes/no: Add .aider* to .gitignore (recommended)?"),
        "after_second": (IDLE, None),
        "exited": (EXIT, "process exited with code -2"),  # aider dies of the SIGINT
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recorded_agent_screens_give_the_right_state(name: str) -> None:
    result = replay(load(name))
    seen = {mark: (status.state, status.reason) for mark, status in result.at_marks.items()}
    expected = EXPECTED[name]
    assert set(seen) == set(expected)
    for mark, (state, reason) in expected.items():
        assert seen[mark][0] is state, f"{mark}: {seen[mark]}"
        if reason is not None:
            assert seen[mark][1] == reason, mark
        else:
            assert seen[mark][1].startswith("no output for"), mark


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recorded_agents_reasons_are_short_clean_text(name: str) -> None:
    for change in replay(load(name)).changes:
        reason = change.new.reason
        assert len(reason) <= MAX_QUESTION_CHARS + 40
        assert reason.isprintable(), reason
        assert not any(0x2800 <= ord(ch) <= 0x28FF for ch in reason), reason  # braille logo


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recorded_agents_do_not_thrash(name: str) -> None:
    """A handful of changes per recording, each one real: no two in a row to the same state
    (a spinner redrawing is one working state) and one notable transition per question."""
    result = replay(load(name))
    states = [change.new.state for change in result.changes]
    assert len(states) <= 12, states
    # Only a new question may follow a question.
    assert all(a is not b or a is W for a, b in itertools.pairwise(states)), states
    notable = [c for c in result.changes if c.notable]
    entered_waiting = sum(1 for c in result.changes if c.new.state is W and c.old.state is not W)
    assert len(notable) == entered_waiting + 1  # + the exit


def test_codex_sign_in_animation_is_one_waiting_state() -> None:
    """Codex redraws its braille logo ~60 times a second, 104 KB between two newlines: the
    question stays the one state, with one notification's worth of change."""
    recording = load("codex_signin")
    result = replay(recording)
    output = sum(len(v) for k, _, v in recording.events if k == "o" and isinstance(v, bytes))
    assert output > 300_000
    waiting = [c for c in result.changes if c.new.state is W]
    assert len(waiting) == 1 and waiting[0].new.reason == SIGN_IN
