"""What users and machines do to a vault: notes deleted mid-batch, an interrupted vault pass."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import run_cli, start_cli
from tests.test_crash_safety import make_transcripts
from tubenotes.job import ProcessingStage
from tubenotes.store import SqliteStore

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def tubenotes(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return run_cli(*args, "-q", timeout=timeout)


@pytest.mark.slow
def test_a_note_deleted_between_its_write_and_its_export_does_not_spin_the_resume(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    assert tubenotes("run", str(EXAMPLES / "Biology"), "--vault", str(vault)).returncode == 0
    with SqliteStore(vault) as store:  # as a kill after the write stage leaves it
        job = store.jobs()[0]
        job.notes_pdf_path = job.assessment_pdf_path = None
        job.stage = ProcessingStage.FILES_WRITTEN
        store.save(job)
    assert job.notes_filepath is not None
    job.notes_filepath.unlink()
    resumed = tubenotes("resume", "--vault", str(vault), timeout=60)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    with SqliteStore(vault) as store:
        job = store.jobs()[0]
    assert job.stage is ProcessingStage.COMPLETED
    assert job.assessment_pdf_path is not None and job.assessment_pdf_path.exists()
    assert any("was deleted" in warning for warning in job.warnings)


def _files(vault: Path) -> dict[str, bytes]:
    """The vault's notes and decks, without the lines that carry the date of the run."""
    files = {}
    for path in sorted(vault.rglob("*")):
        if path.is_file() and ".tubenotes" not in path.parts and path.suffix in (".md", ".apkg"):
            data = path.read_bytes() if path.suffix == ".apkg" else b"\n".join(
                line for line in path.read_bytes().splitlines() if not line.startswith(b"created:"))
            files[path.relative_to(vault).as_posix()] = data
    return files


@pytest.mark.slow
def test_a_vault_pass_killed_midway_is_finished_by_the_next_resume(tmp_path: Path) -> None:
    lectures, vault, clean = tmp_path / "lectures", tmp_path / "vault", tmp_path / "clean"
    make_transcripts(lectures)
    assert tubenotes("run", str(lectures), "--subject", "Physics", "--vault", str(clean), "--no-pdf").returncode == 0

    process = start_cli("run", str(lectures), "--subject", "Physics", "--vault", str(vault), "--no-pdf", "-q",
                        stdout=None, stderr=subprocess.PIPE)
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("Updating links"):
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    process.stderr.close()
    assert (vault / ".tubenotes" / "vault-pass.pending").exists(), "the pass ended before the kill"

    resumed = tubenotes("resume", "--vault", str(vault))
    assert resumed.returncode == 0, resumed.stderr
    assert "finishing it" in resumed.stderr
    assert _files(vault).keys() == _files(clean).keys()
    apkg = [name for name in _files(clean) if name.endswith(".apkg")]
    assert apkg, "the clean run wrote no deck"
    for name, data in _files(clean).items():
        if not name.endswith(".apkg"):
            assert _files(vault)[name] == data, name
    again = tubenotes("resume", "--vault", str(vault))
    assert "finishing it" not in again.stderr


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 16 MB tmpfs, unmounted after the test."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


