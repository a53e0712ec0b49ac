"""Each layer below the UI imports without what it must not know (a fresh interpreter each):
the import-linter contracts check the source; this checks what importing really loads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: modules imported -> module prefixes that must not be loaded by importing them.
CASES = {
    "core": (("aisession_tui", "aisession_tui.core"), ("textual", "aisession_tui.ui")),
    "ai": (("aisession_tui.ai",), ("textual", "aisession_tui.terminal", "aisession_tui.ui")),
    "store": (
        ("aisession_tui.store", "aisession_tui.store.commands"),
        ("textual", "aisession_tui.terminal", "aisession_tui.ui"),
    ),
    "supervisor": (
        ("aisession_tui.supervisor",),
        ("textual", "aisession_tui.control", "aisession_tui.ui"),
    ),
    # The CLI's live-app commands start fast: not even the MCP SDK.
    "control": (
        ("aisession_tui.control", "aisession_tui.control.commands"),
        ("textual", "mcp", "aisession_tui.ui"),
    ),
}


@pytest.mark.parametrize("layer", CASES)
def test_a_layer_imports_nothing_above_it(layer: str) -> None:
    modules, forbidden = CASES[layer]
    code = (
        f"import sys\nfor m in {modules!r}: __import__(m)\n"
        f"bad = sorted(m for m in sys.modules if any(m == f or m.startswith(f + '.')"
        f" for f in {forbidden!r}))\n"
        "print(','.join(bad))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"importing {layer} loaded {result.stdout.strip()}"
