"""Running tubenotes in the tests as a user does: ``python -m tubenotes`` in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

TUBENOTES = [sys.executable, "-m", "tubenotes"]


def run_cli(*args: object, timeout: float = 300, **options: Any) -> subprocess.CompletedProcess[str]:
    """The command to its end, its output captured as text."""
    return subprocess.run([*TUBENOTES, *map(str, args)], capture_output=True, text=True, timeout=timeout, **options)


def start_cli(*args: object, **options: Any) -> subprocess.Popen[str]:
    """The command started; by default its stdout and stderr come through one pipe, as text."""
    options.setdefault("stdout", subprocess.PIPE)
    options.setdefault("stderr", subprocess.STDOUT)
    return subprocess.Popen([*TUBENOTES, *map(str, args)], text=True, **options)
