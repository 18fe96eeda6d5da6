"""What an executor is: something that moves jobs between stages until each is finished.

An executor decides when and where a stage runs (threads here, Celery
workers in `tubenotes.distributed`); which stage a job needs next, and
what a stage does, come from the `StageRunner` it is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from tubenotes.errors import TubenotesError
from tubenotes.job import ProcessingStage, VideoProcessingJob

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


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

    def batch_started(self, jobs: list[VideoProcessingJob], steps: list[str]) -> None: ...

    def step_started(self, job: VideoProcessingJob, step: str) -> None: ...

    def step_finished(self, job: VideoProcessingJob, step: str) -> None: ...

    def stopping(self) -> None: ...

    def batch_finished(self, jobs: list[VideoProcessingJob]) -> None: ...


class SilentReporter:
    """No progress output: for the library API."""

    def batch_started(self, jobs: list[VideoProcessingJob], steps: list[str]) -> None:
        pass

    def step_started(self, job: VideoProcessingJob, step: str) -> None:
        pass

    def step_finished(self, job: VideoProcessingJob, step: str) -> None:
        pass

    def stopping(self) -> None:
        pass

    def batch_finished(self, jobs: list[VideoProcessingJob]) -> None:
        pass


@dataclass
class RunResult:
    jobs: list[VideoProcessingJob]
    interrupted: bool = False
    # Why the batch stopped before its end (a full disk, a store out of reach); the jobs in flight kept
    # their checkpoints.
    stopped_by: TubenotesError | None = None
    # Whether any stage ran (and so may have changed the vault); an executor that cannot tell says True.
    worked: bool = True

    @property
    def failed(self) -> list[VideoProcessingJob]:
        return [job for job in self.jobs if job.stage is ProcessingStage.FAILED]

    @property
    def completed(self) -> list[VideoProcessingJob]:
        return [job for job in self.jobs if job.stage is ProcessingStage.COMPLETED]

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_FAILED if self.failed or self.stopped_by else EXIT_OK


class Executor(Protocol):
    def run(self, jobs: Iterable[VideoProcessingJob], stages: StageRunner, reporter: Reporter) -> RunResult:
        """Every job through the stages it still needs; Ctrl-C stops taking work and returns interrupted."""
        ...
