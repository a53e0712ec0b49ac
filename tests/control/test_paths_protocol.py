"""Where the socket lives, and the wire format's parsing of good and bad lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from aisession_tui.control.paths import SOCKET_ENV, socket_name, socket_path
from aisession_tui.control.protocol import ControlError, encode, parse_request, request_id_of


def test_socket_lives_in_the_runtime_dir_named_after_the_workspace(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(SOCKET_ENV)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert socket_path("team") == tmp_path / "aisession-tui" / "team.sock"
    assert socket_path(None) == tmp_path / "aisession-tui" / "default.sock"


def test_without_a_runtime_dir_the_socket_goes_under_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(SOCKET_ENV)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("AISESSION_DATA_DIR", str(tmp_path / "data"))
    assert socket_path("w") == tmp_path / "data" / "run" / "w.sock"


def test_workspace_names_become_safe_file_names() -> None:
    assert socket_name("my team/../x") == "my_team_.._x"
    assert socket_name("  ") == "default"
    assert "/" not in socket_name("../../etc/passwd")


def test_request_lines_parse_and_bad_ones_say_why() -> None:
    request = parse_request(b'{"v": 1, "id": "a", "op": "ping"}')
    assert (request.id, request.op, request.params) == ("a", "ping", {})
    with pytest.raises(ControlError, match="not valid JSON"):
        parse_request(b"{")
    with pytest.raises(ControlError, match="version 2 is not supported"):
        parse_request(b'{"v": 2, "op": "ping"}')
    with pytest.raises(ControlError, match="params"):
        parse_request(b'{"v": 1, "op": "ping", "params": [1]}')
    assert request_id_of(b'{"v": 2, "id": 9}') == 9
    assert request_id_of(b"\xff") is None


def test_encoded_messages_are_one_line_of_utf8() -> None:
    line = encode({"text": "é\nline"})
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert "é".encode() in line
