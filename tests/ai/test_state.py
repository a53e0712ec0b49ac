"""Agent state: unit behaviour of StateDetector, then real processes driven through each state."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from aisession_tui.ai.integration import ShellMark, with_shell_integration
from aisession_tui.ai.monitor import (
    AgentStateChanged,
    ContextCompressed,
    MonitorEvent,
    ParsedEventsFound,
    SessionMonitor,
)
from aisession_tui.ai.parsing import parse_output
from aisession_tui.ai.state import (
    HOLD_SECONDS,
    MAX_TAIL_LINE,
    AgentState,
    StateChange,
    StateDetector,
    is_spinner_frame,
)
from aisession_tui.core.config import ContextConfig, SessionConfig
from aisession_tui.core.session import AISession
from aisession_tui.terminal.emulator import Emulator

from .agent_replay import VirtualTime

FIXTURES = Path(__file__).parent / "fixtures"
PY = sys.executable


# --- StateDetector on its own ------------------------------------------------------------------


def test_prompt_mark_without_command_is_waiting_and_command_marks_give_done_or_error() -> None:
    changes: list[StateChange] = []
    detector = StateDetector(changes.append)
    detector.mark(ShellMark("A"))
    assert detector.state is AgentState.WAITING_FOR_INPUT
    assert detector.reason == "OSC 133;A prompt, no command running"
    detector.mark(ShellMark("E", None, "make"))
    detector.mark(ShellMark("C"))
    assert (detector.state, detector.reason) == (AgentState.WORKING, "running `make`")
    detector.mark(ShellMark("D", 2, "2"))
    assert (detector.state, detector.reason) == (AgentState.ERROR, "`make` failed (exit 2)")
    detector.mark(ShellMark("A"))
    assert detector.state is AgentState.ERROR  # the result stays visible at the next prompt
    detector.mark(ShellMark("E", None, "true"))
    detector.mark(ShellMark("C"))
    detector.mark(ShellMark("D", 0, "0"))
    assert detector.state is AgentState.DONE
    assert [c.new.state for c in changes] == [
        AgentState.WAITING_FOR_INPUT,
        AgentState.WORKING,
        AgentState.ERROR,
        AgentState.WORKING,
        AgentState.DONE,
    ]


def test_parsed_failures_are_errors_and_successes_are_done() -> None:
    detector = StateDetector()
    detector.parsed(parse_output((FIXTURES / "pytest_failed.txt").read_text()))
    assert (detector.state, detector.reason) == (
        AgentState.ERROR,
        "pytest: 2 failed, 5 passed, 1 skipped",
    )
    detector.parsed(parse_output((FIXTURES / "pytest_passed.txt").read_text()))
    assert (detector.state, detector.reason) == (AgentState.DONE, "pytest: 5 passed")


def test_exit_is_final_and_labelled_with_code() -> None:
    detector = StateDetector()
    detector.exited(3)
    detector.output("late output\n")
    detector.mark(ShellMark("A"))
    assert detector.state is AgentState.EXITED
    assert detector.status.label == "exited (3)"
    assert detector.reason == "process exited with code 3"


def test_screen_question_means_waiting_even_without_newline() -> None:
    time = VirtualTime()
    detector = StateDetector(clock=time.clock, call_later=time.call_later)
    detector.output("Overwrite config.toml? [y/N] ")
    assert detector.state is AgentState.WAITING_FOR_INPUT
    assert detector.reason == "screen asks yes/no: Overwrite config.toml?"
    detector.output("y\r\nwriting...\r\n")
    assert detector.state is AgentState.WAITING_FOR_INPUT  # not yet: working must hold
    time.advance(HOLD_SECONDS)
    assert (detector.state, detector.reason) == (AgentState.WORKING, "output flowing")


def test_output_is_working_only_once_it_holds_and_a_lone_redraw_is_not_work() -> None:
    time = VirtualTime()
    changes: list[StateChange] = []
    detector = StateDetector(changes.append, clock=time.clock, call_later=time.call_later)
    detector.output("12:00:01")  # a clock in a status line: one redraw, then quiet
    time.advance(1.0)
    assert detector.state is AgentState.IDLE and not changes
    for step in range(1, 20):  # a spinner: many frames, one state, one reason
        time.advance(1.0 + step * 0.05)
        detector.output(f"\r{'⠋⠙⠹⠸'[step % 4]} Thinking")
    assert [c.new.state for c in changes] == [AgentState.WORKING]
    time.advance(10.0)
    assert [c.new.state for c in changes] == [AgentState.WORKING, AgentState.IDLE]


def test_a_question_applies_at_once_and_a_redrawn_question_does_not_flap() -> None:
    time = VirtualTime()
    changes: list[StateChange] = []
    detector = StateDetector(changes.append, clock=time.clock, call_later=time.call_later)
    menu = [" Do you want to proceed?", " \u276f 1. Yes", "   2. No", "", " Esc to cancel"]
    detector.output("x", menu)
    assert detector.reason == "screen shows a 2-choice menu: Do you want to proceed?"
    half = [" Do you want to proceed?", "   1. Yes"]  # a frame caught half drawn
    detector.output("x", half)
    time.advance(0.1)
    detector.output("x", [*menu[:1], "   1. Yes", " \u276f 2. No"])
    time.advance(1.0)
    assert len(changes) == 1 and detector.state is AgentState.WAITING_FOR_INPUT
    assert all(c.notable for c in changes)


def test_attention_requests_wait_and_external_signals_override_the_screen() -> None:
    time = VirtualTime()
    changes: list[StateChange] = []
    detector = StateDetector(changes.append, clock=time.clock, call_later=time.call_later)
    detector.attention("OSC 9", "Claude needs your permission to use Bash")
    assert detector.status.reason == "OSC 9: Claude needs your permission to use Bash"
    detector.external(AgentState.WORKING, "Claude Code hook: PreToolUse")
    assert detector.authoritative
    detector.output("x", [" Do you want to proceed?", " \u276f 1. Yes", "   2. No"])
    time.advance(10)
    assert detector.status.reason == "Claude Code hook: PreToolUse"  # the hook decides
    detector.release()
    detector.output("x", [" Do you want to proceed?", " \u276f 1. Yes", "   2. No"])
    assert detector.state is AgentState.WAITING_FOR_INPUT
    detector.external(AgentState.DONE, "Claude Code hook: Stop", hold=2.0)
    time.advance(time.now + 3.0)
    assert not detector.authoritative
    detector.exited(0)
    assert detector.state is AgentState.EXITED
    assert [c.notable for c in changes] == [True, False, True, False, True]


def test_spinner_frames_are_recognised() -> None:
    assert is_spinner_frame("\r⠋ Thinking…")
    assert is_spinner_frame("\x1b[2K\r\x1b[36m⠙\x1b[0m Running tests")
    assert not is_spinner_frame("plain output line\n")
    assert not is_spinner_frame("⠋ no redraw here")


async def test_silence_turns_working_into_idle_with_one_rearmed_timer() -> None:
    changes: list[StateChange] = []
    done = asyncio.Event()
    detector = StateDetector(
        lambda c: (changes.append(c), c.new.state is AgentState.IDLE and done.set()),
        idle_after=0.3,
    )
    for _ in range(5):
        detector.output("tick\n")
        await asyncio.sleep(0.05)
    assert detector._timer is not None  # one pending handle, not one per chunk
    await asyncio.wait_for(done.wait(), 10)
    assert detector.reason.startswith("no output for")
    assert [c.new.state for c in changes] == [AgentState.WORKING, AgentState.IDLE]
    detector.close()


def test_idle_after_must_be_positive() -> None:
    with pytest.raises(ValueError):
        StateDetector(idle_after=0)


# --- real processes through SessionMonitor ----------------------------------------------------


class _Watch:
    """Collects monitor events and waits (event-driven) for conditions on them."""

    def __init__(self, monitor: SessionMonitor) -> None:
        self.monitor = monitor
        self.events: list[MonitorEvent] = []
        self._changed = asyncio.Event()
        monitor.subscribe(self._on)

    def _on(self, event: MonitorEvent) -> None:
        self.events.append(event)
        self._changed.set()

    @property
    def states(self) -> list[AgentState]:
        return [e.change.new.state for e in self.events if isinstance(e, AgentStateChanged)]

    async def until(self, predicate: Callable[[], bool], limit: float = 30.0) -> None:
        async def loop() -> None:
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(loop(), limit)
        except TimeoutError:
            raise AssertionError(
                f"timed out; state={self.monitor.state}, states seen={self.states}"
            ) from None

    async def until_context(self, predicate: Callable[[], bool], limit: float = 30.0) -> None:
        """Like `until`, but lets queued context updates land before each check."""

        async def loop() -> None:
            while True:
                self._changed.clear()
                await self.monitor.context_settled()
                if predicate():
                    return
                await self._changed.wait()

        await asyncio.wait_for(loop(), limit)

    async def state(self, state: AgentState, limit: float = 30.0) -> None:
        await self.until(lambda: self.monitor.state.state is state, limit)


def _attach_emulator(session: AISession) -> Emulator:
    """What the UI pane does: feed the session's bytes into an emulator as they arrive."""
    emulator = Emulator(80, 24, reply=session.write)
    from aisession_tui.core.events import OutputReceived

    session.subscribe(lambda e: emulator.feed(e.data) if isinstance(e, OutputReceived) else None)
    return emulator


