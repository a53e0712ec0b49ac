"""The core is a library: importing it must not drag in the UI toolkit."""

from __future__ import annotations

import subprocess
import sys


def test_core_imports_without_textual() -> None:
    code = (
        "import sys, aisession_tui.core, aisession_tui; "
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]; "
        "assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_public_api_is_reexported_from_the_package() -> None:
    import aisession_tui
    import aisession_tui.core as core

    for name in core.__all__:
        assert getattr(aisession_tui, name) is getattr(core, name)
