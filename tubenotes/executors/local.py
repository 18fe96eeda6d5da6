"""The local executor: many jobs streaming through the stages, a concurrency limit per stage.

There is no barrier between stages: a job moves on as soon as its stage is
done. Each stage has its own thread pool, so fetching is bounded by the exit
node pool, transcription by the CPU cores, generation by the LLM concurrency,
writing has a single writer and export uses the CPU cores. Every transition
is committed to the store.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import threading
import traceback
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor

from tubenotes.errors import TubenotesError, as_storage_error
from tubenotes.executors.base import EXIT_INTERRUPTED, Kept, Reporter, RunResult, StageRunner, StoredJobs
from tubenotes.job import VideoProcessingJob
from tubenotes.outcome import Outcome, run_step
from tubenotes.store.base import JobStore
from tubenotes.store.documents import DOCUMENT_FIELDS

log = logging.getLogger(__name__)

# Jobs handed out at once, per worker of all the stages: enough to keep every stage busy, few enough
# that transcripts fetched faster than they are written do not pile up in memory.
IN_FLIGHT_PER_WORKER = 4


class LocalExecutor:
    """The streaming thread runner: a thread pool per stage, jobs handed on as each stage finishes."""

    def __init__(self, store: JobStore) -> None:
        self.store = store
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._outstanding = 0
        self._in_flight = 0
        self._room = threading.Condition(self._lock)  # for a job to be handed out
        self._all_done = threading.Event()
        self._stopped_by: TubenotesError | None = None
        self._worked = threading.Event()

    def run(self, jobs: Collection[VideoProcessingJob], stages: StageRunner, reporter: Reporter) -> RunResult:
        self._stages = stages
        self._reporter = reporter
        self._kept = Kept(len(jobs))
        limits = stages.limits()
        self._executors = {
            name: ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"tubenotes-{name}")
            for name, workers in limits.items()
        }
        reporter.batch_started(jobs, list(limits))
        with self._lock:
            self._outstanding = len(jobs)
        if not jobs:
            self._all_done.set()
        # Jobs are handed out from a thread of their own, so that a Ctrl-C in the main
        # thread can never leave some of them neither handed out nor counted.
        bound = IN_FLIGHT_PER_WORKER * sum(limits.values())
        feeder = threading.Thread(target=self._feed, args=(jobs, bound), name="tubenotes-feeder")
        sigint = signal.getsignal(signal.SIGINT)
        interrupted = False
        try:
            feeder.start()
            self._wait()
        except KeyboardInterrupt:
            interrupted = True
            self._drain()
        finally:
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGINT, sigint)
            for executor in self._executors.values():
                executor.shutdown(wait=not interrupted, cancel_futures=True)
        feeder.join()
        kept = self._kept.jobs
        reporter.batch_finished(kept)
        return RunResult(kept, interrupted=interrupted, stopped_by=self._stopped_by, worked=self._worked.is_set(),
                         tally=self._kept.tally)

    def _wait(self) -> None:
        # A timed wait, so that the main thread sees Ctrl-C promptly.
        while not self._all_done.wait(0.2):
            pass

    def _drain(self) -> None:
        """First Ctrl-C: take no new work, let the stages in progress reach their next checkpoint
        (a transcription, which may be an hour from its own, stops at once)."""
        self._stop_taking_work()
        self._stages.interrupt()
        # Until the batch ends a second Ctrl-C leaves at once. Every commit so far is
        # durable (SQLite WAL); a job cut off resumes from its last checkpoint.
        signal.signal(signal.SIGINT, lambda signum, frame: os._exit(EXIT_INTERRUPTED))
        self._reporter.stopping()
        self._wait()

    def _feed(self, jobs: Collection[VideoProcessingJob], bound: int) -> None:
        """Hand out each job (loaded from the store only then, for `StoredJobs`) once fewer than ``bound``
        are in flight; once stopping, keep the rest as they are."""
        handed = 0
        try:
            for job in jobs:
                with self._room:
                    self._room.wait_for(lambda: self._in_flight < bound or self._stopping.is_set())
                    stopping = self._stopping.is_set()
                    if not stopping:
                        self._in_flight += 1
                if stopping:
                    self._keep_rest(jobs, handed)
                    break
                self._dispatch(handed, job)
                handed += 1
        except Exception as exc:  # the store out of reach while loading a job: the rest stay as they are stored
            if not self._stop_for_storage(exc):
                log.error("could not hand out the jobs after the first %d:\n%s", handed, traceback.format_exc())
        with self._room:
            rest = self._outstanding - self._in_flight  # not handed out (or deleted from the store meanwhile)
        self._finish(rest, in_flight=False)

    def _keep_rest(self, jobs: Collection[VideoProcessingJob], handed: int) -> None:
        """The jobs not handed out, for `resume`: saved in one transaction, unless they are `StoredJobs`,
        which the store has as they are. Those of a small batch are kept for its table; a large one counts
        them unfinished without loading them."""
        if isinstance(jobs, StoredJobs):
            if self._kept.whole:
                for order, job in enumerate(jobs.after(handed), start=handed):
                    _drop_documents(job)
                    self._kept.add(order, job)
            return
        rest = list(jobs)[handed:]
        for order, job in enumerate(rest, start=handed):
            self._kept.add(order, job)
        try:
            self.store.save_many(rest)
        except Exception as exc:
            if not self._stop_for_storage(exc):
                log.error("could not keep %d jobs not handed out:\n%s", len(rest), traceback.format_exc())

    def _dispatch(self, order: int, job: VideoProcessingJob) -> None:
        """Hand the job to its next step, or count it finished; never raises, so no job is lost."""
        try:
            step = self._stages.next_stage(job)
            if step is not None and not self._stopping.is_set():
                self._executors[step].submit(self._work, order, step, job)
                return
            if step is None:
                if self._stages.settle(job):
                    self.store.save(job)
                if job.is_finished():
                    job.keep_summary()  # the store has the rest
                else:
                    _drop_documents(job)
            elif step is not None:
                self.store.save(job)  # stopping: kept as it is for `resume`
                _drop_documents(job)
            self._kept.add(order, job)
        except Exception as exc:
            if not self._stop_for_storage(exc):
                log.error("could not hand on %s:\n%s", job.video_id, traceback.format_exc())
        self._finish_one()

    def _work(self, order: int, step: str, job: VideoProcessingJob) -> None:
        if self._stopping.is_set():
            self._dispatch(order, job)
            return
        try:
            self._reporter.step_started(job, step)
            self._worked.set()
            result = run_step(step, job, self._stages.run, self.store)
            if result.outcome in (Outcome.STORAGE_STOP, Outcome.RETRY):
                assert isinstance(result.error, TubenotesError)
                self._stop(result.error)
            if not result.saved:  # the job keeps its last checkpoint: `resume` runs the stage again
                self._kept.add(order, job)
                self._finish_one()
                return
            job = result.job
            self._reporter.step_finished(job, step)
        except Exception as exc:
            # The store or the display failed: the job keeps its last saved checkpoint.
            if not self._stop_for_storage(exc):
                log.error("could not record %s after %s:\n%s", job.video_id, step, traceback.format_exc())
            self._kept.add(order, job)
            self._finish_one()
            return
        except BaseException:
            # A SystemExit from a library, in a thread where nobody reads it: the batch stops as for a
            # Ctrl-C, and the job is counted, or the runner would wait for it for ever.
            log.error("stopping: %s ended its thread after %s:\n%s", job.video_id, step, traceback.format_exc())
            self._stop_taking_work()
            self._finish_one()
            raise
        self._dispatch(order, job)

    def _stop_for_storage(self, exc: Exception) -> bool:
        """Stop for a full disk or a read-only vault; True if ``exc`` was such a failure."""
        storage = as_storage_error(exc)
        if storage is None:
            return False
        self._stop(storage)
        return True

    def _stop(self, cause: TubenotesError) -> None:
        """No job's fault (a full disk, a store out of reach): stop taking work and report it once;
        the jobs keep their last checkpoints."""
        with self._lock:
            if self._stopped_by is None:
                self._stopped_by = cause
        self._stop_taking_work()

    def _stop_taking_work(self) -> None:
        with self._room:
            self._stopping.set()
            self._room.notify_all()

    def _finish_one(self) -> None:
        self._finish(1)

    def _finish(self, count: int, in_flight: bool = True) -> None:
        with self._room:
            self._outstanding -= count
            if in_flight:
                self._in_flight -= count
                self._room.notify()
            if self._outstanding <= 0:
                self._all_done.set()


def _drop_documents(job: VideoProcessingJob) -> None:
    """A job that waits for a batch's answers keeps all but its documents, which are in the store.
    Like a listing's jobs, never to be saved."""
    for field in dataclasses.fields(job):
        if field.name in DOCUMENT_FIELDS:
            empty = field.default if field.default_factory is dataclasses.MISSING else field.default_factory()
            setattr(job, field.name, empty)
