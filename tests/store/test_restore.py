"""Recording real sessions and bringing them back in a new run (real PTYs, real database)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from aisession_tui.core.config import ContextConfig, SessionConfig
from aisession_tui.core.events import ProcessExited
from aisession_tui.core.manager import SessionManager
from aisession_tui.core.session import AISession
from aisession_tui.core.types import CommandRecord, SessionStatus
from aisession_tui.store.recorder import SessionRecorder
from aisession_tui.store.restore import restore_sessions
from aisession_tui.store.store import Store


async def _run_to_exit(session: AISession) -> bytes:
    """Start `session` and collect its output until the process exits."""
    output = bytearray()
    exited = asyncio.Event()

    def listen(event: object) -> None:
        data = getattr(event, "data", None)
        if isinstance(data, bytes):
            output.extend(data)
        if isinstance(event, ProcessExited):
            exited.set()

    unsubscribe = session.subscribe(listen)
    try:
        await session.start()
        await asyncio.wait_for(exited.wait(), 30)
        await asyncio.wait_for(session.stop(), 30)
    finally:
        unsubscribe()
    return bytes(output)


async def test_recorded_sessions_come_back_with_ids_names_history_tokens_and_scrollback(
    data_dir: Path, tmp_path: Path, monkeypatch: object
) -> None:
    workdir = tmp_path / "project"
    workdir.mkdir()
    config = SessionConfig(
        name="builder",
        agent_role="developer",
        working_directory=workdir,
        shell_command="pwd; echo built; exit 3",
        environment={"MODE": "ci", "DEPLOY_TOKEN": "s3cr3t-value"},
        context_config=ContextConfig(max_tokens=9000),
        force_headless=False,
    )

    # --- first run: record everything --------------------------------------------------
    store = Store.open(data_dir)
    store.begin_run()
    manager = SessionManager()
    recorder = SessionRecorder(store)
    recorder.watch(manager)
    session = await manager.create_session_with_config(config)
    session.set_metadata("ticket", "ENG-42")
    await session.add_tokens(1234)
    session.add_command_record(
        CommandRecord("make", datetime.now(UTC), exit_code=2, output="error: boom")
    )
    output = await _run_to_exit(session)
    assert b"built" in output
    store.save_screen(session.id, ["$ make", "error: boom", str(workdir), "built"])
    recorder.save(session.id)  # metadata set after creation
    recorder.close()
    store.close()
    first_id, first_created = session.id, session.created_at

    # --- second run: restore ---------------------------------------------------------------
    monkeypatch.setenv("DEPLOY_TOKEN", "from-the-environment")  # type: ignore[attr-defined]
    store = Store.open(data_dir)
    run_id = store.begin_run()
    try:
        [stored] = store.last_run_sessions()
        assert stored.exit_code == 3
        assert stored.status == SessionStatus.TERMINATED
        manager = SessionManager()
        recorder = SessionRecorder(store)
        recorder.watch(manager)
        report = await restore_sessions(store, manager, recorder=recorder)
        assert report.failed == []
        [restored] = report.restored
        again = restored.session
        assert again.id == first_id
        assert again.created_at == first_created
        assert again.config.name == "builder"
        assert again.config.agent_role == "developer"
        assert again.config.working_directory == workdir
        assert again.config.context_config.max_tokens == 9000
        assert again.config.environment == {"MODE": "ci", "DEPLOY_TOKEN": "from-the-environment"}
        assert again.total_tokens == 1234
        assert again.metadata == {"ticket": "ENG-42"}
        assert [(r.command, r.exit_code, r.output) for r in again.command_history] == [
            ("make", 2, "error: boom")
        ]
        assert restored.scrollback is not None
        assert restored.scrollback.lines == ["$ make", "error: boom", str(workdir), "built"]

        # Relaunching runs the command again, in its directory.
        output = await _run_to_exit(again)
        assert str(workdir).encode() in output
        assert store.flush()
        # History was replayed, not recorded twice; the session now belongs to this run.
        assert len(store.history(first_id)) == 1
        now = store.get_session(first_id)
        assert now is not None and now.run_id == run_id
        assert now.total_tokens == 1234
        recorder.close()
    finally:
        store.close()


async def test_restore_reports_a_session_whose_directory_is_gone(
    data_dir: Path, tmp_path: Path
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    store = Store.open(data_dir)
    store.begin_run()
    manager = SessionManager()
    recorder = SessionRecorder(store)
    recorder.watch(manager)
    await manager.create_session_with_config(
        SessionConfig(name="lost", working_directory=gone, shell_command="true")
    )
    await manager.create_session_with_config(
        SessionConfig(name="kept", working_directory=tmp_path, shell_command="true")
    )
    recorder.close()
    store.close()
    gone.rmdir()

    store = Store.open(data_dir)
    store.begin_run()
    try:
        manager = SessionManager()
        report = await restore_sessions(store, manager)
        assert [r.stored.name for r in report.restored] == ["kept"]
        [(label, reason)] = report.failed
        assert label.startswith("lost (")
        assert reason == f"working_directory: working directory does not exist: {gone}"
        assert report.messages == [f"Could not restore session {label}: {reason}"]
    finally:
        store.close()


async def test_recorder_records_commands_status_and_exit_of_a_live_session(
    store: Store, tmp_path: Path
) -> None:
    manager = SessionManager()
    recorder = SessionRecorder(store, screen_source=lambda sid: ["last", "screen"])
    recorder.watch(manager)
    session = await manager.create_session_with_config(
        SessionConfig(name="live", working_directory=tmp_path, shell_command="exit 7")
    )
    session.add_command_record(CommandRecord("ls", datetime.now(UTC), exit_code=0))
    await _run_to_exit(session)
    await store.aflush()
    stored = store.get_session(session.id)
    assert stored is not None
    assert stored.exit_code == 7
    assert stored.status == SessionStatus.TERMINATED
    assert [c.record.command for c in store.history(session.id)] == ["ls"]
    statuses = [str(c.new) for c in store.status_changes(session.id)]
    assert statuses[0] == "running"
    assert statuses[-1] == "terminated"
    screen = store.load_screen(session.id)
    assert screen is not None and screen.lines == ["last", "screen"]
    recorder.close()


async def test_sessions_closed_by_the_user_are_not_restored(data_dir: Path, tmp_path: Path) -> None:
    store = Store.open(data_dir)
    store.begin_run()
    manager = SessionManager()
    recorder = SessionRecorder(store)
    recorder.watch(manager)
    closed = await manager.create_session_with_config(
        SessionConfig(name="closed", working_directory=tmp_path, shell_command="true")
    )
    await manager.create_session_with_config(
        SessionConfig(name="open", working_directory=tmp_path, shell_command="true")
    )
    await manager.remove_session(closed.id)
    recorder.close()  # app exit: stop recording before the manager is torn down
    await manager.stop_all()
    store.close()

    store = Store.open(data_dir)
    try:
        assert [s.name for s in store.last_run_sessions()] == ["open"]
        stored = store.get_session(closed.id)
        assert stored is not None and stored.closed_at is not None  # still listed, not offered
    finally:
        store.close()


async def test_a_restarted_session_loses_its_old_exit_code_in_the_store(
    store: Store, tmp_path: Path
) -> None:
    manager = SessionManager()
    recorder = SessionRecorder(store)
    recorder.watch(manager)
    marker = tmp_path / "second-run"
    session = await manager.create_session_with_config(
        SessionConfig(
            name="again",
            working_directory=tmp_path,
            shell_command=f"if [ -e {marker} ]; then sleep 30; else touch {marker}; exit 4; fi",
        )
    )
    await _run_to_exit(session)
    await store.aflush()
    assert store.get_session(session.id).exit_code == 4  # type: ignore[union-attr]
    await session.start()
    await store.aflush()
    stored = store.get_session(session.id)
    assert stored is not None
    assert (stored.status, stored.exit_code) == (SessionStatus.RUNNING, None)
    await session.stop()
    recorder.close()
