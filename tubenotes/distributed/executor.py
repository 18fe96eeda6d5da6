"""The Celery executor: the coordinator's side of a distributed batch.

It sends each job that needs work to the queue of its next stage, then
follows the batch in the shared store with the local runner's display, final
table and exit codes. Ctrl-C stops following only: the workers go on.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from tubenotes.distributed.app import make_app
from tubenotes.distributed.coordinator import FOLLOW_HINT, RESUME_HINT, follow, submit
from tubenotes.distributed.inflight import BrokerUnreachable, InFlight
from tubenotes.errors import ConfigurationError, TubenotesError
from tubenotes.executors.base import Reporter, RunResult, StageRunner
from tubenotes.job import VideoProcessingJob
from tubenotes.pipeline import Routing


class CeleryExecutor:
    def __init__(self, store: Any, broker: str | None = None, notice: Callable[[str], None] = print,
                 routing: Routing = Routing()) -> None:
        self.store = store
        self.app = make_app(broker)
        self.inflight = InFlight(self.app.conf.broker_url)
        self.inflight.check()  # a broker out of reach is a configuration error: nothing is sent
        self.notice = notice
        self.routing = routing

    def run(self, jobs: Collection[VideoProcessingJob], stages: StageRunner, reporter: Reporter) -> RunResult:
        jobs = list(jobs)
        stored = [job for job in jobs if self.store.load(job.key) is not None]  # inputs that named nothing are not
        try:
            sent = submit(self.app, self.inflight, self.store, stored, self.routing, self.notice)
            self.notice(f"Sent {sent} job(s) to the workers; {len(stored) - sent} already queued or finished.")
            return RunResult(follow(self.store, jobs, reporter, self.routing, self.inflight, app=self.app,
                                    notice=self.notice))
        except KeyboardInterrupt:
            reporter.stopping()
            self.notice(FOLLOW_HINT)
            return RunResult(self._as_stored(jobs), interrupted=True)
        except (BrokerUnreachable, ConfigurationError) as exc:  # the broker lost, or workers on another store
            reporter.stopping()
            self.notice(RESUME_HINT)
            return RunResult(self._as_stored(jobs), stopped_by=exc)

    def _as_stored(self, jobs: list[VideoProcessingJob]) -> list[VideoProcessingJob]:
        try:
            return [self.store.load(job.key) or job for job in jobs]
        except TubenotesError:  # the store out of reach as well: the jobs as this run last saw them
            return jobs
