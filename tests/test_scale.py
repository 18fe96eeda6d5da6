"""A large folder: the output stays a summary, whatever the number of lectures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.conftest import LECTURE
from tubenotes.job import VideoProcessingJob
from tubenotes.progress import FAILURES_NAMED, SUMMARY_ABOVE
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


def test_a_subject_index_that_takes_long_to_rewrite_is_rewritten_less_often(tmp_path: Path) -> None:
    """During a batch the index follows the lectures written, but a rewrite of a big subject (which
    lists every lecture) is not repeated at once: the writer would spend its time on it."""
    clock, seconds_per_rewrite, rewrites = Clock(), [0.01], []

    def committed() -> list[VideoProcessingJob]:
        rewrites.append(clock.now)
        clock.now += seconds_per_rewrite[0]  # listing the subject takes this long
        return []

    index = LiveIndex(VaultWriter(tmp_path), committed, clock=clock)
    folder = tmp_path / "Physics"
    folder.mkdir()

    def written(number: int) -> None:
        job = VideoProcessingJob(url=f"u{number}", video_id=f"v{number}", subject="Physics", position=number,
                                 video_title=f"Lecture {number}")
        job.output_dir = folder
        index.lecture_written(job)
        clock.now += 0.5  # the next lecture is written half a second later

    for number in range(20):  # 10 seconds of a small subject: a rewrite every INDEX_INTERVAL
        written(number)
    assert len(rewrites) == 5 and (folder / "Physics index.md").exists()
    seconds_per_rewrite[0] = 1.5  # the subject has grown: its index takes 1.5 s
    rewrites.clear()
    for number in range(20, 200):  # 90 seconds
        written(number)
    assert 2 <= len(rewrites) <= 4, rewrites  # one every INDEX_COST_FACTOR * 1.5 s, not every 2 s
    assert rewrites[1] - rewrites[0] >= INDEX_COST_FACTOR * 1.5
