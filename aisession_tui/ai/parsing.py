"""Classify what sessions print into structured events: tests, builds, errors, git, prompts.

`OutputParser` reads a stream line by line (it keeps the little state multi-line formats need:
Python tracebacks, unittest's two-line summary, rustc's "error" + "-->" pair, go test's per-test
lines, numbered menus), so the same code serves a whole captured output (`parse_output`) and a
live session fed in arbitrary chunks. Escape sequences and carriage-return redraws are removed
first; undecodable bytes never raise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "QUESTION",
    "EventKind",
    "OutputParser",
    "ParsedEvent",
    "is_question",
    "parse_output",
    "prompt_event",
    "strip_ansi",
]


class EventKind(StrEnum):
    TEST_SUMMARY = "test_summary"
    BUILD_RESULT = "build_result"
    ERROR = "error"
    GIT = "git"
    PROMPT = "prompt"


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    """One thing recognised in output. Fields that do not apply to a kind stay None/empty."""

    kind: EventKind
    tool: str
    message: str
    passed: int | None = None
    failed: int | None = None
    skipped: int | None = None
    errors: int | None = None
    success: bool | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    action: str | None = None  # git: commit, push, checkout, merge, conflict, ...
    choices: tuple[str, ...] = field(default=())  # prompt: menu entries or ("y", "n")

    @property
    def is_failure(self) -> bool:
        """A failed test run or build, or an error: what turns a session's state to error."""
        if self.kind is EventKind.ERROR:
            return True
        if self.kind in (EventKind.TEST_SUMMARY, EventKind.BUILD_RESULT):
            return self.success is False
        return self.kind is EventKind.GIT and self.action in ("conflict", "push_rejected")

    def summary(self) -> str:
        """A short line for title bars and lists, e.g. ``pytest: 2 failed, 5 passed``."""
        if self.kind is EventKind.TEST_SUMMARY:
            parts = [
                f"{n} {label}"
                for n, label in (
                    (self.failed, "failed"),
                    (self.errors, "errors"),
                    (self.passed, "passed"),
                    (self.skipped, "skipped"),
                )
                if n
            ]
            if not parts:
                return f"{self.tool}: {self.message}"
            return f"{self.tool}: {', '.join(parts)}"
        if self.kind is EventKind.BUILD_RESULT:
            prefix = "" if self.tool == "build" else f"{self.tool}: "
            if self.success:
                return f"{prefix}build ok"
            count = f" ({self.errors} errors)" if self.errors else ""
            return f"{prefix}build failed{count}"
        if self.kind is EventKind.ERROR and self.file:
            where = f"{self.file}:{self.line}" if self.line is not None else self.file
            return f"{self.tool}: {self.message} at {where}"
        return f"{self.tool}: {self.message}"


_ANSI = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC ... BEL/ST
    r"|\x1b[PX^_][^\x1b]*\x1b\\"  # DCS/SOS/PM/APC strings
    r"|\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[ -/]*[0-~]"  # two/three-byte escapes
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # other C0 controls (keep \t \n \r)
)


def strip_ansi(text: str) -> str:
    """Text without escape sequences and control characters (tabs and line breaks stay)."""
    return _ANSI.sub("", text)


def _visible_line(raw: str) -> str:
    """What a carriage-return redraw leaves on screen: the text after the last CR."""
    raw = raw.rstrip("\r")
    return raw.rsplit("\r", 1)[-1] if "\r" in raw else raw


# --- single-line patterns -------------------------------------------------------------------

