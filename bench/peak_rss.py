"""A process's own peak memory, for the bench scripts that measure one in a child process.

    python bench/peak_rss.py -m MODULE ARGS...

runs MODULE as `python -m MODULE ARGS...` would and, at its exit, writes its
peak memory in MiB to the file named by $TUBENOTES_PEAK_FILE.
"""

from __future__ import annotations

import atexit
import os
import runpy
import sys
from pathlib import Path


def peak_rss_mib() -> float:
    """This process's peak resident memory, in MiB. Not getrusage's ru_maxrss: Linux carries that
    over from the parent through fork and exec, so a child would report at least its parent's peak."""
    status = Path("/proc/self/status").read_text(encoding="ascii")
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def _record_peak(path: Path) -> None:
    path.write_text(f"{peak_rss_mib():.1f}\n", encoding="ascii")


if __name__ == "__main__":
    if sys.argv[1:2] != ["-m"] or len(sys.argv) < 3:
        raise SystemExit(__doc__)
    atexit.register(_record_peak, Path(os.environ["TUBENOTES_PEAK_FILE"]))
    module, sys.argv = sys.argv[2], [sys.argv[2], *sys.argv[3:]]
    sys.path[0] = os.getcwd()  # as `python -m` has it, not this script's folder
    runpy.run_module(module, run_name="__main__", alter_sys=True)
