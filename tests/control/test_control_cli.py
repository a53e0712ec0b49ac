"""The real `aisession-tui` command line against a real running app (and with none running)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from aisession_tui.control.client import call

from .helpers import SIZE, cli, make_app, shell, wait_serving, wait_until


async def test_cli_commands_drive_the_running_app(tmp_path: Path) -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        live = next(iter(app.lives.values()))

        sent = await cli("send", "one", "echo", "typed-$((2+3))")
        assert sent.code == 0, sent.err
        await wait_until(lambda: "typed-5" in "\n".join(live.emulator.text_lines()))

        ran = await cli("exec", "one", "--", "sh", "-c", "echo out-$((1+1)); exit 4")
        assert ran.out == "out-2\n"
        assert ran.code == 4

        ok = await cli("exec", "one", "--", "echo done && true")
        assert (ok.code, ok.out) == (0, "done\n")

        await cli("exec", "one", "--", "seq 1 50")
        captured = await cli("capture", "one", "--lines", "2")
        assert captured.code == 0
        assert "50" in captured.out
        assert len(captured.out.splitlines()) == 2

        screen = await cli("capture", "one")
        assert screen.out.splitlines()[-2:] == ["50", "$"]

        new = await cli("new", "catter", "--cwd", str(tmp_path), "--", "cat")
        assert new.code == 0, new.err
        assert "catter" in [live.name for live in app.lives.values()]

        listed = await cli("sessions", "--json")
        sessions = json.loads(listed.out)
        assert [s["name"] for s in sessions] == ["one", "catter"]
        assert sessions[1]["working_directory"] == str(tmp_path)

        killed = await cli("kill", "catter")
        assert killed.code == 0
        assert "catter" not in [live.name for live in app.lives.values()]

        missing = await cli("capture", "ghost")
        assert missing.code == 1
        assert "no session is named 'ghost'" in missing.err
        await app.shutdown()


async def test_cli_says_when_no_app_is_running(control_socket: Path) -> None:
    for args in (("sessions",), ("send", "x", "hi"), ("exec", "x", "--", "ls"), ("events",)):
        result = await cli(*args)
        assert result.code == 3, args
        assert "no aisession-tui app is running" in result.err
        assert str(control_socket) in result.err
        assert "Traceback" not in result.err


async def test_cli_events_stream_and_messages() -> None:
    app = make_app(shell("one"), shell("two", "cat"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "aisession_tui",
            "events",
            "one",
            "--json",
            stdout=asyncio.subprocess.PIPE,
            env=dict(os.environ),
        )
        assert process.stdout is not None
        try:
            backend = app.control_server.backend  # type: ignore[union-attr]
            await wait_until(lambda: backend._subscribers)
            ran = await cli("exec", "one", "--", "echo streamed-$((5*5))")
            assert ran.code == 0
            seen = []
            while not any(e["type"] == "command_finished" for e in seen):
                line = await asyncio.wait_for(process.stdout.readline(), 20)
                assert line, "the event stream ended early"
                seen.append(json.loads(line))
            assert "streamed-25" in "".join(e.get("text", "") for e in seen)
            assert all(e["session"] == "one" for e in seen)
        finally:
            process.terminate()
            await process.wait()

        sent = await cli("message", "two", "look", "at", "this", "--from", "one")
        assert sent.code == 0
        assert "delivered to two" in sent.out
        inbox = await cli("inbox", "two")
        assert "one: look at this" in inbox.out
        await app.shutdown()


async def test_a_second_app_on_the_same_workspace_is_refused_at_start(
    control_socket: Path,
) -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        second = await cli("--no-store", "-s", "two=sh", timeout=30)
        assert second.code == 2, second.err
        assert "Traceback" not in second.err
        (line,) = second.err.splitlines()
        assert "another aisession-tui app is already running" in line
        assert str(control_socket) in line
        assert second.out == ""
        assert (await call("ping"))["pid"] == os.getpid()  # the first app is untouched
        await app.shutdown()


def _read_then_hang_up(*args: str, keep: int) -> tuple[int, bytes, str]:
    """Run the CLI, read `keep` bytes of its output, then close the pipe as `head` does."""
    with subprocess.Popen(
        [sys.executable, "-m", "aisession_tui", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        head = process.stdout.read(keep)
        process.stdout.close()  # its next write finds nobody reading
        err = process.stderr.read().decode()
        return process.wait(timeout=30), head, err


async def test_output_cut_short_by_a_closed_pipe_ends_quietly(control_socket: Path) -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        live = next(iter(app.lives.values()))
        await wait_until(lambda: live.session.status.value == "running")
        # Far more than a pipe holds (64 KiB), so the CLI is still writing when the pipe closes.
        command = "for i in $(seq 1 4000); do echo line-$i-$(printf '%060d' $i); done"
        await call("execute_command", {"session": "one", "command": command}, timeout=60)
        code, head, err = await asyncio.to_thread(
            _read_then_hang_up, "capture", "one", "--lines", "4000", keep=10
        )
        assert head.startswith(b"line-")
        assert err == ""
        assert code in (0, 141)
        await app.shutdown()


HOSTILE = "\x9b2J\x1b]2;x\x07 \u202eevil \u200b"
RAW_UNSAFE = ("\x9b", "\x1b", "\x07", "\u202e", "\u200b")


async def test_json_output_escapes_c1_controls_and_bidi_overrides(tmp_path: Path) -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        folder = tmp_path / f"dir{HOSTILE}"
        folder.mkdir()
        new = await cli("new", "hostile", "--cwd", str(folder), "--", f"cat # {HOSTILE}")
        assert new.code == 0, new.err
        sent = await cli("message", "one", f"hello {HOSTILE}")
        assert sent.code == 0, sent.err

        listed = await cli("sessions", "--json")
        inbox = await cli("inbox", "one", "--json")
        for result in (listed, inbox):
            assert result.code == 0, result.err
            # A terminal printing this obeys nothing, and the data is all there.
            assert not [c for c in RAW_UNSAFE if c in result.out], result.out
            assert "\\u009b2J" in result.out and "\\u202eevil" in result.out
        hostile = json.loads(listed.out)[1]
        assert hostile["command"] == f"cat # {HOSTILE}"
        assert hostile["working_directory"] == str(folder)
        assert json.loads(inbox.out)["messages"][0]["text"] == f"hello {HOSTILE}"
        await app.shutdown()
