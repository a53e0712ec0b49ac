"""Demo agents run as real children in real PTYs and print what real agents print."""

from __future__ import annotations

import os
import re
import select
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ptyprocess import PtyProcess

from aisession_tui.demo import AGENTS, DEMO_SESSIONS, DemoSpec, demo_command, demo_sessions
from aisession_tui.demo.reviewer import PROMPT
from aisession_tui.demo.tester import TOTAL_TESTS

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 60.0
SGR = re.compile(rb"\x1b\[[0-9;]*m")
OSC = re.compile(rb"\x1b\][^\x07]*\x07")


def plain(data: bytes) -> str:
    """Output without SGR and OSC sequences, for matching text the way a reader sees it."""
    return OSC.sub(b"", SGR.sub(b"", data)).decode("utf-8", "replace")


class Agent:
    """A demo agent in a real PTY, read with select so a stuck agent fails instead of hanging."""

    def __init__(self, agent: str, *args: str, rows: int = 40, cols: int = 100) -> None:
        env = {**os.environ, "TERM": "xterm-256color"}
        env.pop("COLUMNS", None)
        env.pop("LINES", None)
        argv = [sys.executable, "-m", "aisession_tui.demo", agent, *args]
        self.proc = PtyProcess.spawn(argv, dimensions=(rows, cols), env=env, cwd=str(REPO))
        self.output = b""
        self.eof = False

    def _read_some(self, deadline: float) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or self.eof:
            return False
        readable, _, _ = select.select([self.proc.fd], [], [], remaining)
        if not readable:
            return False
        try:
            chunk = os.read(self.proc.fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.output += chunk
        return True

    def read_until(self, marker: bytes | str, start: int = 0, timeout: float = TIMEOUT) -> int:
        """Read until `marker` appears after `start` (in the SGR-free text for str markers)."""
        deadline = time.monotonic() + timeout
        while True:
            if isinstance(marker, bytes):
                index = self.output.find(marker, start)
                if index >= 0:
                    return index + len(marker)
            elif marker in plain(self.output[start:]):
                return self._plain_end(marker, start)
            if not self._read_some(deadline) and (self.eof or time.monotonic() >= deadline):
                raise AssertionError(
                    f"{marker!r} not seen; eof={self.eof}; tail={self.output[-800:]!r}"
                )

    def _plain_end(self, marker: str, start: int) -> int:
        """The smallest raw offset whose prefix shows `marker` once escapes are stripped."""
        low, high = start, len(self.output)
        while low < high:
            middle = (low + high) // 2
            if marker in plain(self.output[start:middle]):
                high = middle
            else:
                low = middle + 1
        return low

    def quiet_for(self, seconds: float) -> bool:
        """True when nothing arrives for `seconds` (only ever used to prove waiting)."""
        before = len(self.output)
        deadline = time.monotonic() + seconds
        while self._read_some(deadline):
            pass
        return len(self.output) == before

    def send(self, data: bytes) -> None:
        os.write(self.proc.fd, data)

    def wait_exit(self, timeout: float = TIMEOUT) -> int:
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            self._read_some(deadline)
        while self.proc.isalive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not self.proc.isalive(), "agent did not exit"
        status = self.proc.exitstatus
        assert status is not None
        return status

    def close(self) -> None:
        if self.proc.isalive():
            self.proc.terminate(force=True)


@pytest.fixture
def spawn() -> Iterator[type[Agent]]:
    started: list[Agent] = []

    class Tracked(Agent):
        def __init__(self, *args: str, **kwargs: int) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    yield Tracked
    for agent in started:
        agent.close()


def run_piped(agent: str, stdin: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "aisession_tui.demo", agent, *args],
        input=stdin,
        capture_output=True,
        timeout=TIMEOUT,
        cwd=REPO,
        env={**os.environ, "COLUMNS": "100"},
        check=False,
    )


# -- builder -------------------------------------------------------------------------------


