"""The time slicer: order of urgent, foreground and background steps, and the background share.

Steps advance a fake clock by what they "cost", so the shares are exact and no test depends on
how fast this machine is.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from aisession_tui.core.slicer import FLOW_GRACE, Slicer


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def costly(clock: FakeClock, cost: float, log: list[str], name: str, runs: int):  # type: ignore[no-untyped-def]
    """A step that takes `cost` seconds of the fake clock and has `runs` slices of work."""
    left = [runs]

    def step() -> bool:
        clock.now += cost
        log.append(name)
        left[0] -= 1
        return left[0] > 0

    return step


async def drain(slicer: Slicer) -> None:
    """Let the loop run turns until the slicer has nothing left (bounded, so a bug fails)."""
    for _ in range(10_000):
        if not slicer.pending:
            return
        await asyncio.sleep(0)
    raise AssertionError("the slicer never finished")


async def test_urgent_steps_run_before_others_and_each_step_until_it_is_done() -> None:
    clock, log = FakeClock(), []
    slicer = Slicer(asyncio.get_running_loop(), budget=0.002, clock=clock)
    slicer.submit(costly(clock, 0.0001, log, "fg", 3))
    slicer.submit(costly(clock, 0.0001, log, "bg", 2), background=True)
    slicer.submit(costly(clock, 0.0001, log, "urgent", 2), urgent=True)
    await drain(slicer)
    assert log[:2] == ["urgent", "urgent"]
    assert log.count("fg") == 3 and log.count("bg") == 2


async def test_a_step_submitted_twice_is_queued_once() -> None:
    clock, log = FakeClock(), []
    slicer = Slicer(asyncio.get_running_loop(), clock=clock)
    step = costly(clock, 0.0001, log, "once", 1)
    slicer.submit(step)
    slicer.submit(step)
    assert slicer.pending == 1
    await drain(slicer)
    assert log == ["once"]


async def test_turns_yield_the_loop_once_the_budget_is_spent() -> None:
    clock, log = FakeClock(), []
    slicer = Slicer(asyncio.get_running_loop(), budget=0.002, clock=clock)
    slicer.submit(costly(clock, 0.001, log, "fg", 10))
    others: list[int] = []

    async def other() -> None:
        while slicer.pending:
            others.append(len(log))
            await asyncio.sleep(0)

    await asyncio.gather(drain(slicer), other())
    # Two 1 ms steps per 2 ms turn, and the loop ran other work between turns.
    assert {2, 4, 6, 8} <= set(others)
    assert all(seen % 2 == 0 for seen in others)


async def test_while_output_flows_background_gets_its_share_of_the_time_spent() -> None:
    clock, log = FakeClock(), []
    slicer = Slicer(asyncio.get_running_loop(), budget=0.002, background_share=0.2, clock=clock)
    # Analysis steps cost 1 ms each: more than a turn's share, so the share is earned over turns.
    slicer.submit(costly(clock, 0.001, log, "bg", 1000), background=True)
    for _ in range(200):
        slicer.submit(costly(clock, 0.0005, log, "fg", 1))
        await asyncio.sleep(0)
    foreground_time = log.count("fg") * 0.0005
    background_time = log.count("bg") * 0.001
    assert log.count("fg") == 200
    # share 0.2 of all time: background = 0.25 x foreground, within one borrowed step.
    assert background_time == pytest.approx(0.25 * foreground_time, abs=0.0011)


async def test_without_foreground_work_background_gets_whole_turns() -> None:
    clock, log = FakeClock(), []
    slicer = Slicer(asyncio.get_running_loop(), budget=0.002, clock=clock)
    slicer.submit(costly(clock, 0.0005, log, "bg", 8), background=True)
    await asyncio.sleep(0)
    assert log == ["bg"] * 4  # one full 2 ms turn


async def test_a_failing_step_is_logged_and_dropped_and_others_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, log = FakeClock(), []
    slicer = Slicer(asyncio.get_running_loop(), clock=clock)

    def broken() -> bool:
        raise RuntimeError("consumer bug")

    slicer.submit(broken)
    slicer.submit(costly(clock, 0.0001, log, "fine", 2))
    with caplog.at_level(logging.ERROR):
        await drain(slicer)
    assert log == ["fine", "fine"]
    assert "consumer bug" in caplog.text


async def test_background_waiting_for_its_share_does_not_spin_the_loop() -> None:
    clock, log = FakeClock(), []
    slicer = Slicer(asyncio.get_running_loop(), budget=0.002, clock=clock)
    turns = []
    turn = slicer._turn
    slicer._turn = lambda: (turns.append(1), turn())  # type: ignore[method-assign]
    slicer.submit(costly(clock, 0.001, log, "bg", 5), background=True)
    slicer.submit(costly(clock, 0.0, log, "fg", 1))  # output flows but earns no time
    for _ in range(50):
        await asyncio.sleep(0)
    assert log == ["fg"] and len(turns) == 1
    clock.now += FLOW_GRACE  # the flow has ended: background gets whole turns again
    await asyncio.sleep(FLOW_GRACE + 0.05)
    assert log.count("bg") >= 2
