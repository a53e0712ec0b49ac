"""The store's command-line subcommands: `list`, `history`, `export`, `prune`.

`register(subparsers)` adds them to the app's parser; each sets `handler` (a function taking
the parsed `Namespace` and returning an exit status), so `cli.py` calls `args.handler(args)`.
Exit status: 0 success, 1 a problem with the data (no such session, unusable database), 2 bad
usage (argparse's own) or a path that cannot be used (`-o` not writable, `--data-dir` a file).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from ..core.display_text import display_line, json_text, one_line
from ..core.textfile import file_kind
from .errors import SessionLookupError, StoreError
from .export import FORMATS, export_session
from .paths import DATA_DIR_ENV, DB_FILENAME, data_dir_from
from .records import StoredSession, to_iso
from .resolve import resolve_session
from .store import Store

__all__ = ["data_dir_from", "parse_duration", "register"]

Handler = Callable[[argparse.Namespace], int]
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d{1,30})\s*([smhdw])\s*$", re.IGNORECASE)
#: The longest age a duration may give: beyond it, "older than" reaches before year 1.
MAX_AGE = timedelta(days=36525)


def parse_duration(text: str) -> timedelta:
    """`30d`, `12h`, `90m`, `45s`, `2w` -> timedelta (an argparse `type`)."""
    match = _DURATION.match(text)
    if not match:
        shown = text if len(text) <= 40 else text[:39] + "…"
        raise argparse.ArgumentTypeError(
            f"invalid duration {shown!r}: use a number and a unit, e.g. 30d, 12h, 90m, 2w"
        )
    amount, unit = int(match.group(1)), match.group(2).lower()
    if amount * _SECONDS[unit] > MAX_AGE.total_seconds():
        raise argparse.ArgumentTypeError(f"duration {text.strip()!r} is longer than 100 years")
    return timedelta(**{_UNITS[unit]: amount})


def _positive(text: str) -> int:
    """A whole number above 0 (an argparse `type`)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def describe_duration(age: timedelta) -> str:
    """`timedelta(days=30)` -> "30 days": the way the user wrote it, not "30 days, 0:00:00"."""
    seconds = int(age.total_seconds())
    for unit, size in (("week", 604_800), ("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `list`, `history`, `export` and `prune` to the app's subcommands."""
    data_dir_help = f"session database folder (default: ${DATA_DIR_ENV} or the user data dir)"

    def add(name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = subparsers.add_parser(
            name, help=help_text, description=help_text
        )
        # SUPPRESS: a --data-dir given before the subcommand is not reset to None here.
        parser.add_argument(
            "--data-dir", type=Path, default=argparse.SUPPRESS, metavar="DIR", help=data_dir_help
        )
        parser.set_defaults(handler=handler)
        return parser

    p = add("list", "List past and present sessions from the session database.", cmd_list)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = add("history", "Show the commands a session ran, with exit codes.", cmd_history)
    p.add_argument("session", metavar="NAME|ID", help="session name, id, or id prefix")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--limit", type=_positive, metavar="N", help="only the newest N commands")

    p = add(
        "export",
        "Export a session's history, outputs and parsed events for a model's context.",
        cmd_export,
    )
    p.add_argument("session", metavar="NAME|ID", help="session name, id, or id prefix")
    p.add_argument("--format", choices=FORMATS, default="markdown", help="default: markdown")
    p.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE (mode 0600), not stdout"
    )
    p.add_argument(
        "--no-redact",
        action="store_true",
        help="do not redact credentials in the export (what the database itself holds was "
        "redacted when it was saved)",
    )

    p = add("prune", "Delete sessions not updated for a while, with their history.", cmd_prune)
    p.add_argument(
        "--older-than",
        type=parse_duration,
        required=True,
        metavar="AGE",
        help="e.g. 30d, 12h, 2w: sessions whose last update is older are deleted",
    )
    p.add_argument("--dry-run", action="store_true", help="only show what would be deleted")


# -- helpers -------------------------------------------------------------------------------


class NotRegularTarget(Exception):
    """An `-o` target that is not a regular file (a FIFO would block until read, a device
    swallows or refuses the text); `str()` says what it is."""


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only (0600, like the database), whole or
    not at all: it goes to a new file beside the target that replaces it once written, so a
    full disk or any failed write leaves the target as it was and no partial file behind.

    Raises `NotRegularTarget` when the target (a symlink's, if it is one) exists and is not a
    regular file: a FIFO would wait for a reader, a device swallow the text. `OSError` for
    the rest (no such folder, no permission, a name too long, ...).
    """
    target = Path(os.path.realpath(path))
    try:
        info = target.stat()
    except FileNotFoundError:
        pass
    else:
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularTarget(f"not a regular file ({file_kind(info.st_mode)})")
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".aisession-export-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _error(message: str, *, status: int = 1) -> int:
    """One line on stderr; `status` 2 for bad input (a path that cannot be used)."""
    print(one_line(f"aisession-tui: error: {message}"), file=sys.stderr)
    return status


class BadDataDir(StoreError):
    """`--data-dir` (or its variable) names something that is not a folder: bad input."""


def _open(args: argparse.Namespace) -> Store | None:
    """The store for a command, or None when no database exists yet (nothing recorded)."""
    folder = data_dir_from(args)
    path = folder / DB_FILENAME
    try:
        if folder.exists() and not folder.is_dir():
            raise BadDataDir(f"--data-dir {folder}: not a folder")
        if not path.exists():
            return None
    except OSError as exc:  # a name too long, a folder we may not enter, ...
        raise StoreError(f"{path}: {exc.strerror or exc}") from None
    return Store.open(path=path, recover=False)


def _open_error(exc: StoreError) -> int:
    return _error(str(exc), status=2 if isinstance(exc, BadDataDir) else 1)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO) -> None:
    rows = [[display_line(cell) for cell in row] for row in rows]  # names, commands: untrusted
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    for row in [list(headers), *rows]:
        print(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip(), file=out
        )


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _when(session: StoredSession) -> str:
    return to_iso(session.updated_at)[:16].replace("T", " ")


def _with_session(args: argparse.Namespace, body: Callable[[Store, StoredSession], int]) -> int:
    try:
        store = _open(args)
    except StoreError as exc:
        return _open_error(exc)
    if store is None:
        return _error(f"no session matches '{args.session}' (no sessions recorded yet)")
    with store:
        try:
            session = resolve_session(store, args.session)
        except SessionLookupError as exc:
            return _error(str(exc))
        return body(store, session)


# -- handlers ------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    out = sys.stdout
    try:
        store = _open(args)
    except StoreError as exc:
        return _open_error(exc)
    sessions: list[StoredSession] = []
    if store is not None:
        with store:
            sessions = store.list_sessions()
    if args.json:
        out.write(json_text([s.to_json() for s in sessions], indent=2))
        out.write("\n")
        return 0
    if not sessions:
        print("No sessions recorded yet.", file=out)
        return 0
    rows = [
        [
            s.id.short,
            s.name or "-",
            s.role or "-",
            s.status_text,
            "-" if s.exit_code is None else str(s.exit_code),
            str(s.total_tokens),
            str(s.command_count),
            _when(s),
            _clip(s.command, 40),
        ]
        for s in sessions
    ]
    headers = ["ID", "NAME", "ROLE", "STATUS", "EXIT", "TOKENS", "CMDS", "UPDATED (UTC)", "COMMAND"]
    _table(headers, rows, out)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    out = sys.stdout

    def body(store: Store, session: StoredSession) -> int:
        commands = store.history(session.id, limit=args.limit)
        if args.json:
            data = {"session": str(session.id), "name": session.name}
            data["commands"] = [c.to_json() for c in commands]  # type: ignore[assignment]
            out.write(json_text(data, indent=2))
            out.write("\n")
            return 0
        label = display_line(session.label)
        print(f"History of {label}: {len(commands)} command(s)", file=out)
        if not commands:
            return 0
        rows = [
            [
                str(n),
                to_iso(c.record.timestamp)[:19].replace("T", " "),
                "-" if c.record.exit_code is None else str(c.record.exit_code),
                "-" if c.record.duration_ms is None else f"{c.record.duration_ms} ms",
                _clip(c.record.command, 80),
            ]
            for n, c in enumerate(commands, 1)
        ]
        _table(["#", "TIME (UTC)", "EXIT", "DURATION", "COMMAND"], rows, out)
        return 0

    return _with_session(args, body)


def cmd_export(args: argparse.Namespace) -> int:
    def body(store: Store, session: StoredSession) -> int:
        text = export_session(store, session, args.format, redact=not args.no_redact)
        if args.output is None:
            sys.stdout.write(text)
            return 0
        try:
            write_private(args.output, text)
        except NotRegularTarget as exc:
            return _error(f"-o {args.output}: {exc}", status=2)
        except OSError as exc:
            return _error(f"-o {args.output}: cannot write it: {exc.strerror or exc}", status=2)
        print(f"Exported {session.label} to {args.output}", file=sys.stderr)
        return 0

    return _with_session(args, body)


def cmd_prune(args: argparse.Namespace) -> int:
    out = sys.stdout
    try:
        store = _open(args)
    except StoreError as exc:
        return _open_error(exc)
    if store is None:
        print("Nothing to prune: no sessions recorded yet.", file=out)
        return 0
    with store:
        victims = store.prune(args.older_than, dry_run=args.dry_run)
    verb = "Would delete" if args.dry_run else "Deleted"
    age = describe_duration(args.older_than)
    print(f"{verb} {len(victims)} session(s) not updated for {age}.", file=out)
    for s in victims:
        print(f"  {s.id.short}  {display_line(s.name or '-')}  last update {_when(s)}", file=out)
    return 0
