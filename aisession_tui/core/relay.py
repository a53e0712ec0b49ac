"""The output relay: one helper process that moves every PTY's output into a pipe.

A PTY hands out at most 4 KiB per read, so a child writing flat out costs the event loop about
five thousand wake-ups per 20 MB, more time than parsing the bytes takes, and the child waits
whenever the loop is busy. The helper (`relay_worker.py`) reads each master and writes into a
pipe; a session reads that pipe in large chunks instead, and sizes it to what it parses in a
moment (`AISession.set_read_ahead`). Input, resizes and signals still go straight to the master.

One helper serves every session of the process. It is handed the fds over a Unix socket and ends
when this process does (its end of the socket closes). If it cannot be started, or dies, sessions
read their masters directly, as without it: `PtyChild` falls back on the pipe's end of file. Set
`AISESSION_RELAY=off` to never use it.
"""

from __future__ import annotations

import array
import contextlib
import fcntl
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
_WORKER = Path(__file__).with_name("relay_worker.py")


class OutputRelay:
    """The app's side of a running helper process."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-S", str(_WORKER), str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,  # the app's stderr is the screen Textual draws
                start_new_session=True,  # terminal signals meant for the app do not reach it
            )
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.setblocking(False)  # a helper that fell behind must not stall the loop
        self._control = ours

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def attach(self, master_fd: int) -> int | None:
        """A non-blocking fd carrying what `master_fd` outputs from now on; None if unavailable."""
        read_end, write_end = os.pipe()
        try:
            self._control.sendmsg(
                [b"L"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, _fd_array(master_fd, write_end))]
            )
        except OSError as exc:
            log.warning("output relay unavailable: %s", exc)
            os.close(read_end)
            return None
        finally:
            os.close(write_end)
        os.set_blocking(read_end, False)
        return read_end

    def close(self) -> None:
        """End the helper (links still open end with it; their sessions fall back)."""
        self._control.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(1.0)


def set_pipe_size(fd: int, size: int) -> bool:
    """Let the pipe `fd` hold `size` bytes (rounded up to pages); False if it cannot now.

    Shrinking fails while the pipe holds more than the new size; growing beyond
    /proc/sys/fs/pipe-max-size needs privileges.
    """
    try:
        fcntl.fcntl(fd, _F_SETPIPE_SZ, size)
    except OSError:
        return False
    return True


def _fd_array(*fds: int) -> bytes:
    return array.array("i", fds).tobytes()
