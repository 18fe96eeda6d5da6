"""The coordinator's side: send a batch to the workers, then follow it in the store.

Following only reads the store, so it can stop (Ctrl-C, a killed coordinator)
and start again from any machine that reaches the store: the workers go on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from tubenotes.distributed.app import STAGES, visibility_timeout
from tubenotes.distributed.inflight import InFlight, Mark
from tubenotes.distributed.tasks import send
from tubenotes.errors import ConfigurationError
from tubenotes.job import VideoProcessingJob
from tubenotes.pipeline import Routing, next_stage

Notice = Callable[[str], None]

# Seconds between looks at the store while following: one query each, whatever the batch's size.
POLL_INTERVAL = 0.5
# Seconds a job may sit queued, its queue empty and no worker on it, before its message is taken for lost and
# sent again. A worker marks a job taken as its task starts, so a long stage never looks lost.
LOST_AFTER = 60.0
# Seconds between looks for lost messages and workers' reports while following.
LOOK_EVERY = 5.0
FOLLOW_HINT = ("The workers go on with the batch. Follow it again with `tubenotes resume --executor celery` "
               "(sends only jobs that are neither finished nor queued) or see it with `tubenotes status`.")
RESUME_HINT = ("The jobs keep their stages, none failed for it: once that is fixed, go on with "
               "`tubenotes resume --executor celery` (with the same --store and --broker).")


def submit(app: Any, inflight: InFlight, store: Any, jobs: Iterable[VideoProcessingJob], routing: Routing,
           notice: Notice = lambda message: None, deadline: float = LOST_AFTER) -> int:
    """Queue every job that is neither finished nor already queued at the stage it needs; returns how many.

    A mark left by an earlier coordinator or worker is stale when its job needs another stage now (or none),
    or when its message seems lost (`Mark.lost`): then the job is sent again.
    """
    marks, now = inflight.marks(), inflight.now()
    sent = 0
    for job in jobs:
        if job.is_finished() or job.is_waiting():
            if job.key in marks:
                inflight.clear(job.key)  # stale: the job needs no message
            continue
        stage = next_stage(job, routing)
        mark = marks.get(job.key)
        if mark is not None and stage is not None:
            if mark.stage == stage and not _lost(inflight, mark, now, deadline):
                continue  # its message is on its way
            notice(f"{job_name(job)}: marked in flight at {mark.stage} since {now - mark.since:.0f} s, but no "
                   f"worker is on it; sent again to {stage}.")
        if stage is None:
            job.mark_completed()
            store.save(job)
            inflight.clear(job.key)
            continue
        store.save(job)  # as the workers will load it: `retry` resets failed jobs in memory
        # Marked before it is sent: a coordinator killed in between leaves a mark without a message,
        # never a message without a mark (which a resume would send a second time).
        inflight.mark([job.key], stage)
        send(app, job, stage)
        sent += 1
    return sent


def follow(store: Any, jobs: list[VideoProcessingJob], reporter: Any, routing: Routing, inflight: InFlight | None = None,
           interval: float = POLL_INTERVAL, sleep: Callable[[float], None] = time.sleep, app: Any = None,
           notice: Notice = lambda message: None, deadline: float = LOST_AFTER,
           look_every: float = LOOK_EVERY) -> list[VideoProcessingJob]:
    """Report the jobs' stages as workers finish them, until every job is finished; returns the jobs as stored.

    The warnings a worker gives a job (pictures it cannot find, a file the user changed) are told through
    ``notice``, as a local run tells them.

    With ``app``, a job whose message seems lost (in flight past ``deadline`` seconds with its queue empty)
    is sent again, and the coordinator says so. A worker's report that it cannot run a job (its store does
    not hold it) raises ConfigurationError; a lost broker raises BrokerUnreachable. Ctrl-C
    (KeyboardInterrupt) propagates: the caller says how to follow again.
    """
    steps = [stage for stage in STAGES if routing.export or stage != "export"]
    keys = [job.key for job in jobs]
    reported: dict[str, set[str]] = {job.key: set(job.workers) for job in jobs}
    started: dict[str, str] = {}
    told = {(job.key, warning) for job in jobs for warning in job.warnings}  # told by an earlier run
    reporter.batch_started(jobs, steps)
    current = {job.key: job for job in jobs}
    looked = time.monotonic()
    try:
        while True:
            stored = {job.key: job for job in store.jobs(documents=False) if job.key in current}
            current.update(stored)
            queued = inflight.stages() if inflight is not None else {}
            for key in keys:
                _report(current[key], reported[key], started, queued.get(key), reporter)
                _tell_warnings(current[key], told, notice)
            # A job that waits for a batch is done with for this round (`--batch` runs the next).
            if all(current[key].is_finished() or current[key].is_waiting() for key in keys):
                return [current[key] for key in keys]
            if inflight is not None and app is not None and time.monotonic() - looked >= look_every:
                looked = time.monotonic()
                _stop_for_problems(inflight, keys)
                _send_lost_again(app, inflight, [current[key] for key in keys], notice, deadline)
            sleep(interval)
    finally:
        reporter.batch_finished([current[key] for key in keys])


def _send_lost_again(app: Any, inflight: InFlight, jobs: list[VideoProcessingJob], notice: Notice,
                     deadline: float) -> None:
    """Send again each job whose message seems lost, to the stage it was marked at (its worker checks
    what the job needs by then: these jobs are listings, without their documents)."""
    marks, now = inflight.marks(), inflight.now()
    for job in jobs:
        mark = marks.get(job.key)
        if job.is_finished() or mark is None or not _lost(inflight, mark, now, deadline):
            continue
        notice(f"{job_name(job)}: in flight at {mark.stage} for {now - mark.since:.0f} s with no worker on it "
               "(its message lost?); sent again.")
        inflight.mark([job.key], mark.stage)
        send(app, job, mark.stage)


def _lost(inflight: InFlight, mark: Mark, now: float, deadline: float) -> bool:
    # The queue's length is asked only of old marks: one call per suspect, not per job.
    if now - mark.since <= deadline:
        return False
    return mark.lost(now, inflight.waiting(mark.stage), deadline, visibility_timeout() + deadline)


def _stop_for_problems(inflight: InFlight, keys: list[str]) -> None:
    problems = inflight.problems(keys)
    if problems:
        inflight.forget_problems(problems)
        raise ConfigurationError(next(iter(problems.values())))


def job_name(job: VideoProcessingJob) -> str:
    return f"{job.video_title or job.video_id} ({job.key})"


def _tell_warnings(job: VideoProcessingJob, told: set[tuple[str, str]], notice: Notice) -> None:
    for warning in job.warnings:
        if (job.key, warning) not in told:
            told.add((job.key, warning))
            notice(f"{job_name(job)}: {warning}")


def _report(job: VideoProcessingJob, reported: set[str], started: dict[str, str], queued: str | None,
            reporter: Any) -> None:
    for stage in STAGES:
        if stage in job.workers and stage not in reported:
            reported.add(stage)
            reporter.step_finished(job, stage)
    if queued is not None and not job.is_finished() and started.get(job.key) != queued:
        started[job.key] = queued
        reporter.step_started(job, queued)

