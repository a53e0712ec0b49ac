"""The AI layer stays usable without a screen: it never imports Textual or the terminal package."""

from __future__ import annotations

import subprocess
import sys


def test_ai_package_imports_neither_textual_nor_terminal() -> None:
    code = (
        "import sys, aisession_tui.ai\n"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'textual'"
        " or m.startswith('aisession_tui.terminal') or m.startswith('aisession_tui.ui')]\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_shell_scripts_ship_inside_the_package() -> None:
    from aisession_tui.ai.integration import BASH_RCFILE, ZSH_DOTDIR_SCRIPT, ZSH_INTEGRATION

    assert BASH_RCFILE.is_file() and ZSH_DOTDIR_SCRIPT.is_file()
    assert "133;D" in BASH_RCFILE.read_text() and "133;D" in ZSH_INTEGRATION.read_text()
