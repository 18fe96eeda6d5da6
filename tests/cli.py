"""Running tubenotes in the tests as a user does: ``python -m tubenotes`` in a subprocess."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from typing import Any

TUBENOTES = [sys.executable, "-m", "tubenotes"]
# ANSI control sequences: the live display's colours and cursor moves.
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_cli(*args: object, timeout: float = 300, **options: Any) -> subprocess.CompletedProcess[str]:
    """The command to its end, its output captured as text."""
    return subprocess.run([*TUBENOTES, *map(str, args)], capture_output=True, text=True, timeout=timeout, **options)


def start_cli(*args: object, **options: Any) -> subprocess.Popen[str]:
    """The command started; by default its stdout and stderr come through one pipe, as text."""
    options.setdefault("stdout", subprocess.PIPE)
    options.setdefault("stderr", subprocess.STDOUT)
    return subprocess.Popen([*TUBENOTES, *map(str, args)], text=True, **options)


class Terminal:
    """The command on a terminal of its own (a pseudo-terminal, 200 columns), in a session of its own:
    it shows the live display, and `interrupt` is Ctrl-C to its process group."""

    def __init__(self, *args: object, **options: Any) -> None:
        master, child_end = pty.openpty()
        fcntl.ioctl(child_end, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        env = {**options.pop("env", os.environ), "TERM": "xterm-256color"}
        self.process = start_cli(*args, stdin=child_end, stdout=child_end, stderr=child_end,
                                 start_new_session=True, env=env, **options)
        os.close(child_end)
        self._master = master
        self._seen: list[str] = []
        # Read all along: a terminal nobody reads fills up, and the command would stop writing to it.
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self._master, 65536)
            except OSError:  # EIO: the command has ended and closed the terminal
                break
            if not data:
                break
            self._seen.append(data.decode(errors="replace"))

    @property
    def output(self) -> str:
        """What the terminal showed so far, control sequences taken out."""
        return _CONTROL.sub("", "".join(self._seen))

    def wait_for(self, pattern: str, timeout: float = 120) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while (match := re.search(pattern, self.output)) is None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"never showed {pattern!r}:\n{self.output[-3000:]}")
            time.sleep(0.05)
        return match

    def interrupt(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)  # as Ctrl-C sends it to the foreground process group

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def wait(self, timeout: float = 60) -> int:
        """The command's exit code, once it has ended."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"did not end within {timeout} s:\n{self.output[-3000:]}") from None

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.kill()
        self._reader.join(timeout=5)
        os.close(self._master)
