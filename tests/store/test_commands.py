"""The `list`, `history`, `export` and `prune` subcommands against real database files."""

from __future__ import annotations

import argparse
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aisession_tui.core.types import CommandRecord, SessionId, SessionStatus
from aisession_tui.store.commands import describe_duration, parse_duration, register
from aisession_tui.store.paths import DATA_DIR_ENV, DB_FILENAME, data_dir_from
from aisession_tui.store.store import Store

from .conftest import make_session


def _parser() -> argparse.ArgumentParser:
    """Shaped like the app's parser: a global --data-dir and our subcommands."""
    parser = argparse.ArgumentParser(prog="aisession-tui")
    parser.add_argument("--data-dir", type=Path)
    register(parser.add_subparsers(dest="command"))
    return parser


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    args = _parser().parse_args(argv)
    code = args.handler(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def populated(data_dir: Path, tmp_path: Path) -> dict[str, SessionId]:
    store = Store.open(data_dir)
    store.begin_run()
    ids = {
        "builder": make_session(store, "builder", agent_role="developer", cwd=tmp_path),
        "twin-1": make_session(store, "twin", status=SessionStatus.TERMINATED),
        "twin-2": make_session(store, "twin", status=SessionStatus.TERMINATED),
    }
    b = ids["builder"]
    store.record_command(
        b,
        CommandRecord(
            "pytest -q",
            datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
            exit_code=1,
            duration_ms=2500,
            output="F...\n===== 1 failed, 3 passed in 2.50s =====\n",
        ),
    )
    store.record_command(
        b, CommandRecord("cat notes.md", datetime(2026, 11, 2, 8, 1, tzinfo=UTC), 0, output="```")
    )
    store.record_command(b, CommandRecord("echo `date`", datetime(2026, 11, 2, 8, 2, tzinfo=UTC)))
    store.record_tokens(b, 4321)
    store.record_exit(ids["twin-1"], 0)
    store.save_screen(b, ["$ pytest -q", "1 failed, 3 passed"])
    store.close()  # the run ended: nothing is live
    return ids


def test_list_shows_a_table_of_stored_sessions(
    capsys: pytest.CaptureFixture[str], data_dir: Path, populated: dict[str, SessionId]
) -> None:
    code, out, err = _run(capsys, "--data-dir", str(data_dir), "list")
    assert (code, err) == (0, "")
    header, *rows = out.splitlines()
    assert header.split() == [
        "ID", "NAME", "ROLE", "STATUS", "EXIT", "TOKENS", "CMDS", "UPDATED", "(UTC)", "COMMAND",
    ]  # fmt: skip
    assert len(rows) == 3
    builder = next(r for r in rows if r.startswith(populated["builder"].short))
    assert builder.split()[:7] == [
        populated["builder"].short, "builder", "developer", "running", "-", "4321", "3",
    ]  # fmt: skip
    assert builder.endswith("echo hi")


def test_list_json_is_machine_readable(
    capsys: pytest.CaptureFixture[str], data_dir: Path, populated: dict[str, SessionId]
) -> None:
    code, out, _ = _run(capsys, "list", "--json", "--data-dir", str(data_dir))
    assert code == 0
    data = json.loads(out)
    assert [d["name"] for d in data] == ["builder", "twin", "twin"]
    assert data[0]["id"] == str(populated["builder"])
    assert data[0]["total_tokens"] == 4321
    assert data[0]["command_count"] == 3
    assert data[1]["exit_code"] == 0
    assert data[0]["live"] is False


def test_list_without_a_database_says_so_and_creates_nothing(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    code, out, _ = _run(capsys, "--data-dir", str(data_dir), "list")
    assert (code, out) == (0, "No sessions recorded yet.\n")
    assert not data_dir.exists()
    assert _run(capsys, "--data-dir", str(data_dir), "list", "--json")[:2] == (0, "[]\n")


def test_the_data_dir_comes_from_the_environment_variable(
    capsys: pytest.CaptureFixture[str],
    data_dir: Path,
    populated: dict[str, SessionId],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(data_dir))
    code, out, _ = _run(capsys, "list", "--json")
    assert code == 0 and len(json.loads(out)) == 3
    assert data_dir_from(argparse.Namespace()) == data_dir
    assert data_dir_from(argparse.Namespace(data_dir=Path("/elsewhere"))) == Path("/elsewhere")
    monkeypatch.setenv(DATA_DIR_ENV, "")
    assert data_dir_from(None).name == "aisession-tui"  # the platform default


def test_history_by_name_lists_commands_with_exit_codes(
    capsys: pytest.CaptureFixture[str], data_dir: Path, populated: dict[str, SessionId]
) -> None:
    code, out, _ = _run(capsys, "history", "builder", "--data-dir", str(data_dir))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"History of builder ({populated['builder'].short}): 3 command(s)"
    assert lines[1].split() == ["#", "TIME", "(UTC)", "EXIT", "DURATION", "COMMAND"]
    assert lines[2].split() == ["1", "2026-11-02", "08:00:00", "1", "2500", "ms", "pytest", "-q"]
    assert lines[3].split() == ["2", "2026-11-02", "08:01:00", "0", "-", "cat", "notes.md"]
    assert lines[4].split() == ["3", "2026-11-02", "08:02:00", "-", "-", "echo", "`date`"]


def test_history_by_id_prefix_and_json(
    capsys: pytest.CaptureFixture[str], data_dir: Path, populated: dict[str, SessionId]
) -> None:
    prefix = populated["builder"].short[:6]
    code, out, _ = _run(capsys, "history", prefix, "--json", "--data-dir", str(data_dir))
    assert code == 0
    data = json.loads(out)
    assert data["session"] == str(populated["builder"])
    assert [(c["command"], c["exit_code"]) for c in data["commands"]] == [
        ("pytest -q", 1),
        ("cat notes.md", 0),
        ("echo `date`", None),
    ]


def test_an_ambiguous_name_is_an_error_listing_the_candidates(
    capsys: pytest.CaptureFixture[str], data_dir: Path, populated: dict[str, SessionId]
) -> None:
    code, out, err = _run(capsys, "history", "twin", "--data-dir", str(data_dir))
    assert (code, out) == (1, "")
    assert err.startswith("aisession-tui: error: name 'twin' matches 2 sessions: ")
    assert str(populated["twin-1"]) in err and str(populated["twin-2"]) in err
    assert err.rstrip().endswith("use an id instead")
    # Either id resolves it.
    code, out, _ = _run(capsys, "history", str(populated["twin-2"]), "--data-dir", str(data_dir))
    assert code == 0 and "0 command(s)" in out


def test_an_unknown_session_is_an_error(
    capsys: pytest.CaptureFixture[str], data_dir: Path, populated: dict[str, SessionId]
) -> None:
    code, _, err = _run(capsys, "export", "nobody", "--data-dir", str(data_dir))
    assert code == 1
    assert err == (
        "aisession-tui: error: no session is named 'nobody' or has an id starting with it\n"
    )


def test_export_json_has_history_outputs_and_parsed_events(
    capsys: pytest.CaptureFixture[str], data_dir: Path, populated: dict[str, SessionId]
) -> None:
    code, out, _ = _run(
        capsys, "export", "builder", "--format", "json", "--data-dir", str(data_dir)
    )
    assert code == 0
    data = json.loads(out)
    assert data["session"]["name"] == "builder"
    assert data["session"]["role"] == "developer"
    first = data["commands"][0]
    assert first["output"].endswith("1 failed, 3 passed in 2.50s =====\n")
    [event] = first["events"]
    assert (event["kind"], event["tool"], event["failed"], event["passed"]) == (
        "test_summary",
        "pytest",
        1,
        3,
    )
    assert data["token_samples"][-1]["tokens"] == 4321
    assert data["scrollback"] == ["$ pytest -q", "1 failed, 3 passed"]


def test_export_markdown_is_ready_to_paste_and_fences_cannot_break(
    capsys: pytest.CaptureFixture[str], data_dir: Path, populated: dict[str, SessionId]
) -> None:
    code, out, _ = _run(capsys, "export", "builder", "--data-dir", str(data_dir))
    assert code == 0
    assert out.startswith("# Session builder\n")
    assert "### 1. `pytest -q` (exit 1, 2500 ms)" in out
    assert "- pytest: 1 failed, 3 passed" in out
    assert "### 2. `cat notes.md` (exit 0)\n\n````\n```\n````" in out  # output had ```
    assert "### 3. `` echo `date` `` (exit ?)" in out
    assert "## Last screen and scrollback" in out


def test_export_to_a_file(
    capsys: pytest.CaptureFixture[str],
    data_dir: Path,
    populated: dict[str, SessionId],
    tmp_path: Path,
) -> None:
    target = tmp_path / "builder.md"
    code, out, err = _run(
        capsys, "export", "builder", "-o", str(target), "--data-dir", str(data_dir)
    )
    assert (code, out) == (0, "")
    assert target.read_text().startswith("# Session builder")
    assert err == f"Exported builder ({populated['builder'].short}) to {target}\n"


def test_prune_removes_sessions_older_than_the_given_age(
    capsys: pytest.CaptureFixture[str], data_dir: Path, populated: dict[str, SessionId]
) -> None:
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat(timespec="microseconds")
    conn.execute("UPDATE sessions SET updated_at = ? WHERE name = 'twin'", (old,))
    conn.commit()
    conn.close()
    code, out, _ = _run(
        capsys, "prune", "--older-than", "30d", "--dry-run", "--data-dir", str(data_dir)
    )
    assert code == 0
    assert out.splitlines()[0] == "Would delete 2 session(s) not updated for 30 days."
    code, out, _ = _run(capsys, "prune", "--older-than", "30d", "--data-dir", str(data_dir))
    assert out.splitlines()[0] == "Deleted 2 session(s) not updated for 30 days."
    _, out, _ = _run(capsys, "list", "--json", "--data-dir", str(data_dir))
    assert [d["name"] for d in json.loads(out)] == ["builder"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)), ("2w", timedelta(weeks=2)),
     ("90m", timedelta(minutes=90)), ("45s", timedelta(seconds=45))],
)  # fmt: skip
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("age", "text"),
    [(timedelta(days=30), "30 days"), (timedelta(weeks=1), "1 week"),
     (timedelta(hours=36), "36 hours"), (timedelta(seconds=90), "90 seconds")],
)  # fmt: skip
def test_durations_are_described_as_people_write_them(age: timedelta, text: str) -> None:
    assert describe_duration(age) == text


