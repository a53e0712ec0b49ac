"""`python -m aisession_tui.demo <agent> [--speed X] [--seed N] [--script-only]`."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Callable, Sequence

from . import AGENTS
from .runtime import EndOfInput, Hangup, Runtime

__all__ = ["main"]


def _agents() -> dict[str, Callable[[Runtime], None]]:
    from . import builder, reviewer, shell_like, tester

    return {
        "builder": builder.run,
        "tester": tester.run,
        "reviewer": reviewer.run,
        "shell-like": shell_like.run,
    }


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("speed must be a finite number >= 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m aisession_tui.demo",
        description="Run a scripted demo agent that looks like an AI coding agent at work.",
    )
    parser.add_argument("agent", choices=AGENTS, help="which agent to run")
    parser.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        help="pace multiplier (2 = twice as fast); 0 = deterministic: no waits, rounds on Enter",
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument(
        "--script-only",
        action="store_true",
        help="deterministic mode: seed 0 unless given, no waits, each round printed at once, "
        "the next round when a line arrives on stdin; end of file ends the agent",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    runtime = Runtime(speed=args.speed, seed=args.seed, script_only=args.script_only)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    # Ctrl+C must interrupt the agent even if whoever started it ignored SIGINT (`&`, nohup).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _agents()[args.agent](runtime)
    except (EndOfInput, Hangup):
        return 0
    except KeyboardInterrupt:
        with contextlib.suppress(Hangup, OSError):
            runtime.write("\n")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
