"""A subject of one lecture is no course yet: its study guide, final exam and concept map come with its second
lecture, the index says so meanwhile, and a subject down to one lecture again loses them (but what the user
changed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.test_course import LECTURES, run
from tubenotes.text.labels import ENGLISH
from tubenotes.vault.deck import read_deck_notes

pytestmark = pytest.mark.slow

NAMES = ("thermo study guide.md", "Assessment_thermo final exam.md", "thermo concept map.canvas",
         "thermo concept map.svg", "pdfs/thermo study guide.pdf", "pdfs/Assessment_thermo final exam.pdf")


def course_files(subject: Path) -> set[str]:
    return {name for name in NAMES if (subject / name).exists()}


def exam_cards(subject: Path) -> int:
    return sum("final-exam" in fields[-1].split() for fields in read_deck_notes(subject / "thermo.apkg").values())


def course_section(subject: Path) -> str:
    index = (subject / "thermo index.md").read_text(encoding="utf-8")
    return index.split(f"## {ENGLISH.course}\n", 1)[1].split("\n## ", 1)[0]


def test_a_subject_gets_its_course_with_its_second_lecture_and_loses_it_with_it(tmp_path: Path) -> None:
    inputs, vault = tmp_path / "thermo", tmp_path / "vault"
    subject = vault / "thermo"
    inputs.mkdir()
    shutil.copy(LECTURES[0], inputs)
    run(inputs, vault)
    assert (subject / "pdfs" / f"{LECTURES[0].stem.replace('_', ' ').title()}.pdf").is_file()  # PDFs were made
    assert course_files(subject) == set()
    assert exam_cards(subject) == 0
    assert course_section(subject).strip() == ENGLISH.course_later

    shutil.copy(LECTURES[1], inputs)
    run(inputs, vault)
    assert course_files(subject) == set(NAMES)
    assert exam_cards(subject) > 0
    listed = course_section(subject)
    assert ENGLISH.course_later not in listed and "[[thermo/thermo study guide|" in listed

    # The second lecture's note deleted: the course goes, but the exam the user wrote in stays, with its PDF.
    exam = subject / "Assessment_thermo final exam.md"
    exam.write_text(exam.read_text(encoding="utf-8") + "\nMy answers.\n", encoding="utf-8")
    next(subject.glob("02 *.md")).unlink()
    run(inputs, vault)  # (--force would write the note again)
    assert course_files(subject) == {"Assessment_thermo final exam.md", "pdfs/Assessment_thermo final exam.pdf"}
    assert exam.read_text(encoding="utf-8").endswith("My answers.\n")
    assert exam_cards(subject) == 0
    assert "[[thermo/Assessment_thermo final exam|" in course_section(subject)
