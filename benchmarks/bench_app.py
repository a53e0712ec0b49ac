"""Benchmarks 2 and 3: the running app end to end, against baselines measured in the same run.

    python benchmarks/bench_app.py            # 4 streams of 10 MB, 5 runs; 200 keys
    python benchmarks/bench_app.py --quick    # 2 MB streams, 3 runs; 60 keys
    python benchmarks/bench_app.py --streams plain --size-mb 20 --skip-keys

2. End to end: `cat` of each stream of `benchmarks/streams.py` (plain log, SGR-heavy colour,
   full-screen repaint traffic, wide characters) in a 160x48 pane of the real app (headless
   `run_test`) until its last line has been rendered by the pane, vs the emulator alone parsing
   the same bytes, vs the same `cat` in a detached 160x48 tmux pane (until `capture-pane` shows
   the last line). One run of each first is not counted (imports, caches, starting the output
   relay); tmux runs on a server of its own, stopped after each run.
3. Keystroke echo latency: a key posted to the app -> the pane rendering the character (the PTY's
   echo of `cat`), p50/p99, idle and while three other panes run `yes`. The time is taken in the
   pane's `render_line`, not when the benchmark's own task next wakes up.
4. Interrupt latency: Ctrl+C into a shell pane running `yes` -> its prompt drawn again, vs the same
   in a detached tmux pane (until `capture-pane` shows the prompt).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual import events
from textual.strip import Strip

from aisession_tui.core.config import SessionConfig
from aisession_tui.terminal import Emulator
from aisession_tui.ui.app import AppOptions, SupervisorApp
from aisession_tui.ui.widgets.terminal_pane import TerminalPane
from benchmarks.streams import STREAMS

COLUMNS, LINES = 160, 48
# One title line above the pane and the footer below it.
APP_SIZE = (COLUMNS, LINES + 2)
MARKER = "END-OF-STREAM-4f9c2a"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def watch_rendering(pane: TerminalPane, seen: Callable[[str], None]) -> None:
    """Report every line the pane renders (wrapping its `render_line`)."""
    original = pane.render_line

    def render_line(y: int) -> Strip:
        strip = original(y)
        seen(strip.text)
        return strip

    pane.render_line = render_line  # type: ignore[method-assign]


def app_for(*configs: SessionConfig) -> SupervisorApp:
    return SupervisorApp(list(configs), options=AppOptions(panels=(), control=False))


# -- 2. end to end -------------------------------------------------------------------------------


def emulator_only(data: bytes) -> float:
    emulator = Emulator(COLUMNS, LINES)
    chunk = 64 * 1024
    start = time.perf_counter()
    for offset in range(0, len(data), chunk):
        emulator.feed(data[offset : offset + chunk])
    return time.perf_counter() - start


async def app_cat(path: Path) -> float:
    """Seconds from starting `cat` in a pane until the pane has rendered the stream's last line."""
    config = SessionConfig(name="cat", shell_command=f"cat {path}; exec sleep 600")
    app = app_for()
    async with app.run_test(size=APP_SIZE) as pilot:
        done = asyncio.Event()
        finished_at: list[float] = []

        def seen(text: str) -> None:
            if MARKER in text and not done.is_set():
                finished_at.append(time.perf_counter())
                done.set()

        start = time.perf_counter()
        live = await app.add_session(config)
        pane = app.main.pane_grid.frames[0].terminal
        watch_rendering(pane, seen)
        await asyncio.wait_for(done.wait(), timeout=300)
        assert (pane.size.width, pane.size.height) == (COLUMNS, LINES), pane.size
        assert live.emulator.columns == COLUMNS
        await app.shutdown()
        await pilot.pause()
    return finished_at[0] - start


#: A tmux server of the benchmark's own, without the person's configuration.
TMUX_SOCKET = f"aisession-bench-{os.getpid()}"
TMUX = ["tmux", "-L", TMUX_SOCKET, "-f", "/dev/null"]


def end_tmux() -> None:
    """Stop the benchmark's tmux server and let it go, so it does not eat into the next run."""
    subprocess.run([*TMUX, "kill-server"], check=False, capture_output=True)
    folder = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
    (folder / TMUX_SOCKET).unlink(missing_ok=True)
    time.sleep(0.3)