def test_builder_prints_a_gcc_error_then_fixes_it_and_succeeds(spawn: type[Agent]) -> None:
    agent = spawn("builder", "--script-only")
    end = agent.read_until(b"\r\n", start=agent.read_until("Build succeeded"))
    text = plain(agent.output)
    assert re.search(r"^src/lexer\.c:88:16: error: implicit declaration", text, re.M)
    assert "make: *** [Makefile:136: all] Error 2" in text
    assert "Build failed" in text
    assert text.index("error:") < text.index("Fix:") < text.index("Build succeeded")
    assert b"\x1b[1;31merror:" in agent.output  # coloured like GCC
    assert re.search(rb"\r\x1b\[2K\S+ compiling src/", agent.output)  # spinner redrawn with \r
    assert agent.quiet_for(0.3)
    assert agent.proc.isalive()  # deterministic mode waits for the cue of the next round
    agent.send(b"\r")
    agent.read_until("change detected", start=end)
    agent.read_until("Build succeeded", start=end)
    agent.send(b"\x04")
    assert agent.wait_exit() == 0


def test_builder_in_live_mode_keeps_building_rounds(spawn: type[Agent]) -> None:
    agent = spawn("builder", "--speed", "40", "--seed", "3")
    first = agent.read_until("Build succeeded")
    agent.read_until("change detected", start=first)
    agent.read_until("Build succeeded", start=first)


# -- tester --------------------------------------------------------------------------------


def test_tester_fails_one_test_with_a_traceback_then_passes_all(spawn: type[Agent]) -> None:
    agent = spawn("tester", "--script-only")
    agent.read_until(f"{TOTAL_TESTS} passed in")
    text = plain(agent.output)
    assert TOTAL_TESTS == 42
    assert re.search(r"^=+ test session starts =+$", text.replace("\r", ""), re.M)
    assert "collected 42 items" in text
    assert re.search(r"^tests/test_billing\.py \.+F\.+ +\[ 50%\]", text, re.M)
    assert re.search(r"^=+ 1 failed, 41 passed in \d+\.\d\ds =+\r?$", text, re.M)
    assert '>       assert invoice.total == Decimal("59.99")' in text
    assert "E       AssertionError: assert Decimal('59.98') == Decimal('59.99')" in text
    assert "FAILED tests/test_billing.py::test_invoice_total_rounds_half_up - " in text
    assert re.search(r"^=+ 42 passed in \d+\.\d\ds =+\r?$", text, re.M)
    assert text.index("1 failed") < text.index("patching") < text.index("42 passed in")
    lines = [line for line in text.split("\r\n") if line.startswith("=")]
    assert {len(line) for line in lines} == {100}  # rules span the terminal width


# -- reviewer ------------------------------------------------------------------------------


def test_reviewer_waits_at_its_question_and_applies_on_y(spawn: type[Agent]) -> None:
    agent = spawn("reviewer", "--script-only")
    asked = agent.read_until(PROMPT)
    text = plain(agent.output)
    assert "╭" in text and "╰" in text and "│" in text
    assert "✻ Pondering…" in text and "tokens · esc to interrupt" in text
    assert re.search(r"Tokens: [\d,]+ in · [\d,]+ out", text)
    assert "I found 3 issues" in text
    assert agent.quiet_for(0.5)  # nothing after the question: it is blocked reading stdin
    assert plain(agent.output).rstrip().endswith("[y/N]")
    agent.send(b"y\r")
    done = agent.read_until("Applied 5 edits to src/acme/ratelimit.py", start=asked)
    agent.read_until("12 passed", start=asked)
    agent.read_until(PROMPT, start=done)  # the next round asks again
    assert "CSV export" in plain(agent.output[done:])


def test_reviewer_discards_on_n_enter_or_garbage(spawn: type[Agent]) -> None:
    agent = spawn("reviewer", "--script-only")
    position = agent.read_until(PROMPT)
    for answer in (b"n\r", b"\r", b"\xff\xfe\x1b[A junk \x00\r"):
        agent.send(answer)
        position = agent.read_until("Changes discarded", start=position)
        position = agent.read_until(PROMPT, start=position)
    assert "Applied" not in plain(agent.output)
    assert agent.proc.isalive()


def test_reviewer_in_live_mode_also_waits_for_the_answer(spawn: type[Agent]) -> None:
    agent = spawn("reviewer", "--speed", "50")
    asked = agent.read_until(PROMPT)
    assert agent.quiet_for(0.5)
    agent.send(b"yes\r")
    agent.read_until("Applied", start=asked)


def test_reviewer_exits_cleanly_on_end_of_input(spawn: type[Agent]) -> None:
    agent = spawn("reviewer", "--script-only")
    agent.read_until(PROMPT)
    agent.send(b"\x04")
    assert agent.wait_exit() == 0


