"""Whatever text a child produced (control bytes, NULs, lone surrogates) is stored, not fatal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aisession_tui.core.types import CommandRecord
from aisession_tui.store.store import Store

from .conftest import make_session

# Hypothesis leaves out lone surrogates by default; "surrogateescape" decoding makes them.
ANY_CHAR = st.one_of(
    st.characters(codec=None, exclude_categories=()),
    st.integers(0xD800, 0xDFFF).map(chr),
    st.sampled_from("\x00\x1b\r\n\x7f"),
)
ANY_TEXT = st.text(ANY_CHAR, max_size=200)


def _clean(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(command=ANY_TEXT, output=ANY_TEXT, lines=st.lists(ANY_TEXT, max_size=20))
def test_any_text_round_trips_or_is_cleaned_never_lost(
    tmp_path: Path, command: str, output: str, lines: list[str]
) -> None:
    store = Store.open(path=tmp_path / "garbage.db")
    try:
        sid = make_session(store, "g")
        store.record_command(sid, CommandRecord(command, datetime.now(UTC), 0, output=output))
        store.save_screen(sid, lines)
        assert store.flush()
        assert store.writer.stats.failed == 0, store.writer.last_error
        [stored] = store.history(sid)
        assert stored.record.command == _clean(command)
        assert stored.record.output == _clean(output)
        screen = store.load_screen(sid)
        expected = [_clean(line).rstrip() for line in lines]
        while expected and not expected[-1]:
            expected.pop()
        assert screen is not None and screen.lines == expected
    finally:
        store.close()
        (tmp_path / "garbage.db").unlink()
