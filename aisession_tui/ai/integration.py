"""Shell integration: make bash and zsh report prompts, commands, exit codes and cwd, and turn
those reports into `CommandRecord`s.

The shells print OSC 133 marks (A prompt, B input, E;<command text>, C output, D;<exit code>) and
OSC 7 (cwd). `MarkScanner` finds them in the raw byte stream and hands out output and marks in
order, so `CommandTracker` knows exactly which bytes a command printed. Sessions whose program has
no integration still get history from the lines typed into them (`InputLineTracker`).
"""

from __future__ import annotations

import codecs
import os
import re
import shlex
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aisession_tui.core.app_files import share
from aisession_tui.core.config import SessionConfig
from aisession_tui.core.osc import cwd_from_osc7, exit_code_from_osc133
from aisession_tui.core.types import CommandRecord, utc_now

from .parsing import strip_ansi

__all__ = [
    "CommandTracker",
    "CwdMark",
    "InputLineTracker",
    "IntegrationPlan",
    "MarkScanner",
    "ShellMark",
    "clean_output",
    "display_command",
    "is_core_command",
    "mark_from_terminal_event",
    "shell_integration_for",
    "with_shell_integration",
]

SHELL_DIR = Path(__file__).with_name("shell")
BASH_RCFILE = SHELL_DIR / "bash_integration.bash"
ZSH_DOTDIR_SCRIPT = SHELL_DIR / "zdotdir.zsh"
ZSH_INTEGRATION = SHELL_DIR / "zsh_integration.zsh"
_ZSH_STAGES = ("zshenv", "zprofile", "zshrc")
PREVIEW_CHARS = 200
MAX_OUTPUT_CHARS = 1_000_000


# --- marks ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShellMark:
    """An OSC 133 mark: kind A/B/C/D/E; `exit_code` for D; `params` the raw rest."""

    kind: str
    exit_code: int | None = None
    params: str = ""

    @property
    def command(self) -> str:
        """For an E mark: the command text, unescaped."""
        return _unescape(self.params)


@dataclass(frozen=True, slots=True)
class CwdMark:
    """An OSC 7 report of the shell's working directory."""

    path: str


Mark = ShellMark | CwdMark

_ESCAPED = re.compile(r"\\x([0-9a-fA-F]{2})")


_CORE_WRAPPER = re.compile(r"ais-start;%s\\007' \w+; eval (.+?); printf '\\033\]777;ais-end")


def is_core_command(text: str) -> bool:
    """Whether a command line is the core's `execute_command` wrapper (the core records it)."""
    return "777;ais-start;" in text


def display_command(text: str) -> str:
    """The command a person would recognise: the inner command of the core's wrapper."""
    match = _CORE_WRAPPER.search(text)
    if match is None:
        # Under HISTCONTROL=ignorespace bash only shows the wrapper's first part.
        return "execute_command" if is_core_command(text) else text
    try:
        parts = shlex.split(match[1])
    except ValueError:
        return text
    return parts[0] if len(parts) == 1 else text


def _unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m[1], 16)), text)


def _shell_mark(value: str) -> ShellMark | None:
    kind, _, rest = value.partition(";")
    if not kind:
        return None
    return ShellMark(kind[0], exit_code_from_osc133(kind, rest), rest)


def _cwd_mark(value: str) -> CwdMark | None:
    path = cwd_from_osc7(value)
    return CwdMark(path) if path else None


def mark_from_terminal_event(event: object) -> Mark | None:
    """Adapt the emulator's `PromptMark`/`CwdChanged` events (duck-typed, so this layer does not
    depend on the terminal package)."""
    kind = getattr(event, "kind", None)
    if isinstance(kind, str) and hasattr(event, "exit_code"):
        return ShellMark(kind, getattr(event, "exit_code", None), getattr(event, "params", ""))
    path = getattr(event, "path", None)
    if isinstance(path, str) and type(event).__name__ == "CwdChanged":
        return CwdMark(path)
    return None


