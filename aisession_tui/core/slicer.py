"""Cooperative time slicing: heavy incremental work shares each event-loop turn within a budget.

Every session's output must be parsed (by its emulator) and analysed (by its monitor), and under a
flood that work never ends. Instead of each consumer scheduling itself, consumers submit small
steps here; one turn runs steps round robin for at most `budget` seconds, then yields the loop so
keys, repaints and other sessions get their turn. While output flows (foreground steps, what the
person sees, had work in a turn lately) background steps (analysis) get a fixed share of the time
spent; when it does not, they get whole turns. Analysis that filled every spare moment of a flood
would hold up the reads that feed the screen. Urgent steps (the pane the person is typing into)
run first in every turn.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from time import perf_counter

log = logging.getLogger(__name__)

#: A unit of work; returns True while it has more to do (it is then run again in a later slot).
Step = Callable[[], bool]

DEFAULT_BUDGET = 0.002
DEFAULT_BACKGROUND_SHARE = 0.2
#: Output counts as flowing this long after foreground work last ran (a flood has short gaps).
FLOW_GRACE = 0.05


class Slicer:
    """Runs submitted steps round robin, at most `budget` seconds per loop turn."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        budget: float = DEFAULT_BUDGET,
        background_share: float = DEFAULT_BACKGROUND_SHARE,
        clock: Callable[[], float] = perf_counter,
    ) -> None:
        self._loop = loop
        self._clock = clock
        self.budget = budget
        self.background_share = background_share
        self._urgent: deque[Step] = deque()
        self._foreground: deque[Step] = deque()
        self._background: deque[Step] = deque()
        self._queued: set[Step] = set()
        self._scheduled = False
        #: Wakes background work that waits for its share once output stops flowing.
        self._flow_end: asyncio.TimerHandle | None = None
        #: Background seconds earned (or, below zero, owed) while output flows.
        self._credit = 0.0
        self._foreground_ran = -FLOW_GRACE

    def submit(self, step: Step, *, background: bool = False, urgent: bool = False) -> None:
        """Run `step` soon (again and again while it returns True); a queued step is not doubled."""
        if step in self._queued:
            return
        self._queued.add(step)
        if urgent:
            self._urgent.append(step)
        else:
            (self._background if background else self._foreground).append(step)
        if background and not urgent and self._flow_end is not None:
            return  # it waits for its share like the background already queued
        self._schedule()

    def _schedule(self) -> None:
        if self._flow_end is not None:
            self._flow_end.cancel()
            self._flow_end = None
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._turn)

    @property
    def pending(self) -> int:
        """Steps waiting to run."""
        return len(self._queued)

    def _turn(self) -> None:
        self._scheduled = False
        start = self._clock()
        end = start + self.budget
        if self._urgent or self._foreground:
            self._foreground_ran = start
        flowing = start - self._foreground_ran < FLOW_GRACE
        if self._urgent:
            self._run(self._urgent, end)
        if self._background:
            share = self.background_share
            self._run(self._foreground, end - self.budget * share)
            if flowing:
                # Background time is earned by foreground work and may be borrowed, as one
                # background step can outlast a short turn's share.
                now = self._clock()
                self._credit = min(self._credit + (now - start) * share / (1 - share), self.budget)
                if self._credit > 0:
                    self._run(self._background, min(end, now + self._credit))
                    self._credit -= self._clock() - now
            else:
                self._credit = 0.0
                self._run(self._background, end)
        self._run(self._foreground, end)
        if (
            self._urgent
            or self._foreground
            or (self._background and (self._credit > 0 or not flowing))
        ):
            self._schedule()
        elif self._background and self._flow_end is None:
            # Background steps wait for foreground work to earn them time, or for the flow to end;
            # turning the loop over meanwhile would only spin it.
            wait = max(0.0, FLOW_GRACE - (self._clock() - self._foreground_ran))
            self._flow_end = self._loop.call_later(wait, self._schedule)

    def _run(self, queue: deque[Step], deadline: float) -> None:
        clock = self._clock
        while queue and clock() < deadline:
            step = queue.popleft()
            try:
                more = step()
            except Exception:  # one consumer's bug must not stall every other session
                log.exception("sliced step %r failed", step)
                more = False
            if more:
                queue.append(step)
            else:
                self._queued.discard(step)
