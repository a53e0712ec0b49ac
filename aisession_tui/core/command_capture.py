"""Finding one command's output and exit status in a shell's output stream."""

from __future__ import annotations

import asyncio
import re
import shlex


class CommandCapture:
    """Finds one command's output between two invisible OSC markers in the output stream.

    The markers are printed by `printf` from escaped format strings, so the shell's echo of the
    command line (which shows the backslashes literally) can never be taken for them.
    """

    def __init__(self, token: str, loop: asyncio.AbstractEventLoop, limit: int) -> None:
        self.limit = limit  # keep at most this many bytes of output (the newest)
        self.dropped = 0
        self.start = f"\x1b]777;ais-start;{token}\x07".encode()
        self.end = re.compile(rb"\x1b\]777;ais-end;" + token.encode() + rb";(-?\d+)\x07")
        self.future: asyncio.Future[tuple[bytes, int]] = loop.create_future()
        self._buf = bytearray()
        self._started = False
        self._scan_from = 0

    @staticmethod
    def shell_line(command: str, token: str) -> str:
        """One input line; the leading space keeps it out of history under `ignorespace`."""
        return (
            f" printf '\\033]777;ais-start;%s\\007' {token}; eval {shlex.quote(command)}; "
            f"printf '\\033]777;ais-end;%s;%d\\007' {token} \"$?\"\n"
        )

    def feed(self, data: bytes) -> None:
        if self.future.done():
            return
        self._buf += data
        if not self._started:
            at = self._buf.find(self.start)
            if at < 0:
                keep = len(self.start) - 1  # the marker may be split across chunks
                if len(self._buf) > keep:
                    del self._buf[: len(self._buf) - keep]
                return
            del self._buf[: at + len(self.start)]
            self._started = True
            self._scan_from = 0
        match = self.end.search(self._buf, self._scan_from)
        if match is None:
            excess = len(self._buf) - self.limit - 128  # 128: room for a split end marker
            if excess > 0:
                del self._buf[:excess]
                self.dropped += excess
            self._scan_from = max(0, len(self._buf) - 80)
            return
        output = bytes(self._buf[: match.start()])
        if len(output) > self.limit:
            self.dropped += len(output) - self.limit
            output = output[-self.limit :]
        self.future.set_result((output, int(match.group(1))))

    def partial(self) -> bytes:
        return bytes(self._buf) if self._started else b""
