"""The tasks: run one stage on a job named by its key, save it, send it on to the stage it needs next.

Each worker process builds the stages once, from the worker's own settings
(its network, its LLM key: secrets never travel through the broker or the
store) filled in with the batch's settings from the store, and rebuilds them
when a new batch brings other settings.
"""

from __future__ import annotations

import logging
import threading
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from tubenotes.config import Settings, redact_url
from tubenotes.distributed.app import COURSE_QUEUE, STAGES, task_name
from tubenotes.distributed.inflight import BrokerUnreachable, InFlight
from tubenotes.distributed.limits import SharedLlmLimit
from tubenotes.errors import StorageError, StoreUnreachable
from tubenotes.job import VideoProcessingJob
from tubenotes.outcome import Outcome, run_step
from tubenotes.store import open_store
from tubenotes.vault.files import single_writer

log = logging.getLogger(__name__)

# Seconds, at most, between two runs of a stage whose outcome could not be recorded.
RETRY_DELAY_MAX = 60


@dataclass
class WorkerConfig:
    """What `tubenotes worker` was given; each worker process builds its state from it."""

    store_url: str
    settings: Settings
    given: set[str] = field(default_factory=set)  # the settings given on this worker, which the batch's do not replace
    llm_per_minute: int | None = None


class WorkerState:
    """One worker process's store, stages and broker link, built on its first task."""

    def __init__(self, app: Any, config: WorkerConfig) -> None:
        self.app = app
        self.config = config
        self.store = open_store(config.store_url, config.settings.vault)
        self.inflight = InFlight(app.conf.broker_url)
        self._lock = threading.Lock()
        self._remembered: dict[str, Any] | None = None
        self._stages: Any = None
        self._gate: SharedLlmLimit | None = None
        self.settings = config.settings

    def stages(self) -> Any:
        """The stages for the batch's settings; rebuilt when they changed since the last task."""
        from tubenotes.stages import build_stages

        remembered = self.store.load_settings()
        with self._lock:
            if self._stages is None or remembered != self._remembered:
                self._close_stages()
                self.settings = self.config.settings.with_remembered(remembered, self.config.given)
                # The LLM limits hold across every worker on the broker, not per process.
                self._gate = SharedLlmLimit(self.app.conf.broker_url, self.settings.llm_concurrency,
                                            self.config.llm_per_minute)
                self._stages = build_stages(self.settings, self.store, notice=log.warning, llm_gate=self._gate)
                self._remembered = remembered
            return self._stages

    def _close_stages(self) -> None:
        if self._stages is not None:
            self._stages.close()
        if self._gate is not None:
            self._gate.close()

    def close(self) -> None:
        with self._lock:
            self._close_stages()
        self.inflight.close()
        self.store.close()


_state: WorkerState | None = None
_state_lock = threading.Lock()
_config: WorkerConfig | None = None


def configure(config: WorkerConfig) -> None:
    """Before the worker starts: pool processes fork after this and build their state on first use."""
    global _config
    _config = config


def worker_state(app: Any) -> WorkerState:
    global _state
    with _state_lock:
        if _state is None:
            if _config is None:
                raise RuntimeError("tubenotes.distributed.tasks.configure() was not called before the worker started")
            _state = WorkerState(app, _config)
        return _state


def close_worker_state() -> None:
    global _state
    with _state_lock:
        if _state is not None:
            _state.close()
            _state = None


def register_tasks(app: Any) -> None:
    """One task per stage, each bound to the queue of its name.

    A stage whose outcome cannot be recorded (the store out of reach, a full disk) is not
    acknowledged as done: Celery runs it again later, until it can be.
    """
    for stage in STAGES:
        def run(self: Any, key: str, _stage: str = stage) -> None:
            try:
                run_stage(worker_state(self.app), _stage, key, self.request.hostname or "worker")
            except (StoreUnreachable, StorageError) as exc:
                delay = retry_delay(self.request.retries)
                log.warning("%s of %s: %s; trying again in %.0f s", _stage, key, exc, delay)
                held_for_retry(self.app, key, _stage)
                raise self.retry(exc=exc, countdown=delay, max_retries=None) from exc

        app.task(name=task_name(stage), bind=True)(run)

    def course(self: Any, subject: str) -> None:
        state = worker_state(self.app)
        with single_writer(state.settings.vault):
            state.stages().course_pass(subject)

    app.task(name=task_name(COURSE_QUEUE), bind=True)(course)


