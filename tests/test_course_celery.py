"""On Celery, the last lecture of a subject to finish sends the subject's course stage to its own queue."""

from __future__ import annotations

import time

import pytest

from tests.test_distributed import Cluster, cluster, finished, video_ids, youtube  # noqa: F401 (fixtures)
from tubenotes.text.labels import ENGLISH

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


def course_passes_done(cluster: Cluster, count: int) -> None:  # noqa: F811 (the fixture's name)
    """Wait for the vault worker to have run ``count`` course tasks: each says the deck it wrote (a new
    lecture changes the deck), and only the subject's vault pass writes decks."""
    deadline = time.monotonic() + 120
    while cluster.log("worker-vault.log").count("Anki deck written: General/General.apkg") < count:
        assert time.monotonic() < deadline, f"no course task done\n{cluster.logs()}"
        time.sleep(0.2)


@pytest.mark.slow
def test_a_subject_of_one_lecture_gets_its_course_on_the_queue_with_its_second(cluster: Cluster) -> None:  # noqa: F811
    ids = video_ids(2)
    cluster.worker("fetchgen", "fetch,generate")
    cluster.worker("vault", "write,course")
    subject = cluster.vault / "General"
    guide = subject / "General study guide.md"
    for count in (1, 2):
        log = f"coordinator-{count}.log"
        coordinator = cluster.coordinator("run", *[f"https://youtu.be/{vid}" for vid in ids[:count]], log=log)
        deadline = time.monotonic() + 120
        while "Sent 1 job(s)" not in cluster.log(log):
            assert time.monotonic() < deadline, cluster.logs()
            time.sleep(0.1)
        cluster.kill(coordinator)  # the course queue, not the coordinator, does the subject's vault pass
        cluster.wait_for(finished(count), "every lecture")
        course_passes_done(cluster, count)
        if count == 1:
            assert not guide.exists() and not (subject / "General concept map.canvas").exists()
            index = (subject / "General index.md").read_text(encoding="utf-8")
            assert ENGLISH.course_later in index, index
    assert "[[General/Lecture 1|Lecture 1]]" in guide.read_text(encoding="utf-8")
    assert (subject / "Assessment_General final exam.md").is_file()
    assert ENGLISH.course_later not in (subject / "General index.md").read_text(encoding="utf-8")