def test_ctrl_c_interrupts_an_agent_with_status_130(spawn: type[Agent]) -> None:
    agent = spawn("reviewer", "--script-only")
    agent.read_until(PROMPT)
    agent.send(b"\x03")
    assert agent.wait_exit() == 130


# -- shell-like ----------------------------------------------------------------------------


def test_shell_like_marks_prompts_commands_and_exit_codes(spawn: type[Agent]) -> None:
    agent = spawn("shell-like", "--script-only")
    end = agent.read_until(b"cd ..")
    end = agent.read_until(b"\x1b]133;B\x07", start=end)  # the idle prompt of the round's end
    out = agent.output
    assert out.startswith(b"\x1b]7;file://acme-dev/home/demo/projects/acme-api\x07")
    assert b"\x1b]0;demo@acme-dev: ~/projects/acme-api\x07" in out
    assert b"\x1b]7;file://acme-dev/home/demo/projects/acme-api/src\x07" in out
    prompts = out.count(b"\x1b]133;A\x07")
    assert prompts == out.count(b"\x1b]133;B\x07") == 7
    assert out.count(b"\x1b]133;C\x07") == 6
    assert out.count(b"\x1b]133;D;0\x07") == 5
    assert out.count(b"\x1b]133;D;1\x07") == 1  # grep found nothing
    assert OSC.sub(b"", out).count(b"\x07") == 1  # BEL rings once, when `make test` finishes
    bel = OSC.sub(b"", out).index(b"\x07")
    assert b"42 passed in" in OSC.sub(b"", out)[:bel]
    # each C comes after a B and before its D
    for match in re.finditer(rb"\x1b\]133;C\x07", out):
        assert out.rfind(b"\x1b]133;B\x07", 0, match.start()) >= 0
        assert out.find(b"\x1b]133;D;", match.end()) >= 0


def test_shell_like_runs_typed_commands_with_exit_codes(spawn: type[Agent]) -> None:
    agent = spawn("shell-like", "--script-only")
    start = agent.read_until(b"cd ..")
    start = agent.read_until(b"\x1b]133;B\x07", start=start)  # the idle prompt
    agent.send(b"pwd\r")
    start = agent.read_until(b"\x1b]133;D;0\x07", start=start)
    assert b"\x1b]133;C\x07/home/demo/projects/acme-api\r\n" in agent.output
    agent.send(b"frobnicate --now\r")
    start = agent.read_until(b"\x1b]133;D;127\x07", start=start)
    assert "demo-shell: frobnicate: command not found" in plain(agent.output)
    agent.send(b"cd tests\r")
    start = agent.read_until(b"\x1b]7;file://acme-dev/home/demo/projects/acme-api/tests\x07", start)
    agent.send(b"\r")  # an empty line starts the next round
    agent.read_until(b"git status --short", start=start)
    agent.read_until(b"\x1b]133;D;0\x07", start=start)
    agent.send(b"exit\r")
    agent.read_until(b"cd ..", start=start)
    assert agent.wait_exit() == 0


def test_shell_like_in_live_mode_runs_a_line_typed_while_it_waits(spawn: type[Agent]) -> None:
    agent = spawn("shell-like", "--speed", "1", "--seed", "5")
    start = agent.read_until(b"\x1b]133;B\x07")  # the first prompt; the agent now pauses
    agent.send(b"echo hello from the supervisor\r")
    start = agent.read_until(b"\x1b]133;C\x07hello from the supervisor\r\n", start=start)
    agent.read_until(b"\x1b]133;D;0\x07", start=start)
    agent.read_until(b"git status --short", start=start)  # then the script carries on


# -- determinism ---------------------------------------------------------------------------

ROUND_END = {
    "builder": "Build succeeded",
    "tester": f"{TOTAL_TESTS} passed in",
    "reviewer": PROMPT,
}


def read_first_round(child: Agent, agent: str) -> None:
    if agent == "shell-like":  # the round ends at the idle prompt after `cd ..`
        child.read_until(b"\x1b]133;B\x07", start=child.read_until(b"cd .."))
    else:
        child.read_until(ROUND_END[agent])


@pytest.mark.parametrize("agent", AGENTS)
def test_script_only_output_is_byte_identical_in_a_pty(spawn: type[Agent], agent: str) -> None:
    runs = []
    for _ in range(2):
        child = spawn(agent, "--script-only")
        read_first_round(child, agent)
        child.send(b"\x04")
        assert child.wait_exit() == 0
        runs.append(child.output)
    assert runs[0] == runs[1]
    assert len(runs[0]) > 500


