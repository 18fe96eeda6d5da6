"""Concept notes and the subject index speak their lectures' language, as the notes do."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import run_cli

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "examples" / "Geschichte" / "weimarer_republik.de.srt"


@pytest.mark.slow
def test_a_german_course_gets_german_concept_notes_and_index(tmp_path: Path) -> None:
    # The German example lecture cut in three: three lectures that share their terms.
    cues = HISTORY.read_text(encoding="utf-8").strip().split("\n\n")
    course = tmp_path / "Geschichte"
    course.mkdir()
    third = len(cues) // 3
    for part in range(3):
        (course / f"teil {part + 1}.de.srt").write_text("\n\n".join(cues[part * third:(part + 1) * third]) + "\n",
                                                        encoding="utf-8")
    vault = tmp_path / "vault"
    result = run_cli("run", str(course), "--vault", str(vault), "--no-pdf", "--no-anki", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr

    concepts = list((vault / "Geschichte" / "Concepts").glob("*.md"))
    assert concepts, "the course shares no concept"
    for note in concepts:
        text = note.read_text(encoding="utf-8")
        assert "## Wo er vorkommt" in text and "Ein Begriff aus [[" in text, text
        assert "Where it comes up" not in text and "comes up in" not in text
    index = (vault / "Geschichte" / "Geschichte index.md").read_text(encoding="utf-8")
    assert index.count(" · abgeschlossen") == 3 and "completed" not in index
