"""One tmux pane seen as a session's child process.

The session reads a child's output from a file descriptor and writes its input to one; a tmux
pane's output arrives in the control client's `%output` lines instead, and its input leaves as
`send-keys -H` commands. `TmuxChild` joins the two with a pipe each way, so `AISession` reads,
writes, pauses and drains a pane exactly as it does a PTY (and the pane cannot tell).

Flow control: when the session stops reading (its pane is behind), the output pipe fills and
what tmux sends next waits here; once as much again as the pipe holds (the session's read-ahead:
the PTY backend's budget) waits, tmux is asked to stop the pane. Where tmux can (3.4 and later)
the pane is turned off (`refresh-client -A %N:off`): tmux stops reading it, so the program
blocks as on a PTY. tmux 3.3 goes on reading an "off" pane, so there it is paused instead
(`%N:pause`): tmux sends no more of it but keeps running the program into its own screen. Once
everything held here is taken the pane is let go on; tmux skips what it did not send, so the
pane's screen is then redrawn from tmux's copy (`snapshot.py`). tmux's own `%pause` (output
older than `pause-after` seconds: the whole app is behind) is answered the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import ProcessError
from ..process import ChildProcess, ExitWatch, hang_up_session, signal_session, zombie_exit_code
from .protocol import hex_keys, quote
from .snapshot import STATE_FORMAT, PaneState, seed_bytes

if TYPE_CHECKING:
    from .client import ControlClient
    from .protocol import Reply

log = logging.getLogger(__name__)

#: Output held for a session that is not reading before tmux is asked to stop the pane, until
#: the session sets its read-ahead (then that, as on a PTY).
HOLD_DEFAULT = 64 * 1024
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
_INPUT_CHUNK = 16 * 1024
_PASTE_ON = b"\x1b[?2004h"
_PASTE_OFF = b"\x1b[?2004l"
_RECHECKS = (0.02, 0.2)
#: Quiet time after which a closed pane's output counts as complete, and the most waited.
_SETTLE = 0.05
_SETTLE_LIMIT = 1.0
DEAD_FORMAT = "#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}|#{@aisession-status}"
#: What the pane's wrapper (`server.WRAPPER`) prints once the program has ended: after all of
#: its output, so seeing it means nothing more is on its way.
EXIT_MARK = b"\x1b]777;aisession-exit;"


def exit_code_from(text: str) -> int | None:
    """From `DEAD_FORMAT`: the exit code (-N for signal N), or None while it is not known.

    `pane_dead` alone says the terminal closed, which can come before tmux has collected the
    process's status (or, with a background job holding the terminal, long after): only a
    status or a signal tells the process has ended.
    """
    fields = [*text.strip().split("|"), "", "", ""][:4]
    _, status, signal, reported = fields
    if reported.isdigit():  # the wrapper's word on the program it ran
        return wrapper_code(int(reported))
    if signal.isdigit() and int(signal) > 0:
        return -int(signal)
    return int(status) if status.isdigit() else None


def wrapper_code(status: int) -> int:
    """A shell's `$?` as our exit code: 128+N (killed by signal N) becomes -N."""
    return -(status - 128) if 128 < status < 160 else status


class _Handle:
    """Something `AISession` can cancel, like an `ExitWatch`."""

    def __init__(self, cancel: Callable[[], None]) -> None:
        self.cancel = cancel


