"""A concept note's first sentence: the one that defines the concept, else the one that best explains it, on the
project's thermodynamics course and on short lectures written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tubenotes.generate.definitions import defining_sentence
from tubenotes.generate.explanations import Opening, explaining_sentence, opening_sentence

COURSE = Path(__file__).parent / "data" / "thermodynamics"

ENGINES = """\
Okay, let's start. Today we look at engines. Let's do it with an ideal gas in a cylinder. The cylinder sits on \
a stove. The hot reservoir keeps its temperature however much heat the engine takes from it. Entropy is one of \
those words that everybody has heard. The engine takes heat from the hot reservoir and turns part of it into \
work. The hot reservoir loses heat and entropy, and the engine turns part of that heat into work. Heat from the \
hot reservoir is the fuel of the engine, and the work is what we pay it with.
"""


def lecture(name: str) -> str:
    return next(COURSE.glob(f"{name}_*.txt")).read_text(encoding="utf-8")


def test_a_term_the_course_never_defines_is_explained_by_a_sentence_with_it_as_subject() -> None:
    assert defining_sentence("hot reservoir", lecture("05")) is None
    assert explaining_sentence("hot reservoir", lecture("05")) == (
        "The hot reservoir loses entropy Q over T h, the cold reservoir gains entropy Q over T c, and since T c is "
        "less than T h, the gain is bigger than the loss.")


def test_a_property_of_the_term_as_subject_explains_it_when_the_term_itself_never_is() -> None:
    assert defining_sentence("ideal gas", lecture("02")) is None
    assert explaining_sentence("ideal gas", lecture("02")) == (
        "The internal energy of an ideal gas depends only on the temperature.")


def test_of_the_sentences_with_the_term_as_subject_the_one_sharing_most_with_its_context_explains_it() -> None:
    # Both open with "The hot reservoir" and a verb; the second says what the lecture says with the term again
    # (heat, engine, work), the first only how a reservoir behaves.
    assert explaining_sentence("hot reservoir", ENGINES) == (
        "The hot reservoir loses heat and entropy, and the engine turns part of that heat into work.")


def test_a_statement_explains_a_term_better_than_a_calculation_with_it() -> None:
    text = ("Entropy came up with the gas in the box. The entropy increases by k times the natural log of two for "
            "the gas in the box, so the entropy of the gas goes up. The entropy of an isolated system never "
            "decreases, whatever the gas does. The gas in the box is an isolated system, and its entropy grows.")
    assert explaining_sentence("entropy", text) == (
        "The entropy of an isolated system never decreases, whatever the gas does.")


@pytest.mark.parametrize("text", [
    "Let's do it with an ideal gas in a cylinder. Then we compress the gas slowly and watch the piston move.",
    "Okay, the ideal gas law is next. We will need the ideal gas law for the engines, so write the ideal gas law.",
    "Ideal gas. Ideal gas, we said. The ideal gas, yes, is it clear?",
    "",
])
def test_a_bare_mention_a_longer_name_or_a_question_explains_nothing(text: str) -> None:
    assert explaining_sentence("ideal gas", text) is None


def test_a_filler_sentence_about_the_term_is_no_definition() -> None:
    sentence = defining_sentence("entropy", lecture("05"))
    assert sentence is not None and not sentence.startswith("Entropy is one of those words")
    assert "the entropy S, by d S equals d Q reversible over T" in sentence


def test_an_impersonal_it_does_not_tie_a_definition_to_the_sentence_before() -> None:
    assert defining_sentence("enthalpy", lecture("03")) == (
        "It's convenient to define a new state function, the enthalpy, H equals U plus p V.")


def test_the_opening_is_a_definition_from_any_lecture_before_an_explanation_from_the_first() -> None:
    texts = [lecture("04"), lecture("05")]
    assert opening_sentence(["hot reservoir"], texts) == Opening(explaining_sentence("hot reservoir", texts[1]),
                                                                 text=1, defines=False)
    found = opening_sentence(["reservoirs", "hot reservoir"], [lecture("05"), "A hot reservoir is a body so large "
                                                                               "that its temperature stays the same."])
    assert found == Opening("A hot reservoir is a body so large that its temperature stays the same.", 1, True)
    assert opening_sentence(["derivative"], [lecture("06"), lecture("08")]) is None


@pytest.mark.parametrize(("language", "term", "text", "expected"), [
    ("de", "Wärmereservoir", "Heute geht es um Maschinen. Das heiße Wärmereservoir gibt Wärme an die Maschine ab. "
     "Das Wärmereservoir verliert dabei Wärme und Entropie, und die Maschine macht aus der Wärme Arbeit.",
     "Das Wärmereservoir verliert dabei Wärme und Entropie, und die Maschine macht aus der Wärme Arbeit."),
    ("es", "gas ideal", "Hoy vemos motores. Usamos un gas ideal en un cilindro. La energía interna de un gas ideal "
     "depende solo de la temperatura del gas ideal. Si calentamos un gas ideal, sube la temperatura y la energía.",
     "La energía interna de un gas ideal depende solo de la temperatura del gas ideal."),
    ("fr", "gaz parfait", "Aujourd'hui, les moteurs. On prend un gaz parfait dans un cylindre. L'énergie interne "
     "du gaz parfait dépend seulement de la température du gaz parfait. Si on chauffe un gaz parfait, la "
     "température et l'énergie montent.",
     "L'énergie interne du gaz parfait dépend seulement de la température du gaz parfait."),
])
def test_explanations_in_german_spanish_and_french(language: str, term: str, text: str, expected: str) -> None:
    assert explaining_sentence(term, text, language) == expected