@pytest.mark.parametrize(
    ("agent", "stdin"),
    [("builder", b"\n"), ("tester", b"\n"), ("reviewer", b"y\n"), ("shell-like", b"ls\n\n")],
)
def test_script_only_is_byte_identical_through_pipes_over_two_rounds(
    agent: str, stdin: bytes
) -> None:
    first = run_piped(agent, stdin, "--script-only")
    second = run_piped(agent, stdin, "--script-only")
    assert first.returncode == 0, first.stderr
    assert first.stderr == b""
    assert first.stdout == second.stdout
    assert len(first.stdout) > 1000


def test_speed_zero_is_the_same_deterministic_mode() -> None:
    assert (
        run_piped("tester", b"", "--speed", "0").stdout
        == run_piped("tester", b"", "--script-only").stdout
    )


def test_the_seed_changes_the_details() -> None:
    one = run_piped("tester", b"", "--script-only", "--seed", "1").stdout
    two = run_piped("tester", b"", "--script-only", "--seed", "2").stdout
    assert one != two
    assert b"1 failed, 41 passed" in one and b"1 failed, 41 passed" in two


# -- command line and specs ----------------------------------------------------------------


def test_bad_arguments_give_a_clear_error_and_status_2() -> None:
    result = run_piped("builder", b"", "--speed", "-1")
    assert result.returncode == 2
    assert b"speed must be a finite number >= 0" in result.stderr
    unknown = run_piped("painter", b"")
    assert unknown.returncode == 2
    assert b"invalid choice: 'painter'" in unknown.stderr


def test_demo_sessions_cover_every_agent_with_runnable_commands() -> None:
    assert [spec.name for spec in DEMO_SESSIONS] == ["builder", "tester", "reviewer", "shell"]
    assert all(isinstance(spec, DemoSpec) and spec.role for spec in DEMO_SESSIONS)
    for spec, agent in zip(DEMO_SESSIONS, AGENTS, strict=True):
        assert shlex.split(spec.command) == [sys.executable, "-m", "aisession_tui.demo", agent]


def test_demo_session_commands_run_through_a_shell() -> None:
    for spec in demo_sessions(script_only=True, seed=7):
        result = subprocess.run(
            ["/bin/sh", "-c", spec.command],
            input=b"",
            capture_output=True,
            timeout=TIMEOUT,
            cwd="/",
            check=False,
        )
        assert result.returncode == 0, (spec, result.stderr)
        assert len(result.stdout) > 500


def test_demo_command_quotes_an_interpreter_path_with_spaces() -> None:
    command = demo_command("tester", python="/opt/my python/bin/python3", speed=2)
    assert shlex.split(command) == [
        "/opt/my python/bin/python3",
        "-m",
        "aisession_tui.demo",
        "tester",
        "--speed",
        "2.0",
    ]
    with pytest.raises(ValueError, match="unknown demo agent 'painter'"):
        demo_command("painter")


def test_demo_package_does_not_import_textual() -> None:
    code = (
        "import sys, aisession_tui.demo, aisession_tui.demo.cli, aisession_tui.demo.reviewer;"
        "assert 'textual' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=TIMEOUT)


# -- what the rest of the app sees ---------------------------------------------------------


def test_the_output_parser_recognises_what_the_agents_print() -> None:
    """The demo exists to light up the panels, so the project's own parser must read it."""
    from aisession_tui.ai.parsing import EventKind, parse_output

    builder = parse_output(run_piped("builder", b"", "--script-only").stdout)
    error = next(e for e in builder if e.kind == EventKind.ERROR)
    assert (error.file, error.line, error.column) == ("src/lexer.c", 88, 16)
    assert any(e.kind == EventKind.BUILD_RESULT and e.success is False for e in builder)

    tester = parse_output(run_piped("tester", b"", "--script-only").stdout)
    summaries = [e for e in tester if e.kind == EventKind.TEST_SUMMARY]
    assert [(e.failed, e.passed) for e in summaries] == [(1, 41), (0, 42)]

    reviewer = parse_output(run_piped("reviewer", b"", "--script-only").stdout)
    assert any(e.kind == EventKind.PROMPT and e.choices == ("y", "n") for e in reviewer)