ASKS = (
    "import sys, time\n"
    "print('planning the change', flush=True)\n"
    "answer = input('Apply the patch? [y/N] ')\n"
    "for i in range(30):\n"
    "    sys.stdout.write('\\r' + '⠋⠙⠹⠸'[i % 4] + ' applying')\n"
    "    sys.stdout.flush(); time.sleep(0.03)\n"
    "print('\\napplied' if answer == 'y' else '\\nskipped', flush=True)\n"
    "time.sleep(60)\n"
)


async def test_program_asking_y_n_waits_then_works_then_idles_then_exits(tmp_path: Path) -> None:
    script = tmp_path / "ask.py"
    script.write_text(ASKS)
    session = AISession(SessionConfig(shell_command=f"{PY} {script}", working_directory=tmp_path))
    emulator = _attach_emulator(session)
    monitor = SessionMonitor(session, emulator, idle_after=1.0)
    watch = _Watch(monitor)
    await session.start()
    try:
        await watch.state(AgentState.WAITING_FOR_INPUT)
        assert monitor.state.reason == "screen asks yes/no: Apply the patch?"
        session.write(b"y\r")
        await watch.state(AgentState.WORKING)
        await watch.state(AgentState.IDLE)
        assert monitor.state.reason.startswith("no output for")
        assert "applied" in "\n".join(emulator.text_lines())
    finally:
        await session.stop()
    await watch.state(AgentState.EXITED)
    assert monitor.state.label.startswith("exited")
    assert AgentState.WORKING in watch.states
    monitor.close()


