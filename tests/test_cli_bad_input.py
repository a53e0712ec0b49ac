"""Bad input on the real command line: one line naming the file or option and the field, exit
status 2, no traceback, and never a hang (each run is a real `aisession-tui` subprocess)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aisession_tui.core.types import CommandRecord
from aisession_tui.store.store import Store

from .store.conftest import make_session
from .store.disk import fill, small_disk

ROOT = Path(__file__).resolve().parents[1]
SHELL_SESSION = '[[sessions]]\nname = "{name}"\ncommand = "sh"\n'


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment of its own: data, config and a short socket path nobody serves."""
    run = Path(tempfile.mkdtemp(prefix="ais-"))
    environment = dict(os.environ)
    environment.update(
        AISESSION_DATA_DIR=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_RUNTIME_DIR=str(run),
        AISESSION_CONTROL_SOCKET=str(run / "app.sock"),
    )
    yield environment
    for child in run.iterdir():
        child.unlink()
    run.rmdir()


def run_cli(
    env: dict[str, str], *args: str, timeout: float = 30.0
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [sys.executable, "-m", "aisession_tui", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"aisession-tui {' '.join(args)[:80]} did not finish within {timeout}s")


def assert_usage_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2, nothing on stdout, exactly one line on stderr holding each of `words`."""
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


# -- workspace files -----------------------------------------------------------------------


def test_a_deeply_nested_workspace_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert_usage_error(run_cli(env, "--workspace", str(deep)), str(deep), "nested too deeply")
    inline = tmp_path / "inline.toml"
    inline.write_text(SHELL_SESSION.format(name="a") + "env = " + "{a=" * 3000 + "1" + "}" * 3000)
    assert_usage_error(run_cli(env, "--workspace", str(inline)), str(inline), "nested too deeply")


def test_a_device_a_fifo_or_a_directory_is_not_a_workspace(
    env: dict[str, str], tmp_path: Path
) -> None:
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    for path, kind in (("/dev/zero", "character device"), (str(fifo), "FIFO"), ("/", "directory")):
        result = run_cli(env, "--workspace", path, timeout=20)
        assert_usage_error(result, path, "not a regular file", kind)


def test_a_huge_workspace_file_is_refused_before_it_is_read(
    env: dict[str, str], tmp_path: Path
) -> None:
    huge = tmp_path / "huge.toml"
    with huge.open("w") as out:
        out.write(SHELL_SESSION.format(name="a"))
        out.write("# padding\n" * 200_000)  # 2 MB of comments
    assert_usage_error(run_cli(env, "--workspace", str(huge)), str(huge), "larger than")


def test_a_workspace_with_too_many_sessions_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    many = tmp_path / "many.toml"
    many.write_text("".join(SHELL_SESSION.format(name=f"s{i}") for i in range(5000)))
    result = run_cli(env, "--workspace", str(many))
    assert_usage_error(result, str(many), "field 'sessions'", "at most 256", "5000")


def test_workspace_and_session_names_with_control_characters_are_refused(
    env: dict[str, str], tmp_path: Path
) -> None:
    named = tmp_path / "named.toml"
    named.write_text('name = "team\\u001b]2;pwned\\u0007"\n' + SHELL_SESSION.format(name="a"))
    assert_usage_error(run_cli(env, "--workspace", str(named)), "field 'name'", "control")
    session = tmp_path / "session.toml"
    session.write_text(SHELL_SESSION.format(name="two\\nlines"))
    assert_usage_error(run_cli(env, "--workspace", str(session)), "field 'name'", "control")
    assert_usage_error(run_cli(env, "-s", "\x1b[31m=sh"), "name", "control")


# -- options of the app --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--prefix", "garbage"], ["--prefix", "'garbage' is not a key name"]),
        (["--prefix", "a"], ["--prefix", "add a modifier"]),
        (["--prefix", "hyper+ctrl+ctrl+b"], ["--prefix", "repeated"]),
        (["--theme", "nope"], ["--theme", "'nope'", "midnight"]),
        (["-s", "a=sh", "-s", "a=cat"], ["--session", "'a' is given twice"]),
        (["-s", "a=sh", "--role", "a=x", "--role", "a=y"], ["--role", "given twice"]),
        (["--scrollback", "99999999999"], ["--scrollback"]),
        (["--demo-speed", "nan"], ["--demo-speed", "finite"]),
        (["--demo-speed", "-1"], ["--demo-speed"]),
    ],
)
def test_bad_app_options_are_named(env: dict[str, str], args: list[str], words: list[str]) -> None:
    assert_usage_error(run_cli(env, *args), *words)


def test_a_session_given_twice_through_a_workspace_and_s_is_named(
    env: dict[str, str], tmp_path: Path
) -> None:
    workspace = tmp_path / "w.toml"
    workspace.write_text(SHELL_SESSION.format(name="a"))
    result = run_cli(env, "--workspace", str(workspace), "-s", "a=cat")
    assert_usage_error(result, "--session", "'a'", str(workspace))


def test_a_too_long_control_socket_path_is_named(env: dict[str, str]) -> None:
    env["AISESSION_CONTROL_SOCKET"] = "/tmp/" + "x" * 300
    result = run_cli(env, "--no-store", "-s", "a=sh")
    assert_usage_error(result, "$AISESSION_CONTROL_SOCKET", "limit is 103")


# -- subcommands ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["prune", "--older-than", "99999999999999w"], ["--older-than", "100 years"]),
        (["prune", "--older-than", "9" * 5000 + "d"], ["--older-than", "invalid duration"]),
        (["exec", "--timeout", "nan", "sh", "--", "ls"], ["--timeout", "'nan'"]),
        (["exec", "sh", "--timeout", "inf", "--", "ls"], ["--timeout", "'inf'"]),
        (["exec", "--timeout", "-1", "sh", "--", "ls"], ["--timeout"]),
        (["capture", "sh", "--lines", "0"], ["--lines"]),
        (["capture", "sh", "--lines", "9" * 30], ["--lines"]),
        (["capture", "--socket", "/tmp/" + "s" * 300, "sh"], ["--socket", "limit is 103"]),
        (["sessions", "--socket", "/tmp/" + "s" * 300], ["--socket"]),
        (["mcp", "--socket", "/tmp/" + "s" * 300], ["--socket"]),
        (["history", "x", "--limit", "abc"], ["--limit"]),
        (["nonsense"], ["invalid choice"]),
    ],
)
def test_bad_subcommand_input_is_one_line(
    env: dict[str, str], args: list[str], words: list[str]
) -> None:
    assert_usage_error(run_cli(env, *args), *words)


# -- store subcommands: output and data paths --------------------------------------------


@pytest.fixture
def recorded(env: dict[str, str]) -> str:
    """A session named `alpha` in the environment's database; its name."""
    store = Store.open(Path(env["AISESSION_DATA_DIR"]))
    store.begin_run()
    sid = make_session(store, "alpha")
    # Some bulk: the export is written in more than one piece.
    store.record_command(sid, CommandRecord("make", datetime.now(UTC), 0, output="ok\n" * 50_000))
    store.close()
    return "alpha"


@contextlib.contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """A folder nobody may create files in: immutable for root (who ignores modes), else 0500."""
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o500)
        yield
        folder.chmod(0o700)
        return
    made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"root ignores permissions and chattr +i failed: {made.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)


