"""Shell integration: marks from real bash/zsh, command records, injection without dotfile edits."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aisession_tui.ai.integration import (
    BASH_RCFILE,
    CommandTracker,
    CwdMark,
    InputLineTracker,
    MarkScanner,
    ShellMark,
    clean_output,
    display_command,
    is_core_command,
    mark_from_terminal_event,
    shell_integration_for,
    with_shell_integration,
)
from aisession_tui.core.config import SessionConfig
from aisession_tui.core.events import OutputReceived
from aisession_tui.core.session import AISession
from aisession_tui.core.types import CommandRecord

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = [
    ("echo hello; false", 1, "hello", "/tmp"),
    ("cd /usr && ls -d lib", 0, "lib", "/tmp"),
    ("printf 'a\\tb;c\\\\d\\n'", 0, "a\tb;c\\d", "/usr"),
    ("python3 -c 'import sys; print(\"out\"); sys.exit(3)'", 3, "out", "/usr"),
]
needs_zsh = pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh not installed")


def _records_from(data: bytes, chunk: int | None = None) -> list[CommandRecord]:
    records: list[CommandRecord] = []
    tracker = CommandTracker(records.append)
    scanner = MarkScanner()
    step = chunk or len(data)
    for start in range(0, len(data), step):
        tracker.feed(scanner.feed(data[start : start + step]))
    return records


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_captured_session_gives_exact_commands_exit_codes_output_and_cwd(shell: str) -> None:
    data = (FIXTURES / f"{shell}_integration_session.bin").read_bytes()
    records = _records_from(data)
    assert [(r.command, r.exit_code, r.output, r.cwd) for r in records] == EXPECTED
    assert all(r.duration_ms is not None and r.duration_ms >= 0 for r in records)


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_marks_split_across_every_byte_boundary_are_still_found(shell: str) -> None:
    data = (FIXTURES / f"{shell}_integration_session.bin").read_bytes()
    records = _records_from(data, chunk=1)
    assert [(r.command, r.exit_code, r.output) for r in records] == [e[:3] for e in EXPECTED]


def test_scanner_keeps_other_escapes_in_the_text() -> None:
    items = MarkScanner().feed(b"\x1b[31mred\x1b[0m\x1b]133;D;2\x07\x1b]0;title\x07")
    assert items == ["\x1b[31mred\x1b[0m", ShellMark("D", 2, "2"), "\x1b]0;title\x07"]
    assert MarkScanner().feed(b"\x1b]7;file://host/a%20b\x07") == [CwdMark("/a b")]


@given(st.lists(st.binary(max_size=64), max_size=30))
def test_scanner_and_tracker_never_raise_on_garbage(chunks: list[bytes]) -> None:
    tracker = CommandTracker(lambda record: None)
    scanner = MarkScanner()
    for chunk in chunks:
        tracker.feed(scanner.feed(b"\x1b]133;C\x07" + chunk))


def test_prompt_without_exit_mark_closes_the_command_without_code() -> None:
    records: list[CommandRecord] = []
    tracker = CommandTracker(records.append)
    for mark in (ShellMark("E", None, "make"), ShellMark("C")):
        tracker.mark(mark)
    assert tracker.running and tracker.current_command == "make"
    tracker.output("building\r\n")
    tracker.mark(ShellMark("A"))
    assert [(r.command, r.exit_code, r.output) for r in records] == [("make", None, "building")]
    assert tracker.at_prompt and not tracker.running


def test_core_execute_command_lines_are_left_to_the_core() -> None:
    records: list[CommandRecord] = []
    tracker = CommandTracker(records.append)
    text = "printf '\\033]777;ais-start;%s\\007' abc; eval ls"
    for mark in (ShellMark("E", None, text), ShellMark("C"), ShellMark("D", 0, "0")):
        tracker.mark(mark)
    assert records == []


def test_output_is_bounded() -> None:
    records: list[CommandRecord] = []
    tracker = CommandTracker(records.append, max_output_chars=10)
    tracker.mark(ShellMark("E", None, "yes"))
    tracker.mark(ShellMark("C"))
    tracker.output("y\n" * 100)
    tracker.mark(ShellMark("D", 130, "130"))
    assert records[0].output.endswith("[output truncated]")
    assert records[0].exit_code == 130


def test_terminal_event_adapter_accepts_emulator_events() -> None:
    from aisession_tui.terminal.events import CwdChanged, PromptMark

    assert mark_from_terminal_event(PromptMark("D", 1, "1")) == ShellMark("D", 1, "1")
    assert mark_from_terminal_event(CwdChanged("/srv")) == CwdMark("/srv")
    assert mark_from_terminal_event(object()) is None


def test_input_lines_become_history_without_integration() -> None:
    records: list[CommandRecord] = []
    lines = InputLineTracker(records.append, cwd="/w")
    lines.feed(b"lss\x7f -la\r")  # a typo fixed with backspace
    lines.feed(b"\x1b[A\x1b[B")  # arrow keys are not text
    lines.feed(b"rm -rf /\x15echo ok\r")  # Ctrl-U threw the line away
    lines.feed(b"half\x03\r")  # Ctrl-C abandons the line
    lines.feed("caf\xc3".encode("latin-1") + b"\xa9\n")
    assert [r.command for r in records] == ["ls -la", "echo ok", "café"]
    assert all(r.exit_code is None and r.cwd == "/w" for r in records)


def test_integration_plans_for_bash_and_zsh_only() -> None:
    bash = shell_integration_for(SessionConfig(shell="/bin/bash"))
    assert bash is not None and bash.argv == ["/bin/bash", "--rcfile", str(BASH_RCFILE), "-i"]
    zsh = shell_integration_for(SessionConfig(shell="zsh", environment={"ZDOTDIR": "/cfg"}))
    assert zsh is not None and zsh.env["AISESSION_USER_ZDOTDIR"] == "/cfg"
    assert (Path(zsh.env["ZDOTDIR"]) / ".zshenv").read_text().startswith("source ")
    assert shell_integration_for(SessionConfig(shell="/usr/bin/fish")) is None
    assert shell_integration_for(SessionConfig(shell_command="python3 agent.py")) is None
    config = with_shell_integration(SessionConfig(shell="/bin/bash"))
    assert config.shell_command is not None and "--rcfile" in config.shell_command
    assert config.environment["AISESSION_SHELL_INTEGRATION"] == "1"


# --- real shells through the real session core -------------------------------------------------


class _Recorder:
    """Feeds a session's output through scanner and tracker; wakes waiters on each record."""

    def __init__(self, session: AISession) -> None:
        self.records: list[CommandRecord] = []
        self.tracker = CommandTracker(self._add)
        self.scanner = MarkScanner()
        self.changed = asyncio.Event()
        self.output = bytearray()
        session.subscribe(self._on_event)

    def _on_event(self, event: object) -> None:
        if isinstance(event, OutputReceived):
            self.output += event.data
            self.tracker.feed(self.scanner.feed(event.data))
            self.changed.set()

    def _add(self, record: CommandRecord) -> None:
        self.records.append(record)

    async def wait(self, predicate: Callable[[], bool], limit: float = 30.0) -> None:
        async def loop() -> None:
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

        try:
            await asyncio.wait_for(loop(), limit)
        except TimeoutError:
            tail = bytes(self.output[-2000:])
            raise AssertionError(f"condition not met; output tail: {tail!r}") from None