async def test_numbered_menu_on_screen_is_waiting(tmp_path: Path) -> None:
    script = tmp_path / "menu.py"
    script.write_text(
        "print(' Do you want to proceed?')\n"
        "print(' \\u276f 1. Yes')\n"
        "print('   2. No, and tell me what to do differently')\n"
        "input()\n"
    )
    session = AISession(SessionConfig(shell_command=f"{PY} {script}", working_directory=tmp_path))
    emulator = _attach_emulator(session)
    monitor = SessionMonitor(session, emulator, idle_after=0.5)
    watch = _Watch(monitor)
    await session.start()
    try:
        # The question may arrive alone first ("screen asks"); the menu below it follows.
        await watch.until(lambda: "2-choice menu" in monitor.state.reason)
        assert monitor.state.state is AgentState.WAITING_FOR_INPUT
        assert monitor.state.reason.endswith("Do you want to proceed?")
        session.write(b"1\r")
    finally:
        await session.stop()
    await watch.state(AgentState.EXITED)
    monitor.close()


async def test_shell_session_waits_then_errors_on_failing_pytest_then_done(tmp_path: Path) -> None:
    tests = tmp_path / "test_x.py"
    tests.write_text("def test_ok():\n    pass\n\ndef test_bad():\n    assert 1 == 2\n")
    config = with_shell_integration(
        SessionConfig(
            shell=shutil.which("bash"),
            working_directory=tmp_path,
            environment={"HOME": str(tmp_path)},
            enable_ai_features=True,
            context_config=ContextConfig(max_tokens=400, compression_threshold=0.5),
        )
    )
    session = AISession(config)
    monitor = SessionMonitor(session, idle_after=2.0)
    watch = _Watch(monitor)
    await session.start()
    try:
        await watch.state(AgentState.WAITING_FOR_INPUT)
        assert monitor.state.reason == "OSC 133;A prompt, no command running"
        session.write(f"{PY} -m pytest -q -p no:cacheprovider test_x.py\r".encode())
        await watch.state(AgentState.ERROR, limit=60)
        await watch.until(lambda: session.command_count >= 1, limit=60)
        record = session.command_history[-1]
        assert record.exit_code == 1 and "1 failed, 1 passed" in record.output
        assert monitor.latest_result is not None
        assert monitor.latest_result.summary() == "pytest: 1 failed, 1 passed"
        found = [e for e in watch.events if isinstance(e, ParsedEventsFound)]
        assert any(ev.summary() == "pytest: 1 failed, 1 passed" for f in found for ev in f.events)
        session.write(b"for i in 1 2 3; do seq 1 40; done\r")
        await watch.until(lambda: session.command_count >= 2)
        await watch.state(AgentState.DONE)
        assert monitor.state.reason == "`for i in 1 2 3; do seq 1 40; done` finished (exit 0)"
        session.write(b"exit 3\r")
        await watch.state(AgentState.EXITED)
        assert monitor.state.exit_code == 3
        await watch.until(lambda: session.command_count >= 3)
        assert (session.command_history[-1].command, session.command_history[-1].exit_code) == (
            "exit 3",
            3,
        )
    finally:
        await session.stop()
    await monitor.context_settled()
    assert monitor.shell_integrated
    assert monitor.total_tokens > 0 and session.total_tokens > 0
    assert monitor.context is not None
    assert monitor.context.stats.compressions >= 1
    assert any(isinstance(e, ContextCompressed) for e in watch.events)
    commands = [m.content for m in monitor.context.all_messages() if m.role.value == "user"]
    assert commands[0].endswith("-m pytest -q -p no:cacheprovider test_x.py")
    monitor.close()


