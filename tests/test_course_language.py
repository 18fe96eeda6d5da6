"""A German course gets its study guide, final exam and concept map in German: headings, instructions and question
stems, the lectures' own words around them; and the model is asked for the lectures' language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.test_course import WIKILINK, run, write_timed
from tubenotes.course.exam import MULTIPLE_CHOICE, TRUE_FALSE, exam_questions
from tubenotes.course.material import Course, CourseLecture
from tubenotes.job import VideoProcessingJob
from tubenotes.testing.fake_llm import FakeLlmServer
from tubenotes.text.labels import ENGLISH, LABELS
from tubenotes.vault.cards import Card

LECTURES = sorted((Path(__file__).parent / "data" / "markt").glob("*.txt"))
GERMAN = LABELS["de"]
# A link's target is a file name, the same in every language ("Markt study guide"): only its text is read.
_TARGET = re.compile(r"\[\[[^\]|]*\||(?<=\])\(<[^>]*>\)")


def english_words() -> list[str]:
    """The English course words a German page must not show: each label, or each fixed piece of a template."""
    texts = [*vars(ENGLISH.course_material).values(), ENGLISH.questions, ENGLISH.answer_key, ENGLISH.which_true,
             ENGLISH.statement, ENGLISH.fill_blank, ENGLISH.multiple_choice, ENGLISH.concepts]
    pieces = [piece.strip(" .:;,()*“”") for text in texts for piece in re.split(r"\{\w+\}", text)]
    return [piece for piece in pieces if len(piece) >= 6]


def shown(path: Path) -> str:
    """A page's text as a reader sees it: links by their text, the front matter (property names) left out."""
    text = path.read_text(encoding="utf-8")
    return _TARGET.sub(lambda link: "[[" if link.group().startswith("[[") else "",
                       text.split("\n---\n", 1)[1] if text.startswith("---\n") else text)


def test_every_language_fills_the_same_places_as_english() -> None:
    """A place a template of one language names differently would stop its courses with a KeyError."""
    places = re.compile(r"\{(\w*)\}")
    for language, labels in LABELS.items():
        for words, english in ((labels, ENGLISH), (labels.course_material, ENGLISH.course_material)):
            for name, text in vars(english).items():
                if isinstance(text, str):
                    assert places.findall(getattr(words, name)) == places.findall(text), (language, name)


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("markt")
    write_timed(root / "Markt", LECTURES, "de")
    run(root / "Markt", root / "vault")
    return root / "vault" / "Markt"


@pytest.mark.slow
def test_the_study_guide_is_in_german(course: Path) -> None:
    guide = shown(course / "Markt study guide.md")
    words = GERMAN.course_material
    assert guide.startswith(f"# Markt: {words.study_guide}\n")
    for heading in (words.covers, words.the_lectures, GERMAN.concepts, words.builds, words.before_each):
        assert f"\n## {heading}\n" in guide
    assert "2 Vorlesungen, von [[01 Angebot Und Nachfrage]] bis [[02 Elastizitaet Und Rente]]." in guide
    assert "(eingeführt in [[Vorlesung 1]] bei [" in guide
    assert "- **Vor [[Vorlesung 2]]** (02 Elastizitaet Und Rente): wiederholen Sie " in guide
    assert [word for word in english_words() if word in guide] == []
    pdf = "".join(page.extract_text() for page in PdfReader(course / "pdfs" / "Markt study guide.pdf").pages)
    assert words.covers in pdf and words.builds in pdf


