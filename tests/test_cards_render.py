"""Cards as Anki and the Spaced Repetition plugin render them: MathJax with its backslashes, cloze notes."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

from tubenotes.generate.assessment import Assessment, Question, render_llm_assessment
from tubenotes.text.markdown import BLANK
from tubenotes.vault.cards import Card, parse_cards, render_sr_flashcards
from tubenotes.vault.deck import CLOZE_MODEL_ID, LectureCards, build_notes, write_deck
from tubenotes.vault.guard import GuardedFiles, MemoryRecords


def llm_card(question: str, answer: str, explanation: str) -> Card:
    assessment = Assessment(questions=[Question(kind="short_answer", question=question, options=[], answer=answer,
                                                explanation=explanation, timestamp_seconds=5)])
    [card] = parse_cards(render_llm_assessment(assessment, None, None))
    return card


def test_math_on_a_card_is_mathjax_with_every_backslash_kept() -> None:
    card = llm_card(r"What is the kinetic energy of a mass $m$ at speed $v$?", r"$\frac{1}{2} m v^2$",
                    r"Integrate: $$\int_0^v m u \, du = \frac{1}{2} m v^2$$ and it costs $5 or $6 to see.")
    [note] = build_notes([LectureCards("vid", "Lecture", [card])], "tag")
    question, answer, context = note.fields[:3]
    assert question == r"What is the kinetic energy of a mass \(m\) at speed \(v\)?"
    assert answer == r"\(\frac{1}{2} m v^2\)"  # was "$frac{1}{2} m v^2$"
    assert r"\[\int_0^v m u \, du = \frac{1}{2} m v^2\]" in context
    assert "costs $5 or $6" in context  # dollars of money are no formula


def test_a_fill_in_the_blank_question_is_a_cloze_note(tmp_path: Path) -> None:
    cloze = Card(f"Heat flows from a hot {BLANK} to a cold one, \\*always\\*.", "reservoir",
                 "Heat flows from a hot reservoir to a cold one, *always*.", "[00:20]", cloze=True)
    math = Card(f"The efficiency is {BLANK}.", r"$1 - \frac{T_c}{T_h}$", "", cloze=True)
    basic = Card("Which law?\nA) First\nB) Second", "B) Second", "The second law.")
    files = GuardedFiles(tmp_path, MemoryRecords())
    deck = tmp_path / "Physics.apkg"
    lectures = [LectureCards("vid", "Heat", [cloze, math, basic]),
                LectureCards("vid", "Heat", [basic], tags=("final-exam",))]
    assert write_deck(files, deck, "Physics", lectures, "physics") is not None
    with zipfile.ZipFile(deck) as archive:
        archive.extract("collection.anki2", tmp_path)
    database = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        rows = database.execute("SELECT mid, flds, tags FROM notes").fetchall()
        models = database.execute("SELECT models FROM col").fetchone()[0]
    finally:
        database.close()
    by_model: dict[int, list[tuple[list[str], str]]] = {}
    for model, fields, tags in rows:
        by_model.setdefault(model, []).append((fields.split("\x1f"), tags.split()))
    clozes = by_model[CLOZE_MODEL_ID]
    assert str(CLOZE_MODEL_ID) in models and '"type": 1' in models.replace('"type":1', '"type": 1')
    texts = {fields[0] for fields, _ in clozes}
    assert "Heat flows from a hot {{c1::reservoir}} to a cold one, *always*." in texts
    assert r"The efficiency is {{c1::\(1 - \frac{T_c}{T_h}\)}}." in texts  # MathJax inside the deletion
    assert all(fields[1] == "" for fields, _ in clozes)  # the context repeated the sentence: left out
    [(basic_fields, basic_tags)] = [item for model, items in by_model.items() if model != CLOZE_MODEL_ID
                                    for item in items]
    assert basic_fields[0] == "Which law?<br>A) First<br>B) Second"
    assert basic_tags == ["physics", "final-exam"]  # the exam's question is the lecture's, tagged too

    again = write_deck(files, deck, "Physics", lectures, "physics")
    assert again is None  # the same cards: the deck is left as it is


def test_spaced_repetition_cards_use_the_plugins_cloze() -> None:
    cloze = Card(f"A \\_ in the {BLANK} is kept: $\\Delta S$.", "entropy", "", "[01:00](https://y.example/w)",
                 cloze=True)
    section = render_sr_flashcards([cloze, Card("Why?", "Because.")], "Physics")
    assert "A \\_ in the ==entropy== is kept: $\\Delta S$. [01:00](https://y.example/w)\n" in section
    assert "Why?\n?\nBecause.\n" in section


def test_the_offline_assessment_marks_its_fill_in_the_blank_questions_as_cloze() -> None:
    assessment = ("## Questions\n\n### 1. Fill in the blank\n\n> Heat flows to the \\_\\_\\_\\_\\_ side.\n\n"
                  "### 2. Multiple choice\n\n> The \\_\\_\\_\\_\\_ is hot.\n\n- **A)** sun\n- **B)** ice\n- **C)** snow\n\n"
                  "## Answer key\n\n1. [[cold]]: “Heat flows to the cold side.”\n2. **A)** [[sun]]: “The sun is hot.”\n")
    first, second = parse_cards(assessment)
    assert first.cloze and first.answer == "cold"
    assert not second.cloze  # a multiple-choice question stays a question with options
