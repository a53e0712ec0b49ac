"""The emulator's optional compiled fast path (`_speedups.c`; see `sequence_runs.py`)."""

from typing import Any

SOURCE_DIGEST: str

def scan_run(data: str, offset: int, /) -> int: ...
def draw_groups(
    screen: Any, data: str, offset: int, stop: int, state: Any, context: tuple[Any, ...], /
) -> tuple[int, Any]: ...
def line_spans(line: str, state: Any, /) -> tuple[list[Any], int, str, Any] | None: ...