def test_export_to_an_unusable_path_is_one_line_naming_it(
    env: dict[str, str], recorded: str, tmp_path: Path
) -> None:
    cases = [
        (tmp_path / "no" / "such" / "folder" / "x.md", "No such file or directory"),
        (tmp_path, "not a regular file (a directory)"),
        (tmp_path / ("x" * 300), "File name too long"),
    ]
    for target, words in cases:
        assert_usage_error(run_cli(env, "export", recorded, "-o", str(target)), str(target), words)
    with unwritable(tmp_path / "locked"):
        target = tmp_path / "locked" / "x.md"
        assert_usage_error(run_cli(env, "export", recorded, "-o", str(target)), str(target))
        assert not any((tmp_path / "locked").iterdir())


def test_export_to_a_full_disk_leaves_the_old_file_whole_and_nothing_half_written(
    env: dict[str, str], recorded: str, tmp_path: Path
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        target = disk / "alpha.md"
        target.write_text("the export before\n")
        filler = fill(disk)
        result = run_cli(env, "export", recorded, "-o", str(target))
        assert_usage_error(result, str(target), "No space left on device")
        assert target.read_text() == "the export before\n"
        assert sorted(p.name for p in disk.iterdir()) == ["alpha.md", "filler"]

        filler.unlink()
        assert run_cli(env, "export", recorded, "-o", str(target)).returncode == 0
        assert target.read_text().startswith("# Session alpha")
        assert target.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("command", [["list"], ["prune", "--older-than", "1d"], ["history", "a"]])
def test_a_data_dir_that_is_a_file_is_one_line(
    env: dict[str, str], tmp_path: Path, command: list[str]
) -> None:
    not_a_folder = tmp_path / "data.txt"
    not_a_folder.write_text("hello")
    result = run_cli(env, *command, "--data-dir", str(not_a_folder))
    assert_usage_error(result, f"--data-dir {not_a_folder}: not a folder")
    assert not_a_folder.read_text() == "hello"