class TmuxChild(ChildProcess):
    """A pane of a tmux server, with the file descriptors a session reads and writes."""

    is_headless = False

    def __init__(
        self,
        client: ControlClient,
        *,
        pane: str,
        window: str,
        pid: int,
        local: bool = True,
        holds_program: bool = False,
    ) -> None:
        self._client = client
        self.pane = pane
        self.window = window
        self.pid = pid
        self._local = local
        #: tmux stops reading a pane turned off (3.4 and later): the program then blocks.
        self._holds_program = holds_program
        self.read_fd, self._out_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._in_r, self.write_fd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._loop = asyncio.get_running_loop()
        self._held = bytearray()
        self._hold_limit = HOLD_DEFAULT
        self._draining = False
        #: tmux paused the pane itself (pause-after); `_stopped`: we asked it to stop.
        self._paused = False
        self._stopped = False
        self._syncing = 0
        self._paste: bool | None = None
        self._exit_code: int | None = None
        #: How the pane's process ended, read from it as a zombie when the pidfd said it ended.
        self._zombie_code: int | None = None
        self._dead = False
        self._output_done = False
        self._flushed = False
        self._settle_timer: asyncio.TimerHandle | None = None
        self._settle_until = 0.0
        self._closed = False
        self._detached = False
        self._exit_callback: Callable[[], None] | None = None
        self._exit_watch: ExitWatch | None = None
        #: Called once `close` has run (the backend then forgets the pane).
        self.on_closed: Callable[[TmuxChild], None] | None = None
        self._loop.add_reader(self._in_r, self._on_input)
        client.register(pane, self)

    # --- ChildProcess ----------------------------------------------------------------------

    def try_reap(self) -> int | None:
        return self._exit_code if self._dead else None

    def resize(self, rows: int, cols: int) -> None:
        if not self._dead:
            self._client.send_nowait(f"refresh-client -C {self.window}:{cols}x{rows}")

    def set_read_ahead(self, size: int) -> bool:
        if self._closed:
            return False
        with contextlib.suppress(OSError):
            fcntl.fcntl(self.read_fd, _F_SETPIPE_SZ, max(size, 4096))
        self._hold_limit = max(size, 4096)
        return True

    def watch_exit(self, loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> _Handle:
        """Call `callback` once tmux has seen the pane's process end (its status is then known).

        Locally a pidfd says when the process ends and tmux is asked at once; tmux's own
        subscription (`TmuxServer`) covers the rest, within a second.
        """
        self._exit_callback = callback
        if self._dead:
            loop.call_soon(self._fire_exit)
        elif self._local:
            self._exit_watch = ExitWatch(loop, self.pid, self._on_process_gone)
        return _Handle(self._cancel_exit_watch)

    async def hang_up(self, grace: float) -> None:
        """Hang up every process of the pane: by signal here, or by tmux when not local."""
        if self._local:
            await hang_up_session(self.pid, grace)
        elif not self._dead:  # the same, by the server machine's shell
            script = (
                f"pkill -HUP -s {self.pid}; pkill -CONT -s {self.pid}; sleep {grace:g}; "
                f"pkill -KILL -s {self.pid}; true"
            )
            self._client.send_nowait(f"run-shell -b {quote(script)}")

    def signal_all(self, sig: int) -> None:
        """Every process of the pane but its wrapper: tmux would continue a stopped wrapper,
        and the program with it."""
        if self._local:
            signal_session(self.pid, sig, exclude=[self.pid])
        else:  # the processes are on the server's machine: its shell signals them
            name = signal.Signals(sig).name.removeprefix("SIG")
            script = f"pkill -{name} -s {self.pid} && kill -CONT {self.pid} || true"
            self._client.send_nowait(f"run-shell -b {quote(script)}")

    def detach(self) -> None:
        """Let go of the pane without ending it: `close` then leaves the window running."""
        self._detached = True

    @property
    def held_bytes(self) -> int:
        """Output waiting here for the session to read it."""
        return len(self._held)

    @property
    def detached(self) -> bool:
        return self._detached

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._cancel_exit_watch()
        if self._settle_timer is not None:
            self._settle_timer.cancel()
            self._settle_timer = None
        self._forward_pending_input()  # what the session wrote last still reaches the pane
        self._client.unregister(self.pane)
        self._loop.remove_reader(self._in_r)
        if self._draining:
            self._loop.remove_writer(self._out_w)
            self._draining = False
        for fd in (self.read_fd, self._out_w, self._in_r, self.write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._out_w = -1
        self._held.clear()
        if not self._detached and self._client.alive:
            self._client.send_nowait(f"kill-window -t {self.window}")
        if self.on_closed is not None:
            self.on_closed(self)

    # --- exit ------------------------------------------------------------------------------

    def _on_process_gone(self) -> None:
        """The pidfd says the process ended; tmux may take a moment to collect its status, so
        ask now and twice more soon (its subscription, once a second, backs this up).

        Until tmux reaps it the process is a zombie whose status anyone may read: it is read
        now, as tmux on a loaded machine was seen to report the pane dead without a status
        for longer than a stop waits (with a SIGKILLed session, no wrapper's mark comes).
        Once tmux has reaped it, tmux knows the status itself.
        """
        self._exit_watch = None
        self._zombie_code = zombie_exit_code(self.pid)
        self.check_dead()
        for delay in _RECHECKS:
            self._loop.call_later(delay, self.check_dead)

    def check_dead(self) -> None:
        """Ask tmux whether the pane's process has ended (its status comes with the answer)."""
        if self._output_done or self._closed:
            return
        future = self._client.send(f"display -p -t {self.pane} '{DEAD_FORMAT}'")
        future.add_done_callback(self._on_dead_answer)

    def _on_dead_answer(self, future: asyncio.Future[Reply]) -> None:
        if future.cancelled() or future.exception() is not None:
            self.mark_dead(None)
            return
        reply = future.result()
        if getattr(reply, "error", False):  # the pane is gone altogether
            self.mark_dead(None)
            return
        self.update(getattr(reply, "text", ""))

    def update(self, text: str) -> None:
        """What tmux says (`DEAD_FORMAT`) of the pane's process and terminal."""
        code = exit_code_from(text)
        if code is None:  # not collected by tmux yet: what the ended process itself said
            code = self._zombie_code
        if code is not None:  # else still running: the server's subscription will tell
            self.mark_dead(code, output_done=text.startswith("1|"))

    def mark_dead(
        self, code: int | None, *, output_done: bool = True, complete: bool = False
    ) -> None:
        """The pane's process ended with `code`. Its output ends once tmux has closed the
        terminal (`output_done`; a background job may hold it open) and all is delivered."""
        if not self._dead:
            self._dead = True
            self._exit_code = code
            self._cancel_exit_watch()
            if self._exit_callback is not None:
                self._loop.call_soon(self._fire_exit)
        if output_done and not self._output_done:
            self._output_done = True
            if complete:  # the wrapper's mark: every byte is here
                self._output_flushed()
                return
            self._settle_until = self._loop.time() + _SETTLE_LIMIT
            self._settle()

    def _settle(self) -> None:
        """End the output once the pane has been quiet for `_SETTLE` seconds.

        tmux does not order a pane's last output before replies or notifications (it is sent
        when the client can take it), so once the terminal is closed a short quiet spell is
        the only sign that all of it has arrived; each new chunk restarts it, up to a limit.
        """
        if self._settle_timer is not None:
            self._settle_timer.cancel()
        now = self._loop.time()
        if now >= self._settle_until:
            self._settle_timer = None
            self._output_flushed()
        else:
            delay = min(_SETTLE, self._settle_until - now)
            self._settle_timer = self._loop.call_later(delay, self._settle_done)

    def _settle_done(self) -> None:
        self._settle_timer = None
        self._output_flushed()

    def _output_flushed(self) -> None:
        self._flushed = True
        if not self._held:
            self._end_output()

    def _fire_exit(self) -> None:
        callback, self._exit_callback = self._exit_callback, None
        if callback is not None:
            callback()

    def _cancel_exit_watch(self) -> None:
        if self._exit_watch is not None:
            self._exit_watch.cancel()
            self._exit_watch = None

    def _end_output(self) -> None:
        if self._out_w >= 0 and not self._closed:
            os.close(self._out_w)
            self._out_w = -1

    # --- output (PaneListener) --------------------------------------------------------------

    def on_output(self, data: bytes) -> None:
        if self._syncing or self._out_w < 0:
            return  # covered by the snapshot being taken
        if _PASTE_ON[:-1] in data:
            self._note_paste_mode(data)
        mark = data.find(EXIT_MARK)
        if mark >= 0:
            self.deliver(data[:mark])
            end = data.find(b"\x07", mark)
            status = data[mark + len(EXIT_MARK) : end if end >= 0 else None]
            code = wrapper_code(int(status)) if status.isdigit() else None
            self.mark_dead(code, output_done=True, complete=True)
            if self._local:  # the wrapper now only waits to be let go (a stop waits for it)
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGHUP)
            return
        self.deliver(data)
        if self._settle_timer is not None:
            self._settle()

    def deliver(self, data: bytes) -> None:
        """Hand `data` to the session's output pipe, holding what does not fit."""
        if self._out_w < 0:
            return
        if not self._held:
            try:
                written = os.write(self._out_w, data)
            except BlockingIOError:
                written = 0
            except OSError:
                return
            if written == len(data):
                return
            data = data[written:]
        self._held += data
        if not self._draining:
            self._loop.add_writer(self._out_w, self._drain)
            self._draining = True
        if len(self._held) > self._hold_limit and not self._stopped:
            self._stop()

    def _stop(self) -> None:
        """Ask tmux to stop the pane: off where that holds the program, else paused."""
        self._stopped = True
        target = f"'{self.pane}:"
        if self._holds_program:
            # Paused first: that drops what tmux queued for us, which `off` alone does not
            # before tmux 3.7 (it then crashes sending it); continuing leaves it off.
            self._client.send_nowait(
                f"refresh-client -A {target}pause'",
                f"refresh-client -A {target}off'",
                f"refresh-client -A {target}continue'",
            )
        else:
            self._client.send_nowait(f"refresh-client -A {target}pause'")

    def _go_on(self) -> None:
        """Let a stopped or paused pane go on, its screen redrawn from tmux's copy."""
        if self._stopped and self._holds_program:
            self._stopped = self._paused = False
            self._request_seed(resync=True, lead=f"refresh-client -A '{self.pane}:on'")
        else:  # its %continue brings the redraw
            self._stopped = False
            self._client.send_nowait(f"refresh-client -A '{self.pane}:continue'")

    def _drain(self) -> None:
        try:
            written = os.write(self._out_w, self._held[: 1024 * 1024])
        except BlockingIOError:
            return
        except OSError:
            written = len(self._held)
        del self._held[:written]
        if self._held:
            return
        self._loop.remove_writer(self._out_w)
        self._draining = False
        if self._flushed:
            self._end_output()
        elif self._stopped or self._paused:
            self._go_on()

    def on_pause(self) -> None:
        if self._stopped:  # ours
            return
        self._paused = True
        if not self._held:  # nothing waits here: tmux paused for the app as a whole
            self._go_on()

    def on_continue(self) -> None:
        if self._stopped:  # ours, leaving the pane off
            return
        self._paused = False
        self._request_seed(resync=True)

    def on_gone(self) -> None:
        self._syncing = 0
        self.mark_dead(self._exit_code)

    def _request_seed(
        self, *, resync: bool, scrollback: int = 0, lead: str | None = None
    ) -> list[asyncio.Future[Reply]]:
        """Ask for tmux's copy of the pane (after `lead`); it is fed to the session the moment
        the answer is read, and output until then is dropped (the copy covers it)."""
        self._syncing += 1
        commands, seed = snapshot_request(self.pane, history=scrollback, resync=resync, lead=lead)

        def seeded(replies: list[Reply]) -> None:
            self._syncing -= 1
            data = seed(replies)
            if data is not None:
                self.deliver(data)

        return self._client.send_together(commands, then=seeded)

    async def redraw(self, *, resync: bool, scrollback: int = 0) -> None:
        """Feed the session tmux's copy of the pane: all of it on attach (`scrollback` lines of
        history), the screen alone after a pause (`resync`)."""
        try:
            await asyncio.gather(*self._request_seed(resync=resync, scrollback=scrollback))
        except ProcessError as exc:  # the control client ended meanwhile
            log.debug("tmux pane %s: no snapshot: %s", self.pane, exc)

    def _note_paste_mode(self, data: bytes) -> None:
        """Keep tmux told whether bracketed paste is on (tmux 3.3 has no format for it)."""
        on, off = data.rfind(_PASTE_ON), data.rfind(_PASTE_OFF)
        if on < 0 and off < 0:
            return
        paste = on > off
        if paste != self._paste:
            self._paste = paste
            self._client.send_nowait(
                f"set -p -t {self.pane} @aisession-paste {'1' if paste else '0'}"
            )

    # --- input -----------------------------------------------------------------------------

    def _forward_pending_input(self) -> None:
        for _ in range(64):  # bounded: the pipe holds at most 64 KiB, read in 16 KiB parts
            try:
                data = os.read(self._in_r, _INPUT_CHUNK)
            except OSError:
                return
            if not data:
                return
            if not self._dead and self._client.alive:
                for line in hex_keys(data, target=self.pane):
                    self._client.send_nowait(line)

    def _on_input(self) -> None:
        try:
            data = os.read(self._in_r, _INPUT_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._loop.remove_reader(self._in_r)
            return
        if self._dead:
            return
        for line in hex_keys(data, target=self.pane):
            self._client.send_nowait(line)


def snapshot_request(
    pane: str, *, history: int, resync: bool, lead: str | None = None
) -> tuple[list[str], Callable[[list[Reply]], bytes | None]]:
    """The commands that ask for pane `pane`'s seed (`snapshot.seed_bytes`) in one go, after
    `lead`, and what makes the seed of their replies (None if the pane is gone)."""
    target = f"-t {pane}"
    commands = [f"display -p {target} '{STATE_FORMAT}'", f"capture-pane -p -e {target}"]
    if history:
        commands.append(f"capture-pane -p -e -J {target} -S -{history} -E -1")
    commands.append(f"capture-pane -p -e -a -q {target}")
    if lead is not None:
        commands.insert(0, lead)

    def seed(replies: list[Reply]) -> bytes | None:
        if lead is not None:
            replies = replies[1:]
        if replies[0].error or replies[1].error:
            return None
        state = PaneState.parse(replies[0].text)
        past: list[bytes] | None = None
        if history and state.history > 0 and not replies[2].error:
            past = replies[2].lines
        normal = replies[-1].lines if state.alternate and not replies[-1].error else None
        screen = replies[1].lines
        return seed_bytes(state, screen, history=past, normal_screen=normal, resync=resync)

    return commands, seed
