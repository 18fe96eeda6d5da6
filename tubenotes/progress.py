"""What the user sees while a batch runs: a live display on a terminal, plain lines elsewhere."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from tubenotes.job import ProcessingStage, VideoProcessingJob


STOPPING = "Stopping: the stages in progress finish and every job is saved. Press Ctrl-C again to quit now."


def job_label(job: VideoProcessingJob, width: int = 60) -> str:
    label = job.video_title or (job.source_path.name if job.source_path else job.url)
    return label if len(label) <= width else label[: width - 1] + "…"


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_cost(usd: float | None) -> str:
    """US dollars; "unknown" for a model without a known price (never shown as free), "free" for a local one."""
    if usd is None:
        return "unknown"
    if usd == 0:
        return "free"
    return f"${usd:.4f}" if usd >= 0.0001 else "<$0.0001"


@runtime_checkable
class ProgressShower(Protocol):
    """A reporter that can show progress within a step."""

    def step_progress(self, job: VideoProcessingJob, step: str, detail: str) -> None: ...


class TranscriptionProgress:
    """A transcription's progress for the live display: minutes of audio done of the total, and an ETA."""

    def __init__(self, job: VideoProcessingJob, display: ProgressShower,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.job = job
        self.display = display
        self.clock = clock
        self.started = clock()

    def __call__(self, done: float, total: float) -> None:
        self.display.step_progress(self.job, "transcribe",
                                   describe_transcription(done, total, self.clock() - self.started))


def describe_transcription(done: float, total: float, elapsed: float) -> str:
    """"transcribing 12:00 of 45:00, ETA 3:10": the ETA from the pace so far."""
    eta = format_seconds(elapsed / done * (total - done)) if done > 0 else "-"
    return f"transcribing {format_seconds(done)} of {format_seconds(total)}, ETA {eta}"


class _Tally:
    """Counts per step, the jobs in flight, and an ETA from the pace so far."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.started = clock()
        self.total = 0
        self.finished = 0
        self.steps: list[str] = []
        self.done: Counter[str] = Counter()
        self.running: dict[str, str] = {}  # job key -> step
        self.details: dict[str, str] = {}  # job key -> progress within its step ("12:00 of 45:00 ...")
        self.labels: dict[str, str] = {}
        self.failed = 0
        self.lock = threading.Lock()

    def eta(self) -> float | None:
        if not self.finished or self.finished >= self.total:
            return None
        pace = (self.clock() - self.started) / self.finished
        return pace * (self.total - self.finished)


class LogReporter:
    """One plain line per finished step: for pipes, CI logs and ``--quiet``."""

    def __init__(self, console: Console, clock: Callable[[], float] = time.monotonic, verbose: bool = True) -> None:
        self.console = console
        self.verbose = verbose
        self.tally = _Tally(clock)

    def batch_started(self, jobs: list[VideoProcessingJob], steps: list[str]) -> None:
        self.tally.total = len(jobs)
        self.tally.steps = steps
        if self.verbose:
            self.console.print(f"tubenotes: {len(jobs)} job(s); stages: {', '.join(steps)}", highlight=False)

    def step_started(self, job: VideoProcessingJob, step: str) -> None:
        pass

    def step_finished(self, job: VideoProcessingJob, step: str) -> None:
        with self.tally.lock:
            self.tally.done[step] += 1
            if job.is_finished():
                self.tally.finished += 1
        if self.verbose:
            self.console.print(self._line(job, step), highlight=False, markup=False, soft_wrap=True)

    def _line(self, job: VideoProcessingJob, step: str) -> str:
        if job.stage is ProcessingStage.FAILED:
            status = f"FAILED ({job.error_kind}): {job.error_message}"
        else:
            status = f"ok {job.timings.get(step) or _step_seconds(job, step):.1f}s"
        return f"[{step}] {job_label(job)}: {status}"

    def step_progress(self, job: VideoProcessingJob, step: str, detail: str) -> None:
        """Progress within a long step (a transcription): shown live on a terminal, not logged line by line."""

    def stopping(self) -> None:
        self.console.print(STOPPING, highlight=False, markup=False)

    def batch_finished(self, jobs: list[VideoProcessingJob]) -> None:
        pass


def _step_seconds(job: VideoProcessingJob, step: str) -> float:
    return sum(seconds for name, seconds in job.timings.items() if name.startswith(step))


class RichReporter(LogReporter):
    """A live table (per-stage counts, the jobs in flight, elapsed time and ETA) above a line per finished job."""

    def __init__(self, console: Console, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(console, clock, verbose=True)
        self.live = Live(console=console, refresh_per_second=4, transient=True, get_renderable=self._render)

    def batch_started(self, jobs: list[VideoProcessingJob], steps: list[str]) -> None:
        self.tally.total = len(jobs)
        self.tally.steps = steps
        self.live.start()

    def step_started(self, job: VideoProcessingJob, step: str) -> None:
        with self.tally.lock:
            self.tally.running[job.key] = step
            self.tally.labels[job.key] = job_label(job, 50)

    def step_progress(self, job: VideoProcessingJob, step: str, detail: str) -> None:
        with self.tally.lock:
            if job.key in self.tally.running:
                self.tally.details[job.key] = detail

    def step_finished(self, job: VideoProcessingJob, step: str) -> None:
        with self.tally.lock:
            self.tally.running.pop(job.key, None)
            self.tally.details.pop(job.key, None)
            self.tally.failed += job.stage is ProcessingStage.FAILED
            self.tally.done[step] += 1
            if job.is_finished():
                self.tally.finished += 1
        if job.stage is ProcessingStage.FAILED:
            self.console.print(Text(f"✗ {job_label(job)}: {job.error_kind}: {job.error_message}", style="red"))
        elif job.is_finished():
            self.console.print(Text(f"✓ {job_label(job)} ({format_seconds(job.duration)})", style="green"))

    def stopping(self) -> None:
        self.live.console.print(STOPPING, style="yellow", highlight=False, markup=False)

    def batch_finished(self, jobs: list[VideoProcessingJob]) -> None:
        self.live.stop()

    def _render(self) -> Group:
        tally = self.tally
        with tally.lock:
            elapsed = tally.clock() - tally.started
            head = Text(
                f"{tally.finished}/{tally.total} jobs finished, {tally.failed} failed   "
                f"elapsed {format_seconds(elapsed)}   ETA {format_seconds(tally.eta())}"
            )
            stages = Table(box=None, show_header=True, pad_edge=False)
            for step in tally.steps:
                stages.add_column(step, justify="right")
            running = Counter(tally.running.values())
            stages.add_row(*(f"{tally.done[s]} done, {running[s]} now" for s in tally.steps))
            current = Table(box=None, show_header=False, pad_edge=False)
            for key, step in list(tally.running.items())[:8]:
                current.add_row(Text(step, style="cyan"), Text(tally.labels.get(key, key)),
                                Text(tally.details.get(key, ""), style="dim"))
        return Group(head, stages, current)