def tmux_cat(path: Path) -> float:
    """Seconds until a detached 160x48 tmux pane shows the stream's last line."""
    name = f"bench-{time.monotonic_ns()}"
    start = time.perf_counter()
    subprocess.run(
        [
            *TMUX,
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            str(COLUMNS),
            "-y",
            str(LINES),
            f"cat {path}; sleep 600",
        ],
        check=True,
    )
    try:
        while True:
            shown = subprocess.run(
                [*TMUX, "capture-pane", "-p", "-t", name], capture_output=True, text=True
            ).stdout
            if MARKER in shown:
                return time.perf_counter() - start
            time.sleep(0.005)
    finally:
        end_tmux()


# -- 3. keystroke echo ---------------------------------------------------------------------------


async def echo_latencies(keys: int, flooders: int) -> tuple[list[float], list[float]]:
    """Milliseconds from posting a key to the pane rendering its echo, and to the benchmark's
    task waking up after that (one more trip round a loop that may be busy with floods)."""
    configs = [SessionConfig(name="typing", shell_command="stty -icanon; exec cat >/dev/null")]
    configs += [SessionConfig(name=f"yes{n}", shell_command="yes") for n in range(flooders)]
    app = app_for(*configs)
    latencies: list[float] = []
    woken: list[float] = []
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause(1.0)
        typing = next(live for live in app.lives.values() if live.name == "typing")
        app.focus_session(typing.session.id.uuid.hex)
        await pilot.pause(0.5)
        pane = app.main.pane_grid.frames[0].terminal
        expected = {"text": None}
        seen_at = asyncio.Event()
        shown: list[float] = []

        def seen(text: str) -> None:
            if (
                expected["text"] is not None
                and not seen_at.is_set()
                and text.rstrip().endswith(expected["text"])
            ):
                shown.append(time.perf_counter())  # the moment the pane rendered it
                seen_at.set()

        watch_rendering(pane, seen)
        typed = ""
        for index in range(keys):
            if len(typed) >= pane.size.width - 10:
                app.post_message(events.Key("enter", "\r"))
                await pilot.pause(0.05)
                typed = ""
            char = "abcdefghijklmnopqrstuvwxyz"[index % 26]
            typed += char
            expected["text"] = typed
            seen_at.clear()
            start = time.perf_counter()
            app.post_message(events.Key(char, char))
            await asyncio.wait_for(seen_at.wait(), timeout=10)
            latencies.append((shown[-1] - start) * 1000)
            woken.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.01)
        await app.shutdown()
    return latencies, woken


# -- 4. interrupt --------------------------------------------------------------------------------

PROMPT = "BENCH-PROMPT>"
SHELL = f"env PS1='{PROMPT} ' HISTFILE=/dev/null bash --norc --noprofile"


async def app_interrupt() -> float:
    """Seconds from Ctrl+C into a pane flooding with `yes` until the pane draws the prompt."""
    app = app_for(SessionConfig(name="shell", shell_command=SHELL))
    async with app.run_test(size=APP_SIZE) as pilot:
        pane = app.main.pane_grid.frames[0].terminal
        prompted = asyncio.Event()
        interrupted = {"at": 0.0}
        drawn: list[float] = []

        def seen(text: str) -> None:
            if text.strip() == PROMPT:
                if interrupted["at"] and not drawn:
                    drawn.append(time.perf_counter())
                prompted.set()

        watch_rendering(pane, seen)
        # The shell may have drawn its prompt before the watch began: draw every row again, so
        # a prompt already on screen is seen too (not waited for until the timeout).
        pane.refresh()
        await asyncio.wait_for(prompted.wait(), timeout=30)
        for char in "yes":
            app.post_message(events.Key(char, char))
        app.post_message(events.Key("enter", "\r"))
        await pilot.pause(1.5)  # the flood is on: the pane is behind, the child blocked
        prompted.clear()
        interrupted["at"] = time.perf_counter()
        app.post_message(events.Key("ctrl+c", "\x03"))
        await asyncio.wait_for(prompted.wait(), timeout=30)
        await app.shutdown()
    return drawn[0] - interrupted["at"]


def tmux_interrupt() -> float:
    """The same in a detached tmux pane of the same size."""
    name = f"bench-{time.monotonic_ns()}"
    subprocess.run(
        [*TMUX, "new-session", "-d", "-s", name, "-x", str(COLUMNS), "-y", str(LINES), SHELL],
        check=True,
    )

    def bottom_prompt() -> bool:
        shown = subprocess.run(
            [*TMUX, "capture-pane", "-p", "-t", name], capture_output=True, text=True
        ).stdout.rstrip("\n")
        return shown.splitlines()[-1:] == [PROMPT] if shown else False

    try:
        while not bottom_prompt():
            time.sleep(0.01)
        subprocess.run([*TMUX, "send-keys", "-t", name, "yes", "Enter"], check=True)
        time.sleep(1.5)
        start = time.perf_counter()
        subprocess.run([*TMUX, "send-keys", "-t", name, "C-c"], check=True)
        while not bottom_prompt():
            time.sleep(0.005)
        return time.perf_counter() - start
    finally:
        end_tmux()


