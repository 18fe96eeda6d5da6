"""One contract for every job store: what the SQLite store in the vault does, the shared ones do too."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tubenotes.generate.base import Generation
from tubenotes.job import ProcessingStage, TokenUsage, VideoProcessingJob
from tubenotes.store import JobStore
from tubenotes.testing.services import postgres_database


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


def _clear_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP SCHEMA public CASCADE")
        db.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Any]]:
    """Opens the store under test; each call is a new connection to the same data, as a restart is."""
    opened: list[Any] = []
    if request.param == "sqlite":
        def opener() -> Any:
            opened.append(JobStore(tmp_path / "vault"))
            return opened[-1]
    else:
        from tubenotes.store_postgres import PostgresJobStore

        url = request.getfixturevalue("postgres_url")
        _clear_postgres(url)

        def opener() -> Any:
            opened.append(PostgresJobStore(url))
            return opened[-1]
    yield opener
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[[], Any]) -> Any:
    return open_store()


def make_job(video_id: str, position: int = 0, subject: str = "Physics", **fields: Any) -> VideoProcessingJob:
    return VideoProcessingJob(url=f"https://youtu.be/{video_id}", video_id=video_id, subject=subject,
                              position=position, **fields)


def test_a_saved_job_loads_back_whole(store: Any) -> None:
    job = make_job("abcdefghijk", transcript="Ünïcode text ✓ " * 20, video_title="Title", notes_filepath=Path("P/n.md"),
                   token_usage=TokenUsage(calls=2, prompt_tokens=10, completion_tokens=5, cost_usd=0.25))
    job.record_timing("fetch", 1.5)
    job.warnings.append("a warning")
    store.save(job)
    assert store.load(job.key).to_dict() == job.to_dict()
    assert store.load("physics/missing") is None


def test_saving_again_replaces_the_job(store: Any) -> None:
    job = make_job("abcdefghijk")
    store.save(job)
    job.transcript, job.video_title = "words", "Title"
    job.set_stage(ProcessingStage.TRANSCRIPT_FETCHED)
    store.save(job)
    assert store.load(job.key).stage is ProcessingStage.TRANSCRIPT_FETCHED
    assert len(store.jobs()) == 1


def test_jobs_come_in_input_order_and_by_stage(store: Any) -> None:
    for video_id, position in (("c", 2), ("a", 0), ("b", 1), ("b2", 1)):
        store.save(make_job(video_id, position))
    assert [job.video_id for job in store.jobs()] == ["a", "b", "b2", "c"]
    failed = store.load("physics/b")
    failed.mark_failed("gone", "permanent")
    store.save(failed)
    done = store.load("physics/c")
    done.mark_completed()
    store.save(done)
    assert [job.video_id for job in store.failed()] == ["b"]
    assert [job.video_id for job in store.unfinished()] == ["a", "b2"]
    assert [job.video_id for job in store.jobs([ProcessingStage.COMPLETED, ProcessingStage.FAILED])] == ["b", "c"]
    assert [job.video_id for job in store.jobs(iter([ProcessingStage.COMPLETED]))] == ["c"]


def test_next_position_follows_the_last_job(store: Any) -> None:
    assert store.next_position() == 0
    store.save(make_job("a", 0))
    store.save(make_job("b", 7))
    assert store.next_position() == 8


def test_settings_are_replaced_as_a_whole(store: Any) -> None:
    store.save_settings({"languages": ["de", "en"], "pool_size": 3, "pdf": False, "model": None,
                         "vault": Path("/v")})
    assert store.load_settings() == {"languages": ["de", "en"], "pool_size": 3, "pdf": False, "model": None,
                                     "vault": "/v"}
    store.save_settings({"pool_size": 5})
    assert store.load_settings() == {"pool_size": 5}


def test_node_stats_are_replaced_and_ordered(store: Any) -> None:
    store.save_node_stats([{"id": 2, "uses": 4}, {"id": 1, "uses": 1, "blocked": 2}])
    assert store.node_stats() == [{"id": 1, "uses": 1, "blocked": 2}, {"id": 2, "uses": 4}]
    store.save_node_stats([])
    assert store.node_stats() == []


def test_everything_outlives_the_connection(open_store: Callable[[], Any]) -> None:
    first = open_store()
    first.save(make_job("a", 0))
    first.save_settings({"pool_size": 2})
    first.cache.get_or_compute({"prompt": "p"}, lambda: Generation("answer", "g"))
    first.close()
    again = open_store()  # migrations already applied: opening again must neither fail nor lose data
    assert [job.video_id for job in again.jobs()] == ["a"]
    assert again.load_settings() == {"pool_size": 2}
    assert again.cache.get_or_compute({"prompt": "p"}, _never).text == "answer"


def _never() -> Generation:
    raise AssertionError("computed although the answer was stored")


def test_the_cache_computes_an_answer_once(store: Any) -> None:
    calls: list[int] = []

    def compute() -> Generation:
        calls.append(1)
        return Generation("## Notes", "openai:gpt", TokenUsage(calls=1, prompt_tokens=100, completion_tokens=20,
                                                                cost_usd=0.5))

    first = store.cache.get_or_compute({"model": "gpt", "prompt": "p", "n": 1}, compute)
    second = store.cache.get_or_compute({"n": 1, "prompt": "p", "model": "gpt"}, _never)  # key order is irrelevant
    assert first == second
    assert second.usage == TokenUsage(calls=1, prompt_tokens=100, completion_tokens=20, cost_usd=0.5)
    assert calls == [1]
    store.cache.get_or_compute({"model": "gpt", "prompt": "other"}, compute)
    assert calls == [1, 1]
    assert store.cache.stats() == {"entries": 2, "computed": 2, "hits": 1}


def test_a_failed_computation_stores_nothing(store: Any) -> None:
    def fail() -> Generation:
        raise RuntimeError("the LLM is down")

    with pytest.raises(RuntimeError):
        store.cache.get_or_compute({"prompt": "p"}, fail)
    assert store.cache.get_or_compute({"prompt": "p"}, lambda: Generation("later", "g")).text == "later"
    assert store.cache.stats() == {"entries": 1, "computed": 1, "hits": 0}


def test_threads_share_the_store(store: Any) -> None:
    errors: list[BaseException] = []

    def save_many(start: int) -> None:
        try:
            for i in range(start, start + 25):
                store.save(make_job(f"v{i:03d}", i))
                assert store.load(f"physics/v{i:03d}") is not None
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=save_many, args=(n * 25,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [job.position for job in store.jobs()] == list(range(100))
