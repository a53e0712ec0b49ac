"""Each test: its own short control socket path and data dir (sun_path holds ~104 bytes)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from aisession_tui.control.paths import SOCKET_ENV


@pytest.fixture(autouse=True)
def control_socket(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="aih-"))
    path = folder / "run" / "app.sock"
    monkeypatch.setenv(SOCKET_ENV, str(path))
    monkeypatch.setenv("AISESSION_DATA_DIR", str(folder / "data"))
    yield path
    shutil.rmtree(folder, ignore_errors=True)
