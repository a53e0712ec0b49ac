"""`reviewer`: a code-review agent drawn like Claude Code, which stops to ask before editing.

Each round: a boxed header, a thinking spinner with a token counter, tool-use lines, findings, a
boxed diff, a token summary, then `Apply these changes? [y/N]` and a blocking read of stdin. The
answer decides the result line; then the next round starts. This is the session a supervisor
must notice waiting for input.
"""

from __future__ import annotations

from dataclasses import dataclass

from .ansi import BOLD, CLEAR_LINE, DIM, GREEN, GREY, ORANGE, RED, paint
from .runtime import Runtime

__all__ = ["PROMPT", "run"]

PROMPT = "Apply these changes? [y/N] "


@dataclass(frozen=True, slots=True)
class Review:
    """One review: what was asked, what was read, the findings and the proposed diff."""

    request: str
    file: str
    lines_read: int
    findings: tuple[str, ...]
    diff: tuple[tuple[int, str], ...]
    tests: int


REVIEWS = (
    Review(
        "Review the rate limiter on branch feature/rate-limit",
        "src/acme/ratelimit.py",
        128,
        (
            "`TokenBucket.take()` reads and writes `self.tokens` without holding the lock; two "
            "requests can both pass when one token is left.",
            "`_refill()` uses `time.time()`; a clock step backwards makes the bucket negative. "
            "`time.monotonic()` is the right clock.",
            "The 429 response lacks `Retry-After`, so well-behaved clients retry immediately.",
        ),
        (
            (51, "     def take(self, n: int = 1) -> bool:"),
            (52, "-        self._refill()"),
            (52, "+        with self._lock:"),
            (53, "+            self._refill()"),
            (54, "-        if self.tokens >= n:"),
            (54, "+            if self.tokens < n:"),
            (55, "+                return False"),
            (56, "             self.tokens -= n"),
            (57, "-            return True"),
            (57, "+        return True"),
        ),
        12,
    ),
    Review(
        "Check the new CSV export for injection and encoding bugs",
        "src/acme/export.py",
        86,
        (
            "Cells starting with `=`, `+`, `-` or `@` are written as-is: a spreadsheet runs them "
            "as formulas (CSV injection).",
            "The file is opened without `newline=''`, so rows get doubled line ends on Windows.",
        ),
        (
            (22, '-    with open(path, "w") as handle:'),
            (22, '+    with open(path, "w", newline="", encoding="utf-8") as handle:'),
            (30, "-        writer.writerow(row)"),
            (30, "+        writer.writerow([neutralise(cell) for cell in row])"),
        ),
        7,
    ),
    Review(
        "Look over the retry helper before we ship it",
        "src/acme/retry.py",
        54,
        (
            "Retries on every exception, including `KeyboardInterrupt` via a bare `except:`.",
            "The backoff has no jitter, so a fleet of clients retries in lock-step.",
        ),
        (
            (18, "-        except:"),
            (18, "+        except RETRYABLE as exc:"),
            (21, "-            time.sleep(delay)"),
            (21, "+            time.sleep(delay * random.uniform(0.5, 1.5))"),
        ),
        9,
    ),
)


def run(rt: Runtime) -> None:
    """Review forever, asking before each edit; EOF on stdin ends the agent."""
    banner(rt)
    round_no = 0
    while True:
        review = REVIEWS[round_no % len(REVIEWS)]
        answer = review_round(rt, review)
        conclude(rt, review, answer)
        round_no += 1
        rt.pause(rt.rng.uniform(4.0, 9.0))


def box(rt: Runtime, rows: list[str], width: int, colour: int | str = GREY) -> None:
    """A rounded box; rows are plain text, cut or padded to fit."""
    inner = width - 4
    rt.line(paint("╭" + "─" * (width - 2) + "╮", colour))
    for row in rows:
        text = row if len(row) <= inner else row[: inner - 1] + "…"
        rt.line(paint("│ ", colour) + text.ljust(inner) + paint(" │", colour))
    rt.line(paint("╰" + "─" * (width - 2) + "╯", colour))


