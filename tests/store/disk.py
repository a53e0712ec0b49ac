"""Real filesystems for the data dir, to break: a small tmpfs to fill, and an ext4 image on a
loop device that goes read-only after an error, the way a failing disk does. Mounting needs
root (or CAP_SYS_ADMIN) and, for ext4, loop devices and e2fsprogs: without them the tests are
skipped, except in CI."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aisession_tui.store.writer import StoreHealth

CI_ENV = "AISESSION_CI"
#: Generous: the machine running the tests may be busy.
WITHIN = 60.0


def _unavailable(message: str) -> None:
    if os.environ.get(CI_ENV):
        pytest.fail(f"{message} (and {CI_ENV} is set, so it must work)")
    pytest.skip(message)


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True)


@contextlib.contextmanager
def small_disk(where: Path, size: str = "4m") -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    result = _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where))
    if result.returncode != 0:
        _unavailable(f"cannot mount a tmpfs for a full disk: {result.stderr.strip() or 'not root'}")
    try:
        yield where
    finally:
        _run("umount", "-l", str(where))


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


class FailingDisk:
    """An ext4 filesystem mounted `errors=remount-ro` at `path`, from an image on a loop device.

    `fail()` makes the kernel record a filesystem error, as a failing disk would: ext4 goes
    read-only at once, for every open file too, and (Linux 6.x, `emergency_ro`) no
    `mount -o remount,rw` brings it back. `repair()` does what an administrator must: unmount
    (which fails while any program holds a file there open), check, and mount again.
    """

    def __init__(self, path: Path, device: str) -> None:
        self.path = path
        self.device = device

    def fail(self) -> None:
        os.sync()  # what was committed before the error is on the disk, as after a while it is
        trigger = Path("/sys/fs/ext4") / Path(self.device).name / "trigger_fs_error"
        trigger.write_text("1")
        assert _run("touch", str(self.path / "probe")).returncode != 0, "still writable"

    def repair(self, within: float = WITHIN) -> None:
        """Unmount (retried while a file there is briefly open), fsck and mount again."""
        deadline = time.monotonic() + within
        while (result := _run("umount", str(self.path))).returncode != 0:
            assert time.monotonic() < deadline, (
                f"the read-only filesystem stays busy (a program keeps a file there open): "
                f"{result.stderr.strip()}; open there: {_open_files(self.path)}"
            )
            time.sleep(0.2)
        fsck = _run("e2fsck", "-fy", self.device)
        assert fsck.returncode in (0, 1), fsck.stdout + fsck.stderr  # 1: errors fixed
        _mount(self.device, self.path)


def _open_files(where: Path) -> list[str]:
    """`pid: path` of every file open under `where` (to say who keeps it busy)."""
    found = []
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith(f"{where}/"):
                found.append(f"{fd.parts[2]} ({_command(fd.parts[2])}): {target}")
    return found


def _mount(device: str, where: Path) -> None:
    result = _run("mount", "-t", "ext4", "-o", "errors=remount-ro", device, str(where))
    assert result.returncode == 0, result.stderr


@contextlib.contextmanager
def failing_disk(where: Path, megabytes: int = 32) -> Iterator[FailingDisk]:
    missing = [tool for tool in ("mkfs.ext4", "e2fsck", "losetup") if shutil.which(tool) is None]
    if missing:
        _unavailable(f"no {', '.join(missing)} to make an ext4 disk (install e2fsprogs)")
    where.mkdir(parents=True, exist_ok=True)
    image = where.with_name(where.name + ".img")
    with image.open("wb") as sparse:
        sparse.truncate(megabytes << 20)
    made = _run("mkfs.ext4", "-q", "-F", str(image))
    assert made.returncode == 0, made.stderr
    attached = _run("losetup", "--find", "--show", str(image))
    if attached.returncode != 0:
        image.unlink()
        _unavailable(f"cannot attach a loop device: {attached.stderr.strip() or 'not root'}")
    device = attached.stdout.strip()
    try:
        _mount(device, where)
        where.chmod(0o700)
        yield FailingDisk(where, device)
    finally:
        _run("umount", "-l", str(where))
        _run("losetup", "-d", device)
        image.unlink(missing_ok=True)


class Reports:
    """The health changes the store's writer thread reports."""

    def __init__(self) -> None:
        self.seen: list[StoreHealth] = []
        self.changed = threading.Event()

    def __call__(self, health: StoreHealth) -> None:
        self.seen.append(health)
        self.changed.set()

    def flips(self) -> list[bool]:
        """`ok` each time it changed: [False, True] is one failure and one recovery."""
        flips: list[bool] = []
        for health in self.seen:
            if health.ok != (flips[-1] if flips else True):
                flips.append(health.ok)
        return flips

    def wait(self, done: Callable[[], bool], within: float = WITHIN) -> None:
        deadline = time.monotonic() + within
        while not done() and time.monotonic() < deadline:
            self.changed.wait(0.1)
            self.changed.clear()
        assert done(), self.seen


def _command(pid: str) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:80]
    return "?"
