"""Secrets stay out of the database file and out of exports: by variable name and by the shape
of the value, in session configs, command history, scrollback and `export` output."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aisession_tui.core.config import SessionConfig
from aisession_tui.core.types import CommandRecord, SessionId, SessionStatus
from aisession_tui.store.paths import DB_FILENAME
from aisession_tui.store.records import MissingSecretError
from aisession_tui.store.redact import REDACTED, redact_lines, redact_text, split_environment
from aisession_tui.store.store import Store

ANTHROPIC = "sk-ant-api03-" + "Zx9" * 12
GITHUB = "ghp_" + "Ab1" * 12
FINE_GRAINED = "github_pat_11AAAAAAA0" + "x" * 40
OPENAI = "sk-proj-" + "Qw7" * 10
SLACK_BOT = "xoxb-1234567890-0987654321-" + "abc" * 6
AWS = "AKIAIOSFODNN7EXAMPLE"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PEM_BODY = "MIIEowIBAAKCAQEAsecretkeymaterial0123456789"
PEM = f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----"
DB_PASSWORD = "hunter2-db-pw"
SECRETS = [ANTHROPIC, GITHUB, FINE_GRAINED, OPENAI, SLACK_BOT, AWS, JWT, PEM_BODY, DB_PASSWORD]

ENVIRONMENT = {
    "DATABASE_URL": f"postgres://app:{DB_PASSWORD}@db.internal/prod",
    "GH_PAT": "plain-looking-value-1",
    "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/plain-looking-value-2",
    "PGPASS": "plain-looking-value-3",
    "STRIPE_SK": "plain-looking-value-4",
    "HELPER": OPENAI,  # an innocent name, a secret value
    "EDITOR": "vim",
}
COMMAND = f"env API_KEY={ANTHROPIC} GITHUB_TOKEN={GITHUB} bash --norc"


def all_bytes(data_dir: Path) -> bytes:
    """The database file and its WAL: everything on disk."""
    return b"".join(p.read_bytes() for p in data_dir.iterdir() if p.name.startswith(DB_FILENAME))


@pytest.mark.parametrize(
    "text",
    [
        f"token={GITHUB}",
        FINE_GRAINED,
        f"Authorization: Bearer {JWT}",
        f"export OPENAI_API_KEY='{OPENAI}'",
        f"{SLACK_BOT} and {AWS}",
        f"git clone https://user:{DB_PASSWORD}@github.com/x/y",
        PEM,
    ],
)
def test_credentials_are_redacted_by_shape(text: str) -> None:
    redacted = redact_text(text)
    assert REDACTED in redacted
    assert not any(secret in redacted for secret in SECRETS)


@pytest.mark.parametrize(
    "text",
    ["risk-assessment-for-everyone", "a == b", "x=1 y=2", "http://localhost:8080/", "PWD=/x"],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact_text(text) == text


def test_the_rows_of_a_private_key_are_redacted_to_its_end_row() -> None:
    rows = ["$ cat id_rsa", *PEM.splitlines(), "$ "]
    assert redact_lines(rows) == ["$ cat id_rsa", REDACTED, REDACTED, REDACTED, "$ "]


def test_environment_values_are_withheld_by_name_and_by_value() -> None:
    kept, withheld = split_environment(ENVIRONMENT)
    assert kept == {"EDITOR": "vim"}
    assert withheld == sorted(set(ENVIRONMENT) - {"EDITOR"})


def test_no_secret_reaches_the_database_file_and_restore_puts_them_back(
    data_dir: Path,
) -> None:
    store = Store.open(data_dir)
    store.begin_run()
    sid = SessionId.new()
    config = SessionConfig(name="agent", shell_command=COMMAND, environment=ENVIRONMENT)
    store.record_session(sid, config, datetime.now(UTC), status=SessionStatus.RUNNING)
    store.record_command(
        sid,
        CommandRecord(
            f"curl -H 'Authorization: Bearer {JWT}' -u x:{GITHUB} https://api",
            datetime.now(UTC),
            0,
            output_preview=f"key {AWS}",
            output=f"{PEM}\nslack {SLACK_BOT}\n",
        ),
    )
    store.save_screen(sid, [f"$ echo {FINE_GRAINED}", FINE_GRAINED, *PEM.splitlines()])
    store.close()

    on_disk = all_bytes(data_dir)
    for secret in SECRETS + [v for k, v in ENVIRONMENT.items() if k != "EDITOR"]:
        assert secret.encode() not in on_disk, secret

    store = Store.open(data_dir)
    try:
        [stored] = store.list_sessions()
        assert stored.command == "env API_KEY=[REDACTED] GITHUB_TOKEN=[REDACTED] bash --norc"
        with pytest.raises(MissingSecretError, match="API_KEY, GITHUB_TOKEN"):
            stored.session_config({})
        environ = {"API_KEY": ANTHROPIC, "GITHUB_TOKEN": GITHUB, **ENVIRONMENT}
        restored = stored.session_config(environ)
        assert restored.shell_command == COMMAND
        assert restored.environment == ENVIRONMENT
        [command] = store.history(sid)
        assert "Bearer [REDACTED]" in command.record.command
        assert command.record.output == f"{REDACTED}\nslack {REDACTED}\n"
    finally:
        store.close()


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aisession_tui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


@pytest.fixture
def legacy_db(data_dir: Path) -> Path:
    """A database with secrets in plain text, as a version before value redaction wrote it."""
    store = Store.open(data_dir)
    store.begin_run()
    sid = SessionId.new()
    store.record_session(sid, SessionConfig(name="old", shell_command="bash"), datetime.now(UTC))
    store.close()
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    conn.execute(
        "INSERT INTO commands (session_id, command, timestamp, output) VALUES (?, ?, ?, ?)",
        (str(sid), f"echo {GITHUB}", datetime.now(UTC).isoformat(), f"{GITHUB}\n{PEM}\n"),
    )
    conn.commit()
    conn.close()
    return data_dir


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_export_redacts_unless_told_not_to(legacy_db: Path, fmt: str) -> None:
    redacted = _cli("export", "old", "--format", fmt, "--data-dir", str(legacy_db))
    assert redacted.returncode == 0, redacted.stderr
    assert GITHUB not in redacted.stdout and PEM_BODY not in redacted.stdout
    assert "echo [REDACTED]" in redacted.stdout
    if fmt == "json":
        assert json.loads(redacted.stdout)["commands"][0]["command"] == "echo [REDACTED]"
    plain = _cli("export", "old", "--format", fmt, "--no-redact", "--data-dir", str(legacy_db))
    assert plain.returncode == 0, plain.stderr
    assert GITHUB in plain.stdout and PEM_BODY in plain.stdout


def test_export_to_a_file_writes_it_owner_only(legacy_db: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.md"
    existing = tmp_path / "existing.md"
    existing.write_text("old contents")
    existing.chmod(0o644)
    old_umask = os.umask(0o022)
    try:
        for target in (fresh, existing):
            result = _cli("export", "old", "-o", str(target), "--data-dir", str(legacy_db))
            assert result.returncode == 0, result.stderr
            assert target.stat().st_mode & 0o777 == 0o600, target
            assert "echo [REDACTED]" in target.read_text()
    finally:
        os.umask(old_umask)


def test_export_to_a_fifo_or_a_device_is_refused_not_waited_on(
    legacy_db: Path, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # Nobody reads the FIFO (opening it for writing used to wait forever), then someone does
    # (the text would go to whoever holds it open), then a device.
    reader = None
    for target in (fifo, fifo, Path("/dev/zero")):
        result = _cli("export", "old", "-o", str(target), "--data-dir", str(legacy_db))
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        [line] = result.stderr.splitlines()
        assert f"-o {target}: not a regular file" in line
        if target == fifo and reader is None:
            reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    assert reader is not None
    try:
        assert os.read(reader, 100) == b""
    finally:
        os.close(reader)
