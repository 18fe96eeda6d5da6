"""`tubenotes status`: a summary that stays short and fast however large the vault, the full list on demand."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli import run_cli
from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.store import SqliteStore


def make_vault(vault: Path) -> None:
    with SqliteStore(vault) as store:
        for n in range(25):
            job = VideoProcessingJob(url=f"u{n}", video_id=f"video{n:06d}", position=n, video_title=f"Lecture {n}",
                                     transcript="heat " * 100)
            if n < 15:
                job.mark_completed()
                job.completed_at = 1000.0 + n
            elif n < 20:
                job.mark_failed(f"no captions for lecture {n}", "transcripts_disabled")
            else:
                job.stage = ProcessingStage.GENERATING_NOTES
            store.save(job)


def status(vault: Path, *flags: str) -> str:
    result = run_cli("status", "--vault", str(vault), *flags, timeout=60, env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_summary_counts_every_stage_and_names_failures_work_in_flight_and_the_last_finished(
        tmp_path: Path) -> None:
    make_vault(tmp_path)
    summary = status(tmp_path)
    assert "25 job(s)" in summary and "5 generating_notes, 15 completed, 5 failed" in summary
    assert all(f"no captions for lecture {n}" in summary for n in range(15, 20))
    assert "in flight" in summary and "Lecture 24" in summary
    assert "the first 10 of 15" in summary and "Lecture 14" in summary and "Lecture 3 " not in summary
    listing = status(tmp_path, "--all")
    assert all(f"Lecture {n} " in listing or f"Lecture {n}\n" in listing for n in range(25))
    assert len(json.loads(status(tmp_path, "--json"))) == 25
