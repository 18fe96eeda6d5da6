"""On Celery, the last lecture of a subject to finish sends the subject's course stage to its own queue."""

from __future__ import annotations

import time

import pytest

from tests.test_distributed import Cluster, cluster, finished, video_ids, youtube  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.mark.slow
def test_the_last_lecture_to_finish_sends_the_course_stage(cluster: Cluster) -> None:  # noqa: F811
    ids = video_ids(4)
    cluster.worker("fetchgen", "fetch,generate")
    cluster.worker("vault", "write,course")
    coordinator = cluster.run(ids)
    deadline = time.monotonic() + 120
    while "Sent 4 job(s)" not in cluster.log("coordinator.log"):
        assert time.monotonic() < deadline, cluster.logs()
        time.sleep(0.1)
    cluster.kill(coordinator)  # it follows the batch no more, and never runs the vault pass: the workers do
    cluster.wait_for(finished(4), "every lecture")

    guide = cluster.vault / "General" / "General study guide.md"
    deadline = time.monotonic() + 120
    while not guide.exists():
        assert time.monotonic() < deadline, f"no study guide\n{cluster.logs()}"
        time.sleep(0.2)
    time.sleep(1)  # the exam and the map are written just after the guide
    text = guide.read_text(encoding="utf-8")
    assert all(f"[[General/Lecture {n}|Lecture {n}]]" in text for n in range(4)), text
    assert (cluster.vault / "General" / "Assessment_General final exam.md").is_file()
    assert (cluster.vault / "General" / "General concept map.canvas").is_file()
    assert "tubenotes.course" in cluster.log("worker-vault.log")
