"""The coordinator's side: send a batch to the workers, then follow it in the store.

Following only reads the store, so it can stop (Ctrl-C, a killed coordinator)
and start again from any machine that reaches the store: the workers go on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from tubenotes.distributed.app import STAGES
from tubenotes.distributed.inflight import InFlight
from tubenotes.distributed.tasks import send
from tubenotes.job import VideoProcessingJob
from tubenotes.pipeline import Routing, next_stage

# Seconds between looks at the store while following: one query each, whatever the batch's size.
POLL_INTERVAL = 0.5
FOLLOW_HINT = ("The workers go on with the batch. Follow it again with `tubenotes resume --executor celery` "
               "(sends only jobs that are neither finished nor queued) or see it with `tubenotes status`.")


def submit(app: Any, inflight: InFlight, store: Any, jobs: Iterable[VideoProcessingJob], routing: Routing) -> int:
    """Queue every job that is neither finished nor already queued at the stage it needs; returns how many."""
    queued = inflight.keys()
    sent = 0
    for job in jobs:
        if job.is_finished() or job.is_waiting() or job.key in queued:
            continue
        stage = next_stage(job, routing)
        if stage is None:
            job.mark_completed()
            store.save(job)
            continue
        store.save(job)  # as the workers will load it: `retry` resets failed jobs in memory
        # Marked before it is sent: a coordinator killed in between leaves a mark without a message,
        # never a message without a mark (which a resume would send a second time).
        inflight.mark([job.key], stage)
        send(app, job, stage)
        sent += 1
    return sent


def follow(store: Any, jobs: list[VideoProcessingJob], reporter: Any, routing: Routing, inflight: InFlight | None = None,
           interval: float = POLL_INTERVAL, sleep: Callable[[float], None] = time.sleep) -> list[VideoProcessingJob]:
    """Report the jobs' stages as workers finish them, until every job is finished; returns the jobs as stored.

    Ctrl-C (KeyboardInterrupt) propagates: the caller says how to follow again.
    """
    steps = [stage for stage in STAGES if routing.export or stage != "export"]
    keys = [job.key for job in jobs]
    reported: dict[str, set[str]] = {job.key: set(job.workers) for job in jobs}
    started: dict[str, str] = {}
    reporter.batch_started(jobs, steps)
    current = {job.key: job for job in jobs}
    try:
        while True:
            stored = {job.key: job for job in store.jobs(documents=False) if job.key in current}
            current.update(stored)
            queued = inflight.stages() if inflight is not None else {}
            for key in keys:
                _report(current[key], reported[key], started, queued.get(key), reporter)
            # A job that waits for a batch is done with for this round (`--batch` runs the next).
            if all(current[key].is_finished() or current[key].is_waiting() for key in keys):
                return [current[key] for key in keys]
            sleep(interval)
    finally:
        reporter.batch_finished([current[key] for key in keys])


def _report(job: VideoProcessingJob, reported: set[str], started: dict[str, str], queued: str | None,
            reporter: Any) -> None:
    for stage in STAGES:
        if stage in job.workers and stage not in reported:
            reported.add(stage)
            reporter.step_finished(job, stage)
    if queued is not None and not job.is_finished() and started.get(job.key) != queued:
        started[job.key] = queued
        reporter.step_started(job, queued)

