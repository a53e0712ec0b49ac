"""A writer of coloured agent-shaped output for the many-sessions benchmark (`bench_many.py`).

    python benchmarks/agent_lines.py --tag 07 --counts DIR/07 --go DIR/go [--rate BYTES_PER_S]
    python benchmarks/agent_lines.py ... --lines-per-second LINES   # a line rate instead

Prints `s07 ready`, waits (quietly) until the file `--go` exists, then writes lines like those
agents and builds print — pytest progress and results, gcc diagnostics, tool calls and their
output, diffs — each in colour and each starting with `s07#<line number>`, so a screen capture
shows how far this writer's output has been drawn. `--rate 0` writes as fast as the terminal
takes it (blocking writes: a reader that lags makes this writer wait). Every half second it
overwrites `--counts` with "<bytes written> <lines written>", so the benchmark can count what
each pane consumed without reading the terminal.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

_GREEN, _RED, _YELLOW, _CYAN, _BOLD, _DIM, _RESET = (
    "\x1b[32m",
    "\x1b[31m",
    "\x1b[33m",
    "\x1b[36m",
    "\x1b[1m",
    "\x1b[2m",
    "\x1b[0m",
)
_FILES = ["core/session.py", "terminal/screen.py", "ui/app.py", "store/db.py", "ai/tokens.py"]
_WORDS = ["render", "parse", "session", "buffer", "token", "flush", "socket", "cache", "retry"]


def _templates(rng: random.Random) -> list[str]:
    """A pool of agent-shaped line bodies (each ends with a reset, as tools leave colour)."""
    pool: list[str] = []
    for _ in range(400):
        path = rng.choice(_FILES)
        word = rng.choice(_WORDS)
        line = rng.randint(1, 900)
        kind = rng.random()
        if kind < 0.3:
            status = rng.choice((f"{_GREEN}PASSED", f"{_GREEN}PASSED", f"{_RED}FAILED"))
            pool.append(
                f"tests/{path}::test_{word}_{line} {status}{_RESET} "
                f"{_DIM}[{rng.randint(0, 100):3d}%]{_RESET}"
            )
        elif kind < 0.5:
            level = rng.choice((f"{_YELLOW}warning", f"{_RED}error"))
            pool.append(
                f"{_BOLD}src/{path[:-3]}.c:{line}:{rng.randint(1, 80)}:{_RESET} "
                f"{_BOLD}{level}:{_RESET} unused variable '{_BOLD}{word}{_RESET}' "
                f"[{_YELLOW}-Wunused-variable{_RESET}]"
            )
        elif kind < 0.7:
            pool.append(
                f"{_GREEN}\u23fa{_RESET} {_BOLD}Bash{_RESET}({_CYAN}pytest -q tests/{path}"
                f"{_RESET}) {_DIM}\u23bf  {rng.randint(1, 300)} passed in "
                f"{rng.random() * 9:.2f}s{_RESET}"
            )
        elif kind < 0.85:
            sign, colour = rng.choice((("+", _GREEN), ("-", _RED)))
            pool.append(f"{colour}{sign}    self.{word} = {word}_{line}(){_RESET}")
        else:
            pool.append(
                f"\x1b[38;5;{rng.randint(16, 231)}m{_BOLD}Read{_RESET}({path}) "
                f"\x1b[38;2;{rng.randint(0, 255)};{rng.randint(0, 255)};200m{line} lines"
                f"{_RESET}"
            )
    return pool


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tag", required=True, help="two characters naming this writer")
    parser.add_argument("--counts", type=Path, required=True, help="file for the byte count")
    parser.add_argument("--go", type=Path, required=True, help="start writing once this exists")
    parser.add_argument("--rate", type=float, default=0.0, help="bytes per second (0: no limit)")
    parser.add_argument(
        "--lines-per-second", type=float, default=0.0, help="a line rate instead of --rate"
    )
    args = parser.parse_args(argv)

    out = sys.stdout.fileno()
    os.write(out, f"s{args.tag} ready\r\n".encode())
    while not args.go.exists():  # a benchmark's child: a plain sleep loop is fine here
        time.sleep(0.05)
    pool = _templates(random.Random(args.tag))
    written = lines = 0
    started = last_report = time.monotonic()
    batch = 64 if args.rate <= 0 and args.lines_per_second <= 0 else 4
    while True:
        chunk = "".join(
            f"s{args.tag}#{lines + i:08d} {pool[(lines + i) % len(pool)]}\n" for i in range(batch)
        ).encode()
        view = memoryview(chunk)
        while view:  # blocking writes: they wait while the terminal's reader lags
            view = view[os.write(out, view) :]
        written += len(chunk)
        lines += batch
        now = time.monotonic()
        if now - last_report >= 0.5:
            tmp = args.counts.with_suffix(".tmp")
            tmp.write_text(f"{written} {lines}")
            tmp.replace(args.counts)
            last_report = now
        if args.rate > 0 or args.lines_per_second > 0:
            due = written / args.rate if args.rate > 0 else lines / args.lines_per_second
            ahead = due - (now - started)
            if ahead > 0:
                time.sleep(ahead)


if __name__ == "__main__":
    raise SystemExit(main())