_OSC = re.compile(rb"\x1b\](133|7);([^\x07\x1b]{0,8192})(?:\x07|\x1b\\)")
_MAX_HELD = 8200


class MarkScanner:
    """Splits raw output bytes into text and marks, in order, across arbitrary chunk boundaries.

    Only OSC 133 and OSC 7 are taken out; everything else (other escapes included) stays in the
    text. A possibly unfinished OSC at the end of a chunk is held back until the next one.
    """

    def __init__(self) -> None:
        self._held = b""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, data: bytes) -> list[str | Mark]:
        data = self._held + data
        self._held = b""
        items: list[str | Mark] = []
        position = 0
        for match in _OSC.finditer(data):
            self._text(data[position : match.start()], items)
            value = match[2].decode("utf-8", errors="replace")
            mark = _shell_mark(value) if match[1] == b"133" else _cwd_mark(value)
            if mark is not None:
                items.append(mark)
            position = match.end()
        rest = data[position:]
        start = rest.rfind(b"\x1b")
        if start >= 0 and len(rest) - start < _MAX_HELD and _could_be_osc(rest[start:]):
            self._held = rest[start:]
            rest = rest[:start]
        self._text(rest, items)
        return items

    def _text(self, data: bytes, items: list[str | Mark]) -> None:
        if data:
            text = self._decoder.decode(data)
            if text:
                items.append(text)


def _could_be_osc(tail: bytes) -> bool:
    """Whether `tail` (starting with ESC) may be the start of an OSC 133/7 not yet complete."""
    if len(tail) == 1:
        return True
    if tail[1:2] != b"]":
        return False
    body = tail[2:]
    return b"133;".startswith(body[:4]) or b"7;".startswith(body[:2])


# --- command tracking -------------------------------------------------------------------------


class CommandTracker:
    """Builds `CommandRecord`s from shell marks and the output between them.

    E gives the exact command text, C starts the output and the clock, D ends them with the exit
    code. A prompt (A) while a command is open ends it without an exit code (shells that do not
    send D). Commands run by the core's `execute_command` are skipped: the core records them.
    """

    def __init__(
        self,
        on_record: Callable[[CommandRecord], None],
        *,
        cwd: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utc_now,
        max_output_chars: int = MAX_OUTPUT_CHARS,
    ) -> None:
        self._on_record = on_record
        self.cwd = cwd
        self._clock = clock
        self._wall = wall_clock
        self._max_output = max_output_chars
        self.integrated = False  # True once the shell has sent any mark
        self.at_prompt = False  # a prompt is shown and no command runs
        self._command: str | None = None
        self._running = False
        self._started: float = 0.0
        self._started_at: datetime | None = None
        self._output: list[str] = []
        self._output_len = 0
        self._truncated = False

    @property
    def running(self) -> bool:
        """A command is executing (between C and D)."""
        return self._running

    @property
    def current_command(self) -> str | None:
        return self._command if self._running else None

    def feed(self, items: list[str | Mark]) -> None:
        """Consume what `MarkScanner.feed` returned."""
        for item in items:
            if isinstance(item, str):
                self.output(item)
            else:
                self.mark(item)

    def mark(self, mark: Mark) -> None:
        if isinstance(mark, CwdMark):
            self.cwd = mark.path
            return
        self.integrated = True
        kind = mark.kind
        if kind == "A":
            if self._running:
                self._finish(None)
            self.at_prompt = True
        elif kind == "B":
            self.at_prompt = True
        elif kind == "E":
            self._command = mark.command
        elif kind == "C":
            if self._running:
                self._finish(None)
            self.at_prompt = False
            self._running = True
            self._started = self._clock()
            self._started_at = self._wall()
            self._output.clear()
            self._output_len = 0
            self._truncated = False
        elif kind == "D":
            if self._running:
                self._finish(mark.exit_code)
            self._command = None

    def close(self, exit_code: int | None) -> None:
        """The shell itself ended (``exit 3``, ``exec``): a command still open ends with the
        shell's exit code, since no D mark can follow."""
        if self._running:
            self._finish(exit_code)
        self.at_prompt = False

    def output(self, text: str) -> None:
        if not self._running or self._truncated:
            return
        room = self._max_output - self._output_len
        if len(text) > room:
            text = text[:room]
            self._truncated = True
        self._output.append(text)
        self._output_len += len(text)

    def _finish(self, exit_code: int | None) -> None:
        command = (self._command or "").strip()
        self._running = False
        self._command = None
        output = clean_output("".join(self._output))
        if self._truncated:
            output += "\n[output truncated]"
        self._output.clear()
        if not command or is_core_command(command):
            return
        duration = round((self._clock() - self._started) * 1000)
        preview = output if len(output) <= PREVIEW_CHARS else output[:PREVIEW_CHARS] + "..."
        self._on_record(
            CommandRecord(
                command=command,
                timestamp=self._started_at or self._wall(),
                exit_code=exit_code,
                output_preview=preview,
                duration_ms=max(0, duration),
                cwd=self.cwd,
                output=output,
            )
        )


