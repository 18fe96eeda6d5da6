"""The vault pass reads each lecture's documents when it needs them and lets them go, writes the same vault
as a pass given every job with its documents, and renders again only the notes whose inputs changed."""

from __future__ import annotations

import random
import weakref
from collections import Counter
from collections.abc import Collection
from pathlib import Path

import pytest

from tests.conftest import LECTURE
from tubenotes.config import Settings
from tubenotes.course.material import DEFINITION_LECTURES
from tubenotes.course.stage import CourseStage
from tubenotes.generate.offline import OfflineGenerator
from tubenotes.job import ProcessingStage, TranscriptSegment, VideoProcessingJob
from tubenotes.store import SqliteStore
from tubenotes.stages import build_stages
from tubenotes.store.base import outlines
from tubenotes.vault import finish
from tubenotes.store.documents import DOCUMENT_FIELDS, DocumentReader, documents_of
from tubenotes.vault import deck, finish
from tubenotes.vault.deck import LectureCards
from tubenotes.vault.finish import finish_vault, lecture_cards
from tubenotes.vault.memo import MEMO_FILENAME, RenderMemo
from tubenotes.vault.writer import VaultWriter

LECTURES = 12


class HeldAtOnce:
    """A document reader that counts the jobs it read which are still alive when it reads the next."""

    def __init__(self, inner: DocumentReader) -> None:
        self.inner = inner
        self.reads = 0
        self.most_held = 0
        self._alive: list[weakref.ref[VideoProcessingJob]] = []

    def read(self, job: VideoProcessingJob, names: Collection[str] = DOCUMENT_FIELDS) -> VideoProcessingJob:
        self._alive = [ref for ref in self._alive if ref() is not None]
        read = self.inner.read(job, names)
        self._alive.append(weakref.ref(read))
        self.reads += 1
        self.most_held = max(self.most_held, len(self._alive))
        return read

    def stamp(self, job: VideoProcessingJob) -> str | None:
        return self.inner.stamp(job)


def build_vault(vault: Path) -> SqliteStore:
    """Lectures that say most of the same sentences (so they share concepts), written and stored."""
    rng = random.Random(5)
    store = SqliteStore(vault)
    writer = VaultWriter(vault, store.records)
    for number in range(LECTURES):
        add_lecture(store, writer, number, rng.sample(LECTURE, 9))
    return store


def add_lecture(store: SqliteStore, writer: VaultWriter, number: int, lines: list[str]) -> VideoProcessingJob:
    """A lecture saying ``lines``, through its stages: its notes written, the job stored."""
    generator = OfflineGenerator()
    job = VideoProcessingJob(url=f"https://www.youtube.com/watch?v=lecture{number:04d}",
                             video_id=f"lecture{number:04d}", subject="Thermo", position=number,
                             video_title=f"Lecture {number}", language="en", transcript=" ".join(lines),
                             segments=[TranscriptSegment(6.0 * i, 6.0, line) for i, line in enumerate(lines)])
    job.study_notes = generator.generate_notes(job).text
    job.assessment_content = generator.generate_assessment(job).text
    writer.write_job(job, writer.root / "Thermo", lambda title: title)
    job.stage = ProcessingStage.COMPLETED
    store.save(job)
    return job


def vault_files(vault: Path) -> dict[str, bytes]:
    """The vault's notes, bytes and all (the deck's bytes hold the time it was made: left out)."""
    return {path.relative_to(vault).as_posix(): path.read_bytes() for path in sorted(vault.rglob("*"))
            if path.is_file() and ".tubenotes" not in path.parts and path.suffix != ".apkg"}


def test_the_vault_pass_holds_one_lecture_s_documents_at_a_time_and_writes_the_same_vault(tmp_path: Path) -> None:
    with build_vault(tmp_path / "held") as store:
        writer = VaultWriter(tmp_path / "held", store.records)
        finish_vault(writer, store.jobs(), course=CourseStage(notice=lambda message: None))
    with build_vault(tmp_path / "read") as store:
        writer = VaultWriter(tmp_path / "read", store.records)
        listed = store.jobs(documents=False)
        assert all(job.transcript is None and job.study_notes is None for job in listed)
        reader = HeldAtOnce(documents_of(store))
        finish_vault(writer, listed, course=CourseStage(notice=lambda message: None), documents=reader)

    held, read = vault_files(tmp_path / "held"), vault_files(tmp_path / "read")
    assert any(name.startswith("Thermo/Concepts/") for name in held)  # the lectures share concepts
    assert "Thermo/Thermo study guide.md" in held
    assert read == held
    # Each lecture's documents are read for its links, first mentions, note, cards and course material.
    assert reader.reads >= 4 * LECTURES
    # The one being read and those the definitions were last looked for in (one at a time but for that).
    assert reader.most_held <= DEFINITION_LECTURES + 1, reader.most_held


