"""`tubenotes run` on a folder of thousands of short transcripts: time, peak memory and lines of output.

    python bench/bench_scale.py [--jobs 1000 2000 4000 20000] [--code DIR] [--timeout S] [--terminal]

Each size gets a fresh folder of short lectures (twelve cues of the bundled
thermodynamics lecture, made distinct by a number, so that every lecture
shares the same key terms and concepts: the vault pass's worst case) in a
temporary directory, and one `tubenotes run FOLDER --vault V --model offline
--no-pdf` in a child process, its output to a pipe (the plain progress
lines) or, with ``--terminal``, to a pseudo-terminal (the live display).
Printed: wall seconds, the child's own peak memory (its VmHWM, see
peak_rss.py), the most it held before its vault pass (its VmRSS, sampled
twice a second until it says it is updating the links) and the lines it
wrote. ``--code DIR`` runs the tubenotes
package in DIR instead (a worktree of an older commit), for a before/after;
a run past ``--timeout`` is stopped and shown with ">".
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
THERMODYNAMICS = BENCH.parent / "examples" / "Physics" / "intro_to_thermodynamics.en.vtt"


def write_lectures(folder: Path, count: int, segments: list) -> None:
    """``count`` short transcripts (SRT), each made distinct by its number."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        cues = [f"{i + 1}\n00:00:{i * 4:02d},000 --> 00:00:{i * 4 + 3:02d},500\n{segment.text} ({n})\n"
                for i, segment in enumerate(segments)]
        (folder / f"lecture {n:06d}.en.srt").write_text("\n".join(cues), encoding="utf-8")


def short_segments() -> list:
    sys.path.insert(0, str(BENCH))
    import bench_tokens

    return bench_tokens.load(THERMODYNAMICS).segments[:12]


@dataclass
class Outcome:
    seconds: float
    cpu_seconds: float  # user + system: what the run costs, on a machine others share too
    peak_mib: float
    runner_peak_mib: float  # the most resident memory sampled before the vault pass
    lines: int
    finished: bool
    exit_code: int | None


def run_tubenotes(args: list[str], cwd: Path, code: Path | None, timeout: float, terminal: bool) -> Outcome:
    """``tubenotes ARGS`` in a child whose peak memory peak_rss.py records at its exit."""
    peak_file = cwd / "peak-mib"
    peak_file.unlink(missing_ok=True)
    env = dict(os.environ, TUBENOTES_PEAK_FILE=str(peak_file), COLUMNS="100", LINES="40")
    if code is not None:
        env["PYTHONPATH"] = str(code)
    # Not from the repository root: `-m` would put it first on the path, before ``code``.
    command = [sys.executable, str(BENCH / "peak_rss.py"), "-m", "tubenotes", *args]
    started = time.perf_counter()
    deadline = started + timeout
    if terminal:
        parent_end, child_end = pty.openpty()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=child_end,
                                   stderr=child_end, close_fds=True)
        os.close(child_end)
        output, runner_peak = _read_until_closed(parent_end, deadline, process.pid)
        os.close(parent_end)
    else:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
        output, runner_peak = _read_until_closed(process.stdout.fileno(), deadline, process.pid)
    # Reaped here, not by Popen: wait4 gives the child's CPU time.
    exited = _wait_until(process.pid, deadline)
    peak = 0.0
    if exited is None:  # past the timeout: its peak so far, then stopped
        peak = _vm_hwm_mib(process.pid)
        process.kill()
        exited = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    _, status, usage = exited
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait for it again
    finished = peak == 0.0
    if finished and peak_file.exists():
        peak = float(peak_file.read_text())
    return Outcome(seconds, usage.ru_utime + usage.ru_stime, peak, runner_peak, output.count(b"\n"), finished,
                   process.returncode if finished else None)


# What the run prints as its vault pass begins: the runner's part ends there.
_VAULT_PASS = b"Updating links"


def _read_until_closed(fd: int, deadline: float, pid: int) -> tuple[bytes, float]:
    """What the child writes until it closes its end (it exited) or the deadline passes, and the most
    resident memory it held before its vault pass began."""
    chunks: list[bytes] = []
    runner_peak = 0.0
    in_pass = False
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not in_pass:
            in_pass = any(_VAULT_PASS in chunk for chunk in chunks[-2:])
            if not in_pass:
                runner_peak = max(runner_peak, _vm_mib(pid, "VmRSS"))
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:  # a pseudo-terminal whose other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks), runner_peak


def _wait_until(pid: int, deadline: float) -> tuple[int, int, os.struct_rusage] | None:
    while True:
        exited = os.wait4(pid, os.WNOHANG)
        if exited[0] == pid:
            return exited
        if time.perf_counter() >= deadline:
            return None
        time.sleep(0.1)


def _vm_hwm_mib(pid: int) -> float:
    return _vm_mib(pid, "VmHWM")


def _vm_mib(pid: int, field: str) -> float:
    """A memory figure of a running child, 0 once it has exited."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
        return int(status.split(f"{field}:")[1].split()[0]) / 1024
    except (OSError, IndexError):
        return 0.0


def measure(jobs: int, segments: list, code: Path | None, timeout: float, terminal: bool,
            quiet: bool) -> Outcome:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        write_lectures(work / "lectures", jobs, segments)
        args = ["run", str(work / "lectures"), "--vault", str(work / "vault"), "--model", "offline", "--no-pdf",
                *(["--quiet"] if quiet else [])]
        return run_tubenotes(args, work, code, timeout, terminal)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1000, 2000, 4000, 20_000])
    parser.add_argument("--code", type=Path, help="a folder holding the tubenotes package to run instead")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a run is stopped")
    parser.add_argument("--terminal", action="store_true", help="on a pseudo-terminal: the live display")
    parser.add_argument("--quiet", action="store_true", help="with --quiet: only the final table")
    args = parser.parse_args()
    where = "a pseudo-terminal" if args.terminal else "a pipe"
    print(f"tubenotes run, offline, no PDF{', --quiet' if args.quiet else ''}, output to {where}")
    print(f"{'jobs':>7} {'wall s':>9} {'cpu s':>9} {'peak MiB':>9} {'runner MiB':>10} {'lines':>8}  exit")
    segments = short_segments()
    for jobs in args.jobs:
        outcome = measure(jobs, segments, args.code, args.timeout, args.terminal, args.quiet)
        wall = f"{outcome.seconds:.1f}" if outcome.finished else f">{outcome.seconds:.0f}"
        cpu = f"{outcome.cpu_seconds:.1f}" if outcome.finished else f">{outcome.cpu_seconds:.0f}"
        peak = f"{outcome.peak_mib:.0f}" if outcome.finished else f">{outcome.peak_mib:.0f}"
        lines = str(outcome.lines) if outcome.finished else f">{outcome.lines}"
        exit_code = "stopped" if outcome.exit_code is None else str(outcome.exit_code)
        runner = f"{outcome.runner_peak_mib:.0f}"
        print(f"{jobs:>7} {wall:>9} {cpu:>9} {peak:>9} {runner:>10} {lines:>8}  {exit_code}", flush=True)


if __name__ == "__main__":
    main()
