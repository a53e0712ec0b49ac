"""`aisession-tui ls` and `aisession-tui attach`: workspaces whose sessions run on tmux.

Each workspace started with `--backend tmux` has its own tmux server (`tmux -L
aisession-<workspace>`); its sessions keep running when the app detaches, crashes or loses its
terminal. `ls` lists those servers and their sessions, here and on the machines named with
`--host`, in the user config's `hosts` and in a `--workspace` file; `attach` opens the app on
one again.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass

from .core.display_text import display_line, one_line
from .core.tmux.pane import exit_code_from
from .core.tmux.server import (
    NOT_FOUND,
    SOCKET_PREFIX,
    SSH_FAILED,
    TMUX_SESSION,
    missing_message,
    socket_dir,
    ssh_prefix,
    tmux_environment,
)

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


#: Run on another machine (by `sh`, whatever the login shell): `@SOCKET` then its windows, for
#: every aisession server that answers; exit 127 without tmux.
_REMOTE_LS = (
    "command -v tmux >/dev/null 2>&1 || exit 127\n"
    'for s in "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)"/' + SOCKET_PREFIX + "*; do\n"
    '  [ -S "$s" ] || continue\n'
    '  n="${s##*/}"\n'
    f'  out=$(tmux -L "$n" list-windows -t {TMUX_SESSION} -F {shlex.quote(_FORMAT)} 2>/dev/null)'
    ' && printf \'@%s\\n%s\\n\' "$n" "$out"\n'
    "done\nexit 0\n"
)


class HostError(Exception):
    """A machine whose workspaces cannot be listed; `str()` is the one-line reason."""


def start_remote_listing(host: str) -> subprocess.Popen[str]:
    """Ask `host` (over ssh) for its workspaces; `remote_workspaces` reads the answer."""
    return subprocess.Popen(
        [*ssh_prefix(host), "sh -c " + shlex.quote(_REMOTE_LS)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=tmux_environment(),
        start_new_session=True,
    )


def remote_workspaces(
    host: str, listing: subprocess.Popen[str], timeout: float = 30.0
) -> dict[str, list[LiveSession]]:
    """Workspace name -> its sessions on `host`; raises `HostError`."""
    try:
        out, err = listing.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        listing.kill()
        listing.communicate()
        raise HostError(f"{host}: no answer over ssh within {timeout:g}s") from None
    if listing.returncode == NOT_FOUND:
        raise HostError(missing_message(host))
    if listing.returncode != 0:
        reason = (err.strip().splitlines() or ["ssh failed"])[-1]
        what = "cannot reach" if listing.returncode == SSH_FAILED else "cannot list"
        raise HostError(f"{what} {host} over ssh: {reason}")
    found: dict[str, list[LiveSession]] = {}
    sessions: list[LiveSession] | None = None
    for line in out.splitlines():
        if line.startswith("@" + SOCKET_PREFIX):
            sessions = found.setdefault(line[1:].removeprefix(SOCKET_PREFIX), [])
        elif sessions is not None and (session := _parse(line)) is not None:
            sessions.append(session)
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


def _hosts_to_list(args: argparse.Namespace) -> list[str]:
    """`ls --host`, the app's `--host`, the user config's `hosts`, a `--workspace` file's."""
    from .core.config import check_host
    from .store import WorkspaceError, load_workspace
    from .ui.user_config import UserConfigError, load_user_config

    hosts = [*args.ls_hosts, *([args.host] if getattr(args, "host", None) else [])]
    for host in hosts:
        try:
            check_host(host)
        except ValueError as error:
            raise HostError(f"--host: {error}") from None
    try:
        hosts += load_user_config().hosts
        if getattr(args, "workspace", None):
            workspace = load_workspace(args.workspace)
            hosts += [workspace.host] if workspace.host else []
            hosts += [c.host for c in workspace.sessions if c.host]
    except (UserConfigError, WorkspaceError) as error:
        raise HostError(str(error)) from None
    return list(dict.fromkeys(hosts))


def run_ls(args: argparse.Namespace) -> int:
    try:
        hosts = _hosts_to_list(args)
    except HostError as error:
        print(f"aisession-tui: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    listings = [(host, start_remote_listing(host)) for host in hosts]  # all at once
    found: list[tuple[str, dict[str, list[LiveSession]]]] = [("", live_workspaces())]
    failed = False
    for host, listing in listings:
        try:
            found.append((host, remote_workspaces(host, listing)))
        except HostError as error:
            print(f"aisession-tui: error: ls: {one_line(str(error))}", file=sys.stderr)
            failed = True
    if not any(workspaces for _, workspaces in found) and not failed:
        print("No workspace runs on tmux (start one with --backend tmux).")
    for host, workspaces in found:
        where = f" on {display_line(host)}" if host else ""
        for workspace, sessions in workspaces.items():
            count = f"{len(sessions)} session{'s' if len(sessions) != 1 else ''}"
            print(f"{display_line(workspace)}{where}  ({count})")
            for session in sessions:
                state = f"{session.state:<12} pid {session.pid:<8}"
                print(f"  {display_line(session.name):<16} {state} {display_line(session.command)}")
    return EXIT_USAGE if failed else 0


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
    ls = subcommands.add_parser(
        "ls", help="list workspaces whose sessions run on tmux (here and on other machines)"
    )
    ls.add_argument(
        "--host",
        dest="ls_hosts",
        action="append",
        default=[],
        metavar="[USER@]MACHINE",
        help="also list that machine's (over ssh; repeatable; the config's `hosts` too)",
    )
    ls.set_defaults(handler=run_ls)
    attach = subcommands.add_parser(
        "attach", help="open the app on a workspace whose sessions run on tmux"
    )
    attach.add_argument(
        "attach_workspace", nargs="?", metavar="WORKSPACE", help="which one (if several run)"
    )
    attach.set_defaults(handler=run_attach)