def test_a_pass_over_the_jobs_outlines_writes_the_same_vault_and_saves_whole_jobs(tmp_path: Path) -> None:
    with build_vault(tmp_path / "held") as store:
        (tmp_path / "held" / "Thermo" / "Lecture 3.md").unlink()  # its job's warnings change: it is saved
        writer = VaultWriter(tmp_path / "held", store.records)
        finish_vault(writer, store.jobs(), course=CourseStage(notice=lambda message: None))
    with build_vault(tmp_path / "outlined") as store:
        (tmp_path / "outlined" / "Thermo" / "Lecture 3.md").unlink()
        before = store.load(store.jobs(documents=False)[3].key)
        writer = VaultWriter(tmp_path / "outlined", store.records)
        shown = outlines(store)
        assert all(job.token_usage is shown[0].token_usage for job in shown)
        report = finish_vault(writer, shown, course=CourseStage(notice=lambda message: None),
                              documents=documents_of(store))
        [changed] = report.changed_jobs
        assert changed.key == before.key and changed.token_usage == before.token_usage
        assert changed.warnings == [*before.warnings, f"Lecture 3.md was deleted: left deleted (run with "
                                    f"--regenerate or --force to rewrite it)"]
    assert vault_files(tmp_path / "outlined") == vault_files(tmp_path / "held")


