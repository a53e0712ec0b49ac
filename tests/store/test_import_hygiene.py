"""The store is usable without a screen: importing it pulls in neither Textual nor the UI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import aisession_tui


def test_importing_the_store_does_not_import_textual_or_the_ui() -> None:
    root = Path(aisession_tui.__file__).resolve().parent.parent
    code = (
        "import sys, aisession_tui.store, aisession_tui.store.commands; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual' "
        "or m.startswith(('aisession_tui.ui', 'aisession_tui.terminal'))); "
        "print(','.join(bad))"
    )
    env = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
