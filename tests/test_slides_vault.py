"""Slide pictures in the vault: moved into the attachments by the write stage, embedded where they are
shown, guarded like the notes, recognised without the store, and carried by the cards."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

from PIL import Image

from tubenotes.config import Settings
from tubenotes.job import Slide, SourceKind, VideoProcessingJob
from tubenotes.slides.fetcher import SlideFetcher
from tubenotes.stages import build_stages
from tubenotes.store import SqliteStore
from tubenotes.vault.guard import MemoryRecords
from tubenotes.vault.rebuild import rebuild_store
from tubenotes.vault.slides import embed_slides

NOTES = """## Summary

- [00:05] The lecture in one line.

## Heat

[▶ 00:00](https://www.youtube.com/watch?v=abcdefghijk&t=0s)

Heat is energy in transit.

- [00:10] First said here.
- [01:10] Later said here.

## Work

[▶ 02:00](https://www.youtube.com/watch?v=abcdefghijk&t=120s)

Work is force along a path.
"""
ASSESSMENT = """## Questions

### Question 1

*Multiple choice*

What is heat?

- A. Energy in transit
- B. A substance

> [!success]- Answer
> **A. Energy in transit**
>
> The lecture defines heat as energy in transit.
>
> Watch: [00:40](https://www.youtube.com/watch?v=abcdefghijk&t=40s)

## Answer key

1. A. Energy in transit ([00:40](https://www.youtube.com/watch?v=abcdefghijk&t=40s))
"""


def _picture(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), colour).save(buffer, format="WEBP")
    return buffer.getvalue()


def _job(vault: Path) -> VideoProcessingJob:
    """A job as the slides stage leaves it: three slides, their pictures waiting in its staging folder."""
    job = VideoProcessingJob(url="https://youtu.be/abcdefghijk", video_id="abcdefghijk", subject="Physics",
                             source=SourceKind.YOUTUBE, transcript="words " * 50, video_title="Heat: an Intro",
                             study_notes=NOTES, assessment_content=ASSESSMENT, generator="offline", slides=[])
    staged = SlideFetcher(Settings(vault=vault)).staging(job)
    staged.mkdir(parents=True)
    for number, (start, end, title) in enumerate([(0, 60, "Heat"), (60, 120, "Heat, continued"),
                                                  (120, 200, "Work")], start=1):
        picture = staged / f"slide {number:02d}.webp"
        picture.write_bytes(_picture(["red", "green", "blue"][number - 1]))
        job.slides.append(Slide(start, end, title, ["a line"], picture.relative_to(vault).as_posix()))
    return job


def test_the_write_stage_puts_pictures_in_the_attachments_and_embeds_each_where_it_is_shown(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    settings = Settings(vault=vault, model="offline", pdf=False)
    with SqliteStore(vault) as store, build_stages(settings, store, lambda _: None) as stages:
        job = stages.run("write", _job(vault))
        names = sorted(path.name for path in (vault / "Physics" / "attachments").iterdir())
        assert names == [f"Heat an Intro - slide 0{n}.webp" for n in (1, 2, 3)]
        assert not any((vault / ".tubenotes" / "slides").iterdir())  # moved, not copied
        notes = job.notes_filepath.read_text()
        heat, work = notes.split("## Heat\n", 1)[1].split("## Work\n")
        # Under the section's time link; the second slide before the first line said after it appeared.
        assert heat.index("t=0s)") < heat.index("slide 01.webp|Heat]]") < heat.index("[00:10] First")
        assert heat.index("[00:10] First") < heat.index("slide 02.webp|Heat, continued]]") < heat.index("[01:10]")
        assert "![[Physics/attachments/Heat an Intro - slide 03.webp|Work]]" in work
        assert "![[Physics/attachments/Heat an Intro - slide 01.webp]]" in job.assessment_filepath.read_text()

        # Every picture is guarded: an edited one is kept, the new one goes beside it.
        first = vault / "Physics" / "attachments" / "Heat an Intro - slide 01.webp"
        assert store.records.file_record("Physics/attachments/Heat an Intro - slide 01.webp").kind == "slide"
        first.write_bytes(_picture("white"))
        again = _job_again(vault, job)
        again = stages.run("write", again)
        assert first.read_bytes() == _picture("white")
        assert (first.parent / "Heat an Intro - slide 01 (new).webp").read_bytes() == _picture("red")
        assert any("slide 01.webp was edited" in warning for warning in again.warnings)


def _job_again(vault: Path, written: VideoProcessingJob) -> VideoProcessingJob:
    """The job as a regeneration writes it anew: its pictures read again into the staging folder."""
    shutil.rmtree(vault / ".tubenotes" / "slides", ignore_errors=True)
    job = _job(vault)
    job.warnings = list(written.warnings)
    return job


def test_a_write_run_again_after_the_pictures_moved_finds_them(tmp_path: Path) -> None:
    """Killed after the pictures were moved and before the job was saved: the pictures are where they went."""
    vault = tmp_path / "vault"
    settings = Settings(vault=vault, model="offline", pdf=False)
    with SqliteStore(vault) as store, build_stages(settings, store, lambda _: None) as stages:
        stages.run("write", _job(vault))
        unsaved = _job(vault)  # the job as last saved: its pictures still staged
        shutil.rmtree(vault / ".tubenotes" / "slides")
        job = stages.run("write", unsaved)
    assert [slide.picture for slide in job.slides] == [
        f"Physics/attachments/Heat an Intro - slide 0{n}.webp" for n in (1, 2, 3)]


def test_pictures_read_into_another_vault_leave_the_notes_without_them_and_the_job_says_why(tmp_path: Path) -> None:
    """A slides worker whose --vault is not the write worker's: its pictures wait where the writer cannot look."""
    vault = tmp_path / "vault"
    settings = Settings(vault=vault, model="offline", pdf=False)
    job = _job(vault)
    job.workers["slides"] = "slides-7@elsewhere"
    shutil.rmtree(vault / ".tubenotes" / "slides")
    with SqliteStore(vault) as store, build_stages(settings, store, lambda _: None) as stages:
        job = stages.run("write", job)
    assert [slide.picture for slide in job.slides] == [None] * 3
    assert "![[" not in job.notes_filepath.read_text() and not (vault / "Physics" / "attachments").exists()
    assert job.warnings == [
        "the pictures of 3 slide(s), read by worker slides-7@elsewhere, are not in this vault's .tubenotes/slides/, "
        "so the notes have none: run the `slides` queue only on workers whose --vault is the vault the `write` "
        "worker writes to (or keep .tubenotes/ in place while a batch runs)"]


def test_pictures_are_known_as_ours_without_the_store_and_after_rebuild_store(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    settings = Settings(vault=vault, model="offline", pdf=False)
    with SqliteStore(vault) as store, build_stages(settings, store, lambda _: None) as stages:
        stages.run("write", _job(vault))
    shutil.rmtree(vault / ".tubenotes")  # the store is lost

    records = MemoryRecords()
    with SqliteStore(vault) as store:
        rebuilt = rebuild_store(vault, store, records)
    assert rebuilt.jobs == 1
    picture = records.file_record("Physics/attachments/Heat an Intro - slide 02.webp")
    assert picture is not None and picture.kind == "slide" and picture.job_key == "physics/abcdefghijk"

    # Without any record, a picture named after a tubenotes note is updated in place, not copied beside.
    with SqliteStore(vault) as store:
        store.records.forget_file("Physics/attachments/Heat an Intro - slide 01.webp")
        with build_stages(settings, store, lambda _: None) as stages:
            stages.run("write", _job(vault))
    assert not (vault / "Physics" / "attachments" / "Heat an Intro - slide 01 (new).webp").exists()


def test_notes_without_time_stamps_get_the_pictures_at_their_end(tmp_path: Path) -> None:
    slides = [Slide(0, 10, "One", [], "S/attachments/n - slide 01.webp")]
    body = embed_slides("## Summary\n\nNo times here.", slides, tmp_path)
    assert body.endswith("No times here.\n\n![[S/attachments/n - slide 01.webp|One]]")


def test_the_anki_deck_carries_the_slide_of_each_card_as_media(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    settings = Settings(vault=vault, model="offline", pdf=False)
    with SqliteStore(vault) as store, build_stages(settings, store, lambda _: None) as stages:
        store.save(stages.run("write", _job(vault)))
        stages.vault_pass()
    with zipfile.ZipFile(vault / "Physics" / "Physics.apkg") as deck:
        media = json.loads(deck.read("media"))
        assert list(media.values()) == ["Heat an Intro - slide 01.webp"]
        assert deck.read(next(iter(media))) == _picture("red")
