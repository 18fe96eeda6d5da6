"""One contract for every JobStore: the same behaviour from each implementation."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tubenotes.job import OUTLINE_FIELDS, Generation, ProcessingStage, TokenUsage, TranscriptSegment, VideoProcessingJob
from tubenotes.store import JobStore, MemoryStore, SqliteStore, failed, unfinished
from tubenotes.store.base import listed, outlines
from tubenotes.store.batches import BatchRecord
from tubenotes.store.documents import documents_of
from tubenotes.testing.services import postgres_database

DURABLE = ("sqlite", "postgres")


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


def _emptied(url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP SCHEMA public CASCADE")
        db.execute("CREATE SCHEMA public")
    return url


@pytest.fixture(params=["sqlite", "memory", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], JobStore]]:
    """Opens the store under test; each call is a new connection to the same data, as a restart is."""
    opened: list[JobStore] = []
    url = _emptied(request.getfixturevalue("postgres_url")) if request.param == "postgres" else ""

    def opener() -> JobStore:
        if request.param == "sqlite":
            opened.append(SqliteStore(tmp_path))
        elif request.param == "memory":
            opened.append(MemoryStore(tmp_path))
        else:
            from tubenotes.store.postgres import PostgresJobStore

            opened.append(PostgresJobStore(url, tmp_path))
        return opened[-1]

    opener.kind = request.param  # type: ignore[attr-defined]
    yield opener
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[[], JobStore]) -> JobStore:
    return open_store()


def job(video_id: str, position: int, stage: ProcessingStage = ProcessingStage.CREATED) -> VideoProcessingJob:
    return VideoProcessingJob(url=f"https://youtu.be/{video_id}", video_id=video_id, subject="Physics",
                              position=position, stage=stage)


def test_a_saved_job_loads_equal_and_is_not_shared(store: JobStore) -> None:
    saved = job("aaaaaaaaaaa", 0)
    saved.transcript, saved.token_usage = "words " * 40, TokenUsage(2, 100, 50, 0.01)
    store.save(saved)
    loaded = store.load(saved.key)
    assert loaded == saved and loaded is not saved
    loaded.transcript = "changed"
    assert store.load(saved.key).transcript == saved.transcript
    assert store.load("physics/missing") is None


def test_a_changed_document_is_saved_and_a_listing_may_leave_documents_out(store: JobStore) -> None:
    saved = job("aaaaaaaaaaa", 0)
    saved.transcript = "heat " * 50
    saved.segments = [TranscriptSegment(0.0, 2.0, "heat")]
    store.save(saved)
    loaded = store.load(saved.key)
    loaded.study_notes = "## Summary"
    loaded.segments = [*loaded.segments, TranscriptSegment(2.0, 2.0, "work")]
    store.save(loaded)
    again = store.load(saved.key)
    assert again.study_notes == "## Summary" and [s.text for s in again.segments] == ["heat", "work"]
    assert again.transcript == saved.transcript
    listed = store.jobs(documents=False)[0]
    assert (listed.key, listed.stage) == (saved.key, saved.stage)


def test_an_outline_keeps_what_the_vault_pass_reads_and_its_reading_is_the_whole_job(store: JobStore,
                                                                                      tmp_path: Path) -> None:
    for position in range(3):
        saved = job(f"lecture{position:04d}", position, ProcessingStage.COMPLETED)
        saved.video_title, saved.duration_seconds, saved.channel = f"Lecture {position}", 60.0 * position, "Prof"
        saved.output_dir = tmp_path / "Physics"
        saved.notes_filepath = saved.output_dir / f"Lecture {position}.md"
        saved.assessment_filepath = saved.output_dir / f"Assessment_Lecture {position}.md"
        saved.transcript, saved.study_notes = "heat " * 20, "## Summary"
        saved.token_usage, saved.timings = TokenUsage(2, 100, 50, 0.01), {"fetch": 1.5}
        store.save(saved)
    shown, whole = outlines(store, page=2), store.jobs()
    assert [[getattr(one, name) for name in OUTLINE_FIELDS] for one in shown] == \
           [[getattr(one, name) for name in OUTLINE_FIELDS] for one in whole]
    assert all(one.key == full.key for one, full in zip(shown, whole))
    # What the pass does not read is left out, one value for all; what they share is one object.
    assert shown[0].channel is None and shown[0].timings is shown[1].timings == {}
    assert shown[0].output_dir is shown[2].output_dir and shown[0].subject is shown[2].subject
    reader = documents_of(store)
    assert [reader.read(one) for one in shown] == whole  # the job as stored, every document and field
    assert reader.read(shown[1], ("transcript",)).channel == "Prof"


def test_jobs_come_in_input_order_and_filter_by_stage(store: JobStore) -> None:
    for video_id, position, stage in [("ccccccccccc", 2, ProcessingStage.FAILED),
                                      ("aaaaaaaaaaa", 0, ProcessingStage.COMPLETED),
                                      ("bbbbbbbbbbb", 1, ProcessingStage.TRANSCRIPT_FETCHED)]:
        store.save(job(video_id, position, stage))
    assert [j.video_id for j in store.jobs()] == ["aaaaaaaaaaa", "bbbbbbbbbbb", "ccccccccccc"]
    assert [j.video_id for j in unfinished(store)] == ["bbbbbbbbbbb"]
    assert [j.video_id for j in failed(store)] == ["ccccccccccc"]
    assert store.next_position() == 3
    store.save(job("aaaaaaaaaaa", 0, ProcessingStage.FAILED))  # a save replaces, never duplicates
    assert len(store.jobs()) == 3 and len(failed(store)) == 2


def test_stages_are_counted_and_a_listing_can_take_the_last_saved_few(store: JobStore) -> None:
    for video_id, position, stage in [("aaaaaaaaaaa", 0, ProcessingStage.COMPLETED),
                                      ("bbbbbbbbbbb", 1, ProcessingStage.COMPLETED),
                                      ("ccccccccccc", 2, ProcessingStage.FAILED),
                                      ("ddddddddddd", 3, ProcessingStage.COMPLETED)]:
        store.save(job(video_id, position, stage))
    store.save(job("aaaaaaaaaaa", 0, ProcessingStage.COMPLETED))  # saved again: now the latest
    assert store.stage_counts() == {ProcessingStage.COMPLETED: 3, ProcessingStage.FAILED: 1}
    latest = store.jobs([ProcessingStage.COMPLETED], documents=False, limit=2, latest_first=True)
    assert [j.video_id for j in latest] == ["aaaaaaaaaaa", "ddddddddddd"]
    assert [j.video_id for j in store.jobs(limit=2)] == ["aaaaaaaaaaa", "bbbbbbbbbbb"]
    assert [j.video_id for j in store.jobs(limit=2, offset=1)] == ["bbbbbbbbbbb", "ccccccccccc"]
    assert [j.video_id for j in store.jobs(offset=3)] == ["ddddddddddd"]
    assert [j.video_id for j in listed(store, page=3)] == ["aaaaaaaaaaa", "bbbbbbbbbbb", "ccccccccccc",
                                                           "ddddddddddd"]


def test_a_page_of_a_listing_in_input_order_is_read_from_an_index_not_sorted(open_store) -> None:
    """The live index, resume and the vault pass list a large store a page at a time: each page sorted
    every row, data and all (at 20,000 jobs most of a run's writes were SQLite's sort files)."""
    store = open_store()
    if open_store.kind == "sqlite":
        plan = " ".join(row[-1] for row in store.db.connection.execute(
            "EXPLAIN QUERY PLAN SELECT key, data FROM jobs ORDER BY position, rowid LIMIT 500 OFFSET 500"))
        assert "jobs_position" in plan and "TEMP B-TREE" not in plan
    elif open_store.kind == "postgres":
        db = store._db()
        db.execute("SET enable_seqscan = off")  # a small table is read whole otherwise, index or not
        plan = " ".join(row[0] for row in db.execute(
            "EXPLAIN SELECT data FROM jobs ORDER BY position, added LIMIT 500 OFFSET 500"))
        db.execute("RESET enable_seqscan")
        assert "jobs_position" in plan and "Sort" not in plan
    else:
        pytest.skip("the memory store keeps its jobs in order")


def test_many_jobs_are_saved_at_once_as_each_would_be(open_store: Callable[[], JobStore]) -> None:
    store = open_store()
    store.save(job("ccccccccccc", 2, ProcessingStage.FAILED))
    saved = [job("aaaaaaaaaaa", 0), job("bbbbbbbbbbb", 1), job("ccccccccccc", 2, ProcessingStage.COMPLETED)]
    saved[1].transcript = "heat " * 20
    store.save_many(saved)
    store.save_many([])
    reopen = open_store if open_store.kind in DURABLE else lambda: store  # type: ignore[attr-defined]
    again = reopen()  # committed, not only kept by this connection
    assert again.jobs() == saved and again.stage_counts() == {ProcessingStage.CREATED: 2, ProcessingStage.COMPLETED: 1}
    saved[1].transcript = "work"
    store.save(saved[1])  # a document saved in a batch is known as saved: its change is saved again
    assert reopen().load(saved[1].key).transcript == "work"


def test_paths_inside_the_vault_are_stored_relative_to_it(store: JobStore, tmp_path: Path) -> None:
    saved = job("aaaaaaaaaaa", 0)
    saved.notes_filepath = tmp_path / "Physics" / "Heat.md"
    saved.source_path = Path("/elsewhere/heat.vtt")
    store.save(saved)
    loaded = store.load(saved.key)
    assert loaded.notes_filepath == tmp_path / "Physics" / "Heat.md"
    assert loaded.source_path == Path("/elsewhere/heat.vtt")
    assert saved.to_dict(tmp_path)["notes_filepath"] == "Physics/Heat.md"


def test_settings_and_node_stats_are_replaced_whole(store: JobStore) -> None:
    store.save_settings({"model": "offline", "languages": ["en", "de"]})
    store.save_settings({"pool_size": 2})
    assert store.load_settings() == {"pool_size": 2}
    store.save_node_stats([{"id": 0, "uses": 3}, {"id": 1, "uses": 1}])
    assert store.node_stats() == [{"id": 0, "uses": 3}, {"id": 1, "uses": 1}]


def test_the_cache_computes_each_answer_once_and_counts(store: JobStore) -> None:
    calls = []

    def compute() -> Generation:
        calls.append(1)
        return Generation("notes", "test", TokenUsage(1, 10, 5, 0.001))

    first = store.cache.get_or_compute({"prompt": "p"}, compute)
    again = store.cache.get_or_compute({"prompt": "p"}, compute)
    assert first == again == Generation("notes", "test", TokenUsage(1, 10, 5, 0.001))
    store.cache.get_or_compute({"prompt": "other"}, compute)
    assert len(calls) == 2
    assert store.cache.stats() == {"entries": 2, "computed": 2, "hits": 1}


def test_saves_from_many_threads_are_all_kept(store: JobStore) -> None:
    threads = [threading.Thread(target=lambda n=n: store.save(job(f"video{n:06d}", n))) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [j.position for j in store.jobs()] == list(range(20))


def test_everything_outlives_the_connection(open_store: Callable[[], JobStore]) -> None:
    if open_store.kind not in DURABLE:  # type: ignore[attr-defined]
        pytest.skip("the memory store forgets at exit, by design")
    first = open_store()
    first.save(job("aaaaaaaaaaa", 0))
    first.save_settings({"pool_size": 2})
    first.cache.get_or_compute({"prompt": "p"}, lambda: Generation("answer", "g"))
    first.close()
    again = open_store()  # migrations already applied: opening again must neither fail nor lose data
    assert [j.video_id for j in again.jobs()] == ["aaaaaaaaaaa"]
    assert again.load_settings() == {"pool_size": 2}
    assert again.cache.get_or_compute({"prompt": "p"}, _never).text == "answer"


def _never() -> Generation:
    raise AssertionError("computed although the answer was stored")


def test_an_answer_is_found_whatever_the_order_of_its_parts(store: JobStore) -> None:
    store.cache.get_or_compute({"model": "m", "prompt": "p", "n": 1}, lambda: Generation("answer", "g"))
    assert store.cache.get_or_compute({"n": 1, "prompt": "p", "model": "m"}, _never).text == "answer"


def test_a_failed_computation_stores_nothing(store: JobStore) -> None:
    def fail() -> Generation:
        raise RuntimeError("the LLM is down")

    with pytest.raises(RuntimeError):
        store.cache.get_or_compute({"prompt": "p"}, fail)
    assert store.cache.get_or_compute({"prompt": "p"}, lambda: Generation("later", "g")).text == "later"
    assert store.cache.stats() == {"entries": 1, "computed": 1, "hits": 0}


def test_settings_keep_json_values_and_anything_else_as_text(store: JobStore) -> None:
    store.save_settings({"languages": ["de", "en"], "pdf": False, "model": None, "pool_size": 3, "vault": Path("/v")})
    assert store.load_settings() == {"languages": ["de", "en"], "pdf": False, "model": None, "pool_size": 3,
                                     "vault": "/v"}


def test_node_stats_come_by_node_id(store: JobStore) -> None:
    store.save_node_stats([{"id": 2, "uses": 4}, {"id": 1, "uses": 1, "blocks": 2}])
    assert store.node_stats() == [{"id": 1, "uses": 1, "blocks": 2}, {"id": 2, "uses": 4}]


def test_a_second_process_sees_and_updates_documents(tmp_path: Path) -> None:
    with SqliteStore(tmp_path) as first, SqliteStore(tmp_path) as second:
        saved = job("aaaaaaaaaaa", 0)
        saved.transcript = "one " * 50
        first.save(saved)
        other = second.load(saved.key)
        other.transcript = "two " * 50
        second.save(other)
        reloaded = first.load(saved.key)
        assert reloaded.transcript == "two " * 50
        reloaded.stage = ProcessingStage.COMPLETED
        first.save(reloaded)  # unchanged documents are not written again, and not lost either
        assert second.load(saved.key).transcript == "two " * 50


# --- the Batch API ledger ------------------------------------------------------------

def _batch(batch_id: str, submitted_at: float = 1.0) -> BatchRecord:
    return BatchRecord(batch_id, "api.example/v1", "validating", 2, submitted_at, data={"status": "validating"})


def test_a_request_is_in_one_live_batch_at_most_and_survives_a_restart(open_store) -> None:
    store = open_store()
    bodies = {"k1": {"model": "m", "messages": [{"role": "user", "content": "één"}]}, "k2": {"model": "m"}}
    store.batches.want("api.example/v1", bodies)
    store.batches.want("api.example/v1", {"k1": {"model": "other"}})  # known already: kept as it was
    assert store.batches.pending("api.example/v1") == bodies and store.batches.pending("elsewhere") == {}
    store.batches.submitted(_batch("batch_1"), ["k1", "k2"])
    assert store.batches.pending("api.example/v1") == {} and store.batches.waiting() == 2
    # A process killed after create finds the batch by its id (the memory store has one process only).
    again = open_store() if open_store.kind in DURABLE else store
    [live] = again.batches.batches()
    assert (live.id, live.state, live.requests, live.collected) == ("batch_1", "validating", 2, False)
    live.state, live.data = "in_progress", {"request_counts": {"total": 2, "completed": 1, "failed": 0}}
    live.checked_at = 5.0
    again.batches.update(live)
    assert again.batches.batches()[0].request_counts == {"total": 2, "completed": 1, "failed": 0}


def test_a_settled_batch_drops_answers_and_returns_failures_until_their_attempts_are_spent(store) -> None:
    store.batches.want("h", {"ok": {}, "bad": {}, "unfinished": {}})
    store.batches.submitted(_batch("b1"), ["ok", "bad", "unfinished"])
    assert store.batches.requests_in("b1") == {"ok", "bad", "unfinished"}
    store.batches.settle("b1", answered=["ok"], failures={"bad": "HTTP 500: overloaded"}, max_attempts=2)
    assert store.batches.batches() == [] and [b.collected for b in store.batches.batches(False)] == [True]
    assert set(store.batches.pending("h")) == {"bad", "unfinished"} and store.batches.failure("bad") is None
    store.batches.submitted(_batch("b2", 2.0), ["bad"])
    store.batches.settle("b2", answered=[], failures={"bad": "HTTP 500: overloaded"}, max_attempts=2)
    assert store.batches.failure("bad") == "HTTP 500: overloaded" and set(store.batches.pending("h")) == {"unfinished"}
    assert store.batches.retry_failed() == 1 and set(store.batches.pending("h")) == {"bad", "unfinished"}


def test_one_process_at_a_time_polls_a_batch(store) -> None:
    store.batches.want("h", {"k": {}})
    store.batches.submitted(_batch("b1"), ["k"])
    far = 10**12
    assert store.batches.claim("b1", "host:1", far)
    assert not store.batches.claim("b1", "host:2", far)
    assert store.batches.claim("b1", "host:1", far)  # renewing
    assert store.batches.claim("b1", "host:2", far, replacing="host:1")  # the holder is known dead
    assert store.batches.batches()[0].poller == "host:2"
    store.batches.claim("b1", "host:2", 0.0)  # a lease that ran out frees it
    assert store.batches.claim("b1", "host:3", far)