@pytest.mark.slow
def test_the_final_exam_is_in_german_with_its_answer_key_on_a_page_of_its_own(course: Path) -> None:
    exam = shown(course / "Assessment_Markt final exam.md")
    words = GERMAN.course_material
    assert exam.startswith(f"# Markt: {words.final_exam}\n\n")
    assert "Fragen zu 2 der 2 Vorlesungen des Kurses" in exam and "Zum Lernen: der [[Lernleitfaden]]." in exam
    questions, key = exam.split(f"\n## {GERMAN.questions}\n", 1)[1].split(f"\n## {GERMAN.answer_key}\n", 1)
    kinds = re.findall(r"^### \d+\. (.+?) · \[\[Vorlesung (\d)\]\]", questions, re.M)
    assert {kind for kind, _ in kinds} >= {GERMAN.fill_blank, GERMAN.multiple_choice, words.short_answer}
    assert {lecture for _, lecture in kinds} == {"1", "2"}
    assert "Was bedeutet „Gleichgewichtspreis“? Antworten Sie in einem Satz, wie Vorlesung 1." in questions
    assert len(re.findall(r"^\d+\. \*\*", key, re.M)) == len(kinds)
    assert [word for word in english_words() if word in exam] == []
    pages = [page.extract_text() for page in PdfReader(course / "pdfs" / "Assessment_Markt final exam.pdf").pages]
    key_page = next(number for number, text in enumerate(pages) if text.startswith(f"{GERMAN.answer_key}\n"))
    assert key_page > 0 and " · Vorlesung " not in pages[key_page]  # the key's heading opens a page of its own


@pytest.mark.slow
def test_the_concept_map_and_the_index_are_in_german(course: Path) -> None:
    canvas = json.loads((course / "Markt concept map.canvas").read_text(encoding="utf-8"))
    legend = next(node["text"] for node in canvas["nodes"] if node["type"] == "text" and "[[" not in node["text"])
    assert legend == GERMAN.course_material.map_legend
    index = shown(course / "Markt index.md")
    part = index.split(f"## {GERMAN.course}\n", 1)[1]
    assert "[[Markt Lernleitfaden]]" in part and "[[Markt Abschlussprüfung]]" in part


@pytest.mark.slow
def test_with_a_model_the_course_step_asks_for_the_lectures_language(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_timed(tmp_path / "Markt", LECTURES, "de")
    monkeypatch.setenv("TUBENOTES_LLM_API_KEY", "sk-test")
    monkeypatch.delenv("TUBENOTES_MODEL", raising=False)
    with FakeLlmServer() as fake:
        run(tmp_path / "Markt", tmp_path / "vault", "--base-url", fake.base_url, "--model", "fake-model", "--no-pdf")
    asked = [str(body["messages"][-1]["content"]) for body in fake.requests]  # type: ignore[index]
    parts = [prompt for prompt in asked if "<lectures>" in prompt]
    overviews = [prompt for prompt in asked if "<course>" in prompt]
    assert parts and overviews
    assert all("in the language of the lectures" in prompt for prompt in parts + overviews)
    guide = (tmp_path / "vault" / "Markt" / "Markt study guide.md").read_text(encoding="utf-8")
    assert f"## {GERMAN.course_material.covers}\n\nThe course goes through" in guide  # the model's overview
    assert {f"Markt/{path.stem}" for path in (tmp_path / "vault" / "Markt").glob("0*.md")} <= set(WIKILINK.findall(guide))


@pytest.mark.parametrize("language, options", [("en", ("True", "False")), ("de", ("Richtig", "Falsch")),
                                               ("de", ("Wahr", "Falsch")), ("es", ("Verdadero", "Falso")),
                                               ("fr", ("Faux", "Vrai"))])
def test_a_model_s_true_or_false_question_in_the_lecture_s_language_is_one(language: str,
                                                                          options: tuple[str, str]) -> None:
    true_false = Card("Entropy never decreases.\n" + "\n".join(f"{letter}) {option}" for letter, option
                                                                in zip("AB", options)), "A")
    choice = Card("Which quantity never decreases?\nA) Entropy\nB) Energy", "A")
    lectures = [CourseLecture(number, VideoProcessingJob(url=f"u{number}", video_id=f"video00000{number}"),
                              f"Lecture {number}", told=lambda: ([], [true_false, choice])) for number in (1, 2)]
    kinds = {question.card: question.kind
             for question in exam_questions(Course("Physik", Path("Physik"), language, lectures, []))}
    assert kinds == {true_false: TRUE_FALSE, choice: MULTIPLE_CHOICE}
