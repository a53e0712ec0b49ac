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
import ctypes
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
    sizes: collections.Counter[str] = collections.Counter()
    held: collections.Counter[str] = collections.Counter()
    seen: set[int] = set()
    for o in objects:
        holder = type(o).__qualname__
        sizes[holder] += sys.getsizeof(o)
        for part in gc.get_referents(o):
            if type(part) in (str, bytes, bytearray) and id(part) not in seen:
                seen.add(id(part))
                held[holder] += sys.getsizeof(part)
    del objects, sized, seen
    return {
        "counts": dict(counts.most_common(60)),
        "largest": largest,
        "sizes": dict(sizes.most_common(40)),
        "held_text": dict(held.most_common(40)),
        "gc_counts": gc.get_count(),
        "gc_stats": gc.get_stats(),
        "rss_before_collect": rss_kb(),
        "garbage": garbage_census(),
        "rss_after_collect": rss_kb(),
        "rss_after_trim": trimmed_rss_kb(),
    }


def trimmed_rss_kb() -> int:
    """RSS once the C allocator has handed its free pages back (glibc `malloc_trim`): what it
    drops is fragmentation, not live memory."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return 0
    return rss_kb()


def garbage_census() -> dict[str, object]:
    """Collect every generation, and count what was cyclic garbage by type, with for a few of
    the most common types what else in the garbage refers to one of them (the cycle's shape)."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        collected = gc.collect()
        garbage = list(gc.garbage)
        gc.garbage.clear()
    finally:
        gc.set_debug(0)
    counts = collections.Counter(type(o).__qualname__ for o in garbage)
    ids = {id(o) for o in garbage}
    shapes = {}
    for name, _ in counts.most_common(8):
        sample = next(o for o in garbage if type(o).__qualname__ == name)
        shapes[name] = [
            f"{type(r).__qualname__}:{_short(r)}" for r in gc.get_referrers(sample) if id(r) in ids
        ][:6]
    del garbage
    return {"collected": collected, "types": dict(counts.most_common(25)), "shapes": shapes}


def _short(value: object) -> str:
    if isinstance(value, dict):
        return ",".join(map(str, list(value)[:6]))
    if isinstance(value, (list, tuple)):
        return ",".join(type(v).__qualname__ for v in value[:6])
    return type(value).__qualname__


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


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
