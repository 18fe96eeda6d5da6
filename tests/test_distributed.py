"""Distributed batches end to end: real Celery workers on the real Redis, the real PostgreSQL as the store.

Every worker and coordinator is a `python -m tubenotes` process started here
and stopped by its PID. YouTube, the SOCKS exits and the LLM are the local
fakes; one exit node is blocked by YouTube.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.cli import run_cli, start_cli
from tests.conftest import LECTURE, trust
from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.testing.fake_llm import Behavior, FakeLlmServer
from tubenotes.testing.fake_youtube import FakeCaptionTrack, FakeVideo, FakeYouTube
from tubenotes.testing.services import postgres_database, redis_database
from tubenotes.testing.socks5 import Socks5Server

pytestmark = pytest.mark.timeout(600)

KEY = "sk-distributed-key-that-must-not-leak"
BLOCKED_NODE = "node-a"


def video_ids(count: int) -> list[str]:
    return [f"lecture{n:04d}" for n in range(count)]


@pytest.fixture
def youtube(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYouTube]:
    segments = [(6.0 * i, 6.0, line) for i, line in enumerate(LECTURE * 2)]
    videos = [FakeVideo(vid, title=f"Lecture {n}", channel="Open Lecture Hall", duration=150,
                        captions=[FakeCaptionTrack("en", segments)]) for n, vid in enumerate(video_ids(50))]
    with FakeYouTube(videos) as fake:
        trust(monkeypatch, fake.ca_file)
        yield fake


@dataclass
class Cluster:
    """The shared services of one test, and the processes it started."""

    tmp: Path
    store_url: str
    broker: str
    llm: FakeLlmServer
    socks: Socks5Server
    processes: list[subprocess.Popen] = field(default_factory=list)
    # Seconds before the broker hands an unacknowledged task to another worker. Long enough that a
    # task on this loaded machine is never taken for dead; the test that kills a worker shortens it.
    visibility_timeout: float = 120

    @property
    def vault(self) -> Path:
        return self.tmp / "vault"

    def env(self) -> dict[str, str]:
        env = {name: value for name, value in os.environ.items() if name != "TUBENOTES_MODEL"}
        env.update(TUBENOTES_BROKER=self.broker, TUBENOTES_STORE=self.store_url, TUBENOTES_LLM_API_KEY=KEY,
                   TUBENOTES_VISIBILITY_TIMEOUT=str(self.visibility_timeout))
        return env

    def start(self, *args: str, log: str) -> subprocess.Popen:
        # A session of its own: a worker's pool processes are stopped with it, by its process group id.
        process = start_cli(*args, env=self.env(), stdout=(self.tmp / log).open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)
        self.processes.append(process)
        return process

    def worker(self, name: str, queues: str, *args: str) -> subprocess.Popen:
        if "fetch" in queues:
            proxies = [f"--proxy={self.socks.proxy_url(user, f'pw-{user}')}" for user in (BLOCKED_NODE, "node-b",
                                                                                          "node-c")]
            args = ("--network", "proxies", *proxies, "--pool-size", "3", *args)
        return self.start("worker", "--queues", queues, "--name", name, "--vault", str(self.vault), *args,
                          log=f"worker-{name}.log")

    def coordinator(self, command: str, *args: str, log: str = "coordinator.log") -> subprocess.Popen:
        return self.start(command, *args, "--executor", "celery", "--vault", str(self.vault),
                          "--base-url", self.llm.base_url, "--model", "fake-model", "--no-pdf", "-q", log=log)

    def run(self, ids: list[str], *args: str) -> subprocess.Popen:
        return self.coordinator("run", *[f"https://youtu.be/{vid}" for vid in ids], *args)

    def log(self, name: str) -> str:
        return (self.tmp / name).read_text()

    def jobs(self) -> list[VideoProcessingJob]:
        from tubenotes.store.postgres import PostgresJobStore

        with PostgresJobStore(self.store_url, self.vault) as store:
            return store.jobs()

    def cache_stats(self) -> dict[str, int]:
        from tubenotes.store.postgres import PostgresJobStore

        with PostgresJobStore(self.store_url, self.vault) as store:
            return store.cache.stats()

    def wait_for(self, condition: Callable[[list[VideoProcessingJob]], bool], what: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while not condition(self.jobs()):
            assert time.monotonic() < deadline, f"timed out waiting for {what}\n{self.logs()}"
            time.sleep(0.1)

    def finish(self, process: subprocess.Popen, timeout: float = 300) -> int:
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{process.args[3]} did not finish\n{self.logs()}") from None

    def logs(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text()[-3000:]}" for path in sorted(self.tmp.glob("*.log")))

    def kill(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def cluster(tmp_path: Path, youtube: FakeYouTube, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    monkeypatch.delenv("TUBENOTES_MODEL", raising=False)
    with postgres_database() as store_url, redis_database() as broker, FakeLlmServer() as llm, \
            Socks5Server(youtube.address) as socks:
        youtube.blocked_ips.add(socks.exit_ip_for(BLOCKED_NODE))
        cluster = Cluster(tmp_path, store_url, broker, llm, socks)
        try:
            yield cluster
        finally:
            cluster.stop_all()


def slow_llm(llm: FakeLlmServer, seconds: float, calls: int = 400) -> None:
    llm.script(*[Behavior(delay=seconds)] * calls)


def finished(count: int) -> Callable[[list[VideoProcessingJob]], bool]:
    return lambda jobs: len(jobs) == count and all(job.is_finished() for job in jobs)


@pytest.mark.slow
def test_fifty_jobs_over_a_fetch_generate_worker_and_a_vault_worker(cluster: Cluster, youtube: FakeYouTube) -> None:
    ids = video_ids(50)
    cluster.worker("fetchgen", "fetch,generate", "--concurrency", "4")
    cluster.worker("vault", "write,export")
    coordinator = cluster.run(ids)
    assert cluster.finish(coordinator) == 0, cluster.logs()

    jobs = cluster.jobs()
    assert [job.video_id for job in jobs] == ids
    assert all(job.stage is ProcessingStage.COMPLETED for job in jobs)
    for job in jobs:
        assert {stage: worker.split("@")[0] for stage, worker in job.workers.items()} == {
            "fetch": "fetchgen", "generate": "fetchgen", "write": "vault"}
        assert job.generator == "fake:fake-model" or job.generator.endswith("fake-model")
        assert job.notes_filepath is not None and job.notes_filepath.is_file()
        assert job.notes_filepath.is_relative_to(cluster.vault)
    assert youtube.requests_by_ip[cluster.socks.exit_ip_for(BLOCKED_NODE)] >= 1  # blocked, and rotated away from
    assert cluster.cache_stats()["computed"] == cluster.cache_stats()["entries"]

    status = run_cli("status", "--vault", str(cluster.vault), env=cluster.env(), timeout=60)
    assert status.returncode == 0, status.stderr
    assert "fetchgen" in status.stdout and "vault" in status.stdout
    for text in (cluster.logs(), status.stdout):
        assert KEY not in text and "pw-node" not in text


@pytest.mark.slow
def test_a_generate_worker_killed_mid_batch_costs_no_stored_answer_twice(cluster: Cluster) -> None:
    ids = video_ids(24)
    slow_llm(cluster.llm, 0.3)
    # The killed worker's tasks come back after this long; a task that outlives it runs twice, which
    # the stages and the shared cache make harmless (no answer is paid twice either way).
    cluster.visibility_timeout = 10
    cluster.worker("fetcher", "fetch")
    doomed = cluster.worker("generator1", "generate", "--concurrency", "4")
    cluster.worker("vault", "write")
    coordinator = cluster.run(ids)
    cluster.wait_for(lambda jobs: sum(job.has_notes() for job in jobs) >= 6, "some generated notes")
    cluster.kill(doomed)
    in_flight_when_killed = cluster.llm.in_flight
    cluster.worker("generator2", "generate", "--concurrency", "4")
    assert cluster.finish(coordinator) == 0, cluster.logs()

    jobs = cluster.jobs()
    assert all(job.stage is ProcessingStage.COMPLETED for job in jobs)
    assert {job.workers["generate"].split("@")[0] for job in jobs} == {"generator1", "generator2"}
    stats = cluster.cache_stats()
    assert stats["computed"] == stats["entries"]  # no answer in the store was computed twice
    repeated = sum(count - 1 for count in cluster.llm.calls_by_prompt.values() if count > 1)
    assert repeated <= max(in_flight_when_killed, 4)  # only calls cut off by the kill were made again


@pytest.mark.slow
def test_a_killed_coordinator_resumes_without_doing_anything_twice(cluster: Cluster) -> None:
    ids = video_ids(12)
    slow_llm(cluster.llm, 0.2)
    cluster.worker("fetchgen", "fetch,generate", "--concurrency", "2")
    cluster.worker("vault", "write")
    coordinator = cluster.run(ids)
    cluster.wait_for(lambda jobs: any(job.stage is ProcessingStage.COMPLETED for job in jobs), "a completed job")
    cluster.kill(coordinator)
    resumed = cluster.coordinator("resume", log="resume.log")
    assert cluster.finish(resumed) == 0, cluster.logs()

    jobs = cluster.jobs()
    assert [job.video_id for job in jobs] == ids
    assert all(job.stage is ProcessingStage.COMPLETED for job in jobs)
    # The resume sent only the jobs that were neither finished nor queued when it started.
    assert "already queued or finished" in cluster.log("resume.log")
    assert all(job.attempts.get("generate_notes") == 1 and job.attempts.get("generate_assessment") == 1
               for job in jobs)
    assert max(cluster.llm.calls_by_prompt.values()) == 1
    notes = sorted(path.name for path in (cluster.vault / "General").glob("*.md") if path.name.startswith("Lecture"))
    assert notes == sorted(f"Lecture {n}.md" for n in range(12))  # no note written twice beside itself


@pytest.mark.slow
def test_the_llm_concurrency_limit_holds_across_two_workers(cluster: Cluster) -> None:
    ids = video_ids(16)
    slow_llm(cluster.llm, 0.3)
    cluster.worker("fetcher", "fetch")
    for name in ("generator1", "generator2"):
        cluster.worker(name, "generate", "--concurrency", "4")
    cluster.worker("vault", "write")
    coordinator = cluster.run(ids, "--llm-concurrency", "3")
    assert cluster.finish(coordinator) == 0, cluster.logs()
    assert {job.workers["generate"].split("@")[0] for job in cluster.jobs()} == {"generator1", "generator2"}
    assert cluster.llm.max_in_flight == 3  # eight threads in two workers, three calls at most


@pytest.mark.slow
def test_a_task_that_cannot_reach_its_store_is_retried_until_it_can(cluster: Cluster) -> None:
    import psycopg
    from psycopg import sql

    from tubenotes.store.postgres import PostgresJobStore

    PostgresJobStore(cluster.store_url).close()  # the tables, owned by the coordinator's role
    role = "tubenotes_worker_role"
    admin = psycopg.connect(cluster.store_url, autocommit=True)
    admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
    admin.execute(sql.SQL("CREATE ROLE {} LOGIN SUPERUSER").format(sql.Identifier(role)))
    try:
        worker_store = cluster.store_url.replace("postgres@", f"{role}@", 1)
        cluster.worker("all", "fetch,generate,write", "--store", worker_store)
        deadline = time.monotonic() + 120
        while "[tasks]" not in cluster.log("worker-all.log"):  # its banner: the store and broker answered
            assert time.monotonic() < deadline, cluster.logs()
            time.sleep(0.2)
        # The worker loses its store: its role may no longer log in, its connections are cut.
        admin.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(role)))
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,))
        coordinator = cluster.run(video_ids(2))
        cluster.wait_for(lambda jobs: "trying again" in cluster.log("worker-all.log"), "a task retried")
        admin.execute(sql.SQL("ALTER ROLE {} LOGIN").format(sql.Identifier(role)))
        assert cluster.finish(coordinator, timeout=150) == 0, cluster.logs()
        assert all(job.stage is ProcessingStage.COMPLETED for job in cluster.jobs())
    finally:
        cluster.stop_all()
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,))
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        admin.close()


@pytest.mark.slow
def test_workers_on_another_store_stop_the_coordinator_with_why_instead_of_a_hang(cluster: Cluster) -> None:
    with postgres_database() as elsewhere:
        cluster.worker("elsewhere", "fetch,generate,write", "--store", elsewhere)
        coordinator = cluster.run(video_ids(2))
        assert cluster.finish(coordinator, timeout=120) == 1, cluster.logs()
        cluster.stop_all()
    said = " ".join(cluster.log("coordinator.log").split())
    assert "found no job" in said and "must share one store" in said and "tubenotes resume" in said
