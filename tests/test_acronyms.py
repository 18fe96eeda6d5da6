"""Acronyms that auto-captions write in lower case come back in capitals, and words stay words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tubenotes.generate.sentences import split_sentences
from tubenotes.job import TranscriptSegment
from tubenotes.text.acronyms import acronyms_in, is_acronym, restore_acronyms

DATA = Path(__file__).parent / "data"
PUNCTUATED = [*sorted((DATA / "thermodynamics").glob("*.txt")), DATA / "lectures" / "waves.en.txt",
              DATA / "lectures" / "enzymes.en.txt", DATA / "captions" / "photosynthesis.en.txt"]


@pytest.mark.parametrize("word", ["atp", "nadh", "fadh2", "dna", "adp", "co2", "pcr", "gtp", "rna", "nadph"])
def test_a_word_no_english_word_could_be_is_an_acronym(word: str) -> None:
    assert is_acronym(word)


@pytest.mark.parametrize("word", ["the", "strength", "rhythm", "length", "square", "world", "glimpse", "sixths",
                                  "ln", "hmm", "3rd", "a", "enzyme", "krebs", "splits"])
def test_words_symbols_and_sounds_are_no_acronyms(word: str) -> None:
    assert not is_acronym(word)


@pytest.mark.parametrize("path", PUNCTUATED, ids=lambda path: path.stem)
def test_no_word_a_punctuated_lecture_writes_in_lower_case_is_taken_for_an_acronym(path: Path) -> None:
    said = re.findall(r"[\w'-]+", path.read_text(encoding="utf-8"))
    found = acronyms_in(word.casefold() for word in said)
    assert not {word for word in said if word.casefold() in found and word.islower()}


def test_a_word_like_acronym_is_one_beside_the_acronym_it_starts_or_after_the_word_it_belongs_to() -> None:
    said = "nad plus becomes nadh and fad becomes fadh2 and pyruvate becomes acetyl coa a fad is a fashion".split()
    assert acronyms_in(said) == {"nad", "nadh", "fad", "fadh2", "coa"}
    assert acronyms_in("a fad is a fashion and coa is a town".split()) == frozenset()


def test_restoring_leaves_words_that_contain_an_acronym_alone() -> None:
    assert (restore_acronyms("atp and atp's cousin, atp-synthase, natp: atp.", frozenset({"atp"}))
            == "ATP and atp's cousin, atp-synthase, natp: ATP.")


def test_caption_sentences_write_acronyms_in_capitals() -> None:
    text = (DATA / "captions" / "photosynthesis.en.txt").read_text(encoding="utf-8")
    words = [re.sub(r"[^\w'-]", "", raw).lower() for raw in text.split()]
    words = [word for word in words if word]
    segments = [TranscriptSegment(i / 2.5, 8 / 2.5, " ".join(words[i:i + 8])) for i in range(0, len(words), 8)]
    written = " ".join(sentence.text for sentence in split_sentences(" ".join(words), segments))
    assert {"ATP", "NADPH", "CO2", "RUBP", "NADP"} <= set(re.findall(r"\b[A-Z0-9]{3,}\b", written))
    assert "atp" not in written and "Atp" not in written
