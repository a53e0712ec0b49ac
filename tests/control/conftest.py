"""Every test gets its own short socket path (sun_path is ~104 bytes) and its own data dir."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from aisession_tui.control.paths import SOCKET_ENV


@pytest.fixture(autouse=True)
def control_socket(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="ais-"))
    path = folder / "run" / "app.sock"
    monkeypatch.setenv(SOCKET_ENV, str(path))
    monkeypatch.setenv("AISESSION_DATA_DIR", str(folder / "data"))
    yield path
    shutil.rmtree(folder, ignore_errors=True)
