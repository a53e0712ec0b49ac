"""`--backend` and the tmux subcommands on bad input: one line, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from aisession_tui.cli import main


def test_backend_tmux_without_tmux_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no tmux on it
    assert main(["--no-store", "--backend", "tmux"]) == 2
    err = capsys.readouterr().err
    assert err == "aisession-tui: error: --backend tmux: tmux is not installed (or not on PATH)\n"


def test_an_unknown_backend_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--backend", "screen"])
    assert exit_.value.code == 2
    assert "invalid choice: 'screen'" in capsys.readouterr().err


def test_attach_with_nothing_running_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TMUX_TMPDIR", str(tmp_path))
    assert main(["attach"]) == 2
    assert "name the workspace to attach (running: none)" in capsys.readouterr().err
    assert main(["attach", "nope"]) == 2
    assert "no workspace 'nope' runs on tmux" in capsys.readouterr().err
    assert main(["ls"]) == 0
    assert "No workspace runs on tmux" in capsys.readouterr().out
