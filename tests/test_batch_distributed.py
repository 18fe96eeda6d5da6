"""`run --batch` on Celery with the PostgreSQL store: workers wait for the batch, the coordinator polls it."""

from __future__ import annotations

import pytest

from tests.test_distributed import KEY, Cluster, cluster, video_ids, youtube  # noqa: F401 (fixtures)
from tubenotes.job import ProcessingStage

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.mark.slow
def test_celery_with_postgresql_runs_a_batch_with_no_live_call(cluster: Cluster) -> None:
    ids = video_ids(6)
    cluster.llm.batches.delay = 0.5
    cluster.worker("fetchgen", "fetch,generate", "--concurrency", "2")
    cluster.worker("vault", "write,export")
    coordinator = cluster.run(ids, "--batch")
    assert cluster.finish(coordinator) == 0, cluster.logs()
    jobs = cluster.jobs()
    assert [job.stage for job in jobs] == [ProcessingStage.COMPLETED] * 6
    assert all(job.workers["generate"].startswith("fetchgen") for job in jobs)
    assert cluster.llm.calls == 0 and cluster.llm.batches.batches
    first = next(iter(cluster.llm.batches.batches.values()))
    assert len(first.lines) == 12 and max(cluster.llm.batches.submitted.values()) == 1
    assert KEY not in cluster.logs()
