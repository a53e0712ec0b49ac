"""`list`, `history` and `prune` print stored names and commands without raw escapes.

A session named through the socket or a workspace, or a command a child ran, may hold ESC, BEL,
C1 or bidi characters; printed raw, they would drive the terminal the person reads them in.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aisession_tui.core.types import CommandRecord
from aisession_tui.store.paths import DB_FILENAME
from aisession_tui.store.store import Store

from .conftest import make_session

NAME = "evil\x1b]2;PWNED\x07\u202e"
COMMAND = "echo \x1b[2J\x9b31m[/x]"


def _cli(data_dir: Path, *args: str) -> str:
    """The real command line's standard output (it must succeed)."""
    result = subprocess.run(
        [sys.executable, "-m", "aisession_tui", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _raw_controls(text: str) -> list[str]:
    return [repr(c) for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]


def test_stored_names_and_commands_are_printed_as_visible_characters(data_dir: Path) -> None:
    store = Store.open(data_dir)
    store.begin_run()
    session = make_session(store, "evil", agent_role="[/x]\u200b")
    store.record_command(session, CommandRecord(COMMAND, datetime(2026, 11, 2, tzinfo=UTC), 0))
    store.close()
    # Names with controls are refused where they enter now; a database written before (or by
    # another program) may still hold one.
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    conn.execute("UPDATE sessions SET name = ?", (NAME,))
    conn.commit()
    conn.close()

    listing = _cli(data_dir, "list")
    assert _raw_controls(listing) == [] and "\u202e" not in listing
    assert "evil␛]2;PWNED␇" in listing and "[/x] " in listing

    history = _cli(data_dir, "history", session.uuid.hex[:8])
    assert _raw_controls(history) == []
    assert "History of evil␛]2;PWNED␇" in history
    assert "echo ␛[2J\ufffd31m[/x]" in history

    conn = sqlite3.connect(data_dir / DB_FILENAME)
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat(timespec="microseconds")
    conn.execute("UPDATE sessions SET updated_at = ?", (old,))
    conn.commit()
    conn.close()
    pruned = _cli(data_dir, "prune", "--older-than", "30d", "--dry-run")
    assert _raw_controls(pruned) == []
    assert "evil␛]2;PWNED␇" in pruned
