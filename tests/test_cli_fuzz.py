"""Property tests of the command line: whatever words are typed, the parser and the checks
before the app starts end in a clean exit status or a one-line `UsageError`, never a traceback.

Subcommands run for real (`main`), against a socket nobody serves and an empty data dir; the
app's own options run through `app_settings`, everything the app checks before it starts.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aisession_tui.cli import UsageError, app_settings, build_parser, main

#: Values people (and scripts gone wrong) type: numbers at the edges, markup, controls, paths.
ODD_VALUES = st.sampled_from(
    [
        "", " ", "0", "-1", "1e309", "nan", "inf", "-inf", "9" * 40, "99999999999999w", "30d",
        "a=b", "a=", "=b", "[/x]", "[@click=app.quit]x[/]", "\x1b]2;x\x07", "a\nb", "\x00",
        "/dev/zero", "/", "..", "ctrl+b", "garbage", "C-a", "f12", "sessions,details", "none",
        "midnight", "nope", "sh", "x" * 300, "é", "\udcff",
    ]
)  # fmt: skip
WORDS = st.one_of(ODD_VALUES, st.text(max_size=12))
APP_OPTIONS = st.sampled_from(
    ["-s", "--role", "--cwd", "--prefix", "--theme", "--panels", "--scrollback", "--workspace",
     "--demo-speed", "--restore", "--no-control", "--demo"]
)  # fmt: skip
SUBCOMMANDS = st.sampled_from(
    ["list", "history", "export", "prune", "sessions", "send", "exec", "capture", "new", "kill",
     "events", "message", "inbox"]
)  # fmt: skip
SUB_OPTIONS = st.sampled_from(
    ["--json", "--limit", "--format", "-o", "--older-than", "--dry-run", "--timeout", "--lines",
     "--cwd", "--role", "--from", "-n", "--app", "--socket", "--data-dir", "--"]
)  # fmt: skip


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No app listens on the socket, the data dir is empty, and files land in a scratch dir."""
    folder = Path(tempfile.mkdtemp(prefix="ais-"))
    monkeypatch.setenv("AISESSION_CONTROL_SOCKET", str(folder / "app.sock"))
    monkeypatch.setenv("AISESSION_DATA_DIR", str(folder / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder / "config"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    monkeypatch.chdir(folder)
    yield folder


def _interleave(options: list[str], values: list[str]) -> list[str]:
    argv: list[str] = []
    for option, value in zip(options, values, strict=False):
        argv += [option, value]
    return argv


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=SUBCOMMANDS,
    words=st.lists(st.one_of(SUB_OPTIONS, WORDS), max_size=8),
)
def test_any_subcommand_line_ends_in_an_exit_status_not_a_traceback(
    isolated: Path, command: str, words: list[str]
) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([command, *words])
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 2
    assert code in (0, 1, 2, 3, 124), (command, words, err.getvalue())
    if code == 2:
        assert len(err.getvalue().splitlines()) == 1, err.getvalue()


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    options=st.lists(APP_OPTIONS, max_size=6),
    values=st.lists(WORDS, min_size=6, max_size=6),
)
def test_any_app_options_are_accepted_or_refused_in_one_line(
    isolated: Path, options: list[str], values: list[str]
) -> None:
    flags = {"--restore", "--no-control", "--demo"}
    argv = [word for option in options if option in flags for word in (option,)]
    argv += _interleave([o for o in options if o not in flags], values)
    parser = build_parser()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            args = parser.parse_args(["--no-store", *argv])
        except SystemExit as exit_:
            assert exit_.code == 2
            assert len(err.getvalue().splitlines()) == 1, err.getvalue()
            return
    if args.command is not None:
        return  # a value happened to name a subcommand: the other test's ground
    try:
        configs, options_ = app_settings(args)
    except UsageError as error:
        assert "\n" not in str(error).strip() or "\\n" in repr(str(error))
        assert "Traceback" not in str(error)
        return
    assert options_.prefix_key
    assert all(config.name is None or config.name == config.name.strip() for config in configs)
