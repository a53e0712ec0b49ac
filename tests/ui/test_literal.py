"""Any text through the rendering helpers renders as itself: no markup error, action or control."""

from __future__ import annotations

import io
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from textual.content import Content
from textual.widgets._data_table import default_cell_formatter

from aisession_tui.core.display_text import display_block, display_line
from aisession_tui.ui.literal import (
    NOTICE_LINES,
    block_content,
    line_content,
    line_text,
    literal_notice,
)
from aisession_tui.ui.widgets.details_panel import details_table

from .untrusted import HOSTILE

pieces = st.sampled_from(
    [raw for raw, _ in HOSTILE]
    + ["[", "]", "[/", "[@click=app.quit]", "[link=x]", "\x1b", "\x07", "\n", "\u202e", "\x9b"]
)
hostile = st.lists(st.one_of(st.characters(), pieces), max_size=60).map("".join)


def _rendered(renderable: Any, width: int = 400) -> str:
    """What Rich writes to a terminal for `renderable` (colours and all)."""
    console = Console(
        file=io.StringIO(), force_terminal=True, width=width, color_system="truecolor"
    )
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def _drawing_only(output: str) -> bool:
    """Only CSI sequences (colours) and newlines besides drawing characters."""
    rest = re.sub(r"\x1b\[[0-9;:]*m", "", output)
    return not [c for c in rest if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]


@given(hostile)
def test_line_text_renders_exactly_the_shown_line(text: str) -> None:
    rendered = line_text(text, "bold")
    assert rendered.plain == display_line(text)
    assert not rendered.spans or all(span.style == "bold" for span in rendered.spans)
    assert _drawing_only(_rendered(rendered))


@given(hostile)
def test_a_table_cell_made_by_line_text_is_never_parsed_as_markup(text: str) -> None:
    cell = default_cell_formatter(line_text(text))
    assert cell.plain == display_line(text)  # type: ignore[union-attr]


@given(hostile, hostile)
def test_the_details_table_renders_keys_and_values_literally(key: str, value: str) -> None:
    output = _rendered(details_table([(key, value), ("cwd", value)]))
    assert _drawing_only(output)
    assert "\x1b]8;" not in output  # no hyperlink from [link=...]
    plain = Console(file=io.StringIO(), width=400)
    with plain.capture() as captured:
        plain.print(details_table([("k", value)]))
    assert "".join(display_line(value).split()) in "".join(captured.get().split())


@given(hostile)
def test_contents_are_literal_and_carry_no_click_action(text: str) -> None:
    for content, expected in (
        (line_content(text, "bold"), display_line(text)),
        (line_content(text), display_line(text)),
        (block_content(text), display_block(text)),
    ):
        assert isinstance(content, Content)
        assert content.plain == expected
        assert all("@click" not in str(span.style) for span in content.spans)


@settings(max_examples=200)
@given(hostile, hostile)
def test_every_notification_is_made_literal_and_clean(message: str, title: str) -> None:
    shown, shown_title = literal_notice(message, title)
    assert shown_title == display_line(title)
    assert shown.count("\n") < NOTICE_LINES
    # What Textual's Toast does with a message when markup is off.
    assert Content(shown).plain == shown
    assert _drawing_only(shown)


async def test_a_widgets_notification_is_literal_too(tmp_path: Any) -> None:
    """A widget's or screen's `notify()` passes `markup=True` on to the app's by default."""
    from textual.widgets._toast import Toast

    from aisession_tui.ui.app import AppOptions, SupervisorApp

    app = SupervisorApp([], options=AppOptions(panels=(), control=False))
    async with app.run_test(notifications=True) as pilot:
        app.screen.notify("[/x] could not be answered", severity="warning")
        await pilot.pause()
        await pilot.pause()
        [toast] = app.screen.query(Toast)
        assert "[/x] could not be answered" in toast.render().plain


async def test_the_apps_notify_shows_markup_and_actions_as_text_even_when_asked_for_markup() -> (
    None
):
    """`SupervisorApp.notify` overrides Textual's: `markup=True` is not honoured."""
    from textual.widgets._toast import Toast

    from aisession_tui.ui.app import AppOptions, SupervisorApp

    app = SupervisorApp([], options=AppOptions(panels=(), control=False))
    async with app.run_test(notifications=True) as pilot:
        app.notify("[@click=app.quit]quit[/] [/x]", title="[b]t[/b]", markup=True)
        await pilot.pause()
        await pilot.pause()
        [toast] = app.screen.query(Toast)
        shown = toast.render().plain
        assert "[@click=app.quit]quit[/] [/x]" in shown
        assert "[b]t[/b]" in shown
        await pilot.click(toast)  # a click dismisses the toast; no action runs
        await pilot.pause()
        assert app.is_running
        await app.shutdown()
