"""Command line: launch the supervisor, or act on stored sessions.

Errors a user can cause become one-line messages and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from . import __version__
from .cli_tmux import register as register_tmux
from .control.commands import register as register_control
from .core.backends import BACKEND_NAMES, make_backend
from .core.config import SessionConfig
from .core.manager import SessionManager
from .store import (
    DATA_DIR_ENV,
    Store,
    StoreError,
    Workspace,
    WorkspaceError,
    data_dir_from,
    load_workspace,
)
from .store.commands import register
from .ui.keymap import DEFAULT_PREFIX, PANEL_NAMES

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad command-line input; the message is shown as is."""


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name.strip() or not rest.strip():
            raise UsageError(f"{option} expects NAME=VALUE, got {value!r}")
        pairs[name.strip()] = rest.strip()
    return pairs


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aisession-tui",
        description="Supervise AI coding agents (and shells) in tiled live terminals.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-s",
        "--session",
        action="append",
        default=[],
        metavar="NAME=COMMAND",
        help="open a session running COMMAND (repeatable); with none, one shell opens",
    )
    parser.add_argument(
        "--role",
        action="append",
        default=[],
        metavar="NAME=ROLE",
        help="agent role of session NAME",
    )
    parser.add_argument(
        "--cwd",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="working directory of session NAME",
    )
    parser.add_argument(
        "--demo", action="store_true", help="start scripted demo agents to see every panel alive"
    )
    parser.add_argument(
        "--prefix",
        default=DEFAULT_PREFIX,
        metavar="KEY",
        help=f"the prefix key before commands (default: {DEFAULT_PREFIX})",
    )
    parser.add_argument("--theme", default=None, metavar="NAME", help="theme to start with")
    parser.add_argument(
        "--panels",
        default="sessions,details",
        metavar="LIST",
        help=f"side panels shown at start: {','.join(PANEL_NAMES)} or none",
    )
    parser.add_argument(
        "--scrollback",
        type=int,
        default=10_000,
        metavar="LINES",
        help="scrollback lines per pane (default: 10000)",
    )
    parser.add_argument(
        "--workspace",
        type=Path,
        metavar="FILE",
        help="open the sessions and layout of a workspace file (TOML)",
    )
    parser.add_argument(
        "--restore", action="store_true", help="bring back the sessions of the last run"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help=f"session database folder (default: ${DATA_DIR_ENV} or the user data dir)",
    )
    parser.add_argument(
        "--no-store", action="store_true", help="do not record sessions in the database"
    )
    parser.add_argument(
        "--no-control",
        action="store_true",
        help="do not serve the control socket (send, exec, capture, mcp ... act through it)",
    )
    parser.add_argument(
        "--demo-speed",
        type=float,
        default=None,
        metavar="X",
        help="demo agents' speed (0: print each round at once, then wait)",
    )
    parser.add_argument(
        "--backend",
        choices=BACKEND_NAMES,
        default=None,
        help="where sessions run: pty (default; they end with the app) or tmux (the "
        "workspace's own tmux server: they survive a detach, a crash or a lost terminal)",
    )
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    register(subcommands)
    register_control(subcommands)
    register_tmux(subcommands)
    return parser


def session_configs(args: argparse.Namespace, workspace: Workspace | None) -> list[SessionConfig]:
    """The sessions asked for on the command line (and in the workspace), validated."""
    commands = _pairs(args.session, "--session")
    roles = _pairs(args.role, "--role")
    cwds = _pairs(args.cwd, "--cwd")
    for option, names in (("--role", roles), ("--cwd", cwds)):
        unknown = sorted(set(names) - set(commands))
        if unknown and commands:
            raise UsageError(
                f"{option} names a session that -s does not open: {', '.join(unknown)}"
            )
    specs: list[tuple[str, str | None]] = list(commands.items())
    if args.demo:
        from .demo import demo_sessions

        demos = demo_sessions(speed=args.demo_speed)
        specs += [(spec.name, spec.command) for spec in demos]
        roles = {**{spec.name: spec.role for spec in demos}, **roles}
    configs = []
    if workspace is not None:
        configs += workspace.sessions
    if not specs and not configs and not args.restore and not getattr(args, "attaching", False):
        specs = [("shell", None)]
    for name, command in specs:
        try:
            configs.append(
                SessionConfig(
                    name=name,
                    shell_command=command,
                    agent_role=roles.get(name),
                    enable_ai_features=True,
                    working_directory=Path(cwds[name]) if name in cwds else Path.cwd(),
                )
            )
        except ValidationError as error:
            problem = error.errors()[0]
            field = ".".join(str(part) for part in problem["loc"])
            reason = problem["msg"].removeprefix("Value error, ")
            raise UsageError(f"session {name!r}: {field}: {reason}") from None
    return configs


def run_app(args: argparse.Namespace) -> int:
    try:
        workspace = load_workspace(args.workspace) if args.workspace else None
    except WorkspaceError as error:
        raise UsageError(str(error)) from None
    configs = session_configs(args, workspace)
    layout = workspace.layout if workspace else None
    panels = tuple(p.strip() for p in args.panels.split(",") if p.strip() and p.strip() != "none")
    unknown = [p for p in panels if p not in PANEL_NAMES]
    if unknown:
        raise UsageError(f"--panels: unknown panel {unknown[0]!r}")
    if args.scrollback < 0:
        raise UsageError("--scrollback must not be negative")
    from .ui.app import AppOptions, SupervisorApp
    from .ui.themes import DEFAULT_THEME

    store = None
    if not args.no_store:
        try:
            store = Store.open(data_dir_from(args))
        except StoreError as error:
            raise UsageError(str(error)) from None
    backend_name = args.backend or (workspace.backend if workspace else None) or "pty"
    workspace_name = getattr(args, "workspace_name", None) or (
        workspace.name if workspace else None
    )
    if backend_name == "tmux" and shutil.which("tmux") is None:
        raise UsageError("--backend tmux: tmux is not installed (or not on PATH)")
    manager = SessionManager(
        backend=make_backend(backend_name, workspace=workspace_name, scrollback=args.scrollback)
    )
    options = AppOptions(
        prefix_key=args.prefix,
        theme=args.theme or DEFAULT_THEME,
        panels=panels,
        scrollback=args.scrollback,
        restore=args.restore,
        layout=layout.mode if layout else "grid",
        focus=layout.focus if layout else None,
        control=not args.no_control,
        workspace_name=workspace_name,
    )
    SupervisorApp(configs, options=options, store=store, manager=manager).run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is not None:
        return int(args.handler(args))
    try:
        return run_app(args)
    except UsageError as error:
        print(f"aisession-tui: error: {error}", file=sys.stderr)
        return EXIT_USAGE
