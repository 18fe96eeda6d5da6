"""A store lost during a run, or broken, is named to the user with what to do; never a traceback or silence."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.cli import run_cli, start_cli
from tests.test_crash_safety import make_transcripts

STORE = Path(".tubenotes") / "tubenotes.db"
WIDE = {**os.environ, "COLUMNS": "1000"}  # a message on one line, as the tests read it


def tubenotes(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=cwd, env=WIDE)


@pytest.mark.slow
@pytest.mark.parametrize("loss", ["deleted", "emptied"])
def test_a_run_whose_store_vanishes_says_so_and_fails(tmp_path: Path, loss: str) -> None:
    make_transcripts(tmp_path / "in")
    vault = tmp_path / "vault"
    process = start_cli("run", str(tmp_path / "in"), "--vault", str(vault), "-q", stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, cwd=tmp_path, env=WIDE)
    try:
        deadline = time.monotonic() + 120
        while not any(vault.glob("*/*.md")):  # the store is open and the first note written
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.02)
        if loss == "deleted":
            shutil.rmtree(vault / ".tubenotes")
        else:
            (vault / STORE).write_bytes(b"")
        out, err = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 1, out + err
    assert "vanished during this run" in err and str(vault / STORE) in err and "rebuild-store" in err, err
    assert "Traceback" not in err


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_broken_store_is_named_with_what_to_do(tmp_path: Path, damage: str) -> None:
    make_transcripts(tmp_path / "in")
    vault = tmp_path / "vault"
    assert tubenotes("run", str(tmp_path / "in"), "--vault", str(vault), "--no-pdf", "-q", cwd=tmp_path).returncode == 0
    database = vault / STORE
    if damage == "garbage":
        database.write_bytes(b"this is not a database, it is what a sync tool left\n" * 200)
    else:
        data = database.read_bytes()
        database.write_bytes(data[: len(data) // 3])
    for command in (["status", "--vault", str(vault)],
                    ["run", str(tmp_path / "in"), "--vault", str(vault), "--no-pdf", "-q"],
                    ["resume", "--vault", str(vault)]):
        result = tubenotes(*command, cwd=tmp_path)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        assert f"the store {database} cannot be read" in result.stderr, result.stderr
        assert "rebuild-store" in result.stderr, result.stderr


def vault_files(vault: Path) -> dict[str, bytes]:
    return {path.relative_to(vault).as_posix(): path.read_bytes() for path in vault.rglob("*")
            if path.is_file() and ".tubenotes" not in path.parts}


@pytest.mark.slow
def test_after_the_store_is_lost_a_run_adopts_its_notes_instead_of_writing_duplicates(tmp_path: Path) -> None:
    make_transcripts(tmp_path / "in")
    vault = tmp_path / "vault"
    run = ["run", str(tmp_path / "in"), "--vault", str(vault), "--no-pdf", "-q"]
    assert tubenotes(*run, cwd=tmp_path).returncode == 0
    before = vault_files(vault)
    user_note = vault / "in" / "My own note.md"  # the user's, with properties of their own: never adopted
    user_note.write_text("---\ntags: [physics]\ntype: notes\n---\nMine.\n")
    shutil.rmtree(vault / ".tubenotes")

    result = tubenotes(*run, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    after = vault_files(vault)
    assert not [name for name in after if "(new" in name], sorted(after)
    assert after.pop("in/My own note.md") == user_note.read_bytes()
    assert sorted(after) == sorted(before)  # every note, concept note, index and deck in place, none beside
    for name, data in after.items():
        if name.endswith(".md") and "/Concepts/" not in name and not name.startswith("in/Assessment_"):
            assert ("## Related lectures" in data.decode()) == ("## Related lectures" in before[name].decode())


@pytest.mark.slow
def test_rebuild_store_makes_the_store_again_from_the_vault(tmp_path: Path) -> None:
    make_transcripts(tmp_path / "in")
    vault = tmp_path / "vault"
    run = ["run", str(tmp_path / "in"), "--vault", str(vault), "-q"]
    assert tubenotes(*run, cwd=tmp_path).returncode == 0
    jobs_before = json.loads(tubenotes("status", "--vault", str(vault), "--json", cwd=tmp_path).stdout)
    before = vault_files(vault)
    (vault / STORE).write_bytes(b"\x00garbage" * 1000)  # broken: named, moved aside as the message says
    assert "cannot be read" in tubenotes("status", "--vault", str(vault), cwd=tmp_path).stderr
    (vault / STORE).rename(vault / ".tubenotes" / "tubenotes.db.broken")

    result = tubenotes("rebuild-store", "--vault", str(vault), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(jobs_before)} lecture(s) added as completed" in result.stdout, result.stdout
    jobs = json.loads(tubenotes("status", "--vault", str(vault), "--json", cwd=tmp_path).stdout)
    assert sorted((job["video_id"], job["stage"], job["notes_file"], job["assessment_file"]) for job in jobs) == \
        sorted((job["video_id"], job["stage"], job["notes_file"], job["assessment_file"]) for job in jobs_before)

    again = tubenotes(*run, cwd=tmp_path)  # every lecture known: nothing to do, nothing written beside
    assert again.returncode == 0, again.stdout + again.stderr
    after = vault_files(vault)
    assert sorted(after) == sorted(before)
    assert [name for name in before if after[name] != before[name] and not name.endswith(" index.md")] == []

    edited = vault / jobs[0]["notes_file"]  # the store knows the hashes again: a later edit is the user's
    edited.write_text(edited.read_text() + "\nMy own words.\n")
    regenerate = tubenotes(*run, "--regenerate", cwd=tmp_path)
    assert regenerate.returncode == 0, regenerate.stdout + regenerate.stderr
    assert edited.with_name(f"{edited.stem} (new).md").exists() and "My own words." in edited.read_text()


def test_rebuild_store_believes_no_note_that_claims_another_folders_lecture(tmp_path: Path) -> None:
    from tubenotes.job import VideoProcessingJob
    from tubenotes.store import MemoryStore
    from tubenotes.vault.guard import MemoryRecords
    from tubenotes.vault.rebuild import rebuild_store
    from tubenotes.vault.writer import VaultWriter

    vault = tmp_path / "vault"
    lecture = VideoProcessingJob(url="https://www.youtube.com/watch?v=entropy0001", video_id="entropy0001",
                                 subject="Physics", video_title="Entropy", study_notes="## Summary\n\nHeat.")
    VaultWriter(vault).write_job(lecture, vault / "Physics", lambda title: title)
    claims = {  # notes elsewhere whose properties claim a lecture tubenotes never wrote there
        "Biology/Impostor.md": "subject: Physics\nvideo_id: entropy0001\ntitle: Impostor",
        "Biology/Escape.md": "subject: ../../../tmp\nvideo_id: escape00001\ntitle: Escape",
        "Biology/Slash.md": "subject: Biology\nvideo_id: ../../x\ntitle: Slash",
    }
    for name, properties in claims.items():
        (vault / name).parent.mkdir(parents=True, exist_ok=True)
        (vault / name).write_text(f"---\n{properties}\ntype: notes\ntags:\n- tubenotes\n---\n# Hostile\n")
    store = MemoryStore(vault)

    rebuilt = rebuild_store(vault, store, MemoryRecords())

    assert rebuilt.jobs == 1
    [job] = store.jobs()
    assert (job.key, job.video_title, job.notes_filepath) == ("physics/entropy0001", "Entropy", lecture.notes_filepath)