_PYTEST_SUMMARY = re.compile(
    r"^=*\s*((?:\d+ (?:passed|failed|skipped|errors?|xfailed|xpassed|deselected|warnings?|rerun)"
    r"(?:, )?)+) in [\d.]+s(?: \([\d:.]+\))?\s*=*$"
)
_PYTEST_NONE = re.compile(r"^=+ no tests ran in [\d.]+s =+$")
_COUNT = re.compile(r"(\d+) ([a-z]+)")
_UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in [\d.]+s$")
_UNITTEST_RESULT = re.compile(r"^(OK|FAILED)(?: \((.*)\))?$")
_CARGO_TEST = re.compile(
    r"^test result: (ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored; (\d+) measured"
)
_GO_TEST_CASE = re.compile(r"^\s*--- (PASS|FAIL|SKIP): (\S+)")
_GO_PACKAGE = re.compile(r"^(ok|FAIL)\s+(\S+)\s+(?:[\d.]+s|\(cached\)|\[[^\]]+\])")
_JEST_TESTS = re.compile(r"^Tests:\s+(.*\d+ total)$")
_VITEST_TESTS = re.compile(r"^\s*Tests\s+((?:\d+ \w+(?: \| )?)+)\s*\((\d+)\)")
_NODE_TEST = re.compile(r"^(?:\u2139|#) (tests|pass|fail|skipped|todo|cancelled) (\d+)$")
_CARGO_FINISHED = re.compile(r"^\s*Finished `?\w+`? profile|^\s*Finished (?:dev|release) \[")
_CARGO_FAILED = re.compile(
    r"^error: could not compile `([^`]+)`.*?(?:due to (\d+) previous errors?)?(?:;.*)?$"
)
_MAKE_FAILED = re.compile(r"^(?:g?make)(?:\[\d+\])?: \*\*\* .*Error (\d+)")
_TSC_FOUND = re.compile(r"^Found (\d+) errors?\b")
_TSC_ERROR = re.compile(r"^(.+?)(?:\((\d+),(\d+)\)|:(\d+):(\d+)) ?[:-] ?error (TS\d+): (.*)$")
_NPM_ERROR = re.compile(r"^npm (?:ERR!|error) (?:code|Test failed|command failed)\s*(.*)$")
_COMPILER_ERROR = re.compile(r"^(.+?):(\d+):(?:(\d+):)? (?:fatal error|error): (.*)$")
_RUST_ERROR = re.compile(r"^error(?:\[(E\d+)\])?: (.*)$")
_RUST_LOCATION = re.compile(r"^\s*--> (.+?):(\d+):(\d+)$")
_TRACEBACK_START = "Traceback (most recent call last):"
_TRACEBACK_FRAME = re.compile(r'^\s+File "(.+?)", line (\d+)')
_EXCEPTION_LINE = re.compile(
    r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)|\w+)(?:: (.*))?$"
)
_NOT_FOUND = re.compile(
    r"^(bash|zsh|sh|fish)(?:: line \d+)?: (?:(.+?): )?command not found(?:: (.+))?$"
)
_GIT_COMMIT = re.compile(r"^\[([^\s\]]+)(?: \(root-commit\))? ([0-9a-f]{7,40})\] (.*)$")
_GIT_SWITCH = re.compile(r"^Switched to (?:a new )?branch '([^']+)'$")
_GIT_CONFLICT = re.compile(r"^CONFLICT \(([^)]+)\): (.*)$")
_GIT_PUSH_TARGET = re.compile(r"^To (\S+)$")
_GIT_PUSH_REF = re.compile(
    r"^\s[ *+=!-]\s+(\[new branch\]|\[rejected\]|[0-9a-f]+\.\.\.?[0-9a-f]+)\s+(\S+) -> (\S+)"
)
_GIT_PULL = re.compile(r"^(Fast-forward|Already up to date\.)$")
_GIT_MERGE_FAILED = "Automatic merge failed; fix conflicts and then commit the result."
_GIT_REJECTED = re.compile(r"^error: failed to push some refs to '?([^']+)'?$")
# A yes/no question counts only while unanswered: the bracket ends the line.
_YES_NO = re.compile(
    r"(?:\[(?:y/n|yes/no)\]|\((?:y/n|yes/no)\)"
    r"|\(Y\)es/\(N\)o(?:/\([A-Z]\)[\w' ]+)*(?: \[[\w' ]+\])?)\s*[:?]?\s*$",
    re.IGNORECASE,
)
QUESTION = re.compile(
    r"(?:Do you want to (?:proceed|continue)|Are you sure|Continue\?|Proceed\?|Overwrite\?"
    r"|Press (?:Enter|RETURN|any key)|\bpassword(?: for \S+)?:\s*$"
    r"|Enter (?:your )?(?:choice|selection))",
    re.IGNORECASE,
)
_MENU_ITEM = re.compile(r"^\s*(?:([\u276f>\u203a\u25b6*])\s*)?(\d{1,2})[.)]\s+(\S.*)$")


