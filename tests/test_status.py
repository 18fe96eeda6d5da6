"""`tubenotes status`: a summary that stays short and fast however large the vault, the full list on demand."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli import run_cli
from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.store import SqliteStore
from tubenotes.testing.services import postgres_database


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


@pytest.mark.slow
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


@pytest.mark.slow
def test_which_worker_ran_each_stage_fits_80_columns(tmp_path: Path) -> None:
    with SqliteStore(tmp_path) as store:
        for n in range(3):
            job = VideoProcessingJob(url=f"u{n}", video_id=f"video{n:06d}", position=n,
                                     video_title=f"Introduction to Thermodynamics, lecture {n}")
            job.mark_completed()
            job.workers = {stage: "fetch,transcribe,generate-12345@machine-a" for stage in ("fetch", "generate")}
            job.workers |= {stage: "write,export-777@vault-host" for stage in ("write", "export")}
            store.save(job)
    result = run_cli("status", "--vault", str(tmp_path), "--all", timeout=60, env={**os.environ, "COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    # Each worker's name whole on one line, each job's row on one line, numbered from 1.
    assert any("fetch,transcribe,generate-12345@machine-a" in line for line in lines), result.stdout
    assert any("write,export-777@vault-host" in line for line in lines), result.stdout
    assert [line.split("│")[1].strip() for line in lines if line.startswith("│ ") and "completed" in line] == \
        ["1", "2", "3"]


@pytest.mark.slow
def test_a_vault_whose_jobs_are_in_a_shared_store_says_where_they_are(tmp_path: Path) -> None:
    vault, examples = tmp_path / "vault", Path(__file__).resolve().parent.parent / "examples" / "Biology"
    with postgres_database() as url:
        with_password = url.replace("postgres@", "postgres:hunter2-secret@", 1)  # trust: any password passes
        ran = run_cli("run", examples, "--vault", vault, "--store", with_password, "--no-pdf", "-q", timeout=120)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        without_password = with_password.replace(":hunter2-secret", "")

        shared = " ".join(status(vault).split())
        assert "0 job(s)" in shared and f"the shared store {without_password}" in shared, shared
        assert f"--store {without_password}" in shared

        named = " ".join(status(vault, "--store", with_password).split())
        assert f"1 job(s) in the store {without_password}" in named and str(vault) not in named, named
    vault_files = b"".join(path.read_bytes() for path in vault.rglob("*") if path.is_file())
    assert b"hunter2-secret" not in vault_files and "hunter2-secret" not in ran.stdout + ran.stderr + shared + named


@pytest.mark.slow
def test_a_completed_job_s_warning_is_shown_by_status(tmp_path: Path) -> None:
    with SqliteStore(tmp_path) as store:
        job = VideoProcessingJob(url="u", video_id="video000001", video_title="Entropy")
        job.warn("Entropy.md was deleted: no PDF made of it")
        job.warn("Assessment_Entropy.md: a font for 漢 is missing")
        job.mark_completed()
        store.save(job)
    for listing in (status(tmp_path), status(tmp_path, "--all")):
        assert "warning: Entropy.md was deleted: no PDF made of it (and 1 more)" in listing