@pytest.mark.slow
def test_a_full_disk_stops_the_batch_with_one_message_and_resume_finishes(tmp_path: Path, small_disk: Path) -> None:
    lectures, vault = tmp_path / "lectures", small_disk / "vault"
    make_transcripts(lectures)
    filler = small_disk / "filler"
    ran = tubenotes("run", str(lectures), "--vault", str(vault), "--subject", "Physics")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    for path in vault.rglob("pdfs"):
        shutil.rmtree(path)
    with SqliteStore(vault) as store:  # as a run killed before its exports leaves it
        for job in store.jobs():
            job.notes_pdf_path = job.assessment_pdf_path = None
            job.stage = ProcessingStage.FILES_WRITTEN
            store.save(job)
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * max(free - 64 * 1024, 0))  # what is left: room for the store, not the PDFs
    full = tubenotes("resume", "--vault", str(vault))
    output = full.stdout + full.stderr
    assert full.returncode == 1, output
    assert "Traceback" not in output and output.count("cannot write") == 1, output
    assert "free some space" in output
    with SqliteStore(vault) as store:
        assert ProcessingStage.FAILED not in {job.stage for job in store.jobs()}

    filler.unlink()
    again = tubenotes("resume", "--vault", str(vault))
    assert again.returncode == 0, again.stdout + again.stderr
    with SqliteStore(vault) as store:
        assert {job.stage for job in store.jobs()} == {ProcessingStage.COMPLETED}


@pytest.mark.slow
def test_a_read_only_vault_says_so_in_one_line(tmp_path: Path, small_disk: Path) -> None:
    vault = small_disk / "vault"
    assert tubenotes("run", str(EXAMPLES / "Biology"), "--vault", str(vault), "--no-pdf").returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    ran = tubenotes("run", str(EXAMPLES / "Physics"), "--vault", str(vault), "--no-pdf")
    output = ran.stdout + ran.stderr
    assert ran.returncode == 1, output
    assert "Traceback" not in output and "cannot write" in output, output


@pytest.mark.slow
def test_status_reads_a_healthy_store_on_a_read_only_vault(tmp_path: Path, small_disk: Path) -> None:
    vault = small_disk / "vault"
    assert tubenotes("run", str(EXAMPLES / "Biology"), "--vault", str(vault), "--no-pdf").returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    shown = run_cli("status", "--vault", vault, timeout=60)
    output = " ".join((shown.stdout + shown.stderr).split())
    assert shown.returncode == 0, output
    assert "1 job(s)" in output and "1 completed" in output and "Cellular" in output
    assert "cannot be read" not in output


@pytest.mark.slow
def test_a_rerun_that_changes_nothing_skips_the_vault_pass_but_not_a_deletion(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    first = tubenotes("run", str(EXAMPLES / "Biology"), "--vault", str(vault), "--no-pdf")
    assert first.returncode == 0 and "Updating links" in first.stderr
    again = tubenotes("run", str(EXAMPLES / "Biology"), "--vault", str(vault), "--no-pdf")
    assert again.returncode == 0 and "Updating links" not in again.stderr
    assert not (vault / ".tubenotes" / "vault-pass.pending").exists()
    (vault / "Biology" / "Cellular Respiration.md").unlink()
    deleted = tubenotes("run", str(EXAMPLES / "Biology"), "--vault", str(vault), "--no-pdf")
    assert "Updating links" in deleted.stderr and "left deleted" in deleted.stderr
    assert "deleted" in (vault / "Biology" / "Biology index.md").read_text()


@pytest.mark.slow
def test_force_overwrites_an_edited_subject_index_of_the_inputs_as_the_warning_says(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    assert tubenotes("run", str(EXAMPLES), "--vault", str(vault), "--no-pdf").returncode == 0
    edited = {subject: vault / subject / f"{subject} index.md" for subject in ("Biology", "Physics")}
    for index in edited.values():
        index.write_text(index.read_text() + "\nMy own line.\n")

    warned = tubenotes("run", str(EXAMPLES / "Biology"), "--vault", str(vault), "--no-pdf", "--regenerate")
    assert "pass --force to overwrite" in " ".join((warned.stdout + warned.stderr).split())
    (vault / "Biology" / "Biology index (new).md").unlink()
    forced = tubenotes("run", str(EXAMPLES / "Biology"), "--vault", str(vault), "--no-pdf", "--force")

    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "My own line." not in edited["Biology"].read_text()
    assert not (vault / "Biology" / "Biology index (new).md").exists()
    assert "My own line." in edited["Physics"].read_text()  # a subject the run was not given keeps its edit
