"""A real small filesystem for the data dir (a tmpfs mounted for the test), to fill. Mounting
needs root (or CAP_SYS_ADMIN): without it the test is skipped, except in CI."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

CI_ENV = "AISESSION_CI"


@contextlib.contextmanager
def small_disk(where: Path, size: str = "4m") -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        message = f"cannot mount a tmpfs for a full disk: {result.stderr.strip() or 'not root'}"
        if os.environ.get(CI_ENV):
            pytest.fail(f"{message} (and {CI_ENV} is set, so it must work)")
        pytest.skip(message)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(disk: Path) -> Path:
    """Fill the filesystem to the last byte with one file; delete it to free the space."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65_536, 512, 1):  # unbuffered: the last partial block is filled too
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return filler
