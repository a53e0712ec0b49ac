"""Help and Alt+N with twenty sessions: this install against another, in interleaved rounds.

    python benchmarks/bench_keys.py --baseline /path/to/other/venv/bin/aisession-tui
    python benchmarks/bench_keys.py --baseline ... --busy     # the 20 writers as fast as they may

Each round starts each app in turn (the one beside this interpreter, then the baseline) in a
private tmux server with `bench_many.py`'s typist and 20 writers, and measures prefix `?` and
Alt+N the same way (send-keys until capture-pane shows the change). The machine may be shared:
rounds interleave the two apps so that both see the same load, and the ratios are what to read.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import bench_many as many


def measure(program: str, args: argparse.Namespace, folder: Path) -> dict[str, list[float]]:
    """One app's help and Alt+N latencies (ms), its writers idle or busy."""
    many.app_program = lambda: program  # start_app starts `app_program()`
    writers = many.Writers(folder / "writers", args.writers)
    sessions = [("typist", "cat")] + [(f"w{tag}", writers.command(tag)) for tag in writers.tags]
    tmux = many.Tmux("bench-keys")
    try:
        many.start_app(tmux, folder / "app", sessions, args)
        tmux.wait(
            "app",
            lambda s: (
                len(set(many.READY.findall(s))) == args.writers and many.focused(s) == "typist"
            ),
            "every writer's ready line",
            within=180,
        )
        time.sleep(3)  # let start-up work settle
        if args.busy:
            writers.go.touch()
            time.sleep(5)
        return {
            "help": many.help_latency(tmux, "app", args.samples),
            "alt": many.alt_latency(tmux, "app", [name for name, _ in sessions], args.samples),
        }
    finally:
        writers.go.touch()
        tmux.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", required=True, help="the other install's aisession-tui")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--samples", type=int, default=6, help="help and Alt+N samples a round")
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--busy", action="store_true", help="writers as fast as they may")
    parser.add_argument("--width", type=int, default=240)
    parser.add_argument("--height", type=int, default=60)
    parser.add_argument("--scrollback", type=int, default=10_000)
    args = parser.parse_args(argv)
    programs = {"this": many.app_program(), "baseline": args.baseline}
    found: dict[str, dict[str, list[float]]] = {name: {"help": [], "alt": []} for name in programs}
    for round_number in range(1, args.rounds + 1):
        for name, program in programs.items():
            with tempfile.TemporaryDirectory(
                prefix="bench-keys-", ignore_cleanup_errors=True
            ) as folder:
                result = measure(program, args, Path(folder))
            for what, values in result.items():
                found[name][what] += values
            print(f"round {round_number} {name:8}: help {many.summary(result['help'])}")
    phase = "busy" if args.busy else "idle"
    print(f"\n== {args.writers} writers ({phase}) + typist, {args.width}x{args.height} ==")
    for what, label in (("help", "help (prefix ?)"), ("alt", "Alt+N")):
        for name in programs:
            print(f"{label:16} {name:8} {many.summary(found[name][what])}")
        this, base = (many.percentile(found[name][what], 0.5) for name in programs)
        print(f"{label:16} p50 this/baseline {this / max(base, 1e-9):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
