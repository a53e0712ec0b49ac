"""pyte's own test suite, run against our screen and stream classes (the issue's correctness proof).

The sdist is downloaded once into `.vendor/` at the repository root (git-ignored). Its tests run in
a subprocess with `pyte_substitute.py` loaded as a plugin, which replaces `pyte.Screen`,
`pyte.HistoryScreen`, `pyte.DiffScreen`, `pyte.Stream` and `pyte.ByteStream` with our classes
before the tests import them. The installed pyte is used (the sdist's `pyte/` package is not
importable from where the tests run). Deselected tests are listed in `DESELECTED`, with why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

PYTE_VERSION = "0.8.2"
ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / ".vendor"
# Tests we deselect because our behaviour intentionally differs from pyte's.
DESELECTED: dict[str, str] = {
    "tests/test_screen.py::test_draw_width2_line_end": (
        "a wide character that does not fit in the last column wraps to the next line, as in "
        "xterm and tmux (test_against_tmux.py); pyte draws half of it in the last cell"
    ),
    "tests/test_stream.py::test_unknown_sequences": (
        "the test uses `CSI 6 ; Z` as an unknown sequence, but CSI Z is CBT (back tab), which "
        "xterm-256color's terminfo uses and which we implement"
    ),
    "tests/test_screen.py::test_erase_in_display": (
        "its last step expects `CSI 3 J` to blank the screen; in xterm it clears only the "
        "scrollback (test_xterm_conformance.py checks ED 0/1/2 and 3)"
    ),
    "tests/test_diff.py::test_erase_in_display": (
        "expects `CSI 3 J` to mark every row dirty; it clears only the scrollback, as in xterm"
    ),
    "tests/test_screen.py::test_save_cursor": (
        "expects a stack of saved cursors and DECRC to restore DECAWM; xterm has one saved "
        "cursor per screen and does not save autowrap"
    ),
    "tests/test_screen.py::test_colors256": (
        "expects `38;5;0` stored as RGB 000000; colours 0-15 of the 256 are stored by name "
        "(black..brightwhite) so the pane's theme draws them as it draws SGR 30-37 and 90-97, "
        "as xterm does"
    ),
    "tests/test_screen.py::test_restore_cursor_out_of_bounds": (
        "expects the saved cursor to survive RIS; xterm's full reset forgets it"
    ),
}


def _sdist_tests() -> Path | None:
    """Path to pyte's `tests/` directory, downloading the sdist when needed; None if impossible."""
    target = VENDOR / f"pyte-{PYTE_VERSION}-tests"
    if (target / "tests" / "test_screen.py").is_file():
        return target / "tests"
    VENDOR.mkdir(exist_ok=True)
    archive = VENDOR / f"pyte-{PYTE_VERSION}.tar.gz"
    if not archive.is_file():
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"pyte=={PYTE_VERSION}",
                "-d",
                str(VENDOR),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0 or not archive.is_file():
            return None
    staging = VENDOR / f"pyte-{PYTE_VERSION}-staging"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(archive) as tar:
        members = [
            m
            for m in tar.getmembers()
            if m.name.startswith(f"pyte-{PYTE_VERSION}/tests/")
            and ".." not in m.name.split("/")
            and (m.isfile() or m.isdir())
        ]
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
            tar.extractall(staging, members=members, filter="data")
        else:
            tar.extractall(staging, members=members)  # members checked above
    shutil.rmtree(target, ignore_errors=True)
    (staging / f"pyte-{PYTE_VERSION}").rename(target)
    shutil.rmtree(staging, ignore_errors=True)
    return target / "tests"


def test_pyte_own_test_suite_passes_against_our_screen_and_stream() -> None:
    tests = _sdist_tests()
    if tests is None:
        if os.environ.get("AISESSION_CI"):
            pytest.fail(f"could not download the pyte {PYTE_VERSION} sdist (AISESSION_CI is set)")
        pytest.skip(f"pyte {PYTE_VERSION} sdist not downloadable (offline?)")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).parent), str(ROOT), env.get("PYTHONPATH", "")]
    )
    args = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "pyte_substitute",
        "-c",
        os.devnull,
        "--rootdir",
        str(tests.parent),
        "-o",
        "addopts=",
        "-W",
        "ignore::DeprecationWarning",
    ]
    for test_id in DESELECTED:
        args += ["--deselect", test_id]
    result = subprocess.run(
        [*args, str(tests)], capture_output=True, text=True, cwd=tests.parent, env=env, timeout=600
    )
    summary = result.stdout.strip().splitlines()[-1:] or [""]
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = int(summary[0].split(" passed")[0].split()[-1])
    assert passed >= 100, f"pyte's suite should have 114 tests, ran: {summary[0]}"


def test_substitute_plugin_really_swaps_the_classes() -> None:
    """Guards the proof itself: under the plugin, `pyte.Screen()` must be our class."""
    code = (
        "import pyte_substitute, pyte;"
        "from aisession_tui.terminal.screen import TerminalScreen;"
        "from aisession_tui.terminal.stream import TerminalByteStream;"
        "assert isinstance(pyte.Screen(3, 3), TerminalScreen);"
        "assert isinstance(pyte.HistoryScreen(3, 3), TerminalScreen);"
        "assert pyte.ByteStream is TerminalByteStream"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parent), str(ROOT)])
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
