"""The supervisor without any UI: real sessions on real PTYs, a real SQLite store, its events.

No Textual here: what the app shows is driven by these events, so they are tested directly.
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable
from pathlib import Path

import pytest

from aisession_tui.core import SessionConfig
from aisession_tui.core.types import SessionStatus
from aisession_tui.store import AmbiguousSessionError, SessionLookupError, Store
from aisession_tui.supervisor import (
    Attention,
    Change,
    InvalidName,
    LiveSession,
    Notice,
    SessionAdded,
    SessionChanged,
    SessionRemoved,
    SessionRenamed,
    Supervisor,
    SupervisorEvent,
)

pytestmark = pytest.mark.timeout(60)


def config(tmp_path: Path, name: str, command: str = "exec cat") -> SessionConfig:
    return SessionConfig(
        name=name, shell_command=command, working_directory=tmp_path, pty_size=(24, 80)
    )


class Heard:
    """Every event a supervisor emitted, and a way to wait for one."""

    def __init__(self, supervisor: Supervisor) -> None:
        self.events: list[SupervisorEvent] = []
        self._changed = asyncio.Event()
        supervisor.subscribe(self._hear)

    def _hear(self, event: SupervisorEvent) -> None:
        self.events.append(event)
        self._changed.set()

    def of(self, kind: type) -> list:
        return [event for event in self.events if isinstance(event, kind)]

    async def until(self, condition: Callable[[], object], within: float = 20.0) -> None:
        async with asyncio.timeout(within):
            while not condition():
                self._changed.clear()
                await self._changed.wait()


async def test_add_rename_close_are_events_in_order(tmp_path: Path) -> None:
    supervisor = Supervisor()
    heard = Heard(supervisor)
    one = await supervisor.add(config(tmp_path, "one"))
    two = await supervisor.add(config(tmp_path, "two"))
    assert [live.name for live in supervisor] == ["one", "two"]
    assert [e.live for e in heard.of(SessionAdded)] == [one, two]

    assert supervisor.rename(two, "  second ") == "two"
    assert two.name == "second"
    renamed = heard.of(SessionRenamed)[-1]
    assert (renamed.live, renamed.old, renamed.new) == (two, "two", "second")

    assert await supervisor.close(one)
    assert not await supervisor.close(one)  # closing twice is a no-op, not an error
    removed = heard.of(SessionRemoved)
    assert [(e.live, e.index) for e in removed] == [(one, 0)]
    assert supervisor.sessions == [two]
    await supervisor.close_all()


async def test_a_rename_is_saved_in_the_store_and_survives_reopening_it(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "data")
    store.begin_run()
    supervisor = Supervisor(names=store)
    store.save_session((live := await supervisor.add(config(tmp_path, "before"))).session)
    supervisor.rename(live, "after")
    await supervisor.close_all()
    await store.aclose()

    reopened = Store.open(tmp_path / "data")
    try:
        assert [s.name for s in reopened.list_sessions()] == ["after"]
    finally:
        reopened.close()


async def test_names_must_be_new_and_not_blank(tmp_path: Path) -> None:
    supervisor = Supervisor()
    one = await supervisor.add(config(tmp_path, "one"))
    await supervisor.add(config(tmp_path, "two"))
    for bad in ("two", "   ", "x" * 201):
        with pytest.raises(InvalidName):
            supervisor.rename(one, bad)
    assert one.name == "one"
    supervisor.rename(one, "one")  # its own name again is fine
    await supervisor.close_all()


async def test_one_resolver_for_names_ids_and_prefixes(tmp_path: Path) -> None:
    supervisor = Supervisor()
    one = await supervisor.add(config(tmp_path, "one"))
    two = await supervisor.add(config(tmp_path, "two"))
    assert supervisor.resolve(" one ") is one
    assert supervisor.resolve(str(two.session.id)) is two
    assert supervisor.resolve(two.session.id.uuid.hex[:8]) is two
    supervisor.rename(two, "one-b")
    with pytest.raises(SessionLookupError, match=r"sessions: one, one-b"):
        supervisor.resolve("ghost")
    twin = await supervisor.add(config(tmp_path, "twin"))
    three = await supervisor.add(config(tmp_path, "three"))
    three.session.config.name = "twin"  # as a restored run can have it
    with pytest.raises(AmbiguousSessionError, match="name 'twin' matches 2 sessions") as caught:
        supervisor.resolve("twin")
    assert caught.value.candidates == [str(twin.session.id), str(three.session.id)]
    await supervisor.close_all()


async def test_broadcast_and_forward_reach_running_sessions_only(tmp_path: Path) -> None:
    supervisor = Supervisor()
    heard = Heard(supervisor)
    cat = await supervisor.add(config(tmp_path, "cat"))
    done = await supervisor.add(config(tmp_path, "done", "exit 3"))
    await heard.until(lambda: done.session.status is not SessionStatus.RUNNING)
    assert supervisor.broadcast([cat, done], b"hello\r") == 1
    assert not supervisor.forward(done, "note")
    assert supervisor.forward(cat, "note\r")
    await heard.until(lambda: "note" in "\n".join(cat.emulator.text_lines()))
    assert "hello" in "\n".join(cat.emulator.text_lines())
    # The exit's notice follows the status change (in a later callback): wait for it too.
    await heard.until(lambda: any(e.live is done for e in heard.of(Notice)))
    exited = [e.text for e in heard.of(Notice) if e.live is done]
    assert exited == ["done exited with code 3"]
    await supervisor.close_all()


async def test_a_flood_of_bells_is_one_notification_and_a_count(tmp_path: Path) -> None:
    supervisor = Supervisor()
    heard = Heard(supervisor)
    focused = await supervisor.add(config(tmp_path, "focused"))
    supervisor.focus(focused)
    ringer = await supervisor.add(
        config(tmp_path, "ringer", "for i in $(seq 1000); do printf '\\a'; done; exec cat")
    )
    await heard.until(lambda: ringer.bells == 1000)
    bells = [e for e in heard.of(Notice) if "bell" in e.text]
    assert [e.text for e in bells] == ["ringer rang the bell"]
    changes = [e for e in heard.of(SessionChanged) if e.live is ringer]
    assert len(changes) < 100  # gathered per loop turn, not one per bell
    # The count is shown (a bell may also make its agent count as waiting: "?" follows).
    assert supervisor.presenter(ringer).attention_marker.startswith("🔔1000")
    notices = [e.text for e in heard.of(Notice) if e.live is ringer]
    assert notices == ["ringer rang the bell"]  # and no second one for the "waiting" it implies

    supervisor.focus(ringer)  # looked at: the mark and the count go
    assert Attention.BELL not in ringer.attention and ringer.bells == 0
    ringer.write(b"\a")  # cat echoes a bell typed into the focused session: no notification
    await heard.until(
        lambda: any(
            Change.ATTENTION in e.what for e in heard.events[-3:] if isinstance(e, SessionChanged)
        )
    )
    assert len([e for e in heard.of(Notice) if "bell" in e.text]) == 1
    await supervisor.close_all()


async def test_closed_sessions_are_freed(tmp_path: Path) -> None:
    supervisor = Supervisor(scrollback=10_000)
    refs: list[weakref.ref[LiveSession]] = []
    for number in range(20):
        live = await supervisor.add(config(tmp_path, f"s{number}", "seq 1 2000; exec cat"))
        refs.append(weakref.ref(live))
        refs.append(weakref.ref(live.emulator))  # type: ignore[arg-type]
        await supervisor.close(live)
        del live
    await asyncio.sleep(0.2)  # parsing steps already queued finish
    gc.collect()
    alive = [ref() for ref in refs if ref() is not None]
    assert not alive, f"{len(alive)} closed session objects are still referenced"
    assert len(supervisor) == 0


async def test_parallel_closes_never_trip_over_each_other(tmp_path: Path) -> None:
    supervisor = Supervisor()
    heard = Heard(supervisor)
    lives = [await supervisor.add(config(tmp_path, f"s{n}")) for n in range(15)]
    results = await asyncio.gather(*(supervisor.close(live) for live in lives + lives))
    assert results.count(True) == 15 and results.count(False) == 15
    assert len(heard.of(SessionRemoved)) == 15
    assert len(supervisor) == 0


async def test_a_request_for_a_session_still_to_start_waits_for_it(tmp_path: Path) -> None:
    supervisor = Supervisor()
    live = await supervisor.add(config(tmp_path, "late"), start=False)
    assert live.session.status is SessionStatus.INITIALIZING
    waiting = asyncio.create_task(supervisor.started(live))
    await asyncio.sleep(0)
    assert not waiting.done()
    await supervisor.start(live)
    await asyncio.wait_for(waiting, 10)
    assert live.session.status is SessionStatus.RUNNING
    never = await supervisor.add(config(tmp_path, "never"), start=False)
    await supervisor.started(never, within=0.05)  # gives up: the caller then says it is not running
    assert never.session.status is SessionStatus.INITIALIZING
    await supervisor.close_all()
