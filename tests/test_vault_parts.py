"""The vault's parts alone: the edit guard on both record stores, links, cards, properties, the salted cache."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import LECTURE
from tubenotes.generate.assessment import Assessment, Question, render_llm_assessment
from tubenotes.generate.offline import OfflineGenerator
from tubenotes.job import SourceKind, VideoProcessingJob
from tubenotes.plaintext import clean_line
from tubenotes.store import MemoryCache, SqliteStore
from tubenotes.vault.cards import parse_cards, render_sr_flashcards
from tubenotes.vault.guard import FileState, GuardedFiles, MemoryRecords, WriteOutcome, sha256_of
from tubenotes.vault.links import find_links, normalize, rewrite_links
from tubenotes.vault.notes import render_note


@pytest.fixture(params=["memory", "store"])
def files(request: pytest.FixtureRequest, tmp_path: Path):
    """The guard over each FileRecords implementation: one contract for both."""
    if request.param == "memory":
        yield GuardedFiles(tmp_path, MemoryRecords())
    else:
        with SqliteStore(tmp_path) as store:
            yield GuardedFiles(tmp_path, store.records)


def test_the_guard_overwrites_its_own_files_only(files: GuardedFiles, tmp_path: Path) -> None:
    note = tmp_path / "Physics" / "Note.md"
    assert files.write(note, b"one", "notes", "k").outcome is WriteOutcome.WRITTEN
    assert files.write(note, b"one", "notes", "k").outcome is WriteOutcome.UNCHANGED
    assert files.write(note, b"two", "notes", "k").outcome is WriteOutcome.WRITTEN
    assert files.recorded_path("k", "notes") == note

    note.write_bytes(b"two, and my own words")
    assert files.state(note) is FileState.EDITED
    result = files.write(note, b"three", "notes", "k")
    assert result.outcome is WriteOutcome.BESIDE and result.path.name == "Note (new).md"
    assert note.read_bytes() == b"two, and my own words" and result.path.read_bytes() == b"three"
    assert "Note (new).md" in (result.warning(tmp_path) or "")
    assert files.write(note, b"four", "notes", "k").path == result.path  # the new version is ours to replace

    assert files.write(note, b"five", "notes", "k", force=True).path == note
    assert note.read_bytes() == b"five"

    mine = tmp_path / "Physics" / "Mine.md"
    mine.write_bytes(b"never written by tubenotes")
    assert files.state(mine) is FileState.FOREIGN
    assert files.write(mine, b"x", "notes").path.name == "Mine (new).md"
    assert not files.delete_if_ours(mine) and mine.exists()


def test_a_write_killed_before_its_record_is_finished_is_still_ours(files: GuardedFiles, tmp_path: Path) -> None:
    note = tmp_path / "Note.md"
    files.write(note, b"one", "notes")
    files.records.begin_write("Note.md", "0" * 64, "notes", None)  # begun, killed before the bytes landed
    assert files.state(note) is FileState.OURS
    files.records.begin_write("Note.md", sha256_of(b"two"), "notes", None)
    note.write_bytes(b"two")  # the bytes landed, the record was not finished
    assert files.state(note) is FileState.OURS


def test_links_match_ignoring_case_and_accents_and_skip_code() -> None:
    assert normalize("  Éntropie\u0301  Wärme ") == normalize("entropie warme")
    text = "See [[Entropy]], [[heat|Heat]] and [[gone]].\n```\n[[in code]]\n```\n"
    assert [link.target for link in find_links(text)] == ["Entropy", "heat", "gone"]
    targets = {"entropy": "Physics/Concepts/Entropy", "heat": "Heat"}
    out = rewrite_links(text, lambda target: targets.get(normalize(target)))
    assert out == "See [[Physics/Concepts/Entropy|Entropy]], [[Heat]] and gone.\n```\n[[in code]]\n```\n"


def test_cards_from_the_llm_assessment_format() -> None:
    assessment = Assessment(questions=[
        Question(kind="multiple_choice", question="What is conserved: energy or heat?", options=["Energy", "Heat",
                 "Work"], answer="A", explanation="The first law.", timestamp_seconds=12),
        Question(kind="true_false", question="Heat is a state function.", options=[], answer="false",
                 explanation="It depends on the path.", timestamp_seconds=30),
        Question(kind="short_answer", question="Name the law.", options=[], answer="The first law",
                 explanation="Said at the start.", timestamp_seconds=500),
    ])
    markdown = render_llm_assessment(assessment, lambda s: f"https://www.youtube.com/watch?v=abcdefghijk&t={int(s)}s",
                                 100)
    cards = parse_cards(markdown)
    assert [card.answer for card in cards] == ["A. Energy", "False", "The first law"]
    assert cards[0].question == "What is conserved: energy or heat?\nA) Energy\nB) Heat\nC) Work"
    assert cards[0].context == "The first law." and cards[0].seconds == 12
    assert cards[2].where == ""  # past the end of the video: no link
    section = render_sr_flashcards(cards, "Physics")
    assert section.startswith("## Flashcards\n\n#flashcards/Physics\n")
    first = section.split("\n\n")[2]
    assert first.splitlines()[4] == "?" and "\n\n" not in first  # a multi-line card has no blank line


@given(st.text(min_size=1, max_size=80))
def test_properties_are_yaml_for_any_title(title: str) -> None:
    job = VideoProcessingJob(url="u", video_id="abcdefghijk", video_title=title, subject=f"Sub: {title}",
                             study_notes="Notes.", upload_date="20240101")
    text = render_note(job, "notes")
    matter = yaml.safe_load(text.split("---\n", 2)[1])
    shown = clean_line(title) or job.video_id  # one line, without controls
    assert matter["title"] == shown and matter["aliases"] == [shown]
    assert all(" " not in tag and not tag.isdigit() for tag in matter["tags"])


def test_the_regeneration_round_of_the_job_is_part_of_the_cache_key() -> None:
    cache = MemoryCache()
    generator = OfflineGenerator(cache=cache)
    job = VideoProcessingJob(url="u", video_id="abcdefghijk", video_title="Heat", transcript=" ".join(LECTURE))
    generator.generate_notes(job)
    generator.generate_notes(job)
    assert cache.stats() == {"entries": 1, "computed": 1, "hits": 1}
    job.regeneration = 1  # `run --regenerate`: asked anew once, and a resumed round pays nothing
    generator.generate_notes(job)
    generator.generate_notes(VideoProcessingJob.from_json(job.to_json()))
    assert cache.stats() == {"entries": 2, "computed": 2, "hits": 2}


def test_a_local_transcript_is_named_by_its_file_not_its_full_path() -> None:
    path = Path("/home/alice/lectures/week1.txt")
    job = VideoProcessingJob(url=path.as_uri(), video_id="file-1", source=SourceKind.FILE, source_path=path,
                             video_title="Week 1", study_notes="## Summary\n\nText.")
    note = render_note(job, "notes")
    assert "source: week1.txt" in note and "/home/alice" not in note
    job.youtube_id = "dQw4w9WgXcQ"  # its yt-dlp sidecar names the video
    assert "source: https://www.youtube.com/watch?v=dQw4w9WgXcQ" in render_note(job, "notes")


def test_the_vault_pass_reads_each_note_once_and_parses_each_assessment_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tubenotes.vault import cards, guard
    from tubenotes.vault.finish import finish_vault
    from tubenotes.vault.writer import VaultWriter

    quiz = "## Questions\n\n### Question 1\n\nWhat grows?\n\n## Answer key\n\n1. Entropy\n"
    job = VideoProcessingJob(url="u", video_id="entropy0001", subject="Physics", video_title="Entropy once",
                             study_notes="## Summary\n\nSee [[entropy]].", assessment_content=quiz)
    writer = VaultWriter(tmp_path)
    writer.write_job(job, tmp_path / "Physics", lambda title: title)
    reads: list[Path] = []
    parses: list[str] = []
    real_read, real_parse = guard.sha256_of_file, cards.parse_cards
    monkeypatch.setattr(guard, "sha256_of_file", lambda path: reads.append(path) or real_read(path))
    monkeypatch.setattr(cards, "parse_cards", lambda markdown: parses.append(markdown) or real_parse(markdown))
    cards.cards_of.cache_clear()
    finish_vault(writer, [job])
    assert reads.count(job.notes_filepath) == 1 and reads.count(job.assessment_filepath) == 1
    assert len(parses) == 1
    assert "Subject: [[Physics/Physics index|Physics]]" in job.notes_filepath.read_text()
