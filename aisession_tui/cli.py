"""Command line: launch the supervisor, or act on stored sessions.

Errors a user can cause become one-line messages and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import math
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from pydantic import ValidationError

from . import __version__
from .cli_tmux import register as register_tmux
from .control.commands import register as register_control
from .control.paths import check_socket_path, socket_origin, socket_path
from .control.protocol import ControlError
from .control.server import claim_socket
from .core.backends import BACKEND_NAMES
from .core.config import SessionConfig, check_host, check_name
from .core.display_text import one_line
from .core.hosts import make_backend
from .core.manager import SessionManager
from .core.runtime import Runtime
from .core.tmux.server import hosts_problems
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
from .ui.keymap import DEFAULT_PREFIX, PANEL_NAMES, parse_key

if TYPE_CHECKING:
    from .ui.app import AppOptions

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad command-line input; the message is shown as is."""


#: Scrollback lines per pane beyond which a few panes would exhaust memory.
MAX_SCROLLBACK = 1_000_000
#: What a broken pipe on stdout exits with, as for a unix tool killed by SIGPIPE (128 + 13).
EXIT_BROKEN_PIPE = 141


class OneLineParser(argparse.ArgumentParser):
    """An argparse parser whose usage errors are one line naming the option, then exit 2."""

    def error(self, message: str) -> NoReturn:
        line = one_line(f"{self.prog}: error: {message} (see {self.prog} --help)")
        self.exit(EXIT_USAGE, line + "\n")


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name.strip() or not rest.strip():
            raise UsageError(f"{option} expects NAME=VALUE, got {value!r}")
        if name.strip() in pairs:
            raise UsageError(f"{option}: {name.strip()!r} is given twice")
        pairs[name.strip()] = rest.strip()
    return pairs


