"""A distributed batch whose broker, store or messages fail: a clear message, no hang, nothing lost.

The coordinator's side runs here in-process against the real Redis; worker
processes are started only where a test needs one (marked slow).
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import run_cli
from tubenotes.distributed.app import make_app
from tubenotes.distributed.coordinator import follow, submit
from tubenotes.distributed.executor import CeleryExecutor
from tubenotes.distributed.inflight import BrokerUnreachable, InFlight
from tubenotes.errors import ConfigurationError
from tubenotes.executors import SilentReporter
from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.pipeline import Routing
from tubenotes.store import MemoryStore
from tubenotes.testing.services import postgres_database, redis_database

pytestmark = pytest.mark.timeout(120)

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker() -> Iterator[str]:
    with redis_database() as url:
        yield url


@pytest.fixture
def inflight(broker: str) -> Iterator[InFlight]:
    marks = InFlight(broker)
    yield marks
    marks.close()


def stored_jobs(count: int) -> tuple[MemoryStore, list[VideoProcessingJob]]:
    store = MemoryStore()
    jobs = [VideoProcessingJob(url=f"https://youtu.be/lecture{n:04d}", video_id=f"lecture{n:04d}", position=n)
            for n in range(count)]
    for job in jobs:
        store.save(job)
    return store, jobs


@pytest.mark.slow
def test_a_worker_whose_store_or_broker_is_out_of_reach_exits_with_a_message(tmp_path: Path) -> None:
    with postgres_database() as good_store:
        missing_store = good_store.rsplit("/", 1)[0] + "/tubenotes_no_such_database"
        for store, broker in ((missing_store, None), (good_store, UNREACHABLE_BROKER)):
            args = ["worker", "--store", store, "--vault", str(tmp_path / "vault")]
            if broker:
                args += ["--broker", broker]
            result = run_cli(*args, timeout=60)
            assert result.returncode == 2, result.stdout + result.stderr
            assert "Traceback" not in result.stderr and "ready" not in result.stdout + result.stderr
            message = " ".join(result.stderr.split())
            assert ("cannot reach the PostgreSQL store" if broker is None else "cannot reach the broker") in message


@pytest.mark.slow
def test_a_coordinator_whose_broker_is_out_of_reach_is_a_configuration_error(tmp_path: Path) -> None:
    transcript = tmp_path / "lecture.txt"
    transcript.write_text("Energy is conserved in a closed system. " * 20)
    with postgres_database() as store:
        result = run_cli("run", transcript, "--executor", "celery", "--broker", UNREACHABLE_BROKER, "--store", store,
                         "--vault", tmp_path / "vault", "--no-pdf", "-q", timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "cannot reach the broker redis://127.0.0.1:1/0" in " ".join(result.stderr.split())


def test_a_lost_message_is_sent_again_and_the_coordinator_says_so(broker: str, inflight: InFlight) -> None:
    app = make_app(broker)
    store, jobs = stored_jobs(2)
    assert submit(app, inflight, store, jobs, Routing(export=False)) == 2
    inflight._redis.delete("fetch")  # the messages are lost on the way (a broker restarted without its data)
    notices: list[str] = []

    def a_worker_that_finishes_what_it_finds(seconds: float) -> None:
        # Stands in for the workers: whatever is in the fetch queue now is done.
        for _ in range(inflight.waiting("fetch")):
            inflight._redis.rpop("fetch")
        for job in jobs:
            if any(job.key in notice for notice in notices):
                job.mark_completed()
                store.save(job)

    done = follow(store, jobs, SilentReporter(), Routing(export=False), inflight, interval=0.05,
                  sleep=a_worker_that_finishes_what_it_finds, app=app, notice=notices.append, deadline=0.2,
                  look_every=0.1)
    assert all(job.stage is ProcessingStage.COMPLETED for job in done)
    assert len(notices) == 2 and all("sent again" in notice for notice in notices)


def test_resume_clears_stale_marks_and_sends_what_each_job_needs(broker: str, inflight: InFlight) -> None:
    app = make_app(broker)
    store, jobs = stored_jobs(3)
    jobs[1].mark_completed()
    store.save(jobs[1])
    inflight.mark([jobs[0].key], "generate")  # left by a worker that died: the job still needs its fetch
    inflight.mark([jobs[1].key], "write")  # the job has finished since
    inflight.mark([jobs[2].key], "fetch")  # queued a moment ago: its message is on its way
    inflight._redis.rpush("fetch", "a message")
    notices: list[str] = []
    assert submit(app, inflight, store, jobs, Routing(export=False), notices.append) == 1
    marks = inflight.marks()
    assert marks[jobs[0].key].stage == "fetch" and jobs[1].key not in marks and jobs[2].key in marks
    assert len(notices) == 1 and jobs[0].key in notices[0]


def test_a_worker_that_does_not_hold_the_job_stops_the_coordinator_with_why(broker: str, inflight: InFlight) -> None:
    app = make_app(broker)
    store, jobs = stored_jobs(1)
    submit(app, inflight, store, jobs, Routing(export=False))
    inflight.report(jobs[0].key, "worker w1 found no job general/lecture0000 in its store postgresql://elsewhere/db")
    with pytest.raises(ConfigurationError, match="no job general/lecture0000 in its store"):
        follow(store, jobs, SilentReporter(), Routing(export=False), inflight, interval=0.05, app=app,
               look_every=0)


@pytest.mark.slow  # a Redis server of its own, stopped mid-batch
def test_a_broker_lost_mid_batch_stops_the_batch_resumable(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    redis_server = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
                                    stdout=subprocess.DEVNULL)
    try:
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 10
        while True:
            try:
                InFlight(url).check()
                break
            except BrokerUnreachable:
                assert time.monotonic() < deadline, "the test's redis-server did not start"
                time.sleep(0.05)
        store, jobs = stored_jobs(2)
        notices: list[str] = []
        executor = CeleryExecutor(store, url, notices.append, Routing(export=False))

        class BrokerDies(SilentReporter):
            def batch_started(self, jobs: list[VideoProcessingJob], steps: list[str]) -> None:
                redis_server.terminate()
                redis_server.wait(10)

        result = executor.run(jobs, None, BrokerDies())  # type: ignore[arg-type]
    finally:
        if redis_server.poll() is None:
            redis_server.kill()
            redis_server.wait()
    assert isinstance(result.stopped_by, BrokerUnreachable) and result.exit_code == 1
    assert "cannot reach the broker" in str(result.stopped_by)
    assert any("tubenotes resume --executor celery" in notice for notice in notices)
    assert all(job.stage is ProcessingStage.CREATED for job in store.jobs())  # resumable, none failed


def test_the_coordinator_tells_each_warning_a_worker_gave_a_job_once() -> None:
    store, jobs = stored_jobs(2)
    jobs[0].warn("told by an earlier run")
    store.save(jobs[0])
    notices: list[str] = []
    looks = 0

    def workers(seconds: float) -> None:  # stand in for the workers: a warning, then the batch done
        nonlocal looks
        looks += 1
        job = store.load(jobs[1].key)
        assert job is not None
        if looks == 1:
            job.warn("the pictures of 6 slide(s) are not in this vault")
        if looks == 3:
            for done in (job, store.load(jobs[0].key)):
                done.mark_completed()
                store.save(done)
            return
        store.save(job)

    follow(store, jobs, SilentReporter(), Routing(export=False), interval=0.01, sleep=workers,
           notice=notices.append)
    assert notices == [f"lecture0001 ({jobs[1].key}): the pictures of 6 slide(s) are not in this vault"]