# zsh's PROMPT_SP: the end-of-line mark (default "%B%S%#%s%b"), padding, then "\r \r".
_ZSH_PROMPT_SP = re.compile(r"(?:\x1b\[[0-9;]*m)*[%#](?:\x1b\[[0-9;]*m)* *\r \r")
_LINE_TOKENS = re.compile(
    r"\r|\x1b\[[0-2]?K|\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|[^\r\x1b]+|\x1b"
)


def clean_output(text: str) -> str:
    """Terminal output as plain text, as it would stay on screen: a carriage return lets the
    next text overwrite the line (progress bars keep their last state), erase-line sequences
    clear it, other escapes are dropped, and zsh's partial-line marker is removed."""
    text = _ZSH_PROMPT_SP.sub("", text.replace("\r\n", "\n"))
    lines = [_resolve_line(line) for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def _resolve_line(raw: str) -> str:
    if "\r" not in raw and "\x1b" not in raw:
        return raw.rstrip()
    cells: list[str] = []
    column = 0
    for token in _LINE_TOKENS.findall(raw):
        if token == "\r":
            column = 0
        elif token.startswith("\x1b["):
            if token[-1] == "K":
                if token in ("\x1b[2K",):
                    cells = [" "] * len(cells)
                elif token == "\x1b[1K":
                    cells[: column + 1] = [" "] * min(len(cells), column + 1)
                else:
                    del cells[column:]
        elif token.startswith("\x1b"):
            continue
        else:
            token = strip_ansi(token)
            end = column + len(token)
            if end > len(cells):
                cells.extend(" " * (end - len(cells)))
            cells[column:end] = token
            column = end
    return "".join(cells).rstrip()


class InputLineTracker:
    """History for programs without shell integration, from the lines a person sent.

    Printable input is collected into a line (backspace, Ctrl-U and Ctrl-W edit it, escape
    sequences such as arrow keys are ignored); Enter makes a `CommandRecord` without exit code.
    """

    def __init__(
        self,
        on_record: Callable[[CommandRecord], None],
        *,
        cwd: str | None = None,
        wall_clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._on_record = on_record
        self.cwd = cwd
        self._wall = wall_clock
        self._line: list[str] = []
        self._escape = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, data: bytes | str) -> None:
        text = self._decoder.decode(data) if isinstance(data, bytes) else data
        for ch in text:
            if self._escape:
                self._escape += ch
                if _escape_done(self._escape):
                    self._escape = ""
                continue
            if ch == "\x1b":
                self._escape = ch
            elif ch in "\r\n":
                self._submit()
            elif ch in "\x7f\x08":
                if self._line:
                    self._line.pop()
            elif ch == "\x15":  # Ctrl-U
                self._line.clear()
            elif ch == "\x17":  # Ctrl-W
                while self._line and self._line[-1] == " ":
                    self._line.pop()
                while self._line and self._line[-1] != " ":
                    self._line.pop()
            elif ch == "\x03":  # Ctrl-C abandons the line
                self._line.clear()
            elif ch.isprintable() or ch == "\t":
                self._line.append(ch)

    def _submit(self) -> None:
        command = "".join(self._line).strip()
        self._line.clear()
        if command:
            self._on_record(CommandRecord(command=command, timestamp=self._wall(), cwd=self.cwd))


def _escape_done(sequence: str) -> bool:
    if len(sequence) < 2:
        return False
    second = sequence[1]
    if second == "[":
        return len(sequence) > 2 and "\x40" <= sequence[-1] <= "\x7e"
    if second == "O":
        return len(sequence) >= 3
    if second == "]":
        return sequence.endswith(("\x07", "\x1b\\"))
    return True


# --- injecting the integration ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IntegrationPlan:
    """How to start a shell with integration: the argv and the environment to add."""

    shell: str  # "bash" or "zsh"
    argv: list[str]
    env: dict[str, str]


def shell_integration_for(config: SessionConfig) -> IntegrationPlan | None:
    """The integration for a session running bash or zsh interactively, else None.

    Only sessions without `shell_command` qualify (a command line is not an interactive shell).
    Nothing in the user's home is touched: bash gets ``--rcfile`` (which sources ~/.bashrc),
    zsh gets a private ZDOTDIR whose startup files source the user's own ones, then put the
    user's ZDOTDIR back and install the hooks after the user's .zshrc.
    """
    if config.shell_command:
        return None
    share(SHELL_DIR)  # a session on another machine gets copies
    program = config.resolved_shell()
    name = os.path.basename(program)
    env = {"AISESSION_SHELL_INTEGRATION": "1"}
    if name == "bash":
        return IntegrationPlan("bash", [program, "--rcfile", str(BASH_RCFILE), "-i"], env)
    if name == "zsh":
        user_zdotdir = config.environment.get("ZDOTDIR", os.environ.get("ZDOTDIR"))
        if user_zdotdir is not None:
            env["AISESSION_USER_ZDOTDIR"] = user_zdotdir
        env["ZDOTDIR"] = str(_zsh_dotdir())
        return IntegrationPlan("zsh", [program, "-i"], env)
    return None


def with_shell_integration(config: SessionConfig) -> SessionConfig:
    """A copy of `config` that starts its shell with integration (unchanged if not bash/zsh).

    Uses `shell_command` (``exec <shell> ...``), so it works with any core that runs
    `config.argv()`; the environment additions go into `environment`.
    """
    plan = shell_integration_for(config)
    if plan is None:
        return config
    command = "exec " + " ".join(_quote(arg) for arg in plan.argv)
    return config.model_copy(
        update={"shell_command": command, "environment": {**config.environment, **plan.env}}
    )


def _quote(arg: str) -> str:
    return shlex.quote(arg)


def _zsh_dotdir() -> Path:
    """A private directory whose .zshenv, .zprofile and .zshrc hand over to `zdotdir.zsh`."""
    root = Path(tempfile.gettempdir()) / f"aisession-tui-{os.getuid()}"
    root.mkdir(exist_ok=True, mode=0o700)
    info = root.lstat()
    if info.st_uid != os.getuid() or not root.is_dir() or root.is_symlink():
        # Someone else made it (a shared /tmp): use a fresh private directory instead.
        root = Path(tempfile.mkdtemp(prefix="aisession-tui-"))
    base = root / "zsh"
    base.mkdir(exist_ok=True, mode=0o700)
    share(base)
    for stage in _ZSH_STAGES:
        target = base / f".{stage}"
        content = f"source {_quote(str(ZSH_DOTDIR_SCRIPT))} {stage}\n"
        try:
            current = target.read_text()
        except OSError:
            current = None
        if current != content:
            tmp = base / f".{stage}.{os.getpid()}"
            tmp.write_text(content)
            tmp.replace(target)
    return base
