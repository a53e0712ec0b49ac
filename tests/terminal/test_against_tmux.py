"""The screen we compute equals the one tmux shows for the same bytes (a real terminal as oracle).

Each benchmark stream is `cat` into a detached tmux pane of the same size (the tty in raw mode, so
the bytes arrive untouched), then `tmux capture-pane` is compared row by row with our text. Text is
NFC-normalised on both sides: pyte stores "e" + U+0301 as "é", tmux keeps the two code points.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
import uuid
from pathlib import Path

import pytest

from aisession_tui.terminal import Emulator
from benchmarks.streams import plain_log, repaint, sgr_heavy, wide_utf8

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def tmux() -> str:
    path = shutil.which("tmux")
    if path is None:
        if os.environ.get("AISESSION_CI"):
            pytest.fail("tmux is required in CI")
        pytest.skip("tmux is not installed")
    return path


def tmux_screen(tmux: str, data: bytes, columns: int, lines: int, tmp_path: Path) -> list[str]:
    """What a tmux pane of `columns` x `lines` shows after the bytes are written to it."""
    stream_file = tmp_path / "stream.bin"
    stream_file.write_bytes(data)
    socket = f"aisession-test-{uuid.uuid4().hex[:10]}"
    channel = f"done-{socket}"
    base = [tmux, "-L", socket, "-f", os.devnull]
    script = (
        f"stty raw -echo; cat {stream_file}; {tmux} -L {socket} wait-for -S {channel}; sleep 120"
    )
    try:
        subprocess.run(
            [*base, "new-session", "-d", "-x", str(columns), "-y", str(lines), script],
            check=True,
            timeout=30,
        )
        subprocess.run([*base, "wait-for", channel], check=True, timeout=240)
        shown = subprocess.run(
            [*base, "capture-pane", "-p"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True, timeout=30)
    return shown.split("\n")[:lines]


def normalise(rows: list[str]) -> list[str]:
    return [unicodedata.normalize("NFC", row).rstrip() for row in rows]


@pytest.mark.parametrize("make", [plain_log, sgr_heavy, repaint, wide_utf8])
@pytest.mark.parametrize(("columns", "lines"), [(160, 48), (41, 13)])
def test_screen_matches_tmux(tmux: str, tmp_path: Path, make, columns: int, lines: int) -> None:
    data = make(150_000)
    if make is repaint:
        data = repaint(150_000, columns=columns, lines=lines)
    emulator = Emulator(columns, lines)
    emulator.feed(data)
    assert normalise(emulator.text_lines()) == normalise(
        tmux_screen(tmux, data, columns, lines, tmp_path)
    )


def test_combining_and_zero_width_characters_match_tmux(tmux: str, tmp_path: Path) -> None:
    """Thai vowels, Devanagari signs, VS16, a dakuten and an acute after wide characters, a ZWJ
    sequence and Hangul jamo: each mark stays on the character before it (issue 16)."""
    data = "สวัสดี नमस्ते ❤️ か\u3099 你\u0301 👨\u200d👩 \u1100\u1161\u11a8 e\u0301x\r\n".encode()
    emulator = Emulator(40, 3)
    emulator.feed(data)
    assert normalise(emulator.text_lines()) == normalise(tmux_screen(tmux, data, 40, 3, tmp_path))
