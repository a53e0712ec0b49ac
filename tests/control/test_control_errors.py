"""Bad input, many clients, other users and shutdown: clear errors, nothing lost, nothing hangs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from aisession_tui.control.backend import MAX_LIVE_SESSIONS
from aisession_tui.control.client import AsyncControlClient, ControlClient, call
from aisession_tui.control.protocol import MAX_REQUEST_BYTES, ControlError, encode
from aisession_tui.control.server import ControlServer

from .helpers import SIZE, make_app, shell, wait_serving, wait_until


def raw_exchange(path: Path, payload: bytes, replies: int) -> list[dict[str, Any]]:
    """Send raw bytes and read `replies` lines back (a client that does everything wrong)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(10)
        sock.connect(str(path))
        sock.sendall(payload)
        with sock.makefile("rb") as stream:
            return [json.loads(stream.readline()) for _ in range(replies)]


async def test_malformed_requests_get_error_replies_and_the_connection_goes_on(
    control_socket: Path,
) -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        live = next(iter(app.lives.values()))
        await wait_until(lambda: live.session.status.value == "running")  # started after layout
        lines = [
            b"not json at all\n",
            b"\xff\xfe\x00garbage\n",
            b"[1, 2, 3]\n",
            b'{"v": 99, "id": 1, "op": "ping"}\n',
            b'{"v": 1, "id": 2}\n',
            b'{"v": 1, "id": 3, "op": "teleport"}\n',
            b'{"v": 1, "id": 4, "op": "capture", "params": {"session": 5}}\n',
            b'{"v": 1, "id": 5, "op": "send_input", "params": {"session": "one", "txt": "x"}}\n',
            b'{"v": 1, "id": 6, "op": "ping"}\n',
        ]
        replies = await asyncio.to_thread(raw_exchange, control_socket, b"".join(lines), 9)
        # Lines that are not requests are answered at once, in order; requests by their id.
        assert [r["error"]["code"] for r in replies[:3]] == ["bad_request"] * 3
        by_id = {r["id"]: r for r in replies[3:]}
        codes = {i: r.get("error", {}).get("code") for i, r in by_id.items()}
        assert codes == {
            1: "unsupported_version",
            2: "bad_request",
            3: "unknown_op",
            4: "invalid",
            5: "invalid",
            6: None,
        }
        assert [r["v"] for r in replies] == [1] * 9
        assert "teleport" in by_id[3]["error"]["message"]
        assert "txt" in by_id[5]["error"]["message"]
        assert by_id[6]["ok"] is True
        assert (await call("list_sessions"))["sessions"][0]["status"] == "running"
        await app.shutdown()


async def test_oversized_request_is_refused_and_the_app_keeps_serving(
    control_socket: Path,
) -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        huge = b'{"v": 1, "id": 1, "op": "send_input", "params": {"session": "one", "text": "'
        huge += b"x" * (MAX_REQUEST_BYTES + 10) + b'"}}\n'

        def send_huge() -> tuple[dict[str, Any], bytes]:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(10)
                sock.connect(str(control_socket))
                # The app may close the connection while we are still sending.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    sock.sendall(huge)
                with sock.makefile("rb") as stream:
                    first = json.loads(stream.readline())
                    return first, stream.read()

        reply, rest = await asyncio.to_thread(send_huge)
        assert reply["error"]["code"] == "too_large"
        assert str(MAX_REQUEST_BYTES) in reply["error"]["message"]
        assert rest == b""  # and the connection is closed
        live = next(iter(app.lives.values()))
        assert "xxxx" not in "\n".join(live.emulator.text_lines())
        assert (await call("ping"))["pid"] == os.getpid()
        await app.shutdown()