def _home_with_dotfiles(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text(
        "alias greet='echo hello-from-bashrc'\nPROMPT_COMMAND='true;'\nPS1='user$ '\n"
    )
    (home / ".zshrc").write_text("alias greet='echo hello-from-zshrc'\nPS1='user%% '\n")
    return home


@pytest.mark.parametrize("shell", ["bash", pytest.param("zsh", marks=needs_zsh)])
async def test_real_shell_reports_commands_and_keeps_users_rc(shell: str, tmp_path: Path) -> None:
    home = _home_with_dotfiles(tmp_path)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in home.iterdir()}
    work = tmp_path / "work dir"
    work.mkdir()
    config = with_shell_integration(
        SessionConfig(
            shell=shutil.which(shell),
            working_directory=tmp_path,
            environment={"HOME": str(home), "HISTFILE": str(tmp_path / "hist")},
        )
    )
    session = AISession(config)
    recorder = _Recorder(session)
    await session.start()
    try:
        await recorder.wait(lambda: recorder.tracker.at_prompt)
        session.write(b"greet\r")
        await recorder.wait(lambda: len(recorder.records) >= 1)
        session.write(f"cd '{work}' && sh -c 'echo err >&2; exit 7'\r".encode())
        await recorder.wait(lambda: len(recorder.records) >= 2)
        session.write(b"pwd\r")
        await recorder.wait(lambda: len(recorder.records) >= 3)
    finally:
        await session.stop()
    greet, failing, pwd = recorder.records
    assert (greet.command, greet.exit_code, greet.output) == ("greet", 0, f"hello-from-{shell}rc")
    assert failing.exit_code == 7 and failing.output == "err"
    assert failing.command == f"cd '{work}' && sh -c 'echo err >&2; exit 7'"
    assert failing.cwd == str(tmp_path)
    assert pwd.cwd == str(work) and pwd.output == str(work)
    assert all(r.duration_ms is not None for r in recorder.records)
    after = {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in home.iterdir() if p.name in before
    }
    assert after == before


