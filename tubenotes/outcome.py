"""The one place where a stage's outcome becomes data.

Every executor runs a stage through `run_step`: the local runner's threads,
the Celery tasks and `process_video_pipeline` alike. It runs the stage, turns
however it ended into the job's record, saves the job, and says which of six
outcomes it was. The executor then does only what is its own: hand the job on,
stop taking work, or send the stage again.

    done         the stage ran; the job is saved at its new checkpoint
    failed       an expected failure (a tubenotes error): the job failed with its reason, saved
    retry        the shared store could not be reached: nothing is saved, the stage runs again later
    interrupted  Ctrl-C stopped the stage: the job keeps its last checkpoint
    storage_stop the vault or its store cannot be written (a full disk, a read-only vault): no job
                 is at fault, none fails; the job keeps its last checkpoint and the batch stops
    bug          an internal error: logged with its traceback, the job failed "internal", saved
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from tubenotes.errors import StageInterrupted, StoreUnreachable, TubenotesError, as_storage_error
from tubenotes.job import VideoProcessingJob
from tubenotes.store.base import JobStore

log = logging.getLogger(__name__)

# A stage by name: ``job -> job``, expected failures raised as tubenotes errors.
Stage = Callable[[str, VideoProcessingJob], VideoProcessingJob]


class Outcome(str, Enum):
    DONE = "done"
    FAILED = "failed"
    RETRY = "retry"
    INTERRUPTED = "interrupted"
    STORAGE_STOP = "storage_stop"
    BUG = "bug"


@dataclass
class StepResult:
    outcome: Outcome
    job: VideoProcessingJob
    # Why, for every outcome but done and interrupted: the job's failure, the store that could not be
    # reached, the storage that cannot be written, the bug.
    error: Exception | None = None

    @property
    def saved(self) -> bool:
        """Whether the job was recorded (by the store given to `run_step`, if any)."""
        return self.outcome in (Outcome.DONE, Outcome.FAILED, Outcome.BUG)


def run_step(name: str, job: VideoProcessingJob, stage: Stage, store: JobStore | None = None) -> StepResult:
    """Stage ``name`` on ``job``, its outcome recorded on the job and, given a ``store``, saved there."""
    outcome, error = Outcome.DONE, None
    try:
        job = stage(name, job)
    except StageInterrupted:
        return StepResult(Outcome.INTERRUPTED, job)
    except Exception as exc:
        stop = _stop(exc, job)
        if stop is not None:
            return stop
        error = exc
        if isinstance(exc, TubenotesError):
            outcome = Outcome.FAILED
            job.mark_failed(str(exc), exc.kind, exc.retryable)
        else:  # fail this job loudly; the batch goes on
            outcome = Outcome.BUG
            log.error("internal error in %s for %s:\n%s", name, job.video_id, traceback.format_exc())
            job.mark_failed(f"internal error in {name}: {type(exc).__name__}: {exc}", "internal", True)
    if store is not None:
        try:
            store.save(job)
        except Exception as exc:
            stop = _stop(exc, job)
            if stop is None:
                raise
            return stop
    return StepResult(outcome, job, error)


def _stop(exc: Exception, job: VideoProcessingJob) -> StepResult | None:
    """The outcome of an error that is no job's fault, or None if ``exc`` is the job's own."""
    if isinstance(exc, StoreUnreachable):
        return StepResult(Outcome.RETRY, job, exc)
    storage = as_storage_error(exc)
    if storage is not None:
        return StepResult(Outcome.STORAGE_STOP, job, storage)
    return None
