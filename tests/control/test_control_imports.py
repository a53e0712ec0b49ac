"""The CLI's live-app commands and the control clients start fast: no Textual, no UI, no MCP."""

from __future__ import annotations

import subprocess
import sys


def test_control_clients_and_commands_import_neither_textual_nor_the_ui() -> None:
    code = (
        "import sys, aisession_tui.control, aisession_tui.control.commands\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'mcp')"
        " or m.startswith('aisession_tui.ui')]\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