async def test_hundred_concurrent_requests_each_get_their_own_reply() -> None:
    app = make_app(shell("a"), shell("b"), shell("c"), shell("d"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        names = ["a", "b", "c", "d"]

        async def run(i: int) -> tuple[int, dict[str, Any]]:
            params = {"session": names[i % 4], "command": f"echo tag-{i}; (exit {i % 5})"}
            return i, await call("execute_command", params, timeout=120)

        results = await asyncio.gather(*(run(i) for i in range(100)))
        for i, result in results:
            assert result["output"].strip() == f"tag-{i}"
            assert result["exit_code"] == i % 5

        # And 100 in flight on one connection, matched by id.
        async with AsyncControlClient() as client:
            replies = await asyncio.gather(
                *(
                    client.request("capture", {"session": names[i % 4], "lines": 1 + i})
                    for i in range(100)
                )
            )
        assert [r["lines"] <= 1 + i for i, r in enumerate(replies)] == [True] * 100
        assert all(r["lines"] >= 1 for r in replies)
        await app.shutdown()


async def test_app_shutting_down_while_clients_wait_gives_them_a_clear_error() -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        backend = app.control_server.backend  # type: ignore[union-attr]

        def wait_for_exec() -> ControlError:
            try:
                ControlClient().request(
                    "execute_command", {"session": "one", "command": "sleep 60", "timeout": 120}
                )
            except ControlError as error:
                return error
            raise AssertionError("exec returned although the app shut down")

        def follow_events() -> ControlError:
            try:
                for _ in ControlClient().events():
                    pass
            except ControlError as error:
                return error
            raise AssertionError("event stream ended without an error")

        waiting = asyncio.create_task(asyncio.to_thread(wait_for_exec))
        following = asyncio.create_task(asyncio.to_thread(follow_events))
        live = next(iter(app.lives.values()))
        await wait_until(lambda: backend._subscribers and live.session.command_history == [])
        await wait_until(lambda: "sleep 60" in "\n".join(live.emulator.text_lines()))
        await app.shutdown()
        exec_error, stream_error = await asyncio.wait_for(asyncio.gather(waiting, following), 15)
        assert exec_error.code == "shutting_down"
        assert "shutting down" in exec_error.message
        assert stream_error.code == "shutting_down"
        with pytest.raises(ControlError) as after:
            await call("ping")
        assert after.value.code == "not_running"


class _Echo:
    async def call(self, op: str, params: dict[str, Any]) -> dict[str, Any]:
        return {"op": op}

    def subscribe(self, params: dict[str, Any], emit: Any) -> Any:
        return lambda: None


async def test_a_client_of_another_uid_is_refused(control_socket: Path) -> None:
    """The peer's uid (SO_PEERCRED) decides; here the server pretends to belong to someone else."""
    server = ControlServer(_Echo(), control_socket, allowed_uid=os.getuid() + 1)
    await server.start()
    try:
        with pytest.raises(ControlError) as refused:
            await call("ping")
        assert refused.value.code == "refused"
    finally:
        await server.stop()


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to act as a second user")
async def test_a_real_second_user_is_refused_even_when_the_socket_is_reachable(
    control_socket: Path,
) -> None:
    server = ControlServer(_Echo(), control_socket)
    await server.start()
    # Open the folder and socket wide on purpose, so only the uid check stands in the way.
    os.chmod(control_socket.parent, 0o777)
    os.chmod(control_socket.parent.parent, 0o777)
    os.chmod(control_socket, 0o777)
    script = (
        "import os, socket, sys\n"
        "os.setgid(65534); os.setuid(65534)\n"
        "s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])\n"
        "# the refusal arrives before any request is sent\n"
        "print(s.makefile('rb').readline().decode(), end='')\n"
    )
    try:
        process = await asyncio.create_subprocess_exec(
            "python3", "-c", script, str(control_socket), stdout=asyncio.subprocess.PIPE
        )
        out, _ = await asyncio.wait_for(process.communicate(), 20)
        reply = json.loads(out)
        assert reply["error"]["code"] == "refused"
    finally:
        await server.stop()


async def test_a_second_app_leaves_the_first_apps_socket_alone(control_socket: Path) -> None:
    first = ControlServer(_Echo(), control_socket)
    await first.start()
    try:
        second = ControlServer(_Echo(), control_socket)
        with pytest.raises(ControlError) as taken:
            await second.start()
        assert "already listens" in taken.value.message
        assert (await call("anything"))["op"] == "anything"
    finally:
        await first.stop()
    # A socket left behind by a crashed app is replaced.
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(control_socket))
    stale.close()
    third = ControlServer(_Echo(), control_socket)
    await third.start()
    assert (await call("again"))["op"] == "again"
    await third.stop()


HOSTILE_LINES: list[bytes] = [
    b"[" * 100_000 + b"]" * 100_000,  # deeper than the interpreter's stack
    b'{"v": 1, "id": 1, "op": "ping", "params": {"a": ' + b"[" * 50_000 + b"]" * 50_000 + b"}}",
    b'{"v": 1, "id": ' + b"9" * 5000 + b', "op": "ping"}',  # an int Python refuses to convert
    b'{"v": ' + b"1" * 5000 + b', "op": "ping"}',
    b'{"v": 1, "id": "\\ud800", "op": "\\udfff"}',  # lone surrogates echoed back in the error
    b'{"v": 1, "id": NaN, "op": "ping"}',
    b'{"v": 1, "id": 2, "op": "capture", "params": {"session": "\\ud800"}}',
    b'{"v": [' + b"[" * 900 + b"]" * 900 + b'], "op": "ping"}',
    b'{"v": 1, "id": 3, "op": "execute_command", "params": '
    b'{"session": "one", "command": "true", "timeout": Infinity}}',
]


async def test_hostile_json_gets_an_error_reply_and_the_connection_goes_on(
    control_socket: Path,
) -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        payload = b"".join(line + b"\n" for line in HOSTILE_LINES)
        payload += b'{"v": 1, "id": "last", "op": "ping"}\n'
        count = len(HOSTILE_LINES) + 1
        replies = await asyncio.to_thread(raw_exchange, control_socket, payload, count)
        assert [r["ok"] for r in replies].count(False) == len(HOSTILE_LINES)
        assert replies[0]["error"] == {
            "code": "bad_request",
            "message": "request is nested too deeply",
        }
        assert all(len(json.dumps(r)) < 2000 for r in replies)  # errors do not echo it all back
        assert any(r["id"] == "last" and r["ok"] for r in replies)
        assert (await call("list_sessions"))["sessions"][0]["name"] == "one"
        await app.shutdown()


def _flood(path: Path, request: bytes, budget: int) -> tuple[int, socket.socket]:
    """Send `request` over and over and never read a reply; stop when the app has stopped
    reading for two seconds or `budget` bytes are sent. Returns the bytes sent and the socket
    (still open: the client stays, unread replies and all)."""
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(str(path))
    sock.setblocking(False)
    batch = request * 256
    sent = 0
    idle_since = time.monotonic()
    while sent < budget and time.monotonic() - idle_since < 2.0:
        if not select.select([], [sock], [], 0.2)[1]:
            continue
        try:
            sent += sock.send(batch[: min(len(batch), budget - sent)])
        except BlockingIOError:
            continue
        idle_since = time.monotonic()
    return sent, sock


async def test_a_client_that_never_reads_stalls_only_itself(control_socket: Path) -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        live = next(iter(app.lives.values()))
        await wait_until(lambda: live.session.status.value == "running")
        await call("execute_command", {"session": "one", "command": "seq 100000 100400"})
        server = app.control_server
        assert isinstance(server, ControlServer)
        request = encode(
            {"v": 1, "id": 1, "op": "capture", "params": {"session": "one", "lines": 150}}
        )
        budget = 6 * 1024 * 1024  # far more than the socket's and the reader's buffers hold
        flood = asyncio.create_task(asyncio.to_thread(_flood, control_socket, request, budget))
        await asyncio.sleep(0.5)
        # While it floods, and after it has been stopped, others are served at once.
        while not flood.done():
            assert (await call("ping", timeout=10))["pid"] == os.getpid()
            await asyncio.sleep(0.2)
        sent, flooder = flood.result()
        try:
            assert sent < budget, "the app kept reading requests whose replies nobody reads"
            (connection,) = [c for c in server._connections if c.tasks]
            # What the app holds for it is bounded: unsent replies, and requests in flight.
            assert connection.writer.transport.get_write_buffer_size() < 1024 * 1024
            assert len(connection.tasks) <= server.max_in_flight
            captured = await call("capture", {"session": "one", "lines": 5}, timeout=10)
            assert captured["text"].splitlines()[-2] == "100400"
        finally:
            flooder.close()
        await wait_until(lambda: not any(c.tasks for c in server._connections))
        assert (await call("ping"))["pid"] == os.getpid()
        await app.shutdown()


async def test_names_with_controls_or_only_blanks_are_refused_and_padded_names_are_trimmed(
    tmp_path: Path,
) -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        for bad in ("two\nlines", "esc\x1b]2;title\x07", "nul\x00", "   ", "rtl\u202eevil"):
            for op, params in (
                ("create_session", {"name": bad, "shell_command": "cat", "working_directory": "."}),
                ("rename", {"session": "one", "name": bad}),
                ("send_message", {"to": "one", "text": "hi", "sender": bad}),
            ):
                with pytest.raises(ControlError) as refused:
                    await call(op, params)
                assert refused.value.code == "invalid", (op, bad)
                assert "blank" in refused.value.message or "control" in refused.value.message
        assert [live.name for live in app.lives.values()] == ["one"]
        assert not app.control_server.backend.bus.messages(next(iter(app.lives)))  # type: ignore[union-attr]

        # A padded name is the same name: created trimmed, reachable padded or not.
        created = await call(
            "create_session",
            {"name": "  two  ", "shell_command": "cat", "working_directory": str(tmp_path)},
        )
        assert created["session"]["name"] == "two"
        assert (await call("capture", {"session": " two "}))["lines"] >= 0
        renamed = await call("rename", {"session": "two", "name": " three "})
        assert renamed["name"] == "three"
        assert (await call("capture", {"session": "three"}))["lines"] >= 0
        with pytest.raises(ControlError) as taken:
            await call("rename", {"session": "three", "name": "one "})
        assert "already exists" in taken.value.message
        await app.shutdown()


def _subscribe_and_stall(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(10)
    sock.connect(str(path))
    sock.sendall(b'{"v": 1, "id": 1, "op": "subscribe", "params": {"session": "one"}}\n')
    first = b""
    while not first.endswith(b"\n"):
        first += sock.recv(1)
    assert json.loads(first)["ok"] is True
    return sock  # and now it reads nothing


def _drain_events(sock: socket.socket) -> tuple[int, int]:
    """Read until two quiet seconds; the output characters and the drop count reported."""
    sock.settimeout(2.0)
    chars = dropped = 0
    with sock.makefile("rb") as stream:
        try:
            for line in stream:
                payload = json.loads(line)["event"]
                if payload["type"] == "output":
                    chars += len(payload["text"])
                elif payload["type"] == "dropped":
                    dropped += payload["count"]
        except TimeoutError:
            pass
    return chars, dropped


async def test_a_subscriber_that_stops_reading_loses_old_output_not_the_apps_memory(
    control_socket: Path,
) -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        live = next(iter(app.lives.values()))
        await wait_until(lambda: live.session.status.value == "running")
        stalled = await asyncio.to_thread(_subscribe_and_stall, control_socket)
        produced = 6_000_000
        command = f"yes {'y' * 99} | head -c {produced}; echo"
        await call("execute_command", {"session": "one", "command": command}, timeout=120)
        chars, dropped = await asyncio.to_thread(_drain_events, stalled)
        stalled.close()
        assert dropped > 0, "every chunk was kept for a reader that did not read"
        assert chars < 3 * 1024 * 1024, chars  # the bounded queue plus the socket's buffers
        assert (await call("ping"))["pid"] == os.getpid()
        await app.shutdown()


async def test_new_over_the_socket_is_refused_once_the_app_holds_its_most_sessions(
    tmp_path: Path,
) -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        backend = app.control_server.backend  # type: ignore[union-attr]
        assert backend.max_sessions == MAX_LIVE_SESSIONS
        backend.max_sessions = 4  # type: ignore[attr-defined]

        async def new(name: str) -> dict[str, Any] | ControlError:
            params = {"name": name, "shell_command": "cat", "working_directory": str(tmp_path)}
            try:
                return await call("create_session", params, timeout=120)
            except ControlError as error:
                return error

        # Six at once: the check counts the ones still being created, so no more than 4 land.
        results = await asyncio.gather(*(new(f"n{i}") for i in range(6)))
        refused = [r for r in results if isinstance(r, ControlError)]
        assert len(refused) == 3, results
        assert {r.code for r in refused} == {"too_many"}
        assert "4 sessions" in refused[0].message
        assert len(app.lives) == 4
        # The app keeps serving; a closed session makes room again.
        created = [r["session"]["name"] for r in results if isinstance(r, dict)]
        await call("kill", {"session": created[0]})
        await wait_until(lambda: len(app.lives) == 3)
        assert isinstance(await new("again"), dict)
        assert isinstance(await new("over"), ControlError)
        await app.shutdown()
