"""A big subject: each note lists the lectures it shares the most with, not the whole subject."""

from __future__ import annotations

import random
from pathlib import Path

from tests.cli import run_cli
from tests.conftest import LECTURE
from tubenotes.vault.concepts import RELATED_LECTURES


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
