"""What an agent pays for each hook event, and how soon the app shows it, same run.

    python benchmarks/bench_hook.py

1. Start-up: `aisession-tui hook Stop` with no app listening, against the interpreter doing
   nothing (`python -c pass`) and the full command line (`aisession-tui --version`).
2. Delivery: a real headless app with one session; `aisession-tui hook PermissionRequest` (a
   real Claude Code payload) from its start until it exits, by when the app shows the session
   waiting; then PostToolUse (working). Medians and worst of the runs.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aisession_tui.ai.state import AgentState
from aisession_tui.core.config import SessionConfig
from aisession_tui.ui.app import AppOptions, SupervisorApp

SCRIPT = Path(sys.executable).with_name("aisession-tui")
PAYLOADS = Path(__file__).parents[1] / "tests" / "agents" / "fixtures" / "hook-payloads.txt"
RUNS = 15


def payload(event: str) -> bytes:
    lines = PAYLOADS.read_text().splitlines()
    return lines[lines.index(f"## {event}") + 1].encode()


def wall(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, input=b"{}", capture_output=True, env=env, check=False, timeout=30)
    return time.perf_counter() - started


def startup(env: dict[str, str]) -> None:
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "aisession-tui hook Stop (no app)": [str(SCRIPT), "hook", "Stop"],
        "aisession-tui --version": [str(SCRIPT), "--version"],
    }
    medians = {}
    for name, argv in cases.items():
        times = [wall(argv, env) for _ in range(RUNS)]
        medians[name] = statistics.median(times)
    base = medians["python -c pass"]
    for name, value in medians.items():
        print(f"{name:36s} {value * 1000:7.1f} ms  {value / base:5.2f}x the bare interpreter")


async def delivery(env: dict[str, str]) -> None:
    config = SessionConfig(name="agent", shell_command="bash --norc --noprofile")
    app = SupervisorApp([config], options=AppOptions(panels=(), control=True))
    async with app.run_test(size=(120, 40)):
        while app.control_server is None:  # noqa: ASYNC110 - the app offers no event for it
            await asyncio.sleep(0.01)
        live = next(iter(app.lives.values()))
        presenter = app.presenters[live.session.id.uuid.hex]
        hook_env = {**env, "AISESSION_ID": str(live.session.id)}
        results: dict[str, list[float]] = {"PermissionRequest": [], "PostToolUse": []}
        expected = {
            "PermissionRequest": AgentState.WAITING_FOR_INPUT,
            "PostToolUse": AgentState.WORKING,
        }
        for _ in range(RUNS):
            for event, state in expected.items():
                started = time.perf_counter()
                process = await asyncio.create_subprocess_exec(
                    str(SCRIPT),
                    "hook",
                    "--agent",
                    "claude",
                    event,
                    stdin=asyncio.subprocess.PIPE,
                    env=hook_env,
                )
                await process.communicate(payload(event))
                # The hook exits once the app has replied, and the app applies a hook before
                # it replies: the state is already shown.
                assert presenter.agent_status().state is state
                results[event].append(time.perf_counter() - started)
        for event, times in results.items():
            print(
                f"hook {event:18s} -> shown: median {statistics.median(times) * 1000:6.1f} ms,"
                f" worst {max(times) * 1000:6.1f} ms ({len(times)} runs)"
            )
        await app.shutdown()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="aih-bench-") as folder:
        env = {
            **os.environ,
            "AISESSION_CONTROL_SOCKET": str(Path(folder) / "ctl.sock"),
            "AISESSION_DATA_DIR": str(Path(folder) / "data"),
        }
        os.environ.update({k: env[k] for k in ("AISESSION_CONTROL_SOCKET", "AISESSION_DATA_DIR")})
        startup({**env, "AISESSION_ID": "0" * 32})
        asyncio.run(delivery(env))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
