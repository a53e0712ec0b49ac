"""parse_output on real captured tool output (and documented formats for tools not installed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aisession_tui.ai.parsing import (
    EventKind,
    OutputParser,
    ParsedEvent,
    parse_output,
    strip_ansi,
)
from aisession_tui.ai.screen_prompts import clean_question, prompt_on_screen

FIXTURES = Path(__file__).parent / "fixtures"


def _events(name: str, kind: EventKind | None = None) -> list[ParsedEvent]:
    events = parse_output((FIXTURES / name).read_text())
    return [e for e in events if kind is None or e.kind is kind]


def _only(name: str, kind: EventKind) -> ParsedEvent:
    events = _events(name, kind)
    assert len(events) == 1, events
    return events[0]


def test_pytest_failure_summary_counts_from_real_run() -> None:
    event = _only("pytest_failed.txt", EventKind.TEST_SUMMARY)
    assert (event.tool, event.passed, event.failed, event.skipped) == ("pytest", 5, 2, 1)
    assert event.success is False and event.is_failure
    assert event.summary() == "pytest: 2 failed, 5 passed, 1 skipped"


def test_pytest_verbose_pass_summary_is_success() -> None:
    event = _only("pytest_passed.txt", EventKind.TEST_SUMMARY)
    assert (event.passed, event.failed, event.success) == (5, 0, True)
    assert not event.is_failure


def test_unittest_summary_derives_passed_from_ran_minus_failures_and_skips() -> None:
    event = _only("unittest_failed.txt", EventKind.TEST_SUMMARY)
    assert (event.tool, event.passed, event.failed, event.skipped) == ("unittest", 1, 1, 1)
    assert event.success is False


def test_cargo_test_result_line_from_real_run() -> None:
    event = _only("cargo_test_failed.txt", EventKind.TEST_SUMMARY)
    assert (event.tool, event.passed, event.failed, event.skipped) == ("cargo test", 1, 1, 1)


def test_cargo_build_failure_counts_errors_and_locates_rustc_error() -> None:
    build = _only("cargo_build_failed.txt", EventKind.BUILD_RESULT)
    assert (build.success, build.errors) == (False, 1)
    error = _only("cargo_build_failed.txt", EventKind.ERROR)
    assert (error.file, error.line, error.column) == ("src/main.rs", 2, 18)
    assert "E0308" in error.message


def test_go_test_counts_cases_per_package() -> None:
    failed, ok = _events("doc_go_test.txt", EventKind.TEST_SUMMARY)
    assert (failed.passed, failed.failed, failed.skipped, failed.success) == (1, 1, 1, False)
    assert ok.success is True and "example.com/strx" in ok.message


@pytest.mark.parametrize(
    ("name", "tool", "passed", "failed", "skipped"),
    [
        ("doc_jest.txt", "jest", 4, 1, 1),
        ("doc_vitest.txt", "vitest", 4, 1, 0),
        ("node_test_failed.txt", "node --test", 1, 1, 0),
    ],
)
def test_javascript_runner_summaries(
    name: str, tool: str, passed: int, failed: int, skipped: int
) -> None:
    event = _only(name, EventKind.TEST_SUMMARY)
    assert (event.tool, event.passed, event.failed, event.skipped) == (
        tool,
        passed,
        failed,
        skipped,
    )


def test_python_traceback_points_at_user_code_not_the_library() -> None:
    error = _only("python_traceback.txt", EventKind.ERROR)
    assert error.message.startswith("json.decoder.JSONDecodeError: Expecting property name")
    assert error.file is not None and error.file.endswith("boom.py")
    assert error.line == 4


def test_gcc_error_has_file_line_column_and_skips_warnings() -> None:
    error = _only("gcc_errors.txt", EventKind.ERROR)
    assert (error.file, error.line, error.column) == ("bad.c", 3, 12)
    assert "undeclared" in error.message


def test_tsc_errors_in_both_formats_and_error_count() -> None:
    errors = _events("doc_tsc.txt", EventKind.ERROR)
    assert [(e.file, e.line, e.column) for e in errors] == [
        ("src/index.ts", 3, 7),
        ("src/util.ts", 10, 15),
    ]
    build = _only("doc_tsc.txt", EventKind.BUILD_RESULT)
    assert (build.errors, build.success) == (2, False)


def test_make_and_npm_failures_are_build_results() -> None:
    assert _only("doc_make.txt", EventKind.BUILD_RESULT).tool == "make"
    assert _only("doc_make.txt", EventKind.ERROR).file == "main.c"
    npm = _only("doc_npm.txt", EventKind.BUILD_RESULT)
    assert (npm.tool, npm.success) == ("npm", False)


def test_bash_command_not_found() -> None:
    error = _only("bash_not_found.txt", EventKind.ERROR)
    assert error.message == "command not found: nosuchcommand_xyz"


@pytest.mark.parametrize(
    ("name", "action"),
    [
        ("git_commit.txt", "commit"),
        ("git_checkout.txt", "checkout"),
        ("git_push.txt", "push"),
    ],
)
def test_git_operations_from_real_runs(name: str, action: str) -> None:
    assert _only(name, EventKind.GIT).action == action


def test_git_merge_conflict_is_a_failure() -> None:
    actions = [e.action for e in _events("git_merge_conflict.txt", EventKind.GIT)]
    assert actions == ["conflict", "merge_failed"]
    assert _events("git_merge_conflict.txt", EventKind.GIT)[0].is_failure


def test_rejected_push_is_not_mistaken_for_a_compiler_error() -> None:
    events = _events("doc_git_rejected.txt")
    assert {e.action for e in events} == {"push_rejected"}
    assert not _events("git_status.txt")


def test_yes_no_question_without_trailing_newline_is_reported_while_streaming() -> None:
    parser = OutputParser()
    text = (FIXTURES / "doc_prompts.txt").read_text().rstrip("\n")
    events = parser.feed(text)
    assert [e.kind for e in events] == [EventKind.PROMPT]
    assert events[0].choices == ("y", "n")
    assert parser.feed("") == []  # the same pending question is not reported twice
    assert parser.flush() == []


def test_numbered_menu_after_question_is_one_menu_prompt() -> None:
    menu = [e for e in _events("doc_menu.txt", EventKind.PROMPT) if e.tool == "menu"]
    assert len(menu) == 1
    assert menu[0].message == "Do you want to proceed?"
    assert menu[0].choices[0] == "Yes" and len(menu[0].choices) == 3


def test_numbered_list_without_question_is_not_a_prompt() -> None:
    assert parse_output("Steps:\n1. build\n2. test\ndone\n") == []


def test_prompt_on_screen_sees_menu_at_the_bottom_with_footer() -> None:
    screen = [*(FIXTURES / "doc_menu.txt").read_text().splitlines(), "", "Esc to cancel", "", ""]
    event = prompt_on_screen(screen)
    assert event is not None and event.tool == "menu" and len(event.choices) == 3
    assert prompt_on_screen(["$ ls", "a b c", "$ "]) is None
    assert prompt_on_screen(["Overwrite file.txt? [y/N] "]) is not None
    assert prompt_on_screen(["Steps:", "1. build", "2. test"]) is None


def test_streaming_in_small_chunks_gives_the_same_events_as_whole_text() -> None:
    text = "".join(
        (FIXTURES / name).read_text()
        for name in ("pytest_failed.txt", "python_traceback.txt", "cargo_build_failed.txt")
    )
    parser = OutputParser()
    streamed: list[ParsedEvent] = []
    for start in range(0, len(text), 7):
        streamed.extend(parser.feed(text[start : start + 7]))
    streamed.extend(parser.flush())
    assert streamed == parse_output(text)


def test_escape_sequences_and_carriage_return_redraws_are_ignored() -> None:
    text = "\x1b[1m\x1b[31m2 failed\x1b[0m, \x1b[32m3 passed\x1b[0m in 0.12s\n"
    (event,) = parse_output("progress 10%\rprogress 99%\r" + text)
    assert (event.failed, event.passed) == (2, 3)
    assert strip_ansi("\x1b]133;A\x07$ \x1b[?2004h") == "$ "


@given(st.binary(max_size=2000))
def test_garbage_bytes_never_raise(data: bytes) -> None:
    events = parse_output(data)
    assert all(isinstance(e, ParsedEvent) for e in events)


@given(st.text(max_size=500))
def test_arbitrary_text_never_raises(text: str) -> None:
    parser = OutputParser()
    parser.feed(text)
    parser.flush()


@pytest.mark.parametrize(
    ("line", "success"),
    [
        ("Build succeeded.", True),  # msbuild / dotnet build
        ("Build succeeded in 2.6s", True),
        ("BUILD SUCCESSFUL in 4s", True),  # Gradle
        ("BUILD FAILED in 1s", False),
    ],
)
def test_generic_build_result_lines(line: str, success: bool) -> None:
    events = [e for e in parse_output(line + "\n") if e.kind is EventKind.BUILD_RESULT]
    assert len(events) == 1 and events[0].success is success


@pytest.mark.parametrize(
    ("asked", "shown"),
    [
        ("\x1b[1;33m? \x1b[0mApply these changes? [y/N] ", "Apply these changes?"),
        ("\u25cf Apply these changes? [y/N]", "Apply these changes?"),
        ("\u276f Do you want to proceed? (y/n)", "Do you want to proceed?"),
        ("(y/n) Overwrite?", "(y/n) Overwrite?"),
        ('"notes.md" exists. Overwrite?', "Overwrite?"),
    ],
)
def test_clean_question_drops_the_glyph_before_the_question(asked: str, shown: str) -> None:
    """The demo reviewer's (and inquirer-style CLIs') leading "? " is decoration: a reason or a
    title reads "Apply these changes?", not "? Apply these changes?"."""
    assert clean_question(asked) == shown