def test_a_bad_duration_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        _parser().parse_args(["prune", "--older-than", "soon"])
    assert caught.value.code == 2
    assert "invalid duration 'soon': use a number and a unit" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["list", "history", "export", "prune"])
def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit) as caught:
        _parser().parse_args([command, "--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: aisession-tui {command}")
    assert "--data-dir DIR" in out


def test_a_corrupt_database_is_reported_and_left_alone_by_commands(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    data_dir.mkdir(parents=True)
    db = data_dir / DB_FILENAME
    db.write_bytes(b"not a database" * 10)
    code, _, err = _run(capsys, "list", "--data-dir", str(data_dir))
    assert code == 1
    assert err == (
        f"aisession-tui: error: {db}: file is not an SQLite database; the file was left untouched\n"
    )
    assert db.read_bytes() == b"not a database" * 10


def test_list_and_history_json_escape_c1_controls_and_bidi_overrides(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    hostile = "evil\x9b2J\u202etxt.exe\u2066"
    store = Store.open(data_dir)
    store.begin_run()
    sid = make_session(store, hostile)
    store.record_command(
        sid, CommandRecord(f"echo {hostile}", datetime.now(UTC), 0, output=hostile)
    )
    store.close()
    for argv in (("list", "--json"), ("history", sid.short, "--json")):
        code, out, _ = _run(capsys, *argv, "--data-dir", str(data_dir))
        assert code == 0
        assert not {"\x9b", "\u202e", "\u2066"} & set(out), out
        assert "evil\\u009b2J\\u202etxt.exe\\u2066" in out
    data = json.loads(out)
    assert data["name"] == hostile
    assert data["commands"][0]["command"] == f"echo {hostile}"
