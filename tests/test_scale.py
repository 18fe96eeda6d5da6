"""A large folder: the output stays a summary, whatever the number of lectures."""

from __future__ import annotations

import gc
import os
import random
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.conftest import LECTURE
from tubenotes.job import VideoProcessingJob
from tubenotes.progress import FAILURES_NAMED, SUMMARY_ABOVE
from tubenotes.store import MemoryStore
from tubenotes.store.base import listed
from tubenotes.vault.guard import MemoryRecords
from tubenotes.vault.index import INDEX_KIND
from tubenotes.vault.live_index import INDEX_COST_FACTOR, LiveIndex
from tubenotes.vault.writer import VaultWriter


@pytest.mark.slow
def test_a_large_batch_prints_a_summary_not_a_line_per_job(tmp_path: Path) -> None:
    folder = tmp_path / "Physics"
    folder.mkdir()
    lectures, empty = SUMMARY_ABOVE + 20, 40
    for number in range(lectures):
        cues = [f"00:00:{i * 4:02d}.000 --> 00:00:{i * 4 + 3:02d}.000\n{line} ({number})\n"
                for i, line in enumerate(LECTURE[:8])]
        (folder / f"lecture {number:03d}.en.vtt").write_text("WEBVTT\n\n" + "\n".join(cues))
    for number in range(empty):
        (folder / f"empty {number:02d}.en.srt").write_text("\n" * (number + 1))  # distinct files
    result = run_cli("run", str(folder), "--vault", str(tmp_path / "vault"), "--model", "offline", "--no-pdf",
                     "--no-anki", cwd=tmp_path, env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines() + result.stderr.splitlines()
    assert len([line for line in lines if "FAILED" in line]) == FAILURES_NAMED
    assert not any(": ok " in line for line in lines)
    assert f"{lectures + empty}/{lectures + empty} jobs finished, {empty} failed" in result.stdout
    assert f"the first 30 of the {empty} job(s) not completed" in result.stdout
    assert f"{lectures} completed, {empty} failed" in result.stdout
    assert len(lines) < 250, len(lines)  # a line a step would be 3 * 260, and the table's rows 2 * 40


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TimedRecords(MemoryRecords):
    """File records that see each rewrite of an index take ``seconds[0]`` on ``clock``."""

    def __init__(self, clock: Clock, seconds: list[float]) -> None:
        super().__init__()
        self.clock, self.seconds, self.rewrites = clock, seconds, []

    def begin_write(self, path: str, sha256: str, kind: str, job_key: str | None) -> None:
        if kind == INDEX_KIND:
            self.rewrites.append(self.clock.now)
            self.clock.now += self.seconds[0]
        super().begin_write(path, sha256, kind, job_key)


def lecture(number: int, folder: Path) -> VideoProcessingJob:
    job = VideoProcessingJob(url=f"u{number}", video_id=f"v{number}", subject="Physics", position=number,
                             video_title=f"Lecture {number}", transcript="heat and work " * 20)
    job.output_dir = folder
    return job


def test_a_subject_index_that_takes_long_to_rewrite_is_rewritten_less_often(tmp_path: Path) -> None:
    """During a batch the index follows the lectures written, but a rewrite of a big subject (which
    lists every lecture) is not repeated at once: the writers would spend their time on it."""
    clock, seconds_per_rewrite = Clock(), [0.01]
    records = TimedRecords(clock, seconds_per_rewrite)
    index = LiveIndex(VaultWriter(tmp_path, records), lambda: [], clock=clock)
    folder = tmp_path / "Physics"
    folder.mkdir()

    def written(number: int) -> None:
        index.lecture_written(lecture(number, folder))
        clock.now += 0.5  # the next lecture is written half a second later

    for number in range(20):  # 10 seconds of a small subject: a rewrite every INDEX_INTERVAL
        written(number)
    assert len(records.rewrites) == 5 and (folder / "Physics index.md").exists()
    seconds_per_rewrite[0] = 1.5  # the subject has grown: its index takes 1.5 s
    records.rewrites.clear()
    for number in range(20, 200):  # 90 seconds
        written(number)
    assert 2 <= len(records.rewrites) <= 4, records.rewrites  # one every INDEX_COST_FACTOR * 1.5 s, not every 2 s
    assert records.rewrites[1] - records.rewrites[0] >= INDEX_COST_FACTOR * 1.5


def test_the_live_index_renders_a_page_of_the_store_at_a_time_and_keeps_no_lecture(tmp_path: Path) -> None:
    """Each rewrite reads the subject's lectures from the store a page at a time, the lecture just written
    as it is now (not yet committed): no more than two pages of jobs are alive while it renders, and none
    once it is done."""
    clock = Clock()
    store = MemoryStore(tmp_path)
    folder = tmp_path / "Physics"
    earlier = lecture(0, folder)
    earlier.study_notes = "notes " * 100
    store.save(earlier)  # a lecture of an earlier run
    store.save(VideoProcessingJob(url="u9", video_id="v9", subject="Biology", video_title="Cells"))
    page = 5
    read: list[weakref.ref[VideoProcessingJob]] = []
    alive: list[int] = []

    def committed() -> Iterator[VideoProcessingJob]:
        for job in listed(store, page=page):
            read.append(weakref.ref(job))
            alive.append(sum(ref() is not None for ref in read))
            yield job

    index = LiveIndex(VaultWriter(tmp_path), committed, clock=clock)
    for number in range(1, 40):
        written = lecture(number, folder)
        index.lecture_written(written)
        store.save(written)  # as the write stage does, once the lecture is written
        clock.now += 0.5
    clock.now += 10
    index.lecture_written(lecture(40, folder))  # past the interval: rewritten now, itself not yet committed
    text = (folder / "Physics index.md").read_text(encoding="utf-8")
    assert all(f"Lecture {number}" in text for number in range(41)) and "Cells" not in text
    assert len(read) > 40 and max(alive) <= 2 * page + 1
    del written
    gc.collect()
    assert not any(ref() is not None for ref in read)
    # Every job alive is the store's own (42) or the one just written: the index keeps none of its lines' jobs.
    assert sum(isinstance(thing, VideoProcessingJob) for thing in gc.get_objects()) <= 43


def write_lecture(path: Path, seed: int) -> None:
    lines = random.Random(seed).sample(LECTURE, 9)
    cues = [f"00:00:{i * 5:02d}.000 --> 00:00:{i * 5 + 4:02d}.000\n{line}\n" for i, line in enumerate(lines)]
    path.write_text("WEBVTT\n\n" + "\n".join(cues))


def files_and_times(folder: Path) -> dict[str, int]:
    return {str(path.relative_to(folder)): path.stat().st_mtime_ns for path in folder.rglob("*") if path.is_file()}


@pytest.mark.slow
def test_the_vault_pass_after_a_new_lecture_touches_only_the_subjects_it_changes(tmp_path: Path) -> None:
    physics, biology, vault = tmp_path / "Physics", tmp_path / "Biology", tmp_path / "vault"
    physics.mkdir()
    biology.mkdir()
    for number in range(3):
        write_lecture(physics / f"lecture {number}.en.vtt", number)
    for number in range(2):
        write_lecture(biology / f"lecture {number}.en.vtt", 10 + number)
    run = ("run", physics, biology, "--vault", vault, "--model", "offline", "--no-pdf", "-q")
    assert run_cli(*run, cwd=tmp_path).returncode == 0
    assert "[[Biology/Concepts/Ideal gas|" in (vault / "Biology" / "Lecture 0.md").read_text()
    (vault / "Biology" / "Assessment_Lecture 1.md").unlink()
    seen = run_cli(*run, cwd=tmp_path)
    assert "1 note(s) you deleted were left deleted: Biology/Assessment_Lecture 1.md" in seen.stderr
    untouched = files_and_times(vault / "Biology")

    write_lecture(physics / "lecture 3.en.vtt", 3)  # a lecture of Physics, named after no term of Biology's
    added = run_cli(*run, cwd=tmp_path)
    assert added.returncode == 0
    assert "you deleted" not in added.stderr  # a pass over Biology would have found it deleted again
    assert "Lecture 3" in (vault / "Physics" / "Physics index.md").read_text()
    assert "[[Physics/Lecture 3|" in (vault / "Physics" / "Lecture 0.md").read_text()  # its related lectures
    assert files_and_times(vault / "Biology") == untouched

    write_lecture(physics / "Ideal gas.en.vtt", 4)  # Biology's lectures link its title: they link it now
    assert run_cli(*run, cwd=tmp_path).returncode == 0
    assert "[[Physics/Ideal Gas|" in (vault / "Biology" / "Lecture 0.md").read_text()
