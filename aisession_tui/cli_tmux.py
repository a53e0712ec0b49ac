"""`aisession-tui ls` and `aisession-tui attach`: workspaces whose sessions run on tmux.

Each workspace started with `--backend tmux` has its own tmux server (`tmux -L
aisession-<workspace>`); its sessions keep running when the app detaches, crashes or loses its
terminal. `ls` lists those servers and their sessions; `attach` opens the app on one again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

from .core.tmux.pane import exit_code_from
from .core.tmux.server import SOCKET_PREFIX, TMUX_SESSION, socket_dir, tmux_environment

EXIT_USAGE = 2
_FORMAT = (
    "#{pane_pid}|#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}|#{@aisession-status}"
    "|#{@aisession-id}|#{@aisession-config}"
)


@dataclass(frozen=True, slots=True)
class LiveSession:
    name: str
    state: str
    pid: int
    command: str


def live_workspaces() -> dict[str, list[LiveSession]]:
    """Workspace name -> its sessions, for every aisession tmux server that answers."""
    folder = socket_dir()
    tmux = shutil.which("tmux")
    if tmux is None or not folder.is_dir():
        return {}
    found: dict[str, list[LiveSession]] = {}
    for socket in sorted(folder.iterdir()):
        if not socket.name.startswith(SOCKET_PREFIX) or not socket.is_socket():
            continue
        result = subprocess.run(
            [tmux, "-L", socket.name, "list-windows", "-t", TMUX_SESSION, "-F", _FORMAT],
            capture_output=True,
            text=True,
            env=tmux_environment(),
            check=False,
            timeout=10,
        )
        if result.returncode != 0:
            continue  # a stale socket: no server behind it
        sessions = [s for s in map(_parse, result.stdout.splitlines()) if s is not None]
        found[socket.name.removeprefix(SOCKET_PREFIX)] = sessions
    return found


def _parse(line: str) -> LiveSession | None:
    parts = line.split("|", 6)
    if len(parts) != 7 or not parts[5]:
        return None
    pid, *dead, _, config = parts
    code = exit_code_from("|".join(dead))
    try:
        data = json.loads(config)
    except ValueError:
        data = {}
    command = data.get("shell_command") or data.get("shell") or os.environ.get("SHELL", "")
    return LiveSession(
        name=str(data.get("name") or "?"),
        state="running" if code is None else f"exited ({code})",
        pid=int(pid) if pid.isdigit() else 0,
        command=str(command),
    )


def run_ls(args: argparse.Namespace) -> int:
    workspaces = live_workspaces()
    if not workspaces:
        print("No workspace runs on tmux (start one with --backend tmux).")
        return 0
    for workspace, sessions in workspaces.items():
        print(f"{workspace}  ({len(sessions)} session{'s' if len(sessions) != 1 else ''})")
        for session in sessions:
            state = f"{session.state:<12} pid {session.pid:<8}"
            print(f"  {session.name:<16} {state} {session.command}")
    return 0


def run_attach(args: argparse.Namespace) -> int:
    from .cli import UsageError, run_app

    name = args.attach_workspace
    if getattr(args, "host", None):  # the servers are over there: the app asks them itself
        workspaces = {name or "default": []}
        name = name or "default"
    else:
        workspaces = live_workspaces()
    if name is None:
        if len(workspaces) != 1:
            listing = ", ".join(workspaces) or "none"
            print(
                f"aisession-tui: error: name the workspace to attach (running: {listing})",
                file=sys.stderr,
            )
            return EXIT_USAGE
        name = next(iter(workspaces))
    elif name not in workspaces:
        print(f"aisession-tui: error: no workspace {name!r} runs on tmux", file=sys.stderr)
        return EXIT_USAGE
    args.backend = "tmux"
    args.workspace_name = name
    args.attaching = True
    try:
        return run_app(args)
    except UsageError as error:
        print(f"aisession-tui: error: {error}", file=sys.stderr)
        return EXIT_USAGE


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ls = subcommands.add_parser("ls", help="list workspaces whose sessions run on tmux")
    ls.set_defaults(handler=run_ls)
    attach = subcommands.add_parser(
        "attach", help="open the app on a workspace whose sessions run on tmux"
    )
    attach.add_argument(
        "attach_workspace", nargs="?", metavar="WORKSPACE", help="which one (if several run)"
    )
    attach.set_defaults(handler=run_attach)
