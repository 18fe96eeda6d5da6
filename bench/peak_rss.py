"""A process's own peak memory, for the bench scripts that measure one in a child process."""

from __future__ import annotations

from pathlib import Path


def peak_rss_mib() -> float:
    """This process's peak resident memory, in MiB. Not getrusage's ru_maxrss: Linux carries that
    over from the parent through fork and exec, so a child would report at least its parent's peak."""
    status = Path("/proc/self/status").read_text(encoding="ascii")
    return int(status.split("VmHWM:")[1].split()[0]) / 1024
