"""The app with a memory probe, for `soak.py --tracemalloc` / `--objects`: SIGUSR1 writes one.

    python benchmarks/soak_traced.py tracemalloc|objects FOLDER [aisession-tui arguments...]

`tracemalloc` traces every allocation from the start (slow: the app falls behind its writers);
`objects` costs nothing until asked, then counts the live objects by type and measures the
largest containers. Each SIGUSR1 writes FOLDER/<n>.snapshot (n = 1, 2, ...), written under
another name and renamed, so a reader never loads half a file. Kept out of the app: only the
soak needs it.
"""

from __future__ import annotations

import collections
import gc
import json
import signal
import sys
import tracemalloc
from pathlib import Path
from types import FrameType

from aisession_tui.entry import main


def object_census() -> dict[str, object]:
    """Live objects by type, and the 30 largest lists, dicts, deques and sets by length."""
    objects = gc.get_objects()
    counts = collections.Counter(type(o).__qualname__ for o in objects)
    sized = [o for o in objects if isinstance(o, list | dict | set | collections.deque)]
    sized.sort(key=len, reverse=True)
    largest = []
    for container in sized[:30]:
        referrers = [type(r).__qualname__ for r in gc.get_referrers(container) if r is not objects][
            :3
        ]
        sample = next(iter(container), None)
        largest.append(
            {
                "type": type(container).__qualname__,
                "len": len(container),
                "sample": type(sample).__qualname__,
                "held_by": referrers,
            }
        )
    return {"counts": dict(counts.most_common(60)), "largest": largest}


def install(mode: str, folder: Path) -> None:
    taken = [0]

    def write_snapshot(signum: int, frame: FrameType | None) -> None:
        taken[0] += 1
        path = folder / f"{taken[0]}.snapshot"
        partial = path.with_suffix(".partial")
        if mode == "tracemalloc":
            tracemalloc.take_snapshot().dump(str(partial))
        else:
            partial.write_text(json.dumps(object_census()))
        partial.replace(path)

    signal.signal(signal.SIGUSR1, write_snapshot)


if __name__ == "__main__":
    mode, folder = sys.argv[1], Path(sys.argv[2])
    if mode == "tracemalloc":
        tracemalloc.start(12)
    install(mode, folder)
    sys.argv = ["aisession-tui", *sys.argv[3:]]
    raise SystemExit(main())
