"""One test per private Textual API the app relies on (ui/textual_compat.py): when an upgrade
changes one, it fails here, by name."""

from __future__ import annotations

import gc
import weakref

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from aisession_tui.ui import textual_compat


class Boxes(App[None]):
    def compose(self) -> ComposeResult:
        with Vertical(id="holder"):
            for number in range(3):
                yield Static(f"box {number}", id=f"box{number}")


async def test_forget_removed_children_frees_a_removed_child() -> None:
    app = Boxes()
    async with app.run_test(size=(40, 10)) as pilot:
        holder = app.query_one("#holder", Vertical)
        child = holder.children[1]  # not by query_one: its cache would keep the child too
        await pilot.pause()
        gone = weakref.ref(child)
        await child.remove()
        del child
        await pilot.pause()
        gc.collect()
        if gone() is not None:  # what Textual still caches: the arrangements, the display list
            textual_compat.forget_removed_children(holder)
            gc.collect()
        assert gone() is None
        assert [w.id for w in holder.displayed_children] == ["box0", "box2"]


async def test_show_now_flushes_a_refresh_unless_updates_are_batched() -> None:
    app = Boxes()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        box = app.query_one("#box0", Static)
        screen = app.screen
        with app.batch_update():
            box.refresh()
            textual_compat.show_now(box)
            assert box not in screen._dirty_widgets  # batched: nothing was flushed
        box.refresh()
        textual_compat.show_now(box)
        assert box not in screen._dirty_widgets  # flushed by the update Textual's timer runs
        box.update("changed")
        await pilot.pause()
        assert "changed" in str(box.render())


def test_alt_digits_arrive_as_alt_keys_through_the_patched_parser() -> None:
    from textual._xterm_parser import XTermParser

    from aisession_tui.ui.alt_keys import install_alt_keys

    install_alt_keys()
    parser = XTermParser()
    events = [*parser.feed("\x1b2"), *parser.feed("")]  # "" ends the input: ESC is not held
    assert [getattr(event, "key", None) for event in events] == ["alt+2"]


def test_an_alt_key_arrives_without_waiting_for_the_escape_delay() -> None:
    from textual._xterm_parser import XTermParser

    from aisession_tui.ui.alt_keys import install_alt_keys

    install_alt_keys()
    parser = XTermParser()
    # No "" after it (which ends the input): the key is there before any escape delay passes.
    keys = [getattr(event, "key", None) for event in parser.feed("\x1b2\x1b.\x1bB\x1b\r")]
    assert keys == ["alt+2", "alt+full_stop", "alt+shift+b", "alt+enter"]
    # ESC [ still starts a longer sequence rather than being Alt+[.
    assert [getattr(event, "key", None) for event in parser.feed("\x1b[A")] == ["up"]


def test_a_strip_divided_at_its_own_length_does_not_keep_itself() -> None:
    import sys

    from rich.segment import Segment
    from textual.strip import Strip

    textual_compat.keep_strips_acyclic()
    strip = Strip([Segment("abc"), Segment("def")], 6)
    held = sys.getrefcount(strip)
    assert strip.divide([6]) == [strip]  # the list is dropped at once: nothing else keeps it
    assert sys.getrefcount(strip) == held  # (Textual's cache held it: strip -> cache -> strip)
    assert [part.text for part in strip.divide([2, 6])] == ["ab", "cdef"]
    assert strip.divide([2, 6]) is strip.divide([2, 6])  # other divisions are still cached


class OneKey(App[None]):
    def compose(self) -> ComposeResult:
        yield textual_compat.FooterKey("x", "x", "Kill", "kill_session")


async def test_footer_key_shows_a_key_and_its_description() -> None:
    app = OneKey()
    async with app.run_test(size=(40, 3)) as pilot:
        await pilot.pause()
        key = app.query_one(textual_compat.FooterKey)
        assert (key.key, key.description, key.action) == ("x", "Kill", "kill_session")
        assert "x Kill" in str(key.render())


class Table(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable[str]()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Active", key="active")
        for name in ("a", "b", "c"):
            table.add_row(f"{name}: 5s ago", key=name)


async def test_update_rows_in_place_renders_that_row_again_and_no_other() -> None:
    app = Table()
    async with app.run_test(size=(40, 8)) as pilot:
        table = app.query_one(DataTable)
        await pilot.pause()
        lines = lambda: [table.render_line(y).text for y in range(4)]  # noqa: E731
        assert "b: 5s ago" in lines()[2]
        count = table._update_count
        cached_rows = lambda key: [k for k in table._row_render_cache.keys() if k[0] == key]  # noqa: E731, SIM118
        assert cached_rows("a") and cached_rows("b")
        assert textual_compat.update_rows_in_place(table, {"b": {"active": "b: 6s ago"}}) == []
        assert table._update_count == count  # every other row keeps its rendering
        assert cached_rows("a") and not cached_rows("b")
        assert "b: 6s ago" in lines()[2] and "a: 5s ago" in lines()[1]
        wider = {"c": {"active": "c: 10s ago"}}
        assert textual_compat.update_rows_in_place(table, wider) == ["c"]
        assert table.get_cell("c", "active") == "c: 5s ago"  # wider: left to update_cell
        await pilot.pause()
        assert "6s" in app.export_screenshot()  # and the screen shows it
