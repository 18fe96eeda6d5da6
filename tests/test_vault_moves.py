"""A vault works from any directory, and after being moved or renamed (Obsidian users sync vaults)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.cli import run_cli
from tubenotes.store import SqliteStore

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def tubenotes(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, "--no-pdf", "-q", cwd=cwd)


@pytest.mark.slow
def test_a_vault_used_from_another_directory_and_then_moved(tmp_path: Path) -> None:
    home, first = tmp_path / "home", tmp_path / "home" / "a"
    first.mkdir(parents=True)
    ran = tubenotes(first, "run", str(EXAMPLES / "Biology"), "--vault", "C")
    assert ran.returncode == 0, ran.stderr
    ran = tubenotes(home, "run", str(EXAMPLES / "Geschichte"), "--vault", str(first / "C"))
    assert ran.returncode == 0, ran.stderr
    assert "Traceback" not in ran.stderr

    moved = tmp_path / "B"
    (first / "C").rename(moved)
    ran = tubenotes(tmp_path, "run", str(EXAMPLES / "Physics"), str(EXAMPLES / "Biology"), "--vault", str(moved))
    assert ran.returncode == 0, ran.stderr
    assert "2 completed, 0 failed" in ran.stdout
    for subject in ("Biology", "Geschichte", "Physics"):
        index = (moved / subject / f"{subject} index.md").read_text()
        assert ("abgeschlossen" if subject == "Geschichte" else "completed") in index  # in the lecture's language
    resumed = tubenotes(home, "resume", "--vault", str(moved))
    assert resumed.returncode == 0 and "Nothing to do" in resumed.stdout
    assert sorted(p.name for p in home.iterdir()) == ["a"], "nothing may be written outside the vault"
    assert not any(first.iterdir())
    with SqliteStore(moved) as store:
        paths = [job.notes_filepath for job in store.jobs()]
    assert all(path is not None and path.is_relative_to(moved) and path.exists() for path in paths)


@pytest.mark.slow
def test_a_store_of_the_earlier_version_gets_paths_relative_to_the_vault(tmp_path: Path) -> None:
    vault = tmp_path / "notes"
    ran = tubenotes(tmp_path, "run", str(EXAMPLES / "Biology"), "--vault", "notes")
    assert ran.returncode == 0, ran.stderr
    database = vault / ".tubenotes" / "tubenotes.db"
    with sqlite3.connect(database) as db:  # as version 2 kept them: relative to the directory of `run`
        key, text = db.execute("SELECT key, data FROM jobs").fetchone()
        data = json.loads(text)
        data["transcript"] = db.execute("SELECT body FROM job_documents WHERE name = 'transcript'").fetchone()[0]
        db.execute("DROP TABLE job_documents")
        for later in ("batch_requests", "llm_batches"):  # the Batch API ledger came after version 2
            db.execute(f"DROP TABLE {later}")
        db.execute("DROP INDEX jobs_position")  # and the index of input order
        data["output_dir"] = "notes/Biology"
        data["notes_filepath"] = "notes/Biology/Cellular Respiration.md"
        data["assessment_filepath"] = "/old/home/notes/Biology/Assessment_Cellular Respiration.md"
        db.execute("UPDATE jobs SET data = ? WHERE key = ?", (json.dumps(data), key))
        db.execute("PRAGMA user_version = 2")
    with SqliteStore(vault) as store:
        job = store.jobs()[0]
    assert job.output_dir == vault / "Biology"
    assert job.notes_filepath == vault / "Biology" / "Cellular Respiration.md"
    assert job.assessment_filepath == vault / "Biology" / "Assessment_Cellular Respiration.md"
    assert job.transcript == data["transcript"]
