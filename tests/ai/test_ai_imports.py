"""The AI layer ships its shell scripts (what it must not import: tests/test_import_hygiene.py)."""

from __future__ import annotations


def test_shell_scripts_ship_inside_the_package() -> None:
    from aisession_tui.ai.integration import BASH_RCFILE, ZSH_DOTDIR_SCRIPT, ZSH_INTEGRATION

    assert BASH_RCFILE.is_file() and ZSH_DOTDIR_SCRIPT.is_file()
    assert "133;D" in BASH_RCFILE.read_text() and "133;D" in ZSH_INTEGRATION.read_text()
