"""Offline notes a student would keep: specific key terms, clean concept notes, fair questions.

The measures of bench/bench_terms.py as thresholds, on the bundled examples and
on the thermodynamics course in tests/data, plus German and unpunctuated captions.
"""

from __future__ import annotations

import os
import re
from itertools import combinations
from pathlib import Path

import pytest
from wordfreq import zipf_frequency

from tests.cli import run_cli
from tests.test_offline_generator import GRADIENT_DESCENT, PHOTOSYNTHESE, captions, file_job
from tubenotes.generate.lecture import analyse
from tubenotes.generate.sentences import split_sentences
from tubenotes.text.stopwords import STOPWORDS
from tubenotes.vault.frontmatter import split_front_matter
from tubenotes.vault.links import WIKILINK

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
COURSE = ROOT / "tests" / "data" / "thermodynamics"
EVERYDAY_ZIPF = 4.5
MAX_EVERYDAY_SHARE = 0.15
# Endings that make two names one word in two inflections ("God"/"Gods", "kill"/"killed"): an independent check.
ENDINGS = {"en": ("s", "es", "ed", "d", "ing"), "de": ("e", "en", "n", "s", "es", "er", "ern", "em")}
# Verb forms the examples say that a noun-only check must catch.
VERBS = {"boils", "expands", "flows", "cools", "rises", "releases", "loses"}
LANGUAGES = {"Physics": "en", "Biology": "en", "Geschichte": "de", "thermodynamics": "en"}


def run_vault(inputs: Path, vault: Path) -> Path:
    env = {**os.environ, "TUBENOTES_MODEL": "offline"}
    run_cli("run", str(inputs), "--vault", str(vault), "-q", "--no-pdf", "--no-anki", check=True, env=env,
            cwd=vault.parent)
    return vault


@pytest.fixture(scope="module")
def examples_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_vault(EXAMPLES, tmp_path_factory.mktemp("examples") / "vault")


@pytest.fixture(scope="module")
def course_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_vault(COURSE, tmp_path_factory.mktemp("course") / "vault")


def everyday(term: str, language: str) -> bool:
    return len(term.split()) == 1 and zipf_frequency(term, language) >= EVERYDAY_ZIPF


def inflections(a: str, b: str, language: str) -> bool:
    *head_a, last_a = a.casefold().split()
    *head_b, last_b = b.casefold().split()
    short, long = sorted((last_a, last_b), key=len)
    return head_a == head_b and short != long and long.startswith(short) and long[len(short):] in ENDINGS[language]


def notes_of(folder: Path, kind: str) -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.md"))]
    return [text for text in texts if (split_front_matter(text)[0] or {}).get("type") == kind]


def key_terms(note: str) -> list[str]:
    section = re.split(r"^## ", note, flags=re.M)
    body = next(part for part in section if part.startswith(("Key terms", "Schlüsselbegriffe")))
    return [(m.group("label") or m.group("target")) if (m := WIKILINK.search(line))
            else re.split(r" \(|: ", line[2:])[0] for line in body.splitlines() if line.startswith("- ")]


def concepts_of(folder: Path) -> list[str]:
    return [path.stem for path in sorted((folder / "Concepts").glob("*.md"))]


@pytest.mark.slow
@pytest.mark.parametrize("subject", ["Physics", "Biology", "Geschichte"])
def test_key_terms_of_the_examples_are_specific_words(examples_vault: Path, subject: str) -> None:
    language = LANGUAGES[subject]
    [note] = notes_of(examples_vault / subject, "notes")
    terms = key_terms(note)
    assert len(terms) >= 8
    assert sum(everyday(term, language) for term in terms) <= MAX_EVERYDAY_SHARE * len(terms), terms
    assert not [pair for pair in combinations(terms, 2) if inflections(*pair, language)]


@pytest.mark.slow
def test_a_course_gets_a_glossary_of_concepts_not_everyday_words(course_vault: Path) -> None:
    folder = course_vault / "thermodynamics"
    lectures = notes_of(folder, "notes")
    concepts = concepts_of(folder)
    assert len(lectures) == 8 and len(concepts) >= len(lectures), concepts  # one concept per lecture or more
    assert sum(everyday(name, "en") for name in concepts) <= MAX_EVERYDAY_SHARE * len(concepts), concepts
    assert not [pair for pair in combinations(concepts, 2) if inflections(*pair, "en")]
    assert {"Entropy", "Carnot cycle", "Internal energy", "Ideal gas"} <= set(concepts)
    terms = [term for note in lectures for term in key_terms(note)]
    assert sum(everyday(term, "en") for term in terms) <= MAX_EVERYDAY_SHARE * len(terms)
    # Phrases the lecture uses come whole; fillers are no terms.
    assert {"heat engine", "ideal gas", "internal energy", "latent heat"} <= {term.casefold() for term in terms}
    assert not {"forth", "so forth", "kind", "microphone", "people", "work"} & {term.casefold() for term in terms}


