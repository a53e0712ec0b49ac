"""Recognising agents, installing their hooks, reading their payloads, combining states."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aisession_tui.agents.base import HookContext, HookSignal, Launch
from aisession_tui.agents.claude import HOOK_EVENTS
from aisession_tui.agents.install import hook_context, with_agent_hooks, with_resume
from aisession_tui.agents.registry import (
    GENERIC,
    agent_for_argv,
    agent_for_command,
    agent_named,
    with_launch,
)
from aisession_tui.agents.tracker import AgentTracker, shown_status
from aisession_tui.ai.state import AgentState, AgentStatus
from aisession_tui.core.config import SessionConfig

from .payloads import payload

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("command", "agent"),
    [
        ("claude", "claude"),
        ("exec claude --model opus", "claude"),
        ("FOO=1 BAR=x /usr/local/bin/claude", "claude"),
        ("codex 'fix the tests'", "codex"),
        ("gemini -m flash", "gemini"),
        ("aider --yes-always", "aider"),
        ("npm test", None),
        ("bash --norc", None),
        ("claude-helper", None),
    ],
)
def test_agents_are_recognised_by_the_session_command(command: str, agent: str | None) -> None:
    found = agent_for_command(command)
    assert (found.name if found else None) == agent


@pytest.mark.parametrize(
    ("argv", "agent"),
    [
        (["claude"], "claude"),
        (["node", "/opt/npm/lib/node_modules/@openai/codex/bin/codex.js", "resume"], "codex"),
        (["node", "--no-warnings", "/usr/bin/gemini"], "gemini"),
        (["/venv/bin/python3.12", "/venv/bin/aider", "--model", "x"], "aider"),
        (["node", "server.js"], None),
        (["vim", "claude"], None),
    ],
)
def test_agents_are_recognised_by_the_process_argv(argv: list[str], agent: str | None) -> None:
    found = agent_for_argv(argv)
    assert (found.name if found else None) == agent


def context(tmp_path: Path) -> HookContext:
    return hook_context(tmp_path / "run" / "work.sock", tmp_path / "data")


def test_claude_gets_a_private_settings_file_with_every_hook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    config = with_agent_hooks(SessionConfig(shell_command="claude --model opus"), context(tmp_path))
    command = config.shell_command or ""
    settings = tmp_path / "data" / "agent-hooks" / "claude-settings.json"
    assert command == f"claude --settings {settings} --model opus"
    assert stat.S_IMODE(settings.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600
    data = json.loads(settings.read_text())
    assert data["preferredNotifChannel"] == "terminal_bell"
    assert sorted(data["hooks"]) == sorted(HOOK_EVENTS)
    assert set(HOOK_EVENTS) >= {"PermissionRequest", "StopFailure", "SessionEnd", "Notification"}
    hook = data["hooks"]["PermissionRequest"][0]["hooks"][0]["command"]
    assert hook.endswith(" hook --agent claude PermissionRequest")
    # The hook finds its app by the session's environment, so the file is the same for all.
    assert config.environment["AISESSION_CONTROL_SOCKET"] == f"{tmp_path}/run/work.sock"
    assert list(home.iterdir()) == []  # the person's own files are never touched
    # Installing again (a restore) does not add the flags twice.
    again = with_agent_hooks(config, context(tmp_path))
    assert again.shell_command == command


def test_codex_gemini_and_aider_hooks(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    codex = with_agent_hooks(SessionConfig(shell_command="codex"), ctx).shell_command or ""
    assert "-c 'notify=[" in codex
    assert '"--agent", "codex", "notify"]' in codex
    assert "-c 'tui.notification_method=\"bel\"'" in codex
    gemini = with_agent_hooks(SessionConfig(shell_command="gemini"), ctx)
    defaults = Path(gemini.environment["GEMINI_CLI_SYSTEM_DEFAULTS_PATH"])
    assert stat.S_IMODE(defaults.parent.stat().st_mode) == 0o700
    hooks = json.loads(defaults.read_text())
    assert hooks["hooksConfig"] == {"enabled": True}
    assert {"BeforeAgent", "AfterAgent", "Notification", "SessionEnd"} <= set(hooks["hooks"])
    aider = with_agent_hooks(SessionConfig(shell_command="aider"), ctx)
    assert aider.environment["AIDER_NOTIFICATIONS"] == "true"
    assert aider.environment["AIDER_NOTIFICATIONS_COMMAND"].endswith("--agent aider notification")
    plain = SessionConfig(shell_command="make -j4")
    assert with_agent_hooks(plain, ctx) == plain


def test_shells_get_the_hooks_for_agents_typed_into_them(tmp_path: Path) -> None:
    shell = with_agent_hooks(SessionConfig(shell="/bin/bash"), context(tmp_path))
    claude_args = shell.environment["AISESSION_CLAUDE_ARGS"].split("\n")
    assert claude_args[0] == "--settings"
    assert Path(claude_args[1]).is_file()
    assert shell.environment["AISESSION_CODEX_ARGS"].split("\n")[0] == "-c"
    assert "GEMINI_CLI_SYSTEM_DEFAULTS_PATH" in shell.environment


def test_restore_resumes_the_conversation(tmp_path: Path) -> None:
    hooked = with_agent_hooks(SessionConfig(shell_command="claude"), context(tmp_path))
    resumed = with_resume(hooked, "claude", "7ea0644d")
    assert (resumed.shell_command or "").startswith("claude --resume 7ea0644d --settings ")
    codex = with_resume(SessionConfig(shell_command="codex -m o3"), "codex", "01a2")
    assert codex.shell_command == "codex resume 01a2 -m o3"
    # Another agent's id, or a command that is not an agent, is left alone.
    assert with_resume(hooked, "codex", "x").shell_command == hooked.shell_command
    assert with_resume(SessionConfig(shell_command="npm test"), None, "x").shell_command == (
        "npm test"
    )


def test_commands_that_do_not_start_with_a_plain_program_are_left_alone() -> None:
    flags = Launch(args=("--settings", "/s.json"))
    assert with_launch("'claude' --x", flags) == "'claude' --x"
    assert with_launch("claude && echo done", flags) == "claude --settings /s.json && echo done"


@pytest.mark.parametrize(
    ("label", "state", "reason", "question"),
    [
        ("UserPromptSubmit", "working", "Claude Code hook: UserPromptSubmit", None),
        ("PreToolUse", "working", "Claude Code hook: PreToolUse", None),
        (
            "PermissionRequest",
            "waiting_for_input",
            "Claude Code hook: PermissionRequest",
            "Bash: echo hello > out.txt — Do you want to proceed?",
        ),
        (
            "Notification",
            "waiting_for_input",
            "Claude Code hook: Notification",
            "Claude needs your permission",
        ),
        ("PostToolUse", "working", "Claude Code hook: PostToolUse", None),
        ("Stop", "done", "Claude Code hook: Stop", None),
        ("SessionEnd", "exited", "Claude Code hook: SessionEnd", None),
    ],
)
def test_claude_payloads_mean_states(
    label: str, state: str, reason: str, question: str | None
) -> None:
    signal = agent_named("claude").signal(label, payload(label))
    assert signal is not None
    assert (signal.state, signal.reason, signal.question) == (state, reason, question)
    assert signal.conversation_id == payload(label)["session_id"]


def test_other_claude_events_and_other_agents() -> None:
    claude = agent_named("claude")
    failure = claude.signal("StopFailure", {"hook_event_name": "StopFailure", "session_id": "s"})
    assert failure is not None and failure.state == "error"
    idle = claude.signal("Notification", {"notification_type": "idle_prompt", "message": "x"})
    assert idle is not None and idle.state == "done"
    assert claude.signal("SessionStart", payload("SessionStart")) is None
    gemini = agent_named("gemini")
    before = gemini.signal("BeforeAgent", payload("gemini-BeforeAgent"))
    assert before is not None and before.state == "working"
    assert before.reason == "Gemini CLI hook: BeforeAgent"
    end = gemini.signal("SessionEnd", payload("gemini-SessionEnd"))
    assert end is not None and end.state == "exited"
    aider = agent_named("aider").signal("notification", {})
    assert aider is not None and aider.state == "waiting_for_input"
    untrusted = claude.signal(
        "PermissionRequest",
        {"tool_name": "Bash\x1b[31m", "tool_input": {"command": "rm -rf /\r\n\x07[b]x[/b]"}},
    )
    assert untrusted is not None
    assert untrusted.question == "Bash [31m: rm -rf / [b]x[/b] — Do you want to proceed?"


def test_answer_keys_follow_each_agents_dialog() -> None:
    claude, codex = agent_named("claude"), agent_named("codex")
    assert (claude.answer("y"), claude.answer("n"), claude.answer("2")) == (b"\r", b"\x1b", b"2")
    assert (codex.answer("y"), codex.answer("n")) == (b"y", b"\x1b")
    assert (GENERIC.answer("y"), GENERIC.answer("3")) == (b"y\r", b"3\r")
    assert agent_named("aider").answer("n") == b"n\r"
    assert claude.answer("x") is None


def status(state: AgentState, seconds: float) -> AgentStatus:
    return AgentStatus(state, f"screen: {state.value}", T0 + timedelta(seconds=seconds))


def hook_signal(name: str, event: str, seconds: float) -> HookSignal:
    signal = agent_named(name).signal(event, payload(event) if name == "claude" else {})
    assert signal is not None
    return HookSignal(
        signal.agent,
        signal.state,
        signal.reason,
        T0 + timedelta(seconds=seconds),
        signal.question,
        signal.conversation_id,
        signal.yields_to,
        signal.yields_after_input,
    )


def test_a_fresh_hook_wins_and_the_screen_is_the_fallback() -> None:
    waiting = hook_signal("claude", "PermissionRequest", 10)
    assert shown_status(status(AgentState.IDLE, 0), None).state is AgentState.IDLE
    assert shown_status(status(AgentState.IDLE, 0), waiting).state is AgentState.WAITING_FOR_INPUT
    # The dialog redrawing after the hook does not take "waiting" away...
    shown = shown_status(status(AgentState.WORKING, 11), waiting)
    assert (shown.state, shown.reason) == (
        AgentState.WAITING_FOR_INPUT,
        "Claude Code hook: PermissionRequest",
    )
    # ...an exit does.
    assert shown_status(status(AgentState.EXITED, 11), waiting).state is AgentState.EXITED
    # A working turn the person interrupted (no hook fires) falls back to the screen.
    working = hook_signal("claude", "PreToolUse", 10)
    assert shown_status(status(AgentState.IDLE, 16), working).state is AgentState.IDLE
    assert shown_status(status(AgentState.IDLE, 5), working).state is AgentState.WORKING
    # Codex only says when a turn ended: the screen takes over at its next change after the
    # person types again.
    notify = {**payload("codex-notify"), "input-messages": ["create out2.txt"]}
    done = agent_named("codex").signal("notify", notify)
    assert done is not None and done.state == "done"
    after = done.at + timedelta(seconds=1)
    later = status(AgentState.WORKING, 0)
    assert shown_status(later, done).state is AgentState.DONE  # the screen's is older
    typed = after + timedelta(seconds=1)
    newer = AgentStatus(AgentState.WORKING, "output flowing", typed + timedelta(seconds=1))
    assert shown_status(newer, done, typed).state is AgentState.WORKING
    exited = AgentStatus(AgentState.EXITED, "exit 0", after)
    assert shown_status(exited, done).state is AgentState.EXITED


def test_the_bell_that_ends_a_codex_turn_does_not_undo_its_done() -> None:
    """Codex rings its bell as the turn ends, just before or just after its notify reaches the
    app (seen both ways in the real CLI): that "waiting" belongs to the turn that ended."""
    notify = {**payload("codex-notify"), "input-messages": ["create out2.txt"]}
    done = agent_named("codex").signal("notify", notify)
    assert done is not None
    bell = AgentStatus(AgentState.WAITING_FOR_INPUT, "bell rang", done.at + timedelta(seconds=0.2))
    answered = done.at - timedelta(seconds=5)  # "y" to the approval dialog, before the turn ended
    assert shown_status(bell, done, answered).state is AgentState.DONE
    assert shown_status(bell, done).state is AgentState.DONE
    # Typed after the turn but the bell is older: still this turn's.
    assert shown_status(bell, done, bell.since + timedelta(seconds=1)).state is AgentState.DONE
    # The next turn's approval dialog, after the person's next prompt, is the screen's.
    prompt = done.at + timedelta(seconds=10)
    dialog = AgentStatus(AgentState.WAITING_FOR_INPUT, "menu", prompt + timedelta(seconds=2))
    assert shown_status(dialog, done, prompt).state is AgentState.WAITING_FOR_INPUT


def test_tracker_keeps_the_first_question_and_forgets_answered_ones() -> None:
    tracker = AgentTracker("claude")
    assert tracker.agent_title == "Claude Code"
    asked = tracker.note_hook("claude", "PermissionRequest", payload("PermissionRequest"))
    assert asked is not None
    later = tracker.note_hook("claude", "Notification", payload("Notification"))
    assert later is not None
    assert (later.question, later.at) == (asked.question, asked.at)
    heuristic = status(AgentState.IDLE, -100)
    open_question = tracker.attention(heuristic)
    assert open_question is not None and open_question.from_hook
    tracker.mark_answered(heuristic)
    assert tracker.attention(heuristic) is None
    assert tracker.conversation_id == payload("Notification")["session_id"]
    assert AgentTracker("make").agent_title is None


def test_typing_after_a_waiting_hook_hands_the_state_back_to_the_screen() -> None:
    """Declining Claude Code's dialog (Esc in the pane) fires no hook: the person's input must
    end the hook's "waiting", or the session would wait forever."""
    waiting = hook_signal("claude", "PermissionRequest", 10)
    idle = status(AgentState.IDLE, 5)
    assert shown_status(idle, waiting, T0 + timedelta(seconds=9)).state is (
        AgentState.WAITING_FOR_INPUT
    )  # typed before the question: still waiting
    assert shown_status(idle, waiting, T0 + timedelta(seconds=11)).state is AgentState.IDLE
    working = hook_signal("claude", "PreToolUse", 10)
    assert shown_status(idle, working, T0 + timedelta(seconds=11)).state is AgentState.WORKING


def test_an_agent_that_ended_in_a_shell_pane_is_no_longer_named() -> None:
    tracker = AgentTracker(None)
    tracker.note_hook("claude", "Stop", payload("Stop"))
    assert tracker.agent_title == "Claude Code"
    tracker.note_hook("claude", "SessionEnd", payload("SessionEnd"))
    assert tracker.agent_title is None
