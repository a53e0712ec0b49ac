"""Deterministic terminal output streams for the benchmarks (fixed seed, sizes in bytes).

Each generator returns bytes shaped like what a real program writes to a PTY (CRLF line ends):

- `plain_log`: log lines, as `tail -f` or a build prints them.
- `sgr_heavy`: coloured output (ls --color, pytest, git log --graph): SGR every few words,
  16/256/truecolor.
- `repaint`: full-screen program traffic (htop/vim-like): cursor addressing, erase, scroll regions,
  reverse index, attribute changes.
- `wide_utf8`: UTF-8 text mixing CJK (width 2), emoji, accented Latin and combining marks.
"""

from __future__ import annotations

import random
from collections.abc import Callable

__all__ = ["STREAMS", "plain_log", "repaint", "sgr_heavy", "wide_utf8"]

_WORDS = [
    "request",
    "handled",
    "worker",
    "cache",
    "miss",
    "retry",
    "session",
    "token",
    "agent",
    "build",
    "compile",
    "test",
    "passed",
    "failed",
    "module",
    "import",
    "config",
    "update",
    "stream",
    "parse",
    "render",
    "socket",
    "buffer",
    "flush",
    "commit",
]
_LEVELS = ("INFO", "DEBUG", "WARN", "ERROR", "TRACE")


def _fill(rng: random.Random, size: int, make: Callable[[random.Random], bytes]) -> bytes:
    """Build a pool of pieces, then repeat random picks from it up to `size` bytes."""
    pool = [make(rng) for _ in range(2000)]
    out: list[bytes] = []
    total = 0
    while total < size:
        piece = pool[rng.randrange(len(pool))]
        out.append(piece)
        total += len(piece)
    return b"".join(out)[:size]


def plain_log(size: int, seed: int = 1) -> bytes:
    """Plain log lines of 40-140 characters."""

    def line(rng: random.Random) -> bytes:
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 16)))
        text = (
            f"2026-11-25 12:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}."
            f"{rng.randint(0, 999):03d} {rng.choice(_LEVELS):5} [worker-{rng.randint(1, 16)}] "
            f"{words} id={rng.getrandbits(32):08x}"
        )
        return text.encode() + b"\r\n"

    return _fill(random.Random(seed), size, line)


def sgr_heavy(size: int, seed: int = 2) -> bytes:
    """Lines where every word or two changes colour or attributes.

    256-colour and truecolor codes come from fixed theme palettes (40 and 24 colours), as
    syntax highlighters (bat, delta) and prompt themes emit them, not a random colour per word.
    """
    theme = random.Random(seed + 100)
    palette_256 = [theme.randint(16, 255) for _ in range(40)]
    palette_rgb = [tuple(theme.randint(0, 255) for _ in range(3)) for _ in range(24)]

    def sgr(rng: random.Random) -> str:
        kind = rng.random()
        if kind < 0.45:
            return f"\x1b[{rng.choice((0, 1, 0, 22))};{rng.randint(30, 37)}m"
        if kind < 0.6:
            return f"\x1b[{rng.randint(90, 97)}m"
        if kind < 0.8:
            return f"\x1b[38;5;{rng.choice(palette_256)}m"
        if kind < 0.9:
            r, g, b = rng.choice(palette_rgb)
            return f"\x1b[38;2;{r};{g};{b}m"
        return rng.choice(("\x1b[0m", "\x1b[4m", "\x1b[7m", "\x1b[3m", "\x1b[m", "\x1b[1;4;31m"))

    def line(rng: random.Random) -> bytes:
        parts = []
        for _ in range(rng.randint(4, 14)):
            parts.append(sgr(rng))
            parts.append(" ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 2))))
            parts.append(" ")
        parts.append("\x1b[0m\r\n")
        return "".join(parts).encode()

    return _fill(random.Random(seed), size, line)


def repaint(size: int, seed: int = 3, columns: int = 160, lines: int = 48) -> bytes:
    """Full-screen redraw traffic for a `columns` x `lines` screen."""

    def frame_piece(rng: random.Random) -> bytes:
        parts: list[str] = []
        kind = rng.random()
        if kind < 0.05:
            parts.append("\x1b[H\x1b[2J")
        elif kind < 0.15:
            top = rng.randint(2, lines // 2)
            bottom = rng.randint(top + 2, lines - 1)
            parts.append(f"\x1b[{top};{bottom}r\x1b[{bottom};1H")
            for _ in range(rng.randint(1, 5)):
                parts.append("\r\n" + " ".join(rng.choice(_WORDS) for _ in range(6)))
            parts.append(f"\x1b[{top};1H\x1bM\x1b[r")
        for _ in range(rng.randint(5, 20)):
            row = rng.randint(1, lines)
            col = rng.randint(1, columns - 30)
            attrs = rng.choice(
                ("\x1b[0m", "\x1b[7m", "\x1b[1;32m", "\x1b[44;37m", "\x1b[38;5;208m")
            )
            text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 4)))
            erase = rng.choice(("", "\x1b[K", "\x1b[1K", f"\x1b[{rng.randint(1, 9)}X"))
            parts.append(f"\x1b[{row};{col}H{attrs}{text}{erase}\x1b[0m")
        parts.append(f"\x1b[{lines};1H\x1b[7m{'status':<{columns - 1}}\x1b[0m")
        return "".join(parts).encode()

    return _fill(random.Random(seed), size, frame_piece)


_CJK = "漢字仮名交じり文中文字符日本語한국어텍스트"
_EMOJI = "🚀✅🔥📦🐍⚡🎉"
_LATIN = "àéîõüçñßøåæ"
_COMBINING = "\u0301\u0308\u0327"


def wide_utf8(size: int, seed: int = 4) -> bytes:
    """Lines mixing ASCII, CJK, emoji, accented letters and combining marks."""

    def line(rng: random.Random) -> bytes:
        parts = []
        for _ in range(rng.randint(4, 12)):
            kind = rng.random()
            if kind < 0.4:
                parts.append("".join(rng.choice(_CJK) for _ in range(rng.randint(2, 8))))
            elif kind < 0.5:
                parts.append(rng.choice(_EMOJI))
            elif kind < 0.7:
                parts.append("".join(rng.choice(_LATIN) for _ in range(rng.randint(2, 6))))
            elif kind < 0.75:
                parts.append("e" + rng.choice(_COMBINING))
            else:
                parts.append(rng.choice(_WORDS))
        return (" ".join(parts) + "\r\n").encode()

    return _fill(random.Random(seed), size, line)


STREAMS: dict[str, Callable[[int], bytes]] = {
    "plain": plain_log,
    "sgr": sgr_heavy,
    "repaint": repaint,
    "wide": wide_utf8,
}
