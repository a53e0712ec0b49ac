"""Other machines from the command line: `ls` over ssh, the user config's `backend` and `hosts`,
and one-line errors (exit 2) for a host without tmux, an unreachable one, a bad one."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from aisession_tui.cli import app_settings, build_parser, main
from aisession_tui.core import AISession, SessionConfig, SessionManager, SessionStatus
from aisession_tui.core.backends import TmuxBackend
from aisession_tui.core.hosts import make_backend
from aisession_tui.ui.app import AppOptions, SupervisorApp
from aisession_tui.ui.user_config import CONFIG_ENV
from tests.control.helpers import SIZE, wait_until
from tests.core.conftest import Recorder, kill_server

pytestmark = pytest.mark.timeout(90)


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    monkeypatch.setenv(CONFIG_ENV, str(path))
    return path


async def test_ls_lists_the_workspaces_of_other_machines(
    loopback_host: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    workspace = f"tmuxhosts-ls-{uuid.uuid4().hex[:8]}"
    backend = TmuxBackend(workspace, host=loopback_host)
    config = SessionConfig(
        name="far-agent", shell_command="exec cat", working_directory=tmp_path, pty_size=(10, 40)
    )
    session = AISession(config, backend=backend)
    try:
        await session.start()
        await session.send_input(b"hello\n")
        await Recorder(session).wait_output(b"hello")
        monkeypatch.setenv("TMUX_TMPDIR", str(tmp_path))  # nothing runs here
        assert await asyncio.to_thread(main, ["ls", "--host", loopback_host]) == 0
        out = capsys.readouterr().out.splitlines()
        heading = out.index(f"{workspace} on {loopback_host}  (1 session)")
        assert out[heading + 1].split()[:2] == ["far-agent", "running"]
        # The same from the user config's `hosts`, with `ls` alone.
        _config(tmp_path, monkeypatch, f'hosts = ["{loopback_host}"]\n')
        assert await asyncio.to_thread(main, ["ls"]) == 0
        assert f"{workspace} on {loopback_host}  (1 session)" in capsys.readouterr().out
    finally:
        await session.stop()
        await kill_server(backend)


def test_ls_and_the_app_say_when_tmux_is_missing_on_the_host(
    loopback_host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = (
        "tmux is not installed on aisession-notmux (or not on the PATH its ssh commands get): "
        "install it there, or run the session here"
    )
    assert main(["ls", "--host", "aisession-notmux"]) == 2
    assert capsys.readouterr().err == f"aisession-tui: error: ls: {missing}\n"
    assert main(["--no-store", "--host", "aisession-notmux"]) == 2
    assert capsys.readouterr().err == f"aisession-tui: error: {missing}\n"
    assert main(["--no-store", "-s", "a=cat", "--session-host", "a=aisession-notmux"]) == 2
    assert capsys.readouterr().err == f"aisession-tui: error: {missing}\n"
    assert main(["--no-store", "-s", "a=cat", "--session-host", "a=aisession-closed"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("aisession-tui: error: cannot reach aisession-closed over ssh: ")
    assert "refused" in err and err.count("\n") == 1


def test_the_user_config_chooses_the_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config(tmp_path, monkeypatch, 'backend = "tmux"\n')
    monkeypatch.setenv("PATH", str(tmp_path))  # no tmux on it: the config's choice is refused
    assert main(["--no-store"]) == 2
    err = capsys.readouterr().err
    assert err == "aisession-tui: error: --backend tmux: tmux is not installed (or not on PATH)\n"
    path.write_text('backend = "screen"\n')
    assert main(["--no-store"]) == 2
    assert capsys.readouterr().err == (
        f"aisession-tui: error: {path}: field 'backend': Input should be 'pty' or 'tmux'\n"
    )
    path.write_text('hosts = ["-oProxyCommand=x"]\n')
    assert main(["ls"]) == 2
    assert capsys.readouterr().err.startswith(
        f"aisession-tui: error: {path}: field 'hosts': '-oProxyCommand=x' is not an ssh "
    )


def test_a_bad_host_is_refused_before_ssh_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-store", "--host", "-oProxyCommand=touch /tmp/x"]) == 2
    assert capsys.readouterr().err.startswith("aisession-tui: error: --host: '-oProxyCommand")
    assert main(["--no-store", "-s", "a=cat", "--session-host", "a=b c"]) == 2
    assert capsys.readouterr().err.startswith("aisession-tui: error: session 'a': host: 'b c'")
    assert main(["--no-store", "-s", "a=cat", "--session-host", "b=x"]) == 2
    assert "--session-host names a session that -s does not open: b" in capsys.readouterr().err


async def test_an_unreachable_host_fails_its_own_sessions_and_the_others_run(
    loopback_host: str, tmp_path: Path
) -> None:
    """`aisession-closed` is a port nothing listens on: the command line lets the app open
    (a session here can run), its session says why in its pane and the Sessions panel, the
    other one runs, and prefix r tries again."""
    args = ["--no-store", "-s", "here=exec cat", "-s", "far=exec cat"]
    configs, _ = app_settings(
        build_parser().parse_args([*args, "--session-host", "far=aisession-closed"])
    )
    assert [(c.name, c.host) for c in configs] == [("here", None), ("far", "aisession-closed")]
    workspace = f"tmuxhosts-closed-{uuid.uuid4().hex[:8]}"
    backend = make_backend("pty", workspace=workspace, hosts=("aisession-closed",))
    app = SupervisorApp(
        configs,
        options=AppOptions(panels=("sessions",), control=False, workspace_name=workspace),
        manager=SessionManager(backend=backend),
    )
    async with app.run_test(size=SIZE) as pilot:
        lives = {live.name: live for live in app.lives.values()}
        here, far = lives["here"], lives["far"]
        await wait_until(lambda: far.session.status is SessionStatus.ERROR)
        await wait_until(lambda: here.session.status is SessionStatus.RUNNING)
        here.session.write(b"still here\n")
        await wait_until(lambda: "still here" in "\n".join(here.emulator.text_lines()))
        shown = " ".join("".join(far.emulator.text_lines()).split())  # rows joined, unwrapped
        failed = shown[shown.index("could not start:") :]
        reason = failed[: failed.index("[prefix r tries again, x closes]")]
        assert "on aisession-closed did not start" in reason
        assert "Connection refused" in reason  # ssh's own word, in one line
        app.main.refresh_panels()
        await pilot.pause()
        panel = app.main.sidebar.session_list
        key = far.session.id.uuid.hex
        assert str(panel.get_cell(key, "status")).startswith("failed")
        assert "Connection refused" in str(panel.get_cell(key, "event"))
        await app.supervisor.restart(far)  # what prefix r does: a fresh try, failing the same
        assert far.session.status is SessionStatus.ERROR
        assert "".join(far.emulator.text_lines()).count("could not start:") == 2
        await app.shutdown()