# Cheap tests that let most lines skip the full patterns of a family.
_HAS_DIGIT = re.compile(r"\d")
_BUILD_HINT = re.compile(
    r"Finished|could not compile|\*\*\*|^Found \d|^npm "
    r"|^Build succeeded|^BUILD (?:SUCCESSFUL|FAILED)"
)
# msbuild/dotnet ("Build succeeded."), Gradle ("BUILD SUCCESSFUL in 2s", "BUILD FAILED in 1s").
_BUILD_SUCCEEDED = re.compile(r"^(?:Build succeeded|BUILD SUCCESSFUL)\b")
_BUILD_FAILED = re.compile(r"^BUILD FAILED\b")
_GIT_STARTS: tuple[str, ...] = ("[", "Switched", "CONFLICT", "To ", "Automatic merge")
_GIT_STARTS += ("error: failed to push",)
_GIT_STARTS += ("Fast-forward", "Already up to date")
_PROMPT_ENDINGS = frozenset("?:>])")


@dataclass(slots=True)
class _Traceback:
    file: str | None = None
    line: int | None = None
    seen_frame: bool = False


MAX_LINE = 4096  # an unfinished line beyond this is cut ...
MAX_TAIL = 1024  # ... keeping this much of its end for the next chunk (a prompt is short)


