"""A big subject: each note lists the lectures it shares the most with, not the whole subject."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.conftest import LECTURE
from tubenotes.job import VideoProcessingJob
from tubenotes.vault.concepts import RELATED_LECTURES, SubjectConcepts
from tubenotes.vault.links import VaultNotes


@pytest.mark.slow
def test_a_note_lists_only_the_lectures_that_share_the_most_concepts(tmp_path: Path) -> None:
    folder, vault = tmp_path / "Thermo", tmp_path / "vault"
    folder.mkdir()
    rng = random.Random(3)
    lectures = RELATED_LECTURES + 4
    for number in range(lectures):  # each lecture says most of the same things: they share many concepts
        sentences = rng.sample(LECTURE, 9)
        cues = [f"00:00:{i * 5:02d}.000 --> 00:00:{i * 5 + 4:02d}.000\n{line}\n" for i, line in enumerate(sentences)]
        (folder / f"lecture {number:02d}.en.vtt").write_text("WEBVTT\n\n" + "\n".join(cues))
    result = run_cli("run", str(folder), "--vault", str(vault), "--no-pdf", "--no-anki", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr

    notes = [path for path in (vault / "Thermo").glob("Lecture *.md")]
    assert len(notes) == lectures
    lengths = []
    for note in notes:
        related = note.read_text().split("## Related lectures\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
        shared = [item.count("[[") - 1 for item in related]  # the lecture's link, then one per shared concept
        assert shared == sorted(shared, reverse=True), related  # the most shared first
        lengths.append(len(related))
    assert max(lengths) == RELATED_LECTURES, lengths  # a list that would be longer is cut at the limit


def test_related_lectures_rank_by_concepts_shared_then_input_order(tmp_path: Path) -> None:
    """Lectures that link the same concepts are ranked once for all of them; the ranking stays the
    definition: the most concepts shared first, then input order, never the lecture itself."""
    terms = ["entropy", "enthalpy", "isotope", "photon", "catalyst", "genome", "tensor", "spinor"]
    rng = random.Random(7)
    common = [rng.sample(terms, 3) for _ in range(3)]  # many lectures link one of these very sets
    folder = tmp_path / "Physics"
    jobs = []
    for number in range(80):
        linked = rng.choice(common) if number % 2 else rng.sample(terms, rng.randint(1, 5))
        job = VideoProcessingJob(url=f"v{number:03d}", video_id=f"v{number:03d}", subject="Physics",
                                 position=number, study_notes=" ".join(f"[[{term}]]" for term in linked))
        job.notes_filepath = folder / f"Lecture {number:03d}.md"
        jobs.append(job)
    concepts = SubjectConcepts(tmp_path, folder, jobs, VaultNotes(tmp_path, {}))
    assert len(concepts.concepts) == len(terms)

    members = [{job.key for job in concept.jobs} for concept in concepts.concepts.values()]
    for job in jobs:
        shared = {other.key: sum(job.key in keys and other.key in keys for keys in members) for other in jobs}
        expected = sorted((other for other in jobs if other is not job and shared[other.key]),
                          key=lambda other: (-shared[other.key], other.position))[:RELATED_LECTURES]
        listed = [item.split("]]", 1)[0] for item in concepts.related(job)]
        assert listed == [f"- [[Physics/{other.notes_filepath.stem}|{other.video_id}" for other in expected]
