"""The side panels against real sessions: history with exit codes, tokens, details, sessions."""

from __future__ import annotations

from aisession_tui.core.config import SessionConfig
from aisession_tui.ui.widgets.history_panel import HistoryPanel

from .helpers import QUIET_ENV, make_app, screen_text, shell, wait_for, wait_for_text

SIZE = (160, 48)
PANELS = ("sessions", "details", "tokens", "history")


async def test_history_panel_shows_shell_commands_with_exit_codes() -> None:
    config = SessionConfig(name="sh", shell="/bin/bash", environment=dict(QUIET_ENV))
    app = make_app(config, panels=PANELS)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.focused_live is not None)
        live = app.focused_live
        monitor = app.presenters[app.focused_key].monitor
        await wait_for(pilot, lambda: monitor.shell_integrated)
        await pilot.press(*"false", "enter")
        await pilot.press(*"echo done-$((2+3))", "enter")
        await wait_for_text(pilot, app, "sh", "done-5")
        await wait_for(pilot, lambda: len(live.session.command_history) >= 2)
        records = live.session.command_history
        assert [(r.command, r.exit_code) for r in records[-2:]] == [
            ("false", 1),
            ("echo done-$((2+3))", 0),
        ]
        app.main.refresh_panels()
        await pilot.pause()
        table = app.query_one(HistoryPanel)._table
        assert table.row_count >= 2
        cells = [str(cell) for cell in table.get_row_at(table.row_count - 2)]
        assert cells[0] == "1" and cells[-1] == "false"
        assert "done-5" in str(app.query_one(HistoryPanel)._preview.render())
        await app.shutdown()


async def test_details_list_env_names_but_never_values() -> None:
    config = shell("agent", "cat", environment={"API_TOKEN": "s3cret-value", "PS1": "$ "})
    app = make_app(config, panels=("details",))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.focused_live is not None)
        app.main.refresh_panels()
        await pilot.pause()
        rendered = dict(app.presenters[app.focused_key].details())
        assert "API_TOKEN" in rendered["env"]
        assert "s3cret-value" not in " ".join(rendered.values())
        await app.shutdown()


async def test_tokens_panel_counts_output_and_sessions_list_follows_focus() -> None:
    words = "the quick brown fox jumps over the lazy dog " * 40
    app = make_app(
        shell("talker", f"echo '{words}'; exec cat", enable_ai_features=True),
        shell("quiet", "cat"),
        panels=PANELS,
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, app, "talker", "lazy dog")
        talker = next(p for p in app.presenters.values() if p.name == "talker")
        await wait_for(pilot, lambda: talker.total_tokens > 300)
        await pilot.press(*"next", "enter")  # typed input ends the agent's turn: into the context
        await wait_for(pilot, lambda: talker.context_usage().active_tokens > 300)
        assert any(talker.token_samples())
        await pilot.press("alt+2")
        await wait_for(pilot, lambda: app.focused_live.name == "quiet")
        app.main.refresh_panels()
        await pilot.pause()
        sessions = app.main.sidebar.session_list
        assert sessions.cursor_row == 1
        await app.shutdown()


async def test_restart_of_the_app_restores_sessions_with_history_and_scrollback(tmp_path) -> None:
    from aisession_tui.store import Store

    config = shell("keeper", "printf 'first-run-output\\n'; exec cat")
    first = make_app(config, panels=())
    first.store = Store.open(tmp_path)
    async with first.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, first, "keeper", "first-run-output")
        original_id = first.focused_live.session.id
        await first.shutdown()

    second = make_app(panels=())
    second.store = Store.open(tmp_path)
    async with second.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+b", "R")
        await wait_for(pilot, lambda: len(second.lives) == 1)
        live = next(iter(second.lives.values()))
        assert live.session.id == original_id
        assert live.name == "keeper"
        history = "\n".join(live.emulator.history_text() + live.emulator.text_lines())
        assert "first-run-output" in history
        await wait_for(pilot, lambda: "first-run-output" in screen_text(second, "keeper"))
        await second.shutdown()


async def test_prefix_m_shows_messages_and_enter_forwards_one_into_its_session(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("AISESSION_CONTROL_SOCKET", str(tmp_path / "control.sock"))
    app = make_app(shell("lead", "cat"), shell("worker", "cat"), panels=(), control=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.control_bridge is not None and len(app.lives) == 2)
        worker = next(key for key, live in app.lives.items() if live.name == "worker")
        app.control_bridge.bus.post([worker], "lead", "please run the suite")
        await pilot.press("ctrl+b", "m")
        await wait_for(pilot, lambda: app.main.sidebar.messages_panel.display)
        app.main.refresh_panels()
        app.main.sidebar.messages_panel.query_one("DataTable").focus()
        await pilot.pause()
        await pilot.press("enter")
        await wait_for_text(pilot, app, "worker", "please run the suite")
        assert not app.control_bridge.message_rows()
        await app.shutdown()