def banner(rt: Runtime) -> None:
    width = min(rt.width, 72)
    box(
        rt,
        ["✻ Welcome to the reviewer demo agent!", "", "  cwd: /home/demo/projects/acme-api"],
        width,
        ORANGE,
    )
    rt.line()


def tokens(count: int) -> str:
    """Claude Code's compact counts: 812, 1.2k, 14.3k."""
    return f"{count / 1000:.1f}k" if count >= 1000 else str(count)


def wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


def review_round(rt: Runtime, review: Review) -> str:
    """Print one review up to the question; return the answer line."""
    width = min(rt.width, 100)
    rt.line(paint("> ", BOLD) + review.request)
    rt.line()
    input_tokens = rt.rng.randint(2400, 9000)
    output_tokens = rt.rng.randint(300, 1400)
    frames = 10
    for frame in range(frames):
        seconds = 1 + frame // 3
        shown = (input_tokens * (frame + 1)) // frames
        verb = ("Pondering", "Reasoning", "Reviewing")[frame % 3]
        status = f"({seconds}s · ↑ {tokens(shown)} tokens · esc to interrupt)"
        status = status[: max(0, rt.columns - 1 - len(f"✻ {verb}… "))]  # redrawn in place: fit
        rt.write(CLEAR_LINE + paint(f"✻ {verb}… ", ORANGE) + paint(status, DIM))
        rt.pause(0.35)
    rt.write(CLEAR_LINE)
    rt.line(paint("● ", GREEN) + paint("Read", BOLD) + f"({review.file})")
    rt.line(paint("  ⎿  ", GREY) + f"Read {review.lines_read} lines")
    rt.line()
    rt.line(paint("● ", BOLD) + f"I found {len(review.findings)} issues in {review.file}:")
    rt.line()
    for number, finding in enumerate(review.findings, start=1):
        wrapped = wrap(finding, width - 7)
        rt.line(f"  {number}. {wrapped[0]}")
        for rest in wrapped[1:]:
            rt.line(f"     {rest}")
        rt.pause(0.2)
    rt.line()
    rt.line(paint("● ", ORANGE) + paint("Update", BOLD) + f"({review.file})")
    diff_width = min(width - 2, 84)
    inner = diff_width - 4
    rt.line("  " + paint("╭" + "─" * (diff_width - 2) + "╮", GREY))
    for text in (review.file, ""):
        rt.line("  " + paint("│ ", GREY) + text.ljust(inner) + paint(" │", GREY))
    for number, change in review.diff:
        row = f"{number:4d} {change}"
        row = row if len(row) <= inner else row[: inner - 1] + "…"
        colour = GREEN if change.startswith("+") else RED if change.startswith("-") else None
        body = paint(row.ljust(inner), colour) if colour else row.ljust(inner)
        rt.line("  " + paint("│ ", GREY) + body + paint(" │", GREY))
    rt.line("  " + paint("╰" + "─" * (diff_width - 2) + "╯", GREY))
    rt.line()
    used = (input_tokens + output_tokens) * 100 // 200_000
    rt.line(
        paint(
            f"  Tokens: {input_tokens:,} in · {output_tokens:,} out · "
            f"total {input_tokens + output_tokens:,} · context {max(used, 1)}% used",
            DIM,
        )
    )
    rt.write(paint("? ", BOLD, ORANGE) + PROMPT)
    return rt.read_line()


def conclude(rt: Runtime, review: Review, answer: str) -> None:
    """React to the answer: y/yes applies, anything else (the default) discards."""
    if answer.strip().lower() in {"y", "yes"}:
        edits = sum(1 for _, change in review.diff if change.startswith("+"))
        rt.line(paint("● ", GREEN) + f"Applied {edits} edits to {review.file}")
        rt.spin("running the tests", 1.2, frames=6)
        rt.line(paint("  ⎿  ", GREY) + paint(f"{review.tests} passed", GREEN))
    else:
        rt.line(paint("● ", RED) + "Changes discarded; the code is unchanged.")
    rt.line()
