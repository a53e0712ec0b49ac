"""Codex's animated sign-in screen, left alone: CPU and state events of emulator + monitor.

Replays the recorded Codex 0.171.0 sign-in stream (tests/ai/fixtures/agents/codex_signin.rec.zst,
50 x 160, the animation looped) at its recorded pace for `--seconds` on a real asyncio loop:
each chunk is fed to the emulator (as the pane does) and to a `SessionMonitor` (real timers,
the shared slicer). Reports CPU seconds (process time, so the share of one core), state
events, and events that the app turns into "waiting" notifications. With `--baseline REF`
(default `main`) the same replay runs against that commit's code too, in a subprocess, so both
figures come from the same run on the same machine (they are noisy on a busy machine: compare
the ratio, not the absolute numbers). "emulator alone" is the pane's share without any monitor.

    python benchmarks/agent_states.py                 # this tree and main, 20 s each
    python benchmarks/agent_states.py --baseline ''   # this tree only
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


async def _replay(seconds: float, with_monitor: bool = True) -> dict[str, float | str]:
    from aisession_tui.ai.monitor import AgentStateChanged, SessionMonitor
    from aisession_tui.ai.state import AgentState
    from aisession_tui.core.config import SessionConfig
    from aisession_tui.core.events import OutputReceived
    from aisession_tui.terminal.emulator import Emulator
    from tests.ai.agent_replay import EventSource, load

    recording = load("codex_signin")
    chunks = [(at, v) for kind, at, v in recording.events if kind == "o" and isinstance(v, bytes)]
    # The animation: from the first frame of the sign-in screen to the last recorded one.
    start = next(i for i, (at, _) in enumerate(chunks) if at >= 2.0)
    loop_part = chunks[start:]
    period = loop_part[-1][0] - loop_part[0][0] + 0.02
    source = EventSource(SessionConfig())
    emulator = Emulator(recording.columns, recording.rows)
    monitor = SessionMonitor(source, emulator) if with_monitor else None
    events = {"state_events": 0, "waiting_events": 0}

    def on_event(event: object) -> None:
        if isinstance(event, AgentStateChanged):
            events["state_events"] += 1
            if event.change.new.state is AgentState.WAITING_FOR_INPUT:
                events["waiting_events"] += 1

    if monitor is not None:
        monitor.subscribe(on_event)
    loop = asyncio.get_running_loop()
    finished = loop.create_future()
    fed = {"bytes": 0}

    def feed(data: bytes) -> None:
        emulator.feed(data)
        source.emit(OutputReceived(source.id, data))
        fed["bytes"] += len(data)

    begin = loop.time()
    for at, data in chunks[:start]:  # the start-up, once
        loop.call_at(begin + at, feed, data)
    offset = chunks[start][0]
    repeat = 0
    while offset + repeat * period < seconds:
        for at, data in loop_part:
            when = at + repeat * period
            if when < seconds:
                loop.call_at(begin + when, feed, data)
        repeat += 1
    loop.call_at(begin + seconds, finished.set_result, None)
    cpu = time.process_time()
    await finished
    cpu = time.process_time() - cpu
    reason = ""
    if monitor is not None:
        monitor.close()
        reason = monitor.state.reason
    return {
        "cpu_seconds": round(cpu, 2),
        "core_share": round(cpu / seconds, 3),
        "mb_fed": round(fed["bytes"] / 1e6, 1),
        **events,
        "final_reason_chars": len(reason),
        "code": str(Path(sys.modules["aisession_tui"].__file__ or "").parent),
    }


def _baseline(ref: str, seconds: float) -> dict[str, float | str]:
    """The same replay against `ref`'s package (the replay helpers come from this tree)."""
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", ref, "aisession_tui"],
            check=True,
            capture_output=True,
        ).stdout
        tar_path = Path(folder) / "code.tar"
        tar_path.write_bytes(archive)
        with tarfile.open(tar_path) as tar:
            tar.extractall(folder, filter="data")
        (Path(folder) / "tests").symlink_to(ROOT / "tests")
        env = dict(os.environ, PYTHONPATH=folder)
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--seconds", str(seconds)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,
        ).stdout
        return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--baseline", default="main", help="git ref to compare with ('' = none)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(_replay(args.seconds))))
        return
    sys.path.insert(0, str(ROOT))
    results = {
        "emulator alone": asyncio.run(_replay(args.seconds, with_monitor=False)),
        "this tree": asyncio.run(_replay(args.seconds)),
    }
    if args.baseline:
        results[args.baseline] = _baseline(args.baseline, args.seconds)
    for name, figures in results.items():
        print(f"{name:>14}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
