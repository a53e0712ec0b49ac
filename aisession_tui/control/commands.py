"""CLI subcommands that act on the running app: sessions, send, exec, capture, new, kill, events,
message, inbox, mcp.

Each talks to the app's control socket. When no app runs they say so and exit with status 3;
an error the app reports is one line and status 1; `exec` exits with the command's exit code.
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.display_text import display_block, display_line, json_text, one_line
from . import ops
from .client import ControlClient
from .paths import check_socket_path, socket_origin, socket_path
from .protocol import TIMEOUT, AppNotRunning, ControlError

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_RUNNING = 3
#: What `timeout(1)` exits with when the command ran too long.
EXIT_TIMEOUT = 124
#: The longest `exec --timeout` the app accepts (a day).
MAX_TIMEOUT = 24 * 3600.0
#: The most scrollback lines `capture --lines` asks for (the app's own limit).
MAX_CAPTURE_LINES = 1_000_000

Handler = Callable[[argparse.Namespace], int]


class _BadOption(Exception):
    """A bad option value found after parsing; `str()` is the one-line message."""


def _path(args: argparse.Namespace) -> Path:
    path = Path(args.socket) if args.socket else socket_path(args.control_workspace)
    try:
        check_socket_path(path, socket_origin(args.socket))
    except ValueError as error:
        raise _BadOption(str(error)) from None
    return path


def _client(args: argparse.Namespace) -> ControlClient:
    return ControlClient(_path(args))


def _timeout(text: str) -> float:
    """`--timeout` seconds: a real number above 0 and at most a day (the app's own limit)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT):
        raise argparse.ArgumentTypeError(
            f"must be more than 0 and at most {MAX_TIMEOUT:g} seconds, got {text!r}"
        )
    return value


def _count(limit: int) -> Callable[[str], int]:
    """An argparse `type` for a whole number from 1 to `limit`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not 1 <= value <= limit:
            raise argparse.ArgumentTypeError(f"must be from 1 to {limit}, got {text!r}")
        return value

    return parse


#: Limits (characters, lines) that keep a whole message: the inbox shows it in full.
_WHOLE = (10_000_000, 1_000_000)


def _request(
    args: argparse.Namespace,
    op: ops.Op[Any, Any],
    params: dict[str, Any] | None = None,
    timeout: float | None = None,
) -> dict[str, Any]:
    """One operation on the app; its parameters are checked here first (the same model the
    app checks them with), so a bad one is named before anything is sent."""
    op.parse(params or {})
    client = _client(args)
    if timeout is None:
        return client.request(op.name, params or {})
    return client.request(op.name, params or {}, timeout=timeout)


def _print_json(data: Any) -> None:
    print(json_text(data, indent=2))


def _guarded(handler: Handler) -> Handler:
    """Turn a missing app and error replies into one line and an exit status."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except AppNotRunning as error:
            print(
                one_line(f"aisession-tui: {error}; start one with `aisession-tui`"), file=sys.stderr
            )
            return EXIT_NOT_RUNNING
        except ControlError as error:
            print(one_line(f"aisession-tui: {error}"), file=sys.stderr)
            return EXIT_TIMEOUT if error.code == TIMEOUT else EXIT_FAILED
        except _BadOption as error:
            print(one_line(f"aisession-tui: error: {error}"), file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            return 130

    return run


def _split_command(args: argparse.Namespace) -> str:
    """The command after ``--``; options written between NAME and ``--`` are parsed here
    (argparse alone cannot take options after a positional that swallows the rest)."""
    parts: list[str] = list(args.cmd)
    if "--" in parts:
        cut = parts.index("--")
        options, parts = parts[:cut], parts[cut + 1 :]
        if options:
            args.options_parser.parse_args(options, namespace=args)
    if len(parts) == 1:
        return parts[0]  # one argument is a command line as typed
    return shlex.join(parts)  # several are words, quoted for the shell


def _sessions(args: argparse.Namespace) -> int:
    sessions = _request(args, ops.LIST_SESSIONS)["sessions"]
    if args.json:
        _print_json(sessions)
        return 0
    if not sessions:
        print("no live sessions")
    for s in sessions:
        marks = ",".join(s["attention"])
        state = s["agent_state"] or s["status"]
        print(
            f"{s['id'][:8]}  {display_line(s['name']):<16} {display_line(state):<18} "
            f"{display_line(s['command'])}"
            + (f"  [{marks}]" if marks else "")
            + (f"  ({s['unread_messages']} messages)" if s["unread_messages"] else "")
        )
    return 0


def _send(args: argparse.Namespace) -> int:
    text = " ".join(args.text)
    _request(args, ops.SEND_INPUT, {"session": args.name, "text": text, "enter": not args.no_enter})
    return 0


def _exec(args: argparse.Namespace) -> int:
    command = _split_command(args)
    if not command.strip():
        print("aisession-tui: exec needs a command after --", file=sys.stderr)
        return EXIT_USAGE
    result = _request(
        args,
        ops.EXECUTE_COMMAND,
        {"session": args.name, "command": command, "timeout": args.timeout},
        timeout=args.timeout + 30,
    )
    output = result["output"]
    sys.stdout.write(output if output.endswith("\n") or not output else output + "\n")
    code = result["exit_code"]
    return EXIT_FAILED if code is None else int(code) & 0xFF


def _capture(args: argparse.Namespace) -> int:
    params: dict[str, Any] = {"session": args.name}
    if args.lines is not None:
        params["lines"] = args.lines
    text = _request(args, ops.CAPTURE, params)["text"]
    print(text)
    return 0


def _new(args: argparse.Namespace) -> int:
    command = _split_command(args)  # parses --cwd, --role, --host written before --
    fields: dict[str, Any] = {"name": args.name}
    if args.cwd or not args.session_host:  # over there: its login folder, unless --cwd says
        fields["working_directory"] = str(Path(args.cwd or Path.cwd()).resolve())
    if command.strip():
        fields["shell_command"] = command
    if args.role:
        fields["agent_role"] = args.role
    if args.session_host:
        fields["host"] = args.session_host
    session = _request(args, ops.CREATE_SESSION, fields)["session"]
    print(f"{session['id'][:8]}  {display_line(session['name'])}  {session['status']}")
    return 0


def _kill(args: argparse.Namespace) -> int:
    result = _request(args, ops.KILL, {"session": args.name})
    print(f"killed {display_line(result['killed'])}")
    return 0


def _events(args: argparse.Namespace) -> int:
    params = {"session": args.name} if args.name else {}
    ops.SUBSCRIBE.parse(params)
    try:
        for payload in _client(args).events(params):
            if args.json:
                print(json_text(payload), flush=True)
            elif payload.get("type") == "output":
                sys.stdout.write(payload["text"])
                sys.stdout.flush()
            else:
                details = {k: v for k, v in payload.items() if k not in ("type", "session", "id")}
                print(f"[{payload.get('session')}] {payload.get('type')} {details}", flush=True)
    except ControlError as error:
        if error.code in ("shutting_down", "disconnected"):
            print(f"aisession-tui: {error}", file=sys.stderr)
            return 0
        raise
    return 0


def _message(args: argparse.Namespace) -> int:
    result = _request(
        args, ops.SEND_MESSAGE, {"to": args.to, "text": " ".join(args.text), "sender": args.sender}
    )
    names = ", ".join(display_line(m["to"]) for m in result["delivered"])
    print(f"delivered to {names or 'nobody'}")
    return 0


def _inbox(args: argparse.Namespace) -> int:
    result = _request(args, ops.MESSAGES, {"session": args.name})
    if args.json:
        _print_json(result)
        return 0
    for message in result["messages"]:
        # Whole and on its lines, but never raw escapes from the agent that sent it.
        sender, text = display_line(message["from"]), display_block(message["text"], *_WHOLE)
        print(f"#{message['id']} {message['sent_at'][11:19]} {sender}: {text}")
    if result["dropped"]:
        print(f"({result['dropped']} older messages dropped)")
    return 0


def _mcp(args: argparse.Namespace) -> int:
    from .mcp_server import run_mcp

    run_mcp(_path(args))
    return 0


def _with_options(
    parser: argparse.ArgumentParser, add_options: Callable[[argparse.ArgumentParser], object]
) -> None:
    """Options allowed before NAME, and between NAME and ``--``; then ``-- CMD...``."""
    add_options(parser)
    options = type(parser)(prog=parser.prog, add_help=False)  # errors worded like the parser's
    add_options(options)
    parser.add_argument("cmd", metavar="-- CMD", nargs=argparse.REMAINDER)
    parser.set_defaults(options_parser=options)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the live-app subcommands to the app's parser (each sets `handler`)."""

    def add(name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = subparsers.add_parser(
            name, help=help_text, description=help_text
        )
        parser.add_argument(
            "--app",
            dest="control_workspace",
            metavar="WORKSPACE",
            help="the app running this workspace (default: the one without a workspace)",
        )
        parser.add_argument("--socket", metavar="PATH", help="the app's control socket")
        parser.set_defaults(handler=_guarded(handler))
        return parser

    parser = add("sessions", "list the running app's live sessions", _sessions)
    parser.add_argument("--json", action="store_true", help="print JSON")

    parser = add("send", "type TEXT into a live session (Enter follows)", _send)
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("text", metavar="TEXT", nargs="+")
    parser.add_argument("-n", "--no-enter", action="store_true", help="do not press Enter")

    parser = add("exec", "run a command in a live shell session; exit with its exit code", _exec)
    parser.add_argument("name", metavar="NAME")
    _with_options(
        parser, lambda p: p.add_argument("--timeout", type=_timeout, default=60.0, metavar="S")
    )

    parser = add("capture", "print a session's screen, or its last N lines", _capture)
    parser.add_argument("name", metavar="NAME")
    parser.add_argument(
        "--lines", type=_count(MAX_CAPTURE_LINES), metavar="N", help="last N lines of scrollback"
    )

    parser = add("new", "open a new session in the running app", _new)
    parser.add_argument("name", metavar="NAME")

    def new_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--cwd", metavar="DIR", help="working directory (default: here)")
        p.add_argument("--role", metavar="ROLE", help="agent role")
        p.add_argument(
            "--host",
            dest="session_host",
            metavar="[USER@]MACHINE",
            help="run it on that machine's tmux server, over ssh",
        )

    _with_options(parser, new_options)

    parser = add("kill", "stop a live session and close its pane", _kill)
    parser.add_argument("name", metavar="NAME")

    parser = add("events", "stream output, state changes and finished commands", _events)
    parser.add_argument("name", metavar="NAME", nargs="?")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")

    parser = add("message", "leave a message in a session's inbox (TO may be *)", _message)
    parser.add_argument("to", metavar="TO")
    parser.add_argument("text", metavar="TEXT", nargs="+")
    parser.add_argument("--from", dest="sender", default="cli", metavar="NAME")

    parser = add("inbox", "show the messages waiting for a session", _inbox)
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("--json", action="store_true", help="print JSON")

    add("mcp", "serve the running app's sessions as MCP tools over stdio", _mcp)
