"""Shared by every test: the person's own config file never changes what a test sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from aisession_tui.ui.user_config import CONFIG_ENV

pytest_plugins = ["tests.loopback_ssh"]


@pytest.fixture(autouse=True)
def _no_user_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A keymap in ~/.config/aisession-tui/config.toml must not remap the keys tests press (a
    test that wants a config file sets `AISESSION_CONFIG` itself)."""
    missing: Path = tmp_path_factory.getbasetemp() / "no-user-config.toml"
    monkeypatch.setenv(CONFIG_ENV, str(missing))