def test_inflections_of_one_word_make_one_term_in_the_form_said_most() -> None:
    text = " ".join(
        ["The Greeks feared the Furies. They gave the Furies a share of every meal."] * 3
        + ["Each Fury was old, and only a Fury could punish a city."]
        + ["Orestes killed his mother. Apollo ordered the killing. Then Orestes killed again."] * 2
        + ["People think that work and time are what tragedy is about, as people say."] * 2
        + ["Aeschylus wrote about libations. The libations were poured for the dead. One libation was wine."] * 2
    )
    terms = [term.text for term in analyse(file_job(text)).term_pool]
    assert "Furies" in terms and "Fury" not in terms  # one term, in the form said most
    assert "libations" in terms and "libation" not in terms
    assert not {"killed", "killing", "people", "work", "time"} & {term.casefold() for term in terms}


def test_a_german_lecture_gets_specific_terms_folded_over_inflections() -> None:
    text = PHOTOSYNTHESE + " Die Leute sagen, die Zeit und die Arbeit seien wichtig. Leute, Zeit, Arbeit, Leute."
    lecture = analyse(file_job(text))
    assert lecture.language == "de"
    terms = [term.text for term in lecture.term_pool]
    assert "Photosynthese" in terms
    assert not {"Leute", "Zeit", "Arbeit"} & set(terms)
    folded = [term for term in lecture.term_pool if term.text.startswith("Chloroplast")]
    assert len(folded) <= 1  # "Chloroplast", "Chloroplasten": one term
    assert sum(everyday(term, "de") for term in terms) <= MAX_EVERYDAY_SHARE * len(terms)


def choice_questions(assessment: str) -> list[tuple[str, list[str]]]:
    """Each multiple-choice question's answer and options, as the vault shows them (not the statements of a
    true-statement question)."""
    questions_part, key = re.split(r"^## (?:Answer key|Lösungen)$", assessment, flags=re.M)[:2]
    blocks = re.split(r"^### (\d+)\. ", questions_part, flags=re.M)[1:]
    options = {int(number): re.findall(r"^- \*\*([A-D])\)\*\* (.*)$", block, re.M)
               for number, block in zip(blocks[::2], blocks[1::2]) if block.casefold().startswith("multiple choice")}
    letters = {int(number): letter for number, letter in re.findall(r"^(\d+)\. \*\*([A-D])\)\*\*", key, re.M)}
    return [(dict(options[number])[letter], [text for _, text in options[number]])
            for number, letter in letters.items() if number in options]


@pytest.mark.slow
def test_distractors_are_terms_of_the_answers_kind(examples_vault: Path) -> None:
    asked = 0
    for subject, language in (("Physics", "en"), ("Biology", "en"), ("Geschichte", "de")):
        [assessment] = notes_of(examples_vault / subject, "assessment")
        for answer, options in choice_questions(assessment):
            asked += 1
            assert len(options) == 4 and answer in options
            assert {len(option.split()) for option in options} == {len(answer.split())}, options
            assert {option[:1].isupper() for option in options} == {answer[:1].isupper()}, options
            assert all(len(option) <= 2 * len(answer) and len(answer) <= 2 * len(option) for option in options)
            # A verb form among nouns gives itself away (English: -ing, -ed, or the -s of "boils").
            verbs = [option for option in options if option.endswith(("ing", "ed")) or option in VERBS]
            assert len(verbs) in (0, len(options)), options
            assert not [option for option in options if option.casefold() in STOPWORDS[language]]
            assert not [option for option in options if everyday(option, language)], options
    assert asked >= 8


def test_unpunctuated_captions_are_cut_where_a_sentence_may_end() -> None:
    segments = captions(GRADIENT_DESCENT, auto=True)
    texts = [sentence.text for sentence in split_sentences("", segments)]
    dangling = {"the", "a", "an", "of", "to", "and", "or", "in", "is", "are", "your", "our", "their", "with", "that"}
    assert not [text for text in texts[:-1] if text.rstrip(".").split()[-1] in dangling]
    assert " ".join(texts).casefold().replace(".", "") == " ".join(segment.text for segment in segments)
    openers = sum(text.split()[0].casefold() in {"so", "now", "okay", "but", "if", "when"} for text in texts)
    assert openers >= 3  # thoughts that begin with "so" or "now" begin a pseudo-sentence


@pytest.mark.slow
def test_an_examples_vault_speaks_the_lectures_language(examples_vault: Path) -> None:
    [note] = notes_of(examples_vault / "Geschichte", "notes")
    [assessment] = notes_of(examples_vault / "Geschichte", "assessment")
    index = (examples_vault / "Geschichte" / "Geschichte index.md").read_text(encoding="utf-8")
    assert "Selbsttest: [[" in note and "Fach: [[" in note and "## Schlüsselbegriffe" in note
    assert "Lernnotizen: [[" in assessment and "## Lösungen" in assessment
    assert "## Vorlesungen" in index and "Lernkontrolle: [[" in index
    for text in (note, assessment, index):
        assert not [phrase for phrase in ("Test yourself", "Subject:", "Study notes", "## Lectures", "Answer key")
                    if phrase in text]
    [english] = notes_of(examples_vault / "Physics", "notes")
    assert "Test yourself: [[" in english and "Subject: [[" in english
