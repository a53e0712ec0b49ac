"""The output relay's helper process: copies each PTY master it is handed into a pipe.

Run as `python -I -S relay_worker.py CONTROL_FD` (standard library only, so it starts fast). The
app sends it pairs of file descriptors over the Unix socket CONTROL_FD: a PTY master to read and
the write end of a pipe to copy into. A PTY hands out at most 4 KiB per read, so a flooding child
costs the app thousands of wake-ups per second; behind this relay the app reads large pipe chunks
instead, and the child keeps writing while the app parses.

Flow control is the pipe's: while a pipe is full, its master is not read, so the child blocks as it
would on a full PTY. A link ends when its master hangs up (its children closed the terminal): the
pipe is closed after the last byte, and the app sees end of file. It also ends when the app closes
its end of the pipe. The whole process ends when the app's end of the control socket closes, which
happens with the app, so it never outlives it.
"""

from __future__ import annotations

import array
import contextlib
import os
import select
import signal
import socket
import sys

CHUNK = 64 * 1024
_READ = select.POLLIN | select.POLLPRI


class Link:
    """One master -> pipe copy; `pending` holds what the full pipe did not take yet."""

    def __init__(self, source: int, sink: int) -> None:
        self.source = source
        self.sink = sink
        self.pending = b""
        self.reading = True


class Relay:
    """A poll loop over the control socket and every link's master or pipe."""

    def __init__(self, control: socket.socket) -> None:
        self.control = control
        self.poller = select.poll()
        self.poller.register(control.fileno(), _READ)
        self.links: dict[int, Link] = {}

    def run(self) -> None:
        control_fd = self.control.fileno()
        while True:
            # Links are looked up before any is handled: a link dropped in this round may free fd
            # numbers that a link accepted in it reuses.
            ready = [(fd, events, self.links.get(fd)) for fd, events in self.poller.poll()]
            for fd, events, link in ready:
                if fd == control_fd:
                    if not self.accept():
                        return
                    continue
                if link is None or self.links.get(fd) is not link:
                    continue
                if fd == link.source:
                    self.pull(link)
                elif events & select.POLLOUT and link.pending:
                    self.push(link)
                else:  # the app closed its end of the pipe
                    self.drop(link)

    def accept(self) -> bool:
        """Take one message of the app; False once the app has gone."""
        fds = array.array("i")
        try:
            data, ancillary, _, _ = self.control.recvmsg(16, socket.CMSG_SPACE(2 * fds.itemsize))
        except InterruptedError:
            return True
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
        if len(fds) == 2:
            self.add(Link(fds[0], fds[1]))
        else:
            for fd in fds:
                os.close(fd)
        return bool(data or ancillary)

    def add(self, link: Link) -> None:
        os.set_blocking(link.sink, False)
        self.links[link.source] = self.links[link.sink] = link
        self.poller.register(link.source, _READ)
        self.poller.register(link.sink, 0)  # reports only the reader going away

    def pull(self, link: Link) -> None:
        try:
            data = os.read(link.source, CHUNK)
        except BlockingIOError:  # the app shares the master's non-blocking flag
            return
        except OSError:  # EIO: the terminal's last slave closed
            data = b""
        if not data:
            self.drop(link)
            return
        link.pending = data
        self.push(link)

    def push(self, link: Link) -> None:
        try:
            written = os.write(link.sink, link.pending)
        except BlockingIOError:
            written = 0
        except OSError:
            self.drop(link)
            return
        link.pending = link.pending[written:]
        full = bool(link.pending)
        self.poller.modify(link.sink, select.POLLOUT if full else 0)
        if full and link.reading:
            # Unregistered, not masked: a hung-up master reports POLLHUP whatever the mask.
            self.poller.unregister(link.source)
            link.reading = False
        elif not full and not link.reading:
            self.poller.register(link.source, _READ)
            link.reading = True

    def drop(self, link: Link) -> None:
        for fd in (link.source, link.sink):
            self.links.pop(fd, None)
            with contextlib.suppress(KeyError):
                self.poller.unregister(fd)
            os.close(fd)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    control = socket.socket(fileno=int(argv[1]))
    Relay(control).run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
