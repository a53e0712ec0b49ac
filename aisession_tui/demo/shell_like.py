"""`shell-like`: a pretend shell that speaks shell integration, for the status and history panels.

Every prompt is wrapped in OSC 133 marks (A prompt, B command, C output, D;<exit code>), the
working directory is reported with OSC 7 and the title with OSC 0, and BEL rings once when the
long task of a round finishes. Scripted commands are typed by the agent; a line typed by the
person in the pane is run instead (a handful of pretend builtins), so the pane is interactive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import ansi
from .ansi import BLUE, BOLD, GREEN, GREY, RED, YELLOW, paint
from .runtime import EndOfInput, Runtime

__all__ = ["HOME", "HOST", "USER", "ShellState", "run"]

USER = "demo"
HOST = "acme-dev"
HOME = "/home/demo"
PROJECT = "/home/demo/projects/acme-api"


@dataclass(slots=True)
class ShellState:
    cwd: str = PROJECT
    last_status: int = 0

    @property
    def short_cwd(self) -> str:
        return "~" + self.cwd[len(HOME) :] if self.cwd.startswith(HOME) else self.cwd


def run(rt: Runtime) -> None:
    """Type the scripted commands, then idle at a prompt; typed lines run in between.

    Deterministic mode waits at the idle prompt for a line: an empty line starts the next round,
    any other line runs as a command. End of file ends the shell.
    """
    state = ShellState()
    rt.write(ansi.cwd_report(HOST, state.cwd) + ansi.window_title(title(state)))
    prompt(rt, state)
    while True:
        for command in SCRIPT:
            serve_typed(rt, state, lambda: rt.pause(rt.rng.uniform(1.0, 2.5)))
            rt.type_out(command)
            rt.write("\n")
            execute(rt, state, command)
            prompt(rt, state)
        serve_typed(rt, state, lambda: rt.between_rounds(rt.rng.uniform(5.0, 10.0)))


def serve_typed(rt: Runtime, state: ShellState, wait: Callable[[], str | None]) -> None:
    """Run lines the person types until a wait ends with nothing typed (or an empty line)."""
    while True:
        typed = wait()
        if typed is None or not typed.strip():
            return
        execute(rt, state, typed)
        prompt(rt, state)


def title(state: ShellState) -> str:
    return f"{USER}@{HOST}: {state.short_cwd}"


def prompt(rt: Runtime, state: ShellState) -> None:
    status = "" if state.last_status == 0 else paint(f"[{state.last_status}] ", RED)
    text = (
        status
        + paint(f"{USER}@{HOST}", BOLD, GREEN)
        + ":"
        + paint(state.short_cwd, BOLD, BLUE)
        + "$ "
    )
    rt.write(ansi.PROMPT_START + text + ansi.COMMAND_START)


def execute(rt: Runtime, state: ShellState, line: str) -> None:
    """Run one pretend command between OSC 133;C and OSC 133;D;<status>."""
    words = line.split()
    if not words:
        return  # an empty line: the next prompt follows, no command marks
    rt.write(ansi.OUTPUT_START)
    handler = SCRIPTED.get(line.strip()) or BUILTINS.get(words[0])
    if handler is None:
        rt.line(f"demo-shell: {words[0]}: command not found")
        status = 127
    else:
        status = handler(rt, state, words)
    state.last_status = status
    rt.write(ansi.command_finished(status))


# -- pretend builtins, for lines the person types ------------------------------------------


def _pwd(rt: Runtime, state: ShellState, words: list[str]) -> int:
    rt.line(state.cwd)
    return 0


def _echo(rt: Runtime, state: ShellState, words: list[str]) -> int:
    rt.line(" ".join(words[1:]))
    return 0


def _cd(rt: Runtime, state: ShellState, words: list[str]) -> int:
    target = words[1] if len(words) > 1 else HOME
    known = {PROJECT, f"{PROJECT}/src", f"{PROJECT}/tests", HOME, f"{HOME}/projects"}
    if target == "..":
        new = state.cwd.rsplit("/", 1)[0] or "/"
    elif target.startswith("/"):
        new = target.rstrip("/") or "/"
    elif target == "~":
        new = HOME
    else:
        new = f"{state.cwd}/{target}".replace("//", "/")
    if new not in known and new != "/" and new != "/home":
        rt.line(f"demo-shell: cd: {target}: No such file or directory")
        return 1
    state.cwd = new
    rt.write(ansi.cwd_report(HOST, state.cwd) + ansi.window_title(title(state)))
    return 0


def _ls(rt: Runtime, state: ShellState, words: list[str]) -> int:
    listing = {
        PROJECT: "README.md  pyproject.toml  src  tests",
        f"{PROJECT}/src": "acme",
        f"{PROJECT}/tests": "conftest.py  test_api.py  test_billing.py  test_models.py",
        HOME: "projects",
        f"{HOME}/projects": "acme-api",
    }
    rt.line(listing.get(state.cwd, ""))
    return 0


def _true(rt: Runtime, state: ShellState, words: list[str]) -> int:
    return 0


def _false(rt: Runtime, state: ShellState, words: list[str]) -> int:
    return 1


def _exit(rt: Runtime, state: ShellState, words: list[str]) -> int:
    rt.line("logout")
    raise EndOfInput


# -- the scripted round ----------------------------------------------------------------------


def _git_status(rt: Runtime, state: ShellState, words: list[str]) -> int:
    rt.line(paint(" M", RED) + " src/acme/billing.py")
    rt.line(paint(" M", RED) + " tests/test_billing.py")
    rt.line(paint("??", RED) + " src/acme/export.py")
    return 0


def _make_test(rt: Runtime, state: ShellState, words: list[str]) -> int:
    """The round's long task: progress with `\\r`, then BEL once when it finishes."""
    rt.line(paint("uv run pytest -q", GREY))
    total = 42
    for done in range(0, total + 1, 6):
        bar = "█" * (done * 20 // total) + "░" * (20 - done * 20 // total)
        rt.write(f"\r{bar} {done:2d}/{total}")
        rt.pause(rt.rng.uniform(0.2, 0.6))
    rt.write(f"\r{'█' * 20} {total}/{total}\n")
    seconds = rt.rng.uniform(1.5, 4.0)
    rt.line(paint(f"{total} passed in {seconds:.2f}s", GREEN))
    rt.write(ansi.BEL)
    return 0


def _grep_todo(rt: Runtime, state: ShellState, words: list[str]) -> int:
    return 1  # grep finds nothing: exit status 1 and no output, as the real grep


def _cd_src(rt: Runtime, state: ShellState, words: list[str]) -> int:
    return _cd(rt, state, ["cd", "src"])


def _cd_back(rt: Runtime, state: ShellState, words: list[str]) -> int:
    return _cd(rt, state, ["cd", ".."])


def _wc(rt: Runtime, state: ShellState, words: list[str]) -> int:
    rt.line(paint("  412 acme/billing.py", YELLOW))
    rt.line("  188 acme/export.py")
    rt.line("  600 total")
    return 0


Handler = Callable[[Runtime, ShellState, list[str]], int]

BUILTINS: dict[str, Handler] = {
    "pwd": _pwd,
    "echo": _echo,
    "cd": _cd,
    "ls": _ls,
    "true": _true,
    "false": _false,
    "exit": _exit,
}

SCRIPTED: dict[str, Handler] = {
    "git status --short": _git_status,
    "make test": _make_test,
    "grep -rn TODO src/acme/billing.py": _grep_todo,
    "cd src": _cd_src,
    "wc -l acme/billing.py acme/export.py": _wc,
    "cd ..": _cd_back,
}
SCRIPT = tuple(SCRIPTED)
"""The commands of one round, in order; the round ends at an idle prompt."""
