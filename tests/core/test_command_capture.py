"""CommandCapture on hand-made byte streams: split markers, echoed input, stale markers."""

from __future__ import annotations

import asyncio

from aisession_tui.core.command_capture import CommandCapture

TOKEN = "0123abcd"


def stream(output: bytes, code: int, token: str = TOKEN) -> bytes:
    return (
        b"$ " + CommandCapture.shell_line("cmd", token).encode() + b"\r\n"  # the echo
        + f"\x1b]777;ais-start;{token}\x07".encode()
        + output
        + f"\x1b]777;ais-end;{token};{code}\x07".encode()
        + b"$ "
    )  # fmt: skip


async def test_markers_split_across_single_byte_chunks_are_found() -> None:
    capture = CommandCapture(TOKEN, asyncio.get_running_loop(), 1024)
    for byte in stream(b"hello\r\n", 3):
        capture.feed(bytes([byte]))
    assert capture.future.result() == (b"hello\r\n", 3)


async def test_the_echoed_command_line_is_never_taken_for_a_marker() -> None:
    capture = CommandCapture(TOKEN, asyncio.get_running_loop(), 1024)
    echo_only = b"$ " + CommandCapture.shell_line("cmd", TOKEN).encode() + b"\r\n"
    capture.feed(echo_only)
    assert not capture.future.done()
    assert capture.partial() == b""


async def test_markers_of_an_earlier_command_are_ignored() -> None:
    capture = CommandCapture(TOKEN, asyncio.get_running_loop(), 1024)
    capture.feed(stream(b"old\r\n", 1, token="ffffffff"))
    assert not capture.future.done()
    capture.feed(stream(b"new\r\n", 0))
    assert capture.future.result() == (b"new\r\n", 0)


async def test_negative_exit_status_is_parsed() -> None:
    capture = CommandCapture(TOKEN, asyncio.get_running_loop(), 1024)
    capture.feed(stream(b"", -1))
    assert capture.future.result() == (b"", -1)