class OutputParser:
    """Turns a stream of output text into `ParsedEvent`s, line by line. Memory is bounded:
    an unfinished line is cut after `MAX_LINE` characters."""

    def __init__(self) -> None:
        self._pending = ""
        self._pending_prompted = ""
        self._traceback: _Traceback | None = None
        self._unittest_ran: int | None = None
        self._rust_error: tuple[str, str | None] | None = None
        self._go_counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
        self._node_counts: dict[str, int] = {}
        self._menu: list[tuple[int, str]] = []
        self._menu_question: str | None = None
        self._last_line: str | None = None
        self._push_target: str | None = None
        self._npm_reported = False

    def feed(self, text: str) -> list[ParsedEvent]:
        """Parse complete lines of `text` (the unfinished last line waits, but a question on it
        is reported at once, since prompts rarely end with a line break)."""
        data = self._pending + text.replace("\r\n", "\n")
        *lines, self._pending = data.split("\n")
        if len(self._pending) > MAX_LINE:
            # A line that never ends (a full-screen program positions its cursor instead of
            # writing newlines): parse what came so far as a line, keep only the newest part.
            lines.append(self._pending[:-MAX_TAIL])
            self._pending = self._pending[-MAX_TAIL:]
            self._pending_prompted = ""
        events: list[ParsedEvent] = []
        previous = None
        for raw in lines:
            if raw == previous and self._traceback is None and not self._menu:
                continue  # a repeated line (`yes`, progress spam) tells nothing new
            previous = raw
            events.extend(self._line(strip_ansi(_visible_line(raw))))
        tail = strip_ansi(_visible_line(self._pending)).strip()
        if tail and tail != self._pending_prompted and (prompt := prompt_event(tail)):
            self._pending_prompted = tail
            events.extend(self._end_menu(question=tail))
            events.append(prompt)
        return events

    def flush(self) -> list[ParsedEvent]:
        """Parse what is left, e.g. at the end of a command's output."""
        events: list[ParsedEvent] = []
        if self._pending:
            tail, self._pending = self._pending, ""
            if strip_ansi(_visible_line(tail)).strip() != self._pending_prompted:
                events.extend(self._line(strip_ansi(_visible_line(tail))))
        events.extend(self._finish_multiline())
        self._pending_prompted = ""
        return events

    # --- per line -----------------------------------------------------------------------

    def _line(self, line: str) -> Iterable[ParsedEvent]:
        stripped = line.strip()
        if self._traceback is not None:
            event = self._traceback_line(line)
            if event is not None:
                yield event
            if self._traceback is not None:
                return
        if self._rust_error is not None:
            yield from self._rust_location(line)
        if self._menu:
            if (item := _MENU_ITEM.match(line)) and int(item[2]) == self._menu[-1][0] + 1:
                self._menu.append((int(item[2]), item[3].strip()))
                return
            yield from self._end_menu(question=stripped if stripped else None)
        if not stripped:
            return
        if stripped == _TRACEBACK_START:
            self._traceback = _Traceback()
            return
        for handler in (
            self._tests,
            self._builds,
            self._errors,
            self._git,
        ):
            event = handler(stripped, line)
            if event is not None:
                yield event
                return
        if (item := _MENU_ITEM.match(line)) and item[2] == "1":
            self._menu = [(1, item[3].strip())]
            self._menu_question = self._last_line
            return
        self._last_line = stripped
        if prompt := prompt_event(stripped):
            yield prompt

    def _tests(self, line: str, raw: str) -> ParsedEvent | None:
        if self._unittest_ran is None and not _HAS_DIGIT.search(line):
            return None  # every summary below has a count or a duration in it
        if m := _PYTEST_SUMMARY.match(line):
            counts = _counts(m[1])
            failed = counts.get("failed", 0)
            errors = counts.get("error", 0) + counts.get("errors", 0)
            return ParsedEvent(
                EventKind.TEST_SUMMARY,
                "pytest",
                line.strip("= "),
                passed=counts.get("passed", 0),
                failed=failed,
                skipped=counts.get("skipped", 0),
                errors=errors,
                success=failed == 0 and errors == 0,
            )
        if _PYTEST_NONE.match(line):
            return ParsedEvent(
                EventKind.TEST_SUMMARY, "pytest", "no tests ran", passed=0, failed=0, success=True
            )
        if m := _UNITTEST_RAN.match(line):
            self._unittest_ran = int(m[1])
            return None
        if self._unittest_ran is not None and (m := _UNITTEST_RESULT.match(line)):
            ran, self._unittest_ran = self._unittest_ran, None
            details = dict((k.strip(), int(v)) for k, v in re.findall(r"(\w+)=(\d+)", m[2] or ""))
            failed = details.get("failures", 0)
            errors = details.get("errors", 0)
            skipped = details.get("skipped", 0)
            return ParsedEvent(
                EventKind.TEST_SUMMARY,
                "unittest",
                line,
                passed=ran - failed - errors - skipped - details.get("expected failures", 0),
                failed=failed,
                skipped=skipped,
                errors=errors,
                success=m[1] == "OK",
            )
        if m := _CARGO_TEST.match(line):
            return ParsedEvent(
                EventKind.TEST_SUMMARY,
                "cargo test",
                line,
                passed=int(m[2]),
                failed=int(m[3]),
                skipped=int(m[4]),
                success=m[1] == "ok",
            )
        if m := _GO_TEST_CASE.match(raw):
            self._go_counts[m[1]] += 1
            return None
        if m := _GO_PACKAGE.match(line):
            counts, self._go_counts = self._go_counts, {"PASS": 0, "FAIL": 0, "SKIP": 0}
            ok = m[1] == "ok"
            known = any(counts.values())  # per-test lines only appear with -v or on failure
            return ParsedEvent(
                EventKind.TEST_SUMMARY,
                "go test",
                f"{m[1]} {m[2]}",
                passed=counts["PASS"] if known else None,
                failed=counts["FAIL"] if known else (0 if ok else None),
                skipped=counts["SKIP"] if known else None,
                success=ok,
            )
        if m := _JEST_TESTS.match(line):
            counts = _counts(m[1])
            failed = counts.get("failed", 0)
            return ParsedEvent(
                EventKind.TEST_SUMMARY,
                "jest",
                line,
                passed=counts.get("passed", 0),
                failed=failed,
                skipped=counts.get("skipped", 0) + counts.get("todo", 0),
                success=failed == 0,
            )
        if m := _VITEST_TESTS.match(raw):
            counts = _counts(m[1])
            failed = counts.get("failed", 0)
            return ParsedEvent(
                EventKind.TEST_SUMMARY,
                "vitest",
                line,
                passed=counts.get("passed", 0),
                failed=failed,
                skipped=counts.get("skipped", 0) + counts.get("todo", 0),
                success=failed == 0,
            )
        if m := _NODE_TEST.match(line):
            self._node_counts[m[1]] = int(m[2])
            if m[1] == "todo" and "fail" in self._node_counts:
                counts, self._node_counts = self._node_counts, {}
                failed = counts.get("fail", 0) + counts.get("cancelled", 0)
                return ParsedEvent(
                    EventKind.TEST_SUMMARY,
                    "node --test",
                    f"{counts.get('pass', 0)} passed, {failed} failed",
                    passed=counts.get("pass", 0),
                    failed=failed,
                    skipped=counts.get("skipped", 0) + counts.get("todo", 0),
                    success=failed == 0,
                )
        return None

    def _builds(self, line: str, raw: str) -> ParsedEvent | None:
        if not _BUILD_HINT.search(line):
            self._npm_reported = False
            return None
        if m := _CARGO_FAILED.match(line):
            errors = int(m[2]) if m[2] else None
            return ParsedEvent(EventKind.BUILD_RESULT, "cargo", line, errors=errors, success=False)
        if _CARGO_FINISHED.match(raw):
            return ParsedEvent(EventKind.BUILD_RESULT, "cargo", line, errors=0, success=True)
        if m := _MAKE_FAILED.match(line):
            return ParsedEvent(EventKind.BUILD_RESULT, "make", line, success=False)
        if _BUILD_SUCCEEDED.match(line):
            return ParsedEvent(EventKind.BUILD_RESULT, "build", line, errors=0, success=True)
        if _BUILD_FAILED.match(line):
            return ParsedEvent(EventKind.BUILD_RESULT, "build", line, success=False)
        if m := _TSC_FOUND.match(line):
            errors = int(m[1])
            return ParsedEvent(
                EventKind.BUILD_RESULT, "tsc", line, errors=errors, success=errors == 0
            )
        if m := _NPM_ERROR.match(line):
            if self._npm_reported:
                return None
            self._npm_reported = True
            return ParsedEvent(EventKind.BUILD_RESULT, "npm", line, success=False)
        self._npm_reported = False
        return None

    def _errors(self, line: str, raw: str) -> ParsedEvent | None:
        if "error" not in line and "not found" not in line:
            return None
        if m := _TSC_ERROR.match(line):
            row, col = (m[2], m[3]) if m[2] else (m[4], m[5])
            return ParsedEvent(
                EventKind.ERROR, "tsc", f"{m[6]}: {m[7]}", file=m[1], line=int(row), column=int(col)
            )
        if m := _RUST_ERROR.match(line):
            if not line.startswith("error: could not compile"):
                self._rust_error = (m[2], m[1])
            return None
        if m := _COMPILER_ERROR.match(line):
            if m[1].startswith(("http", "  ")) or " " in m[1].strip():
                return None
            return ParsedEvent(
                EventKind.ERROR,
                "compiler",
                m[4],
                file=m[1],
                line=int(m[2]),
                column=int(m[3]) if m[3] else None,
            )
        if m := _NOT_FOUND.match(line):
            command = m[2] or m[3] or "?"
            return ParsedEvent(EventKind.ERROR, m[1], f"command not found: {command}")
        return None

    def _git(self, line: str, raw: str) -> ParsedEvent | None:
        if not line.startswith(_GIT_STARTS) and not (self._push_target and "->" in line):
            return None
        if m := _GIT_COMMIT.match(line):
            return ParsedEvent(
                EventKind.GIT, "git", f"commit {m[2]} on {m[1]}: {m[3]}", action="commit"
            )
        if m := _GIT_SWITCH.match(line):
            return ParsedEvent(EventKind.GIT, "git", f"switched to {m[1]}", action="checkout")
        if m := _GIT_CONFLICT.match(line):
            return ParsedEvent(EventKind.GIT, "git", f"conflict: {m[2]}", action="conflict")
        if line == _GIT_MERGE_FAILED:
            return ParsedEvent(EventKind.GIT, "git", "merge failed", action="merge_failed")
        if m := _GIT_PUSH_TARGET.match(line):
            self._push_target = m[1]
            return None
        if self._push_target and (m := _GIT_PUSH_REF.match(raw)):
            rejected = m[1] == "[rejected]"
            return ParsedEvent(
                EventKind.GIT,
                "git",
                f"{'push rejected' if rejected else 'pushed'} {m[2]} -> {self._push_target} {m[3]}",
                action="push_rejected" if rejected else "push",
            )
        if m := _GIT_REJECTED.match(line):
            return ParsedEvent(
                EventKind.GIT, "git", f"push to {m[1]} failed", action="push_rejected"
            )
        if m := _GIT_PULL.match(line):
            return ParsedEvent(EventKind.GIT, "git", m[1], action="pull")
        return None

    # --- multi-line state ---------------------------------------------------------------

    def _traceback_line(self, line: str) -> ParsedEvent | None:
        tb = self._traceback
        assert tb is not None
        if m := _TRACEBACK_FRAME.match(line):
            # Point at the innermost frame of the user's code, not the library it called.
            if not tb.seen_frame or not _is_library_path(m[1]):
                tb.file, tb.line = m[1], int(m[2])
            tb.seen_frame = True
            return None
        if line.startswith((" ", "\t")) or not line.strip():
            return None
        self._traceback = None
        message = line.strip()
        if not tb.seen_frame and not _EXCEPTION_LINE.match(message):
            return None
        return ParsedEvent(EventKind.ERROR, "python", message, file=tb.file, line=tb.line)

    def _rust_location(self, line: str) -> Iterable[ParsedEvent]:
        assert self._rust_error is not None
        message, code = self._rust_error
        self._rust_error = None
        text = f"{code}: {message}" if code else message
        if m := _RUST_LOCATION.match(line):
            yield ParsedEvent(
                EventKind.ERROR, "rustc", text, file=m[1], line=int(m[2]), column=int(m[3])
            )
        elif code:  # a bare "error: ..." without a code or location is cargo/git chatter
            yield ParsedEvent(EventKind.ERROR, "rustc", text)

    def _end_menu(self, question: str | None) -> Iterable[ParsedEvent]:
        """Close a numbered list; it is a menu prompt when a question precedes or follows it."""
        menu, self._menu = self._menu, []
        asked = (
            self._menu_question
            if self._menu_question and is_question(self._menu_question)
            else None
        )
        asked = asked or (question if question and is_question(question) else None)
        if len(menu) >= 2 and asked:
            yield ParsedEvent(
                EventKind.PROMPT,
                "menu",
                asked,
                choices=tuple(text for _, text in menu),
            )

    def _finish_multiline(self) -> Iterable[ParsedEvent]:
        if self._rust_error is not None:
            yield from self._rust_location("")
        if self._menu:
            yield from self._end_menu(question=None)
        self._traceback = None
        self._unittest_ran = None


def _is_library_path(path: str) -> bool:
    return "/lib/python" in path or "site-packages" in path or path.startswith("<")


def _counts(text: str) -> dict[str, int]:
    return {label: int(n) for n, label in _COUNT.findall(text)}


def is_question(line: str) -> bool:
    return line.rstrip().endswith("?") or prompt_event(line) is not None


def prompt_event(line: str) -> ParsedEvent | None:
    """A question waiting for an answer on one line, if it is one."""
    if not line or (line.rstrip()[-1:] not in _PROMPT_ENDINGS and "Press" not in line):
        return None
    if _YES_NO.search(line):
        return ParsedEvent(EventKind.PROMPT, "prompt", line.strip(), choices=("y", "n"))
    if QUESTION.search(line) and (line.rstrip().endswith(("?", ":", ">")) or "Press" in line):
        return ParsedEvent(EventKind.PROMPT, "prompt", line.strip())
    return None


def parse_output(text: str | bytes) -> list[ParsedEvent]:
    """Every event found in a complete output (bytes are decoded leniently)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    parser = OutputParser()
    return parser.feed(text) + parser.flush()
