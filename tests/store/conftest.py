"""Fixtures for store tests: real database files in a private temporary data directory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aisession_tui.core.config import SessionConfig
from aisession_tui.core.types import SessionId, SessionStatus
from aisession_tui.store.paths import DATA_DIR_ENV
from aisession_tui.store.store import Store


@pytest.fixture(autouse=True)
def _isolated_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may touch the real user data directory, even by accident."""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "default-data"))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    st = Store.open(data_dir)
    st.begin_run()
    yield st
    st.close()


def make_session(
    store: Store,
    name: str | None = "alpha",
    *,
    cwd: Path | None = None,
    status: SessionStatus = SessionStatus.RUNNING,
    **config: object,
) -> SessionId:
    """Record a session in `store` (queued) and return its id."""
    sid = SessionId.new()
    cfg = SessionConfig(
        name=name, working_directory=cwd or Path.cwd(), shell_command="echo hi", **config
    )
    store.record_session(sid, cfg, datetime.now(UTC), status=status)
    return sid
