"""The terminal driver: Textual's Linux driver, made to notice when the terminal goes away.

When the terminal of a running app disappears (its tmux server or ssh session is killed, so the
pty master is closed) the kernel hangs the tty up: from then on every read of it returns
end-of-file at once and every write fails with EIO. Textual's driver does not treat that as the
end: its input thread spins (``select`` reports the tty readable, ``read`` returns ``b""``, again),
its output thread dies on the first EIO, and once the output queue is full the app blocks on it
for good. A ``SIGHUP`` ends the process only when it reaches it, which it does not when a shell in
between does not pass it on (or when it is ignored, as under ``nohup``): then the orphan spins
forever at full CPU.

:class:`HangupAwareDriver` posts :class:`TerminalLost` to the app instead, which quits as on
ctrl+q (the conversation is saved and closed). It is told by whichever comes first:

* ``SIGHUP``;
* the tty reporting a hangup (a thread waits in ``poll`` for POLLHUP on stdin: no wake-ups meanwhile);
* a write to the terminal failing with EIO (or the like).

Once the terminal is known to be gone, Textual's input thread is stopped (no more spinning while
the app shuts down) and stdout and stderr are pointed at ``/dev/null``, so that restoring the
terminal on the way out (and the interpreter's last flush) can neither fail nor block.
"""

from __future__ import annotations

import errno
import os
import select
import signal
import stat
import sys
import threading
from typing import IO, Any

from textual.driver import Driver
from textual.message import Message

if sys.platform != "win32":
    from textual.drivers.linux_driver import LinuxDriver
else:  # pragma: no cover - the Windows driver has no tty to lose
    LinuxDriver = None  # type: ignore[assignment,misc]

LOST_ERRNOS = {errno.EIO, errno.ENXIO, errno.EPIPE, errno.EBADF}  # a write error meaning "no terminal any more"


class TerminalLost(Message):
    """The terminal went away (hangup, end of input, or output failing): the app should quit."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


def driver_class(default: type[Driver]) -> type[Driver]:
    """The driver to run with: :class:`HangupAwareDriver` where Textual would use its Linux driver."""
    if LinuxDriver is not None and default is LinuxDriver:
        return HangupAwareDriver
    return default


class _TerminalOutput:
    """The file Textual's output thread writes to: a write error that means the terminal is gone
    reports it, instead of killing the thread (after which the app would block on its full queue)."""

    def __init__(self, file: IO[str], on_lost: Any) -> None:
        self._file = file
        self._on_lost = on_lost
        self.lost = False

    def write(self, text: str) -> None:
        if not self.lost:
            self._guard(self._file.write, text)

    def flush(self) -> None:
        if not self.lost:
            self._guard(self._file.flush)

    def _guard(self, fn: Any, *args: Any) -> None:
        try:
            fn(*args)
        except OSError as exc:
            if exc.errno not in LOST_ERRNOS:
                raise
            self.lost = True
            self._on_lost(f"writing to the terminal failed ({errno.errorcode.get(exc.errno or 0, exc.errno)})")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


if LinuxDriver is not None:

    class HangupAwareDriver(LinuxDriver):
        """Textual's Linux driver, posting :class:`TerminalLost` when the terminal goes away."""

        # Textual's stderr, then the _TerminalOutput around it: its writer thread takes any IO[str]-like file
        _file: Any

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._output = _TerminalOutput(self._file, self._lost)
            self._file = self._output  # the output thread (started per application mode) writes here
            self._terminal_lost = False
            self._reported = threading.Lock()  # taken by the first report, never released
            self._watcher: threading.Thread | None = None
            self._wake_fd: int | None = None  # write end of the pipe that ends the watch
            self._previous_sighup: Any = None

        # -- application mode -----------------------------------------------------------------------
        def start_application_mode(self) -> None:
            if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:  # under nohup, the watch alone
                self._previous_sighup = signal.signal(signal.SIGHUP, self._on_sighup)
            super().start_application_mode()
            self._start_watcher()

        def stop_application_mode(self) -> None:
            self._stop_watcher()
            super().stop_application_mode()
            if self._previous_sighup is not None:
                signal.signal(signal.SIGHUP, self._previous_sighup)
                self._previous_sighup = None

        def _sigcont_application(self, *args: Any) -> None:
            # The kernel sends SIGCONT along with SIGHUP to a session leader whose terminal hangs up
            # (even when SIGHUP is ignored); Textual would restart application mode on it, on a
            # second input thread and output thread.
            if self._hung_up():
                self._lost("the terminal hung up")
            if not self._terminal_lost:
                super()._sigcont_application(*args)

        # -- noticing the loss ----------------------------------------------------------------------
        def _on_sighup(self, signum: int, frame: Any) -> None:
            # After `kill -HUP` the terminal is still there: it is restored on the way out as usual.
            self._lost("SIGHUP", gone=self._hung_up())

        def _hung_up(self) -> bool:
            """Whether stdin, a tty, has hung up (the kernel does that before it sends any signal)."""
            if not self.input_tty:
                return False
            poller = select.poll()
            poller.register(self.fileno, 0)  # POLLHUP, POLLERR and POLLNVAL are reported regardless
            return bool(poller.poll(0))

        def _lost(self, reason: str, gone: bool = True) -> None:
            """Tell the app, once; if the terminal is certainly gone, send output to /dev/null.

            Called from the watch thread, the output thread, and signal handlers (so it never blocks).
            """
            if gone:
                self._output.lost = True
                _silence_terminal_output()
                self.exit_event.set()  # ends Textual's input thread now, not once the app is down
            self._terminal_lost = True
            if self._reported.acquire(blocking=False):
                self._loop.call_soon_threadsafe(self._app.post_message, TerminalLost(reason))

        def _start_watcher(self) -> None:
            if self._watcher is not None or not self.input_tty:
                return
            read_fd, self._wake_fd = os.pipe()
            self._watcher = threading.Thread(target=self._watch, args=(self.fileno, read_fd),
                                             name="litreview-hangup-watch", daemon=True)
            self._watcher.start()

        def _stop_watcher(self) -> None:
            watcher, wake_fd = self._watcher, self._wake_fd
            self._watcher = self._wake_fd = None
            if watcher is None or wake_fd is None:
                return
            os.write(wake_fd, b"x")
            watcher.join()
            os.close(wake_fd)

        def _watch(self, tty_fd: int, woken_fd: int) -> None:
            """Sleep until stdin hangs up or ``woken_fd`` (the pipe's read end) says to stop. It asks
            for no input events (those are the input thread's), so keys typed meanwhile do not wake it."""
            poller = select.poll()
            poller.register(tty_fd, 0)  # POLLHUP, POLLERR and POLLNVAL are reported regardless
            poller.register(woken_fd, select.POLLIN)
            try:
                if woken_fd not in dict(poller.poll()):
                    self._lost("the terminal hung up")
            finally:
                os.close(woken_fd)


def _silence_terminal_output() -> None:
    """Point stdout and stderr at /dev/null where they are a terminal (writes to a hung-up tty fail
    with EIO); a redirection to a file or pipe is left alone."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        for fd in (1, 2):
            try:
                if stat.S_ISCHR(os.fstat(fd).st_mode):
                    os.dup2(null, fd)
            except OSError:
                pass
    finally:
        os.close(null)