async def test_bash_rcfile_path_has_no_effect_on_environment_of_children(tmp_path: Path) -> None:
    config = with_shell_integration(
        SessionConfig(
            shell="/bin/bash", working_directory=tmp_path, environment={"HOME": str(tmp_path)}
        )
    )
    session = AISession(config)
    recorder = _Recorder(session)
    await session.start()
    try:
        await recorder.wait(lambda: recorder.tracker.at_prompt)
        output = await session.execute_command("echo $AISESSION_SHELL_INTEGRATION", timeout=20)
    finally:
        await session.stop()
    assert output.strip().endswith("1")
    assert recorder.records == []  # execute_command is recorded by the core, not twice


def test_core_wrapper_is_recognised_and_shown_as_its_inner_command() -> None:
    from aisession_tui.core.command_capture import CommandCapture

    line = CommandCapture.shell_line("echo 'a b'; ls", "abc123").strip()
    assert is_core_command(line)
    assert display_command(line) == "echo 'a b'; ls"
    assert display_command("printf '\\033]777;ais-start;%s\\007' abc123") == "execute_command"
    assert not is_core_command("make test") and display_command("make test") == "make test"


async def test_users_debug_trap_keeps_running_next_to_ours(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("trap 'USER_TRAP_RAN=yes; : '\"'\"'q'\"'\"'' DEBUG\n")
    config = with_shell_integration(
        SessionConfig(
            shell="/bin/bash", working_directory=tmp_path, environment={"HOME": str(home)}
        )
    )
    session = AISession(config)
    recorder = _Recorder(session)
    await session.start()
    try:
        await recorder.wait(lambda: recorder.tracker.at_prompt)
        session.write(b'echo "trap=$USER_TRAP_RAN"\r')
        await recorder.wait(lambda: len(recorder.records) >= 1)
    finally:
        await session.stop()
    assert recorder.records[0].output == "trap=yes"


@needs_zsh
async def test_zsh_hooks_survive_a_zshrc_that_resets_them_and_a_moved_zdotdir(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    config_dir = home / ".config" / "zsh"
    config_dir.mkdir(parents=True)
    (home / ".zshenv").write_text('ZDOTDIR="$HOME/.config/zsh"\n')
    (config_dir / ".zshrc").write_text(
        "precmd_functions=()\npreexec_functions=()\nalias where='echo from-moved-zdotdir'\n"
    )
    config = with_shell_integration(
        SessionConfig(
            shell=shutil.which("zsh"), working_directory=tmp_path, environment={"HOME": str(home)}
        )
    )
    session = AISession(config)
    recorder = _Recorder(session)
    await session.start()
    try:
        await recorder.wait(lambda: recorder.tracker.at_prompt)
        session.write(b"where\r")
        await recorder.wait(lambda: len(recorder.records) >= 1)
        session.write(b'echo "zdotdir=$ZDOTDIR"\r')
        await recorder.wait(lambda: len(recorder.records) >= 2)
    finally:
        await session.stop()
    where, zdotdir = recorder.records
    assert (where.command, where.output, where.exit_code) == ("where", "from-moved-zdotdir", 0)
    assert zdotdir.output == f"zdotdir={config_dir}"


def test_clean_output_keeps_what_stays_on_screen() -> None:
    assert clean_output("x\rdone 10%\rdone") == "done 10%"
    assert clean_output("progress 10%\r\x1b[Kfinished\r\nnext \x1b[31mred\x1b[0m\r\n") == (
        "finished\nnext red"
    )
    # zsh marks a last line without newline, pads it and returns: the text must survive.
    assert clean_output("abc\x1b[1m\x1b[7m%\x1b[27m\x1b[1m\x1b[0m      \r \r") == "abc"
    assert clean_output("a\x1b]8;;http://x\x07link\x1b]8;;\x07\x1b") == "alink"


@pytest.mark.parametrize("shell", ["bash", pytest.param("zsh", marks=needs_zsh)])
async def test_output_without_trailing_newline_is_kept(shell: str, tmp_path: Path) -> None:
    config = with_shell_integration(
        SessionConfig(
            shell=shutil.which(shell),
            working_directory=tmp_path,
            environment={"HOME": str(tmp_path)},
        )
    )
    session = AISession(config)
    recorder = _Recorder(session)
    await session.start()
    try:
        await recorder.wait(lambda: recorder.tracker.at_prompt)
        session.write(b"printf abc\r")
        await recorder.wait(lambda: len(recorder.records) >= 1)
    finally:
        await session.stop()
    assert recorder.records[0].output == "abc"
