"""The emulator's optional compiled fast path (`_speedups.c`; see `sequence_runs.py`)."""

from collections.abc import Callable
from typing import Any

SOURCE_DIGEST: str

def scan_run(data: str, offset: int, /) -> int: ...
def draw_groups(
    screen: Any, data: str, offset: int, stop: int, state: Any, context: tuple[Any, ...], /
) -> tuple[int, Any]: ...
def line_spans(
    line: str, state: Any, cell_text: Callable[[str], tuple[str, Any]], /
) -> tuple[list[Any], int, str, Any] | None: ...
def cut_spans(
    spans: list[Any],
    columns: int,
    erase: Any,
    erase_for: Callable[[Any], Any],
    short: str,
    stub: str,
    /,
) -> list[tuple[list[Any], Any, bool | str]]: ...