async def test_program_without_integration_gets_history_from_typed_lines(tmp_path: Path) -> None:
    script = tmp_path / "repl.py"
    script.write_text("while True:\n    line = input('> ')\n    print('you said', line)\n")
    session = AISession(
        SessionConfig(
            shell_command=f"{PY} {script}", working_directory=tmp_path, enable_ai_features=True
        )
    )
    monitor = SessionMonitor(session, idle_after=0.5)
    watch = _Watch(monitor)
    quiet = asyncio.Event()
    end_turn = monitor.detector.on_quiet
    assert end_turn is not None
    monitor.detector.on_quiet = lambda: (end_turn(), quiet.set())
    await session.start()
    try:
        await watch.until(lambda: monitor.total_tokens > 0)
        for keys in (b"hello\r", b"fix the tset\x7f\x7f\x7fest\r"):
            monitor.note_input(keys)
            session.write(keys)
        await watch.until(lambda: session.command_count >= 2)
        # The reply is one short burst (no state change): the pause after it ends the turn.
        quiet.clear()
        await asyncio.wait_for(quiet.wait(), 10)
        await monitor.context_settled()
        assert "you said fix the test" in _last_message(monitor)
    finally:
        await session.stop()
    assert [r.command for r in session.command_history] == ["hello", "fix the test"]
    assert all(r.exit_code is None for r in session.command_history)
    monitor.close()


def _last_message(monitor: SessionMonitor) -> str:
    messages = monitor.context.all_messages() if monitor.context else []
    return messages[-1].content if messages else ""


def test_without_an_emulator_the_remembered_screen_stays_bounded() -> None:
    detector = StateDetector()
    for _ in range(500):
        detector.output("\x1b[2;3H⣿⣿⣿⣿" * 100)  # cursor-addressed frames, never a newline
    assert max(len(line) for line in detector._screen) <= MAX_TAIL_LINE
    detector.output("\r\nApply? [y/N] ")
    assert detector.reason == "screen asks yes/no: Apply?"
