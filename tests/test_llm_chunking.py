"""Cutting transcripts to a token budget: nothing lost, nothing over budget, chapters respected."""

from __future__ import annotations

from tubenotes.generate.chunking import TranscriptBlock, plan_chunks, transcript_blocks
from tubenotes.job import Chapter, TranscriptSegment, VideoProcessingJob
from tubenotes.text.markdown import format_stamp


def words_of(chunks: list[list[TranscriptBlock]]) -> list[str]:
    return [word for chunk in chunks for block in chunk for word in block.text.split()]


def test_a_block_bigger_than_the_budget_is_split_between_words_not_cut() -> None:
    giant = TranscriptBlock(0.0, " ".join(f"w{i}" for i in range(5000)))
    chunks = plan_chunks([giant, TranscriptBlock(60.0, "tail words")], [], budget=300)
    assert words_of(chunks) == giant.text.split() + ["tail", "words"]
    assert all(sum(b.tokens for b in chunk) <= 300 for chunk in chunks)


def test_chunks_start_at_chapters_when_chapters_fit() -> None:
    segments = [TranscriptSegment(10.0 * i, 10.0, f"sentence number {i} of the lecture") for i in range(120)]
    job = VideoProcessingJob(url="u", video_id="v", segments=segments,
                             chapters=[Chapter(0, "A"), Chapter(400, "B"), Chapter(800, "C")])
    blocks = transcript_blocks(job)
    assert {400.0, 800.0} <= {b.start for b in blocks}  # paragraphs break at chapter starts
    chapter_tokens = sum(b.tokens for b in blocks if b.start < 400)
    chunks = plan_chunks(blocks, job.chapters, budget=chapter_tokens + 5)
    assert [chunk[0].start for chunk in chunks] == [0.0, 400.0, 800.0]
    assert words_of(chunks) == " ".join(s.text for s in segments).split()


def test_stamps_switch_to_hours_after_an_hour() -> None:
    assert format_stamp(754) == "12:34" and format_stamp(3725) == "1:02:05"


def test_a_german_overview_is_split_by_its_headings_not_their_words() -> None:
    from tubenotes.generate.notes import assemble_reduced

    sections = ["## Teil eins\n\nErster Teil.", "## Teil zwei\n\nZweiter Teil."]
    overview = ("## Zusammenfassung\n\nWorum es geht.\n\n## Schlüsselbegriffe\n\n- [[Entropie]]"
                "\n\n## Merksätze\n\n- Eins")
    notes = assemble_reduced(overview, sections)
    assert notes.count("## ") == 5 and "## Summary" not in notes
    order = ["## Zusammenfassung", "## Teil eins", "## Teil zwei", "## Schlüsselbegriffe", "## Merksätze"]
    assert [notes.index(h) for h in order] == sorted(notes.index(h) for h in order)

    no_heading = assemble_reduced("Worum es geht.\n\n## Schlüsselbegriffe\n\n- [[Entropie]]", sections)
    assert no_heading.startswith("## Summary\n\nWorum es geht.\n\n## Teil eins")
    assert no_heading.rstrip().endswith("- [[Entropie]]")
