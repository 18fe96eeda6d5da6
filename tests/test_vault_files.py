"""File names safe everywhere, atomic writes, and names never taken from another video."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tubenotes.vault.filenames import MAX_STEM_BYTES, sanitize_filename, subject_dir
from tubenotes.job import VideoProcessingJob
from tubenotes.vault.files import atomic_write_bytes, claim_stem
from tubenotes.vault.guard import MemoryRecords
from tubenotes.vault.writer import VaultWriter

FORBIDDEN = set('<>:"/\\|?*#^[]')


@given(st.text(max_size=400))
def test_any_title_gives_a_safe_name(title: str) -> None:
    name = sanitize_filename(title)
    assert name and not (FORBIDDEN & set(name))
    assert len(name.encode("utf-8")) <= MAX_STEM_BYTES
    assert not name.endswith((" ", ".")) and not name.startswith((" ", "."))
    assert all(ord(ch) >= 32 for ch in name)


def test_long_hostile_title_keeps_its_words() -> None:
    title = "Lecture 1/2: Entropy & Information — why \\ matters? 🔥🎓 " * 6
    name = sanitize_filename(title)
    assert name.startswith("Lecture 1 2 Entropy & Information — why matters 🔥🎓")
    assert len(name.encode()) <= MAX_STEM_BYTES


def test_reserved_windows_names_and_empty_titles() -> None:
    assert sanitize_filename("CON") == "CON_"
    assert sanitize_filename("com1.txt") == "com1.txt_"
    assert sanitize_filename("...") == "Untitled"
    assert sanitize_filename("  ///  ") == "Untitled"


def test_subject_folder_reused_across_case(tmp_path: Path) -> None:
    (tmp_path / "Physics").mkdir()
    assert subject_dir(tmp_path, "physics") == tmp_path / "Physics"
    assert subject_dir(tmp_path, "Chemistry") == tmp_path / "Chemistry"


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "note.md"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_text() == "two"
    assert os.listdir(target.parent) == ["note.md"]


def test_a_name_owned_by_another_video_or_the_user_is_not_taken(tmp_path: Path) -> None:
    (tmp_path / "Intro.md").write_text("---\nvideo_id: aaaaaaaaaaa\n---\n")
    assert claim_stem(tmp_path, "Intro", "aaaaaaaaaaa") == "Intro"
    assert claim_stem(tmp_path, "Intro", "bbbbbbbbbbb") == "Intro (bbbbbbbbbbb)"
    (tmp_path / "Mine.md").write_text("my own note, no front matter")
    assert claim_stem(tmp_path, "Mine", "aaaaaaaaaaa") == "Mine (aaaaaaaaaaa)"


def test_lectures_written_at_once_never_take_the_same_name(tmp_path: Path) -> None:
    """The write stage writes several lectures at once: two of the same title, both past claiming their name
    before either file is on disk, still get a name each."""
    both_claimed = threading.Barrier(2, timeout=10)

    class RecordsMet(MemoryRecords):
        def begin_write(self, path: str, sha256: str, kind: str, job_key: str | None) -> None:
            if kind == "notes":
                both_claimed.wait()  # each writer has its name before either writes
            super().begin_write(path, sha256, kind, job_key)

    writer = VaultWriter(tmp_path, RecordsMet())
    jobs = [VideoProcessingJob(url=f"u{n}", video_id=f"video{n}", video_title="Same Title", subject="Physics",
                               transcript="words", study_notes=f"notes of lecture {n}") for n in range(2)]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda job: writer.write_job(job, tmp_path / "Physics", str), jobs))
    paths = {job.notes_filepath for job in jobs}
    assert len(paths) == 2, paths
    assert sorted(path.read_text(encoding="utf-8").count("notes of lecture") for path in paths) == [1, 1]
    assert "Same Title.md" in {path.name for path in paths}
