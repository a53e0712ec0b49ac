"""Where the socket lives, and the wire format's parsing of good and bad lines."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aisession_tui.control.paths import SOCKET_ENV, socket_name, socket_path
from aisession_tui.control.protocol import ControlError, encode, parse_request, request_id_of
from aisession_tui.control.server import claim_socket


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
    assert socket_name("team") == "team"
    assert socket_name("my team/../x").startswith("my_team_.._x~")
    assert socket_name(None) == "default"
    for hostile in ("../../etc/passwd", "a\x00b", "\n", "é" * 300, "  ", ""):
        name = socket_name(hostile)
        assert "/" not in name and "\x00" not in name and len(name) <= 60
        assert name not in ("", ".", "..")


def test_workspace_names_that_differ_get_distinct_sockets() -> None:
    """ "team x" and "team/x" (and every other spelling that slugs alike) never share a socket,
    so the CLI for one workspace cannot drive another's app."""
    names = ["team x", "team/x", "team_x", "team?x", "team  x", " team x", "default", "", "  "]
    names += ["a" * 41, "a" * 42, "team_x~0123456789ab"]
    files = [socket_name(name) for name in names]
    assert len(set(files)) == len(names), dict(zip(names, files, strict=True))
    assert "default" not in files  # a workspace named "default" is not the unnamed one
    assert socket_name("team x") == socket_name("team x")  # and the mapping is stable


def test_a_stale_socket_is_removed_and_a_live_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "app.sock"
    claim_socket(path)  # nothing there: fine
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))
    stale.close()  # bound, never listening: what a killed app leaves behind
    claim_socket(path)
    assert not path.exists()
    live = socket.socket(socket.AF_UNIX)
    live.bind(str(path))
    live.listen()
    try:
        with pytest.raises(ControlError) as taken:
            claim_socket(path)
        assert taken.value.code == "in_use"
        assert path.exists()
    finally:
        live.close()
    path.unlink()
    path.write_text("not a socket")
    with pytest.raises(ControlError, match="not a socket"):
        claim_socket(path)
    assert path.read_text() == "not a socket"


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


#: Text with what JSON allows and UTF-8 does not (lone surrogates), and control characters.
HOSTILE_TEXT = st.text(st.characters(categories=["Cs", "Cc", "Lu", "Nd", "Zs"]), max_size=20)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | HOSTILE_TEXT,
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=30,
)
REQUEST_KEYS = st.sampled_from(["v", "id", "op", "params", "x"])


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=200),
        JSON.map(lambda value: json.dumps(value).encode()),
        st.dictionaries(REQUEST_KEYS, JSON).map(lambda value: json.dumps(value).encode()),
        st.tuples(st.integers(1, 3000), st.sampled_from("[{")).map(
            lambda deep: (deep[1] * deep[0]).encode()
        ),
    )
)
def test_the_decoder_turns_any_line_into_a_request_or_a_control_error(line: bytes) -> None:
    """Whatever arrives, parsing ends in a `Request` or a `ControlError`, and the error reply
    encodes to one line of valid UTF-8 JSON."""
    try:
        request = parse_request(line)
    except ControlError as error:
        reply: dict[str, Any] = {"v": 1, "id": request_id_of(line), "ok": False}
        reply["error"] = error.to_json()
        encoded = encode(reply)
        assert encoded.count(b"\n") == 1
        assert json.loads(encoded.decode("utf-8"))["error"]["code"] == error.code
        assert len(error.message) < 1000
    else:
        assert request.v == 1
        assert encode({"id": request.id, "op": request.op, "params": request.params})
