"""`--batch`: rounds of another executor, with a provider's Batch API answering in between.

A round runs the ordinary stages on every job (the local runner, or the
Celery workers). A generation whose answers are not in the cache records its
requests in the store's batch ledger and its job waits, without a failure.
After the round the requests go to the provider as one batch file; this
process polls the batch (soon at first, then less and less often, at most
every two minutes), and when it is finished, files its answers in the
generation cache and puts failed or unfinished requests back for the next
batch. The next round finds the answers (cache hits) and goes on; requests
that depend on them (the overview of a long lecture after its parts) form
the next batch.

A batch belongs to the store: a process killed while waiting leaves it at
the provider and in the store, and the next `resume` polls it again by its
id. Exactly one process polls a batch at a time: it holds a lease in the
store, renewed at every look, and taken over at once from a process of the
same machine that has died.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Collection

from tubenotes.errors import CostCapReached, TransientError
from tubenotes.executors.base import Executor, Reporter, RunResult, StageRunner
from tubenotes.generate.batch_api import FINAL_STATES, BatchApi, batch_errors
from tubenotes.generate.batch_client import store_answer
from tubenotes.generate.costs import CostBudget, expected_usage
from tubenotes.job import VideoProcessingJob
from tubenotes.progress import format_seconds
from tubenotes.store.base import JobStore, listed
from tubenotes.store.batches import BatchRecord

# The first look soon after a submission (a small batch may be done in seconds); then each wait is
# half the batch's age, up to two minutes: a few looks in the first minutes, then one every two.
FIRST_POLL = 0.5
MAX_POLL_INTERVAL = 120.0
# How long a poller's claim on a batch holds without being renewed: well past its longest wait.
LEASE_SECONDS = 2 * MAX_POLL_INTERVAL + 60
# Submissions of one request before its job fails with the provider's reason.
BATCH_ATTEMPTS = 3

CHECK_BACK = ("The batch goes on at the provider. `tubenotes status` shows it, `tubenotes resume` collects its "
              "answers and goes on (waiting for it), `tubenotes batch cancel` cancels it.")


class BatchedExecutor:
    """Rounds of ``make_inner()``'s executor, with the Batch API's answers waited for in between."""

    def __init__(self, make_inner: Callable[[], Executor], store: JobStore, api: BatchApi,
                 notice: Callable[[str], None] = print, wait: bool = True, budget: CostBudget | None = None,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> None:
        self.make_inner = make_inner
        self.store = store
        self.api = api
        self.settings = api.settings
        self.notice = notice
        self.wait = wait
        self.budget = budget
        self.clock = clock
        self.sleep = sleep
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._seen: dict[str, tuple[str, dict[str, int]]] = {}  # batch id -> state and counts last told

    def run(self, jobs: Collection[VideoProcessingJob], stages: StageRunner, reporter: Reporter) -> RunResult:
        current = {job.key: job for job in jobs}
        worked = False
        while True:
            self._look(once=True)  # a batch that finished while nobody watched gives its answers now
            for key, job in current.items():
                if job.is_waiting() and not job.has_transcript():
                    # The round's runner kept only its record: the store has its transcript, which would
                    # otherwise be fetched again.
                    current[key] = job = self.store.load(key) or job
                job.wake()
            result = self.make_inner().run([job for job in current.values() if not job.is_finished()], stages,
                                           reporter)
            if result.whole:
                current.update((job.key, job) for job in result.jobs)
            else:  # the round's result kept only some of its jobs: the store has them all, listed a page at a time
                current.update((job.key, job) for job in listed(self.store) if job.key in current)
            worked = worked or result.worked
            if result.interrupted or result.stopped_by is not None:
                return RunResult(list(current.values()), result.interrupted, result.stopped_by, worked)
            waiting = sum(job.is_waiting() for job in current.values())
            if not waiting:
                return RunResult(list(current.values()), worked=worked)
            try:
                self._submit()
            except CostCapReached as exc:
                return RunResult(list(current.values()), stopped_by=exc, worked=worked)
            if not self._live():  # asked through another server, say: no batch here will ever answer them
                self.notice(f"{waiting} job(s) wait for answers that no batch at {self.settings.host} holds; "
                            "`tubenotes resume --no-batch` asks them live")
                return RunResult(list(current.values()), worked=worked)
            if not self.wait:
                self.notice(f"{waiting} job(s) wait for the batch. {CHECK_BACK}")
                return RunResult(list(current.values()), worked=worked)
            try:
                self._look(once=False)
            except KeyboardInterrupt:
                self.notice(f"Stopped waiting. {CHECK_BACK}")
                return RunResult(list(current.values()), interrupted=True, worked=worked)

    def answer(self) -> bool:
        """Submit the requests that wait outside the rounds (a course's, from the vault pass) and, unless told
        not to wait, wait for their answers; True once they are in."""
        if not self.store.batches.pending(self.settings.host):
            return False
        self._submit()
        if not self.wait:
            self.notice(f"A course waits for the batch. {CHECK_BACK}")
            return False
        self._look(once=False)
        return True

    # --- submitting -------------------------------------------------------------------

    def _submit(self) -> None:
        """The requests no live batch holds, as one batch; never a request twice."""
        pending = self.store.batches.pending(self.settings.host)
        if not pending:
            return
        expected = expected_usage(self.settings, pending.values(), batch=True)
        if self.budget is None:
            record = self.api.submit(pending)
        else:
            with self.budget.reserve(self.settings, list(pending.values()), batch=True) as paid:
                record = self.api.submit(pending)
                paid(expected.cost_usd)
        self.store.batches.submitted(record, pending)
        cost = "" if expected.cost_usd is None else f", about ${expected.cost_usd:.4f} at the batch price"
        self.notice(f"Submitted batch {record.id} to {self.settings.label}: {len(pending)} request(s), "
                    f"about {expected.prompt_tokens + expected.completion_tokens:,} tokens{cost}.")

    # --- waiting ------------------------------------------------------------------------

    def _look(self, once: bool) -> None:
        """Poll this server's live batches and collect each that finished; ``once``: a single look at each,
        else until none is left."""
        next_look: dict[str, float] = {}
        while True:
            live = self._live()
            if not live:
                return
            now = self.clock()
            for batch in live:
                if next_look.get(batch.id, 0.0) <= now:
                    self._poll(batch)
                    next_look[batch.id] = now + poll_interval(now - batch.submitted_at)
            if once:
                return
            self.sleep(max(0.0, min(next_look.get(batch.id, now) for batch in live) - self.clock()))

    def _live(self) -> list[BatchRecord]:
        return [batch for batch in self.store.batches.batches() if batch.host == self.settings.host]

    def _poll(self, batch: BatchRecord) -> None:
        if not self.store.batches.claim(batch.id, self.owner, self.clock() + LEASE_SECONDS, _dead(batch.poller)):
            return  # another process polls it, and collects it
        try:
            batch = self.api.look(batch)
        except TransientError as exc:
            self.notice(f"batch {batch.id}: {exc}; looking again later")
            return
        self.store.batches.update(batch)
        self._tell(batch)
        if batch.state in FINAL_STATES:
            self._collect(batch)

    def _collect(self, batch: BatchRecord) -> None:
        """A finished batch's answers into the cache; its failed and unfinished requests back to the ledger."""
        keys = self.store.batches.requests_in(batch.id)
        results = self.api.results(batch, keys)
        for key, completion in results.answers.items():
            store_answer(self.store.cache, self.settings, key, completion)
        failures = dict(results.failures)
        unfinished = (batch_errors(batch) if batch.state == "failed"
                      else f"the batch was {batch.state} before this request was done")
        failures.update({key: unfinished for key in keys - results.answers.keys() - failures.keys()})
        self.store.batches.settle(batch.id, results.answers, failures, BATCH_ATTEMPTS)
        again = f"; {len(failures)} to ask again (or failed for good after {BATCH_ATTEMPTS} attempts)" \
            if failures else ""
        self.notice(f"Batch {batch.id} {batch.state}: {len(results.answers)} answer(s) collected{again}.")

    def _tell(self, batch: BatchRecord) -> None:
        counts = batch.request_counts
        if self._seen.get(batch.id) == (batch.state, counts):
            return
        self._seen[batch.id] = (batch.state, counts)
        self.notice(f"batch {batch.id}: {batch.state}, {counts.get('completed', 0)} of {counts.get('total', 0)} "
                    f"answered, {counts.get('failed', 0)} failed, {format_seconds(self.clock() - batch.submitted_at)} "
                    "since it was submitted")


def poll_interval(age: float) -> float:
    """Seconds to the next look at a batch ``age`` seconds old."""
    return min(MAX_POLL_INTERVAL, max(FIRST_POLL, age / 2))


def _dead(poller: str | None) -> str | None:
    """``poller`` if it is a process of this machine that no longer runs (killed while polling), else None."""
    if poller is None:
        return None
    host, _, pid = poller.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return poller
    except PermissionError:
        return None
    return None