def held_for_retry(app: Any, key: str, stage: str) -> None:
    """Mark the job taken while its retry waits in this worker, so that no coordinator takes it for lost."""
    inflight = InFlight(app.conf.broker_url)
    try:
        inflight.take(key, stage)
    except BrokerUnreachable:
        pass  # the retry's own message needs the broker too; Celery reports that
    finally:
        inflight.close()


def retry_delay(retries: int) -> float:
    """Seconds before a stage that could not be recorded runs again: doubling, at most a minute."""
    return float(min(RETRY_DELAY_MAX, 2 ** (retries + 1)))


def send(app: Any, job: VideoProcessingJob, stage: str) -> None:
    from kombu.exceptions import OperationalError

    try:
        app.send_task(task_name(stage), args=(job.key,), queue=stage)
    except OperationalError as exc:
        raise BrokerUnreachable(f"cannot reach the broker {redact_url(app.conf.broker_url)} to send {job.key}: "
                                f"{exc}; check --broker / TUBENOTES_BROKER and that Redis runs") from exc


def run_stage(state: WorkerState, stage: str, key: str, worker: str) -> None:
    """The stage on the stored job, if it still needs it; then the job goes on."""
    job = state.store.load(key)
    if job is None:
        # Sent by a coordinator whose store is not this worker's: say so where the coordinator looks.
        problem = (f"worker {worker} found no job {key} in its store {redact_url(state.config.store_url)}: the "
                   "workers and the coordinator must share one store; start the workers with the coordinator's "
                   "--store")
        log.error("%s", problem)
        state.inflight.report(key, problem)
        return
    state.inflight.take(key, stage)  # before the stages are built (a tor may bootstrap): no one takes it for lost
    stages = state.stages()
    wanted = stages.next_stage(job)
    if wanted != stage:
        # A message delivered again after its stage was done (its worker may have died before
        # sending the job on, or the coordinator sent it twice): send on what the job needs now.
        _hand_on(state, job, wanted)
        return
    job.workers[stage] = worker
    with single_writer(state.settings.vault) if stage == "write" else nullcontext():
        result = run_step(stage, job, stages.run, state.store)
    if result.outcome is Outcome.INTERRUPTED:  # the job keeps its last checkpoint; the stage is sent again
        _hand_on(state, job, stage)
        return
    if not result.saved:  # a store out of reach, a full disk: nothing recorded; Celery runs the stage again
        assert result.error is not None
        raise result.error
    _hand_on(state, result.job, stages.next_stage(result.job))


def _hand_on(state: WorkerState, job: VideoProcessingJob, stage: str | None) -> None:
    if stage is not None:
        state.inflight.mark([job.key], stage)
        send(state.app, job, stage)
        return
    if not (job.is_finished() or job.is_waiting()):  # a waiting job goes on when its batch is answered
        job.mark_completed()
        state.store.save(job)
    state.inflight.clear(job.key)
    if job.is_finished() and _subject_finished(state, job.subject):
        # The fan-in: the last lecture of a subject to finish sends its course stage (two at once send it
        # twice, and the second finds the course made: it writes nothing and asks no model).
        state.app.send_task(task_name(COURSE_QUEUE), args=(job.subject,), queue=COURSE_QUEUE)


def _subject_finished(state: WorkerState, subject: str) -> bool:
    wanted = subject.casefold()
    return all(job.is_finished() for job in state.store.jobs(documents=False) if job.subject.casefold() == wanted)
