"""Workspace files: valid ones become configs; bad ones give one exact line naming the problem."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aisession_tui.store.workspace import WorkspaceError, load_workspace

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str, name: str = "team.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _error(path: Path) -> WorkspaceError:
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(path)
    return caught.value


def test_the_shipped_example_workspace_loads() -> None:
    workspace = load_workspace(REPO / "examples" / "team.toml")
    assert workspace.name == "team"
    assert workspace.layout.mode == "grid"
    assert workspace.layout.focus == "planner"
    names = [c.name for c in workspace.sessions]
    assert names == ["planner", "coder", "tests", "logs"]
    planner = workspace.session("planner")
    assert planner.agent_role == "planner"
    assert planner.context_config.max_tokens == 8192
    assert planner.working_directory == REPO
    assert workspace.session("logs").pty_size == (20, 100)


def test_workspace_fields_map_onto_session_config(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    path = _write(
        tmp_path,
        """
        layout = "columns"
        [[sessions]]
        name = "agent"
        command = "claude --resume"
        cwd = "sub"
        env = { MODE = "fast" }
        role = "reviewer"
        max_tokens = 1000
        compression_threshold = 0.5
        timeout = 30.5
        enable_ai_features = true
        """,
    )
    workspace = load_workspace(path)
    assert workspace.name == "team"  # from the file name
    assert workspace.layout.mode == "columns"
    [config] = workspace.sessions
    assert config.name == "agent"
    assert config.shell_command == "claude --resume"
    assert config.working_directory == tmp_path / "sub"
    assert config.environment == {"MODE": "fast"}
    assert config.agent_role == "reviewer"
    assert config.context_config.max_tokens == 1000
    assert config.context_config.compression_threshold == 0.5
    assert config.timeout == 30.5
    assert config.enable_ai_features is True


def test_unknown_field_names_file_session_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[sessions]]\nname = "a"\ncommand = "x"\ncolour = "red"\n')
    err = _error(path)
    assert str(err) == f"{path}: session 'a': field 'colour': unknown field"
    assert (err.session, err.field, err.reason) == ("session 'a'", "colour", "unknown field")


def test_wrong_type_names_the_field_and_the_bad_value(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[sessions]]\nname = "a"\ncommand = "x"\nmax_tokens = "lots"\n')
    assert str(_error(path)) == (
        f"{path}: session 'a': field 'max_tokens': Input should be a valid integer, "
        "unable to parse string as an integer (got 'lots')"
    )


def test_wrong_type_inside_env_names_the_variable(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[sessions]]\nname = "a"\ncommand = "x"\nenv = { PORT = 8080 }\n')
    assert str(_error(path)) == (
        f"{path}: session 'a': field 'env.PORT': Input should be a valid string (got 8080)"
    )


def test_missing_command(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[sessions]]\nname = "a"\n[[sessions]]\nname = "b"\ncommand = "x"\n')
    assert str(_error(path)) == f"{path}: session 'a': field 'command': is required"


def test_missing_name_is_reported_by_position(tmp_path: Path) -> None:
    path = _write(
        tmp_path, '[[sessions]]\nname = "a"\ncommand = "x"\n[[sessions]]\ncommand = "y"\n'
    )
    assert str(_error(path)) == f"{path}: session #2: field 'name': is required"


def test_missing_working_directory(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[sessions]]\nname = "a"\ncommand = "x"\ncwd = "nowhere"\n')
    assert str(_error(path)) == (
        f"{path}: session 'a': field 'cwd': working directory does not exist: "
        f"{tmp_path / 'nowhere'}"
    )


def test_native_config_spelling_points_to_the_workspace_spelling(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[sessions]]\nname = "a"\ncommand = "x"\nshell_command = "y"\n')
    assert str(_error(path)) == (
        f"{path}: session 'a': field 'shell_command': unknown field (write 'command')"
    )


def test_several_problems_are_all_listed_on_one_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[sessions]]\nname = "a"\ncommand = "x"\nrows = 3\n'
        '[[sessions]]\nname = "b"\ncommand = "y"\npty_size = [0, 80]\n',
    )
    message = str(_error(path))
    assert "\n" not in message
    assert message == (
        f"{path}: session 'a': field 'rows': unknown field; session 'b': field 'pty_size': "
        "pty size must be positive (rows, cols), got (0, 80)"
    )


def test_duplicate_session_names(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[sessions]]\nname = "a"\ncommand = "x"\n[[sessions]]\nname = "a"\ncommand = "y"\n',
    )
    assert str(_error(path)) == (
        f"{path}: session 'a': field 'name': another session (#1) has the same name"
    )


def test_no_sessions(tmp_path: Path) -> None:
    path = _write(tmp_path, 'name = "empty"\nsessions = []\n')
    assert str(_error(path)) == (
        f"{path}: field 'sessions': a workspace needs at least one [[sessions]] table"
    )


def test_unknown_top_level_field_and_bad_layout(tmp_path: Path) -> None:
    path = _write(
        tmp_path, 'theme = "dark"\nlayout = "spiral"\n[[sessions]]\nname = "a"\ncommand = "x"\n'
    )
    assert str(_error(path)) == (
        f"{path}: field 'layout.mode': Input should be 'grid', 'columns', 'rows' or 'tabs' "
        "(got 'spiral'); field 'theme': unknown field"
    )


def test_layout_focus_must_name_a_session(tmp_path: Path) -> None:
    path = _write(tmp_path, 'layout = { focus = "z" }\n[[sessions]]\nname = "a"\ncommand = "x"\n')
    assert str(_error(path)) == f"{path}: field 'layout.focus': no session is named 'z'"


def test_invalid_toml(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[sessions]]\nname = "a\n')
    assert (
        str(_error(path)) == f"{path}: invalid TOML: Illegal character '\\n' (at line 2, column 10)"
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    err = _error(path)
    assert str(err) == f"{path}: cannot read workspace file: No such file or directory"
    assert err.path == path


def test_a_directory_is_not_a_workspace_file(tmp_path: Path) -> None:
    expected = f"{tmp_path}: cannot read workspace file: not a regular file (a directory)"
    assert str(_error(tmp_path)) == expected


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without read permission")
def test_unreadable_file(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[sessions]]\nname = "a"\ncommand = "x"\n')
    path.chmod(0)
    try:
        assert str(_error(path)) == f"{path}: cannot read workspace file: Permission denied"
    finally:
        path.chmod(0o600)


def test_binary_garbage_is_reported_as_invalid_toml(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    assert str(_error(path)) == f"{path}: invalid TOML: not UTF-8 text (invalid start byte)"


def test_only_small_regular_files_are_read(tmp_path: Path) -> None:
    """A device, a FIFO or a huge file is refused at once: reading `/dev/zero` would exhaust
    memory and a FIFO would wait for a writer forever."""
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    assert str(_error(fifo)).endswith("cannot read workspace file: not a regular file (a FIFO)")
    assert "a character device" in str(_error(Path("/dev/zero")))
    huge = _write(tmp_path, "# pad\n" * 200_000, "huge.toml")
    assert "larger than the 1048576 allowed" in str(_error(huge))


def test_nesting_deeper_than_the_stack_is_one_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "x = " + "[" * 5000 + "]" * 5000)
    assert str(_error(path)) == f"{path}: invalid TOML: nested too deeply"


def test_a_workspace_holds_a_bounded_number_of_sessions(tmp_path: Path) -> None:
    tables = "".join(f'[[sessions]]\nname = "s{i}"\ncommand = "sh"\n' for i in range(257))
    error = _error(_write(tmp_path, tables))
    assert error.field == "sessions"
    assert "at most 256 sessions, this one 257" in str(error)
    tables = "".join(f'[[sessions]]\nname = "s{i}"\ncommand = "sh"\n' for i in range(256))
    assert len(load_workspace(_write(tmp_path, tables, "ok.toml")).sessions) == 256


def test_padded_session_names_are_trimmed_and_control_characters_refused(
    tmp_path: Path,
) -> None:
    workspace = load_workspace(
        _write(tmp_path, '[[sessions]]\nname = "  lead  "\ncommand = "sh"\n')
    )
    assert workspace.sessions[0].name == "lead"
    error = _error(
        _write(tmp_path, '[[sessions]]\nname = "a\\u001b[2J"\ncommand = "sh"\n', "b.toml")
    )
    assert error.field == "name"
    assert "must not contain control characters (found '\\x1b')" in str(error)


def test_backend_is_read_and_a_wrong_one_names_the_field(tmp_path: Path) -> None:
    sessions = '[[sessions]]\nname = "a"\ncommand = "x"\n'
    assert load_workspace(_write(tmp_path, 'backend = "tmux"\n' + sessions)).backend == "tmux"
    assert load_workspace(_write(tmp_path, 'host = "me@far"\n' + sessions)).host == "me@far"
    assert load_workspace(_write(tmp_path, sessions)).backend is None
    path = _write(tmp_path, 'backend = "screen"\n' + sessions)
    err = _error(path)
    assert err.field == "backend" and "'pty' or 'tmux'" in str(err)
