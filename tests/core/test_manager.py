"""SessionManager: create, restore, find, list, remove, clean up; 20 sessions without leaks."""

from __future__ import annotations

import asyncio
import gc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aisession_tui.core import (
    AlreadyExists,
    NotFound,
    SessionAdded,
    SessionConfig,
    SessionId,
    SessionManager,
    SessionRemoved,
    SessionStatus,
)
from aisession_tui.core.process import is_running
from aisession_tui.core.runtime import default_runtime

from .conftest import bash_config, open_fds, our_children

pytestmark = pytest.mark.timeout(90)


async def test_sessions_are_created_but_not_started(manager: SessionManager) -> None:
    session = await manager.create_session()
    assert session.status is SessionStatus.INITIALIZING and session.pid is None
    assert manager.list_sessions() == [session.id]
    assert manager.get_session(session.id) is session
    assert manager.list_session_refs() == [session]


async def test_default_config_is_used_and_not_shared(tmp_path: Path) -> None:
    manager = SessionManager(SessionConfig(name="dflt", working_directory=tmp_path))
    first = await manager.create_session()
    second = await manager.create_session()
    assert first.config.name == second.config.name == "dflt"
    assert first.config is not second.config


async def test_restore_keeps_id_and_created_at_and_refuses_a_taken_id(
    manager: SessionManager, tmp_path: Path
) -> None:
    sid = SessionId.new()
    created = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    restored = await manager.restore_session(sid, bash_config(tmp_path), created)
    assert restored.id == sid and restored.created_at == created
    with pytest.raises(AlreadyExists, match=str(sid)):
        await manager.restore_session(sid, bash_config(tmp_path), created)
    assert manager.list_sessions() == [sid]


async def test_find_by_name_and_prefix(manager: SessionManager, tmp_path: Path) -> None:
    names = ["agent-backend", "agent-frontend", "reviewer", None]
    sessions = [
        await manager.create_session_with_config(SessionConfig(name=n, working_directory=tmp_path))
        for n in names
    ]
    assert manager.find_session_by_name("reviewer") is sessions[2]
    assert manager.find_session_by_name("agent") is None
    assert manager.list_sessions_by_prefix("agent-") == sessions[:2]
    assert manager.list_sessions_by_prefix("") == sessions[:3]  # unnamed sessions never match


async def test_detailed_listing_reports_counts_and_state(
    manager: SessionManager, tmp_path: Path
) -> None:
    session = await manager.create_session_with_config(
        bash_config(tmp_path, name="w1", enable_ai_features=True)
    )
    await session.start()
    await session.execute_command("echo a")
    await session.execute_command("echo b")
    await session.add_tokens(120)
    await session.add_tokens(30)
    [info] = manager.list_sessions_detailed()
    assert info.id == session.id and info.name == "w1"
    assert info.status is SessionStatus.RUNNING
    assert info.created_at == session.created_at
    assert info.last_activity >= info.created_at
    assert info.working_directory == tmp_path
    assert info.ai_features_enabled
    assert info.context_token_count == 150
    assert info.command_count == 2


async def test_history_tokens_and_trimming(manager: SessionManager, tmp_path: Path) -> None:
    session = await manager.create_session_with_config(bash_config(tmp_path))
    await session.start()
    for i in range(5):
        await session.execute_command(f"echo {i}")
    await session.trim_command_history(2)
    history = await session.get_command_history()
    assert [r.command for r in history] == ["echo 3", "echo 4"]
    assert await session.get_command_count() == 5  # trimming forgets records, not the count
    await session.trim_command_history(10)
    assert len(await session.get_command_history()) == 2
    await session.add_tokens(7)
    assert await session.get_total_tokens() == 7
    with pytest.raises(ValueError):
        await session.add_tokens(-1)
    session.set_metadata("role", {"kind": "tester"})
    assert session.get_metadata("role") == {"kind": "tester"}
    assert session.get_metadata("missing") is None


async def test_remove_stops_and_forgets_the_session(
    manager: SessionManager, tmp_path: Path
) -> None:
    events: list[object] = []
    manager.subscribe(events.append)
    session = await manager.create_session_with_config(bash_config(tmp_path))
    await session.start()
    pid = session.pid
    await manager.remove_session(session.id)
    assert session.status is SessionStatus.TERMINATED and not is_running(pid or -1)
    assert manager.get_session(session.id) is None
    with pytest.raises(NotFound):
        manager.require_session(session.id)
    await manager.remove_session(session.id)  # unknown ids are ignored, as in the crate
    assert SessionAdded(session.id) in events and SessionRemoved(session.id) in events


async def test_cleanup_terminated_forgets_only_ended_sessions(
    manager: SessionManager, tmp_path: Path
) -> None:
    done = await manager.create_session_with_config(
        SessionConfig(shell_command="exit 0", working_directory=tmp_path)
    )
    alive = await manager.create_session_with_config(bash_config(tmp_path))
    fresh = await manager.create_session_with_config(bash_config(tmp_path))
    await alive.start()
    await done.start()
    await done.stop()  # already exited or about to: either way it ends terminated
    assert await manager.cleanup_terminated() == 1
    assert set(manager.list_sessions()) == {alive.id, fresh.id}


async def test_twenty_concurrent_sessions_leave_no_fd_or_process_behind(tmp_path: Path) -> None:
    default_runtime().relay()  # the output relay is one process for the whole app, meant to stay
    gc.collect()
    fds_before = open_fds()
    children_before = our_children()
    manager = SessionManager()
    sessions = [
        await manager.create_session_with_config(
            bash_config(tmp_path, name=f"s{i}", force_headless=i % 5 == 0)
        )
        for i in range(20)
    ]
    await asyncio.gather(*(s.start() for s in sessions))
    outs = await asyncio.gather(
        *(s.execute_command(f"sleep 1000 & echo {i} $!") for i, s in enumerate(sessions))
    )
    last_lines = [o.splitlines()[-1].split() for o in outs]  # bash may print "[1] pid" first
    assert [int(n) for n, _ in last_lines] == list(range(20))
    grandchildren = [int(pid) for _, pid in last_lines]
    pids = [s.pid for s in sessions]
    assert all(is_running(p) for p in grandchildren)
    await manager.stop_all(grace=0.5)
    assert all(s.status is SessionStatus.TERMINATED for s in sessions)
    assert not any(is_running(p) for p in [*pids, *grandchildren])  # type: ignore[list-item]
    assert await manager.cleanup_terminated() == 20
    del sessions, outs
    gc.collect()
    assert open_fds() == fds_before
    assert our_children() == children_before  # every child reaped: no zombies of ours
