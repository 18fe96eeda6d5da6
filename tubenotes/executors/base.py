"""What an executor is: something that moves jobs between stages until each is finished.

An executor decides when and where a stage runs (threads here, Celery
workers in `tubenotes.distributed`); which stage a job needs next, and
what a stage does, come from the `StageRunner` it is given.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from tubenotes.errors import TubenotesError
from tubenotes.job import ProcessingStage, TokenUsage, VideoProcessingJob

if TYPE_CHECKING:
    from tubenotes.store.base import JobStore

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
# A run's result keeps every job of a batch of at most this many; of a larger one, it counts every job and
# keeps only those that did not complete, the first this many of them: a summary is some 2 KiB, and a
# batch of 100,000 would keep 240 MiB of them for a table that shows thirty.
KEPT = 1000


class StageRunner(Protocol):
    """The stages as an executor sees them (`tubenotes.stages.Stages`)."""

    def run(self, name: str, job: VideoProcessingJob) -> VideoProcessingJob:
        """Stage ``name`` on ``job``; expected failures raise tubenotes errors; a job that needs no
        further stage comes back completed."""
        ...

    def next_stage(self, job: VideoProcessingJob) -> str | None:
        """The stage ``job`` needs next, or None when it is finished."""
        ...

    def settle(self, job: VideoProcessingJob) -> bool:
        """Mark a job that needs no further stage completed; True if it changed."""
        ...

    def limits(self) -> dict[str, int]:
        """Each stage's name and how many jobs it may hold at once."""
        ...

    def interrupt(self) -> None:
        """Ctrl-C: stop the stages under way that have no checkpoint for long (a transcription);
        they raise StageInterrupted, and their jobs keep their last checkpoint."""
        ...


class Reporter(Protocol):
    """Progress output; executors call it from their worker threads."""

    def batch_started(self, jobs: Collection[VideoProcessingJob], steps: list[str]) -> None: ...

    def step_started(self, job: VideoProcessingJob, step: str) -> None: ...

    def step_finished(self, job: VideoProcessingJob, step: str) -> None: ...

    def stopping(self) -> None: ...

    def batch_finished(self, jobs: list[VideoProcessingJob]) -> None: ...


class SilentReporter:
    """No progress output: for the library API."""

    def batch_started(self, jobs: Collection[VideoProcessingJob], steps: list[str]) -> None:
        pass

    def step_started(self, job: VideoProcessingJob, step: str) -> None:
        pass

    def step_finished(self, job: VideoProcessingJob, step: str) -> None:
        pass

    def stopping(self) -> None:
        pass

    def batch_finished(self, jobs: list[VideoProcessingJob]) -> None:
        pass


class StoredJobs(Collection[VideoProcessingJob]):
    """A batch's jobs by key, in input order, each loaded from the store as it is reached: a batch of
    100,000 waits as its keys, not as 100,000 jobs. Every job is in the store as the batch is to take it,
    but those of inputs that named nothing usable, which are never stored and are held as they are."""

    def __init__(self, store: JobStore, keys: list[str], unstored: dict[str, VideoProcessingJob] | None = None,
                 before: dict[str, int] | None = None) -> None:
        self.store = store
        self.keys = keys
        self.unstored = unstored if unstored is not None else {}
        # A digest per stored job of what the vault showed of it as the batch was prepared: the vault pass
        # after the batch goes over the subjects whose jobs changed.
        self.before = before if before is not None else {}

    def __len__(self) -> int:
        return len(self.keys)

    def __iter__(self) -> Iterator[VideoProcessingJob]:
        for key in self.keys:
            job = self.unstored.get(key) or self.store.load(key)
            if job is not None:  # deleted meanwhile (`tubenotes forget`, another machine): nothing to do
                yield job

    def after(self, count: int) -> StoredJobs:
        """The jobs past the first ``count``."""
        return StoredJobs(self.store, self.keys[count:], self.unstored, self.before)

    def __contains__(self, job: object) -> bool:
        return isinstance(job, VideoProcessingJob) and job.key in self.keys


@dataclass
class Tally:
    """Every job of a batch counted as it ended: by stage, and the tokens it spent. A job not counted (not
    handed out before a stop) is unfinished."""

    total: int = 0
    stages: Counter[ProcessingStage] = field(default_factory=Counter)
    usage: TokenUsage = field(default_factory=TokenUsage)

    @classmethod
    def of(cls, jobs: Collection[VideoProcessingJob]) -> Tally:
        tally = cls(len(jobs))
        for job in jobs:
            tally.count(job)
        return tally

    def count(self, job: VideoProcessingJob) -> None:
        self.stages[job.stage] += 1
        self.usage.add(job.token_usage)

    @property
    def completed(self) -> int:
        return self.stages[ProcessingStage.COMPLETED]

    @property
    def failed(self) -> int:
        return self.stages[ProcessingStage.FAILED]

    @property
    def unfinished(self) -> int:
        return self.total - self.completed - self.failed


class Kept:
    """What a run's result keeps of its jobs as each ends (`KEPT`): all of a small batch, in input order;
    of a large one, the tally and the first jobs that did not complete."""

    def __init__(self, total: int) -> None:
        self.tally = Tally(total)
        self.whole = total <= KEPT
        self._jobs: list[tuple[int, VideoProcessingJob]] = []
        self._lock = threading.Lock()  # jobs end on the stages' threads

    def add(self, order: int, job: VideoProcessingJob) -> None:
        """Count ``job``, the ``order``-th of the batch, as it ended."""
        with self._lock:
            self.tally.count(job)
            if self.whole or (job.stage is not ProcessingStage.COMPLETED and len(self._jobs) < KEPT):
                self._jobs.append((order, job))

    @property
    def jobs(self) -> list[VideoProcessingJob]:
        return [job for _, job in sorted(self._jobs, key=lambda item: item[0])]


@dataclass
class RunResult:
    # Every job of the batch when it had at most `KEPT` jobs; of a larger batch only the jobs that did not
    # complete, the first `KEPT` of them. `tally` counts every job.
    jobs: list[VideoProcessingJob]
    interrupted: bool = False
    # Why the batch stopped before its end (a full disk, a store out of reach); the jobs in flight kept
    # their checkpoints.
    stopped_by: TubenotesError | None = None
    # Whether any stage ran (and so may have changed the vault); an executor that cannot tell says True.
    worked: bool = True
    tally: Tally = None  # type: ignore[assignment]  # None: `jobs` is the whole batch, counted here

    def __post_init__(self) -> None:
        if self.tally is None:
            self.tally = Tally.of(self.jobs)

    @property
    def whole(self) -> bool:
        """Whether `jobs` holds every job of the batch."""
        return len(self.jobs) == self.tally.total

    @property
    def failed(self) -> list[VideoProcessingJob]:
        """The failed jobs (of a batch of more than `KEPT` jobs, those kept: `tally.failed` counts them all)."""
        return [job for job in self.jobs if job.stage is ProcessingStage.FAILED]

    @property
    def completed(self) -> list[VideoProcessingJob]:
        """The completed jobs (of a batch of more than `KEPT` jobs, none is kept: `tally.completed` counts them)."""
        return [job for job in self.jobs if job.stage is ProcessingStage.COMPLETED]

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_FAILED if self.tally.failed or self.stopped_by else EXIT_OK


class Executor(Protocol):
    def run(self, jobs: Collection[VideoProcessingJob], stages: StageRunner, reporter: Reporter) -> RunResult:
        """Every job through the stages it still needs; Ctrl-C stops taking work and returns interrupted.
        ``jobs`` may be `StoredJobs`, each loaded as it is reached."""
        ...
