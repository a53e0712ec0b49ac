"""What the panes leave behind as they repaint: nothing that only the cycle collector frees.

The app calms Python's collector (`cli.calm_garbage_collector`), so a full collection is rare:
anything a repaint leaves in a reference cycle stays in memory for a long time, and a busy
pane repaints many times a second."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from textual.strip import Strip

from aisession_tui.core.types import SessionStatus

from .helpers import make_app, shell, wait_for


@contextmanager
def cyclic_garbage() -> Iterator[list[object]]:
    """The objects that became cyclic garbage inside the block (the collector keeps them in
    `gc.garbage` instead of freeing them), listed at its end."""
    found: list[object] = []
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield found
        gc.collect()
        found.extend(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


async def test_repainting_a_busy_pane_leaves_no_strip_in_a_reference_cycle() -> None:
    app = make_app(shell("busy", "cat"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.focused_live.session.status is SessionStatus.RUNNING)
        pane = app.main.pane_grid.frames[0].terminal
        await wait_for(pilot, lambda: pane.has_focus and pane.size.height > 0)
        with cyclic_garbage() as garbage:
            for batch in range(40):
                coloured = (f"line {batch}-{n} \x1b[3{n % 8}mcoloured\x1b[m\r\n" for n in range(10))
                pane.emulator.feed("".join(coloured).encode())
                pane.repaint()  # focused: put on the terminal now, by the compositor
                await pilot.pause()
        assert "line 39-9 coloured" in "\n".join(pane.emulator.text_lines())
        # The pane's rows (other widgets, e.g. the Sessions table, are not what this is about).
        assert [o for o in garbage if isinstance(o, Strip) and "coloured" in o.text] == []
        await app.shutdown()