def _finite(text: str) -> float:
    """A float argument that is a real number (argparse `type`): no nan, no inf."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
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
        "--session-host",
        action="append",
        default=[],
        metavar="NAME=[USER@]MACHINE",
        help="run session NAME on the tmux server of that machine, over ssh (beside the others)",
    )
    parser.add_argument(
        "--demo", action="store_true", help="start scripted demo agents to see every panel alive"
    )
    parser.add_argument(
        "--prefix",
        default=None,
        metavar="KEY",
        help=f"the prefix key before commands (default: the config file's, else {DEFAULT_PREFIX})",
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
        "--no-desktop-notify",
        action="store_true",
        help="do not send desktop notifications (OSC 9/777) when an agent needs you",
    )
    parser.add_argument(
        "--no-control",
        action="store_true",
        help="do not serve the control socket (send, exec, capture, mcp ... act through it)",
    )
    parser.add_argument(
        "--demo-speed",
        type=_finite,
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
    parser.add_argument(
        "--host",
        default=None,
        metavar="[USER@]MACHINE",
        help="run the sessions on the tmux server of another machine, over ssh (implies "
        "--backend tmux)",
    )
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    register(subcommands)
    register_control(subcommands)
    hook = subcommands.add_parser(
        "hook",
        help="(run by agents) forward a hook event to the running app; always exits 0",
        description="Agent CLIs run this on their events (installed per session); it forwards "
        "EVENT and its payload (stdin, or the last argument) to the app and always exits 0.",
    )
    hook.add_argument("words", nargs="*", metavar="[--agent NAME] EVENT [PAYLOAD]")
    register_tmux(subcommands)
    return parser


def session_configs(args: argparse.Namespace, workspace: Workspace | None) -> list[SessionConfig]:
    """The sessions asked for on the command line (and in the workspace), validated."""
    commands = _pairs(args.session, "--session")
    roles = _pairs(args.role, "--role")
    cwds = _pairs(args.cwd, "--cwd")
    hosts = _pairs(args.session_host, "--session-host")
    for option, names in (("--role", roles), ("--cwd", cwds), ("--session-host", hosts)):
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
        taken = {config.name for config in workspace.sessions}
        clash = next((name for name, _ in specs if name in taken), None)
        if clash is not None:
            raise UsageError(f"--session: {clash!r} is also a session of {workspace.path}")
    if not specs and not configs and not args.restore and not getattr(args, "attaching", False):
        specs = [("shell", None)]
    for name, command in specs:
        for option, value in (("--session", name), ("--role", roles.get(name))):
            try:
                if value is not None:
                    check_name(value)
            except ValueError as error:
                raise UsageError(f"{option}: name {value!r}: {error}") from None
        try:
            # Without --cwd: here, or the login folder of a session's other machine.
            where = {"working_directory": Path(cwds[name])} if name in cwds else {}
            configs.append(
                SessionConfig(
                    name=name,
                    shell_command=command,
                    agent_role=roles.get(name),
                    enable_ai_features=True,
                    host=hosts.get(name),
                    **where,  # type: ignore[arg-type]
                )
            )
        except ValidationError as error:
            problem = error.errors()[0]
            field = ".".join(str(part) for part in problem["loc"])
            reason = problem["msg"].removeprefix("Value error, ")
            raise UsageError(f"session {name!r}: {field}: {reason}") from None
    return configs


def app_settings(args: argparse.Namespace) -> tuple[list[SessionConfig], AppOptions]:
    """Everything the app is started with, validated; raises `UsageError` for the first bad
    option or file, before anything takes over the terminal."""
    from .ui.app import AppOptions

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
    if not 0 <= args.scrollback <= MAX_SCROLLBACK:
        raise UsageError(f"--scrollback: must be between 0 and {MAX_SCROLLBACK} lines")
    if args.demo_speed is not None and args.demo_speed < 0:
        raise UsageError("--demo-speed: must not be negative")
    from .ui.user_config import UserConfigError, load_user_config, prefix_and_keymap

    try:
        user_config = load_user_config()
    except UserConfigError as error:
        raise UsageError(str(error)) from None
    prefix_option, keymap = prefix_and_keymap(user_config, args.prefix)
    try:
        prefix = parse_key(prefix_option or DEFAULT_PREFIX)
    except ValueError as error:
        raise UsageError(f"--prefix: {error}") from None
    workspace_name = getattr(args, "workspace_name", None) or (
        workspace.name if workspace else None
    )
    explicit = args.backend or (workspace.backend if workspace else None)
    chosen = explicit or user_config.backend
    args.host = getattr(args, "host", None) or (workspace.host if workspace else None)
    if args.host:
        try:
            check_host(args.host)
        except ValueError as error:
            raise UsageError(f"--host: {error}") from None
        if explicit == "pty":
            raise UsageError("--host runs the sessions on tmux there: not with the pty backend")
        chosen = "tmux"
    elif chosen == "tmux" and shutil.which("tmux") is None:
        raise UsageError("--backend tmux: tmux is not installed (or not on PATH)")
    args.backend = chosen or "pty"
    args.session_hosts = tuple(dict.fromkeys(c.host for c in configs if c.host is not None))
    problems = hosts_problems([host for host in (args.host, *args.session_hosts) if host])
    # A machine that is not ready fails its own sessions (each pane says why); only when no
    # session could start is there no app to open.
    wanted = [config.host or args.host for config in configs] or [args.host]
    if all(host in problems for host in wanted):
        raise UsageError(next(problems[host] for host in wanted if host))
    options = AppOptions(
        prefix_key=prefix,
        keymap=keymap,
        theme=_check_theme(args.theme),
        panels=panels,
        scrollback=args.scrollback,
        restore=args.restore,
        layout=layout.mode if layout else "grid",
        focus=layout.focus if layout else None,
        control=not args.no_control,
        desktop_notifications=not args.no_desktop_notify,
        workspace_name=workspace_name,
    )
    return configs, options


def run_app(args: argparse.Namespace) -> int:
    configs, options = app_settings(args)
    if options.control:
        _claim_control_socket(options.workspace_name)
    from .ui.app import SupervisorApp

    store = None
    if not args.no_store:
        try:
            store = Store.open(data_dir_from(args))
        except StoreError as error:
            raise UsageError(str(error)) from None
    runtime = Runtime()  # the relay, slicer and context worker every session shares
    manager = SessionManager(
        backend=make_backend(
            args.backend,
            workspace=options.workspace_name,
            scrollback=args.scrollback,
            host=getattr(args, "host", None),
            hosts=args.session_hosts,
            hook_socket=socket_path(options.workspace_name) if options.control else None,
            runtime=runtime,
        )
    )
    app = SupervisorApp(configs, options=options, store=store, manager=manager, runtime=runtime)
    calm_garbage_collector()
    app.run()
    return 0


def calm_garbage_collector() -> None:
    """Keep Python's cyclic GC from pausing the app's loop for tens of milliseconds.

    Every pane holds thousands of row dicts; with the default thresholds a flood triggers
    collections that walk all of them, which measured as 50 ms stalls in one parsing step (p99)
    while three panes ran `yes`. Objects alive once the app is built are frozen out of
    collection, and the young generation is collected far less often. A process-wide choice,
    so it is made here, where the process starts the app, not by the app (nor in tests).
    """
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def _check_theme(name: str | None) -> str:
    """The theme to start with; a name no theme file or Textual theme has is a usage error (a
    file that has the name but is broken is reported by the app, which then falls back)."""
    from textual.theme import BUILTIN_THEMES

    from .ui.themes import DEFAULT_THEME, builtin_theme_dirs, load_themes

    if name is None:
        return DEFAULT_THEME
    loaded = load_themes(*builtin_theme_dirs())
    if name in loaded.themes or name in BUILTIN_THEMES:
        return name
    with contextlib.suppress(OSError, ValueError):  # a name too long or holding a NUL
        if any((folder / f"{name}.toml").is_file() for folder in builtin_theme_dirs()):
            return name  # its file is broken: the app says why and starts with the default theme
    known = ", ".join(sorted({*loaded.themes, *BUILTIN_THEMES}))
    shown = name if len(name) <= 40 else name[:39] + "…"
    raise UsageError(f"--theme: no theme is named {shown!r} (themes: {known})")


def _claim_control_socket(workspace_name: str | None) -> None:
    """Refuse to start a second app on the same workspace (its socket answers); clear the
    socket a crashed app left behind."""
    path = socket_path(workspace_name)
    try:
        check_socket_path(path, socket_origin(None))
        claim_socket(path)
    except ValueError as error:
        raise UsageError(str(error)) from None
    except ControlError as error:
        which = f"workspace {workspace_name!r}" if workspace_name else "the default workspace"
        if error.code == "in_use":
            hint = f" --app {workspace_name}" if workspace_name else ""
            raise UsageError(
                f"another aisession-tui app is already running {which} (control socket {path}); "
                f"drive it with `aisession-tui sessions{hint}`, or start with --no-control"
            ) from None
        raise UsageError(str(error)) from None


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["hook"]:  # agents' hooks take whatever arguments they were installed with
        from .agents.hook import main as hook_main

        return hook_main(words[1:])
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`aisession-tui capture x | head`): stop quietly, like any unix
        # tool, and keep Python from complaining about the unflushed stdout at exit.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is not None:
        code = int(args.handler(args))
        sys.stdout.flush()
        return code
    try:
        return run_app(args)
    except UsageError as error:
        print(one_line(f"aisession-tui: error: {error}"), file=sys.stderr)
        return EXIT_USAGE