def test_the_vault_pass_and_a_subject_s_course_pass_go_over_the_jobs_outlines(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    given: list[list[VideoProcessingJob]] = []

    def finish_vault(writer: VaultWriter, jobs: list[VideoProcessingJob], **options: object) -> finish.VaultReport:
        given.append(jobs)
        return real(writer, jobs, **options)

    real = finish.finish_vault
    monkeypatch.setattr(finish, "finish_vault", finish_vault)
    settings = Settings(vault=tmp_path, model="offline", pdf=False)
    with build_vault(tmp_path) as store, build_stages(settings, store, lambda message: None) as stages:
        stages.vault_pass()
        stages.course_pass("thermo")
        whole = store.jobs(documents=False)
    assert [[job.key for job in jobs] for jobs in given] == [[job.key for job in whole]] * 2
    assert all(job.timings is given[0][0].timings and job.channel is None for jobs in given for job in jobs)


class KeptMemo(RenderMemo):
    """The memo, with what this run made again (a note rendered, a note's names read, a definition found)."""

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(path)
        self.made: list[str] = []

    def keep(self, path: str, inputs: str, value: object) -> None:
        self.made.append(path)
        super().keep(path, inputs, value)


def test_a_pass_over_unchanged_lectures_makes_none_of_their_parts_again(tmp_path: Path) -> None:
    memo_file = tmp_path / ".tubenotes" / MEMO_FILENAME
    with build_vault(tmp_path) as store:
        def vault_pass(memo: KeptMemo) -> KeptMemo:
            writer = VaultWriter(tmp_path, store.records, memo=memo)  # a new run: a new writer, the memo from its file
            finish_vault(writer, store.jobs(documents=False), course=CourseStage(notice=lambda message: None),
                         documents=documents_of(store))
            return memo

        first = vault_pass(KeptMemo(memo_file))
        assert first.rendered == 2 * LECTURES  # every note and assessment
        assert any(path.startswith("Thermo/Concepts/") for path in first.made)  # the concepts' definitions
        assert any(path.startswith("names:") for path in first.made)  # the notes' names, read from their files
        written = vault_files(tmp_path)

        again = vault_pass(KeptMemo(memo_file))
        assert (again.rendered, again.skipped) == (0, 2 * LECTURES)
        # The notes' names are read again once: the first pass rewrote the notes after reading them.
        assert all(path.startswith("names:") for path in again.made)
        assert vault_files(tmp_path) == written
        assert vault_pass(KeptMemo(memo_file)).made == []

        changed = store.load(store.jobs(documents=False)[3].key)
        changed.upload_date = "20240102"  # shown in its own notes' properties only
        store.save(changed)
        third = vault_pass(KeptMemo(memo_file))
        assert (third.rendered, third.skipped) == (2, 2 * LECTURES - 2)
        assert "published: 2024-01-02" in changed.notes_filepath.read_text()
        now = vault_files(tmp_path)
        vault_pass(KeptMemo())  # no memo: every part made again, to the same bytes
        assert vault_files(tmp_path) == now


class Counted:
    """A document reader that counts, per job, the times it read that job's documents."""

    def __init__(self, inner: DocumentReader) -> None:
        self.inner = inner
        self.reads: Counter[str] = Counter()

    def read(self, job: VideoProcessingJob, names: Collection[str] = DOCUMENT_FIELDS) -> VideoProcessingJob:
        self.reads[job.key] += 1
        return self.inner.read(job, names)

    def stamp(self, job: VideoProcessingJob) -> str | None:
        return self.inner.stamp(job)


def test_a_pass_reads_no_unchanged_lecture_and_one_added_reads_that_one_and_those_its_links_change(
        tmp_path: Path) -> None:
    memo_file = tmp_path / ".tubenotes" / MEMO_FILENAME
    with build_vault(tmp_path) as store:
        def vault_pass(memo: RenderMemo) -> Counted:
            writer = VaultWriter(tmp_path, store.records, memo=memo)  # a new run: its memo from the file
            reader = Counted(documents_of(store))
            finish_vault(writer, store.jobs(documents=False), course=CourseStage(notice=lambda message: None),
                         documents=reader)
            return reader

        first = vault_pass(RenderMemo(memo_file))
        assert set(first.reads) == {job.key for job in store.jobs(documents=False)}
        vault_pass(RenderMemo(memo_file))  # the notes' names read again, once (the first pass rewrote them)
        assert vault_pass(RenderMemo(memo_file)).reads == {}

        # A lecture that says what lecture 5 says: the concepts stay, and no other lecture's list of related
        # lectures changes but those it shares the most with.
        added = add_lecture(store, VaultWriter(tmp_path, store.records), LECTURES,
                            store.load(store.jobs(documents=False)[5].key).transcript.split(". "))
        memo = KeptMemo(memo_file)
        reads = vault_pass(memo).reads
        assert reads[added.key] >= 1
        # Each other lecture read is one whose note was made again: where its links go or what it lists changed.
        again = {path for path in memo.made if path.startswith("Thermo/") and "/" not in path[len("Thermo/"):]}
        others = set(reads) - {added.key}
        assert len(others) <= len(again) < 2 * LECTURES, (reads, again)
        # Once to make its note again; and once more where the course looks in its transcript for the
        # sentence that defines a concept whose lectures changed.
        assert all(reads[key] <= 2 for key in others), (reads, again)
        with_memo = vault_files(tmp_path)
        assert vault_pass(RenderMemo(memo_file)).reads == {}

        vault_pass(RenderMemo())  # no memo and no summaries kept: every lecture read, to the same bytes
        assert vault_files(tmp_path) == with_memo

        guide = tmp_path / "Thermo" / "Thermo study guide.md"
        guide.write_text(guide.read_text() + "My own line.\n")  # the course is made again: its new guide beside
        assert vault_pass(RenderMemo(memo_file)).reads == {}
        assert (tmp_path / "Thermo" / "Thermo study guide (new).md").read_bytes() == with_memo["Thermo/Thermo study guide.md"]


def test_the_deck_reads_the_lectures_cards_one_at_a_time_and_an_unchanged_deck_is_not_read_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    memo_file = tmp_path / ".tubenotes" / MEMO_FILENAME
    alive: list[weakref.ref[LectureCards]] = []
    most_alive = 0

    def counted(*args: object) -> LectureCards | None:
        nonlocal alive, most_alive
        lecture = lecture_cards(*args)
        if lecture is not None:
            alive = [ref for ref in alive if ref() is not None] + [weakref.ref(lecture)]
            most_alive = max(most_alive, len(alive))
        return lecture

    monkeypatch.setattr(finish, "lecture_cards", counted)
    with build_vault(tmp_path) as store:
        def vault_pass() -> list[Path]:
            writer = VaultWriter(tmp_path, store.records, memo=RenderMemo(memo_file))
            return finish_vault(writer, store.jobs(documents=False), course=CourseStage(notice=lambda message: None),
                                documents=documents_of(store)).decks

        assert vault_pass() == [tmp_path / "Thermo" / "Thermo.apkg"]
        assert 0 < most_alive <= 2  # the one the deck is making notes of, and the next
        monkeypatch.setattr(deck, "_deck_rows", lambda path: pytest.fail("the deck was read back"))
        assert vault_pass() == []  # the same cards: the memo knows the deck holds them