def end_to_end(name: str, size: int, runs: int, have_tmux: bool) -> None:
    """Time `cat` of one stream: the emulator alone, the app, tmux; interleaved, medians."""
    data = STREAMS[name](size) + f"\x1b[0m\r\n{MARKER}\r\n".encode()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.log"
        # A file as programs write it, LF-terminated: the terminal's ONLCR turns it into the
        # CR LF stream the emulator-alone run parses, byte for byte.
        path.write_bytes(data.replace(b"\r\n", b"\n"))
        emu, app, tmux = [], [], []
        emulator_only(data)  # warm-up, not counted: imports, caches, the output relay's start
        asyncio.run(app_cat(path))
        for _ in range(runs):
            emu.append(emulator_only(data))
            app.append(asyncio.run(app_cat(path)))
            if have_tmux:
                tmux.append(tmux_cat(path))
    mb = len(data) / 1e6
    emu_s, app_s = statistics.median(emu), statistics.median(app)
    print(f"End to end: cat of {mb:.1f} MB {name} in a {COLUMNS}x{LINES} pane, median of {runs}")
    for label, times in (("emulator", emu), ("app", app), ("tmux", tmux)):
        if times:
            print(f"  ({label} runs: {', '.join(f'{t:.2f}' for t in times)} s)")
    print(f"  emulator only      {emu_s:7.2f} s  {mb / emu_s:6.1f} MB/s")
    print(
        f"  app (pane shows)   {app_s:7.2f} s  {mb / app_s:6.1f} MB/s"
        f"   app/emulator {app_s / emu_s:.2f}x"
    )
    if tmux:
        tmux_s = statistics.median(tmux)
        print(
            f"  tmux               {tmux_s:7.2f} s  {mb / tmux_s:6.1f} MB/s"
            f"   app/tmux {app_s / tmux_s:.2f}x"
        )
    else:
        print("  tmux               not installed: skipped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 MB streams, 3 runs, 60 keys")
    parser.add_argument(
        "--streams",
        default=",".join(STREAMS),
        help=f"comma-separated streams to cat (default: {','.join(STREAMS)})",
    )
    parser.add_argument("--size-mb", type=float, default=None, help="stream size (default 10)")
    parser.add_argument(
        "--skip-keys", action="store_true", help="only the cat runs: no Ctrl+C or key echo"
    )
    args = parser.parse_args(argv)
    streams = [name.strip() for name in args.streams.split(",") if name.strip()]
    unknown = [name for name in streams if name not in STREAMS]
    if unknown or not streams:
        parser.error(f"--streams: unknown {', '.join(unknown) or '(none)'}; have {list(STREAMS)}")
    if args.size_mb is not None and not 0 < args.size_mb <= 1000:
        parser.error("--size-mb must be in (0, 1000]")
    size = int((args.size_mb or (2 if args.quick else 10)) * 1e6)
    runs = 3 if args.quick else 5
    keys = 60 if args.quick else 200
    have_tmux = shutil.which("tmux") is not None
    for name in streams:
        end_to_end(name, size, runs, have_tmux)
    if args.skip_keys:
        return 0

    app_ms = statistics.median(asyncio.run(app_interrupt()) for _ in range(runs)) * 1000
    line = f"\nCtrl+C into `yes`, until the prompt is drawn, median of {runs}: app {app_ms:.0f} ms"
    if have_tmux:
        tmux_ms = statistics.median(tmux_interrupt() for _ in range(runs)) * 1000
        line += f", tmux {tmux_ms:.0f} ms, app/tmux {app_ms / tmux_ms:.2f}x"
    print(line)

    print(f"\nKeystroke echo latency, {keys} keys (ms)")
    print(f"  {'load':24} {'p50':>7} {'p99':>7} {'max':>7}   (benchmark task awake: p50, p99)")
    for label, flooders in (("idle", 0), ("3 panes running yes", 3)):
        values, woken = asyncio.run(echo_latencies(keys, flooders))
        print(
            f"  {label:24} {percentile(values, 0.5):7.1f} {percentile(values, 0.99):7.1f} "
            f"{max(values):7.1f}   ({percentile(woken, 0.5):.1f}, {percentile(woken, 0.99):.1f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
