"""What the user sees while a batch runs: a live display on a terminal, plain lines elsewhere."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from tubenotes.job import ProcessingStage, VideoProcessingJob


STOPPING = "Stopping: the stages in progress finish and every job is saved. Press Ctrl-C again to quit now."
# Above this many jobs a batch is shown in summary, counts per stage and a few recent lines, not a line
# per job: twenty thousand lines would bury the failures, and printing them costs the batch time.
SUMMARY_ABOVE = 200
# The failures a summarised batch names as they come; the final table and `status` list every one.
FAILURES_NAMED = 20
# A summarised batch's plain log gets a line at each hundredth of its jobs finished, or after this long.
SUMMARY_SECONDS = 60.0
# The last finished jobs the live display names under its counts when it summarises.
RECENT_SHOWN = 5


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


# How the live display says what a long step is doing.
STEP_VERBS = {"transcribe": "transcribing", "slides": "reading slides"}


class MediaProgress:
    """A long step's progress through a recording (a transcription, a reading of slides) for the live display:
    minutes done of the total, and an ETA."""

    def __init__(self, job: VideoProcessingJob, display: ProgressShower, step: str = "transcribe",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.job = job
        self.display = display
        self.step = step
        self.clock = clock
        self.started = clock()

    def __call__(self, done: float, total: float) -> None:
        self.display.step_progress(self.job, self.step,
                                   describe_progress(STEP_VERBS[self.step], done, total, self.clock() - self.started))


def describe_progress(verb: str, done: float, total: float, elapsed: float) -> str:
    """"transcribing 12:00 of 45:00, ETA 3:10": the ETA from the pace so far."""
    eta = format_seconds(elapsed / done * (total - done)) if done > 0 else "-"
    return f"{verb} {format_seconds(done)} of {format_seconds(total)}, ETA {eta}"


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
        self.labels: dict[str, str] = {}  # job key -> its label, while it runs
        self.failed = 0
        self.named_failures = 0
        self.recent: deque[Text] = deque(maxlen=RECENT_SHOWN)
        self.lock = threading.Lock()

    def start(self, jobs: list[VideoProcessingJob], steps: list[str]) -> None:
        self.total = len(jobs)
        self.steps = steps

    @property
    def summarised(self) -> bool:
        return self.total > SUMMARY_ABOVE

    def record(self, job: VideoProcessingJob, step: str) -> bool:
        """Count ``step`` done for ``job``; True if the job is to be named (always, unless summarised:
        then only its failure, while few have failed). Under the lock."""
        self.running.pop(job.key, None)
        self.details.pop(job.key, None)
        self.labels.pop(job.key, None)
        self.done[step] += 1
        failed = job.stage is ProcessingStage.FAILED
        self.failed += failed
        if job.is_finished():
            self.finished += 1
        if not self.summarised:
            return True
        if failed and self.named_failures < FAILURES_NAMED:
            self.named_failures += 1
            return True
        return False

    def counts(self) -> str:
        """"1200/20000 jobs finished, 3 failed; fetch 1500, generate 1300, write 1200": the batch in a line."""
        steps = ", ".join(f"{step} {self.done[step]}" for step in self.steps)
        return f"{self.finished}/{self.total} jobs finished, {self.failed} failed; {steps}"

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
        self._last_summary = (0, self.tally.started)  # (hundredths of the jobs finished, when) at the last line

    def batch_started(self, jobs: list[VideoProcessingJob], steps: list[str]) -> None:
        self.tally.start(jobs, steps)
        if self.verbose:
            self.console.print(f"tubenotes: {len(jobs)} job(s); stages: {', '.join(steps)}", highlight=False)
            if self.tally.summarised:
                self.console.print(f"More than {SUMMARY_ABOVE} jobs: a line at each hundredth of them finished, "
                                   f"and the first {FAILURES_NAMED} failures.", highlight=False)

    def step_started(self, job: VideoProcessingJob, step: str) -> None:
        pass

    def step_finished(self, job: VideoProcessingJob, step: str) -> None:
        with self.tally.lock:  # printed under it too: the summary lines come in order
            named = self.tally.record(job, step)
            summary = self._summary_due()
            if not self.verbose:
                return
            if named:
                self.console.print(self._line(job, step), highlight=False, markup=False, soft_wrap=True)
            if summary is not None:
                self.console.print(summary, highlight=False, markup=False, soft_wrap=True)

    def _summary_due(self) -> str | None:
        """The summary line, when a summarised batch has finished another hundredth of its jobs or has
        been quiet for a while; else None. Under the lock."""
        tally = self.tally
        if not tally.summarised:
            return None
        hundredths, now = tally.finished * 100 // tally.total, tally.clock()
        last_hundredths, last_time = self._last_summary
        if hundredths <= last_hundredths and now - last_time < SUMMARY_SECONDS:
            return None
        self._last_summary = (hundredths, now)
        return (f"{tally.counts()}; elapsed {format_seconds(now - tally.started)}, "
                f"ETA {format_seconds(tally.eta())}")

    def _line(self, job: VideoProcessingJob, step: str) -> str:
        if job.stage is ProcessingStage.FAILED:
            status = f"FAILED ({job.error_kind}): {job.error_message}"
        elif job.is_waiting():
            status = "asked, waiting for the batch"
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
        self.tally.start(jobs, steps)
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
        if job.stage is ProcessingStage.FAILED:
            line = Text(f"✗ {job_label(job)}: {job.error_kind}: {job.error_message}", style="red")
        elif job.is_finished():
            line = Text(f"✓ {job_label(job)} ({format_seconds(job.duration)})", style="green")
        else:
            line = None
        with self.tally.lock:
            named = self.tally.record(job, step)
            if line is not None:
                self.tally.recent.append(line)
        if named and line is not None:
            self.console.print(line)

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
            # A summarised batch names no finished job above the display: the last few are named in it.
            recent = list(tally.recent) if tally.summarised else []
        return Group(head, stages, current, *recent)
