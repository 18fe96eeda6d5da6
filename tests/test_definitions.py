"""Definitions found in a lecture's own words, made to stand alone, in English, German, Spanish and French."""

from __future__ import annotations

from pathlib import Path

import pytest

from tubenotes.generate.definitions import defining_sentence, is_definitional

COURSE = Path(__file__).parent / "data" / "thermodynamics"

PHASES = """\
Okay, so let's get started. Today we talk about phase transitions. You have all seen water boil. So what is \
going on there? A phase is a region of matter with uniform properties, like ice, liquid water or steam. And the \
temperature at which a liquid turns into a gas at a given pressure, that is the boiling point. We call the energy \
needed to melt one kilogram of a solid the latent heat of fusion. This is why ice at zero degrees cools your drink \
so well. Because the latent heat is large. The triple point is the one temperature and pressure where solid, \
liquid and gas coexist. Now, the critical point, which means the end of the line between liquid and gas, comes \
later. Sublimation is when a solid turns directly into a gas, as dry ice does. See you next week.
"""


@pytest.mark.parametrize(("term", "expected"), [
    ("phase", "A phase is a region of matter with uniform properties, like ice, liquid water or steam."),
    ("latent heat of fusion", "We call the energy needed to melt one kilogram of a solid the latent heat of fusion."),
    ("triple point", "The triple point is the one temperature and pressure where solid, liquid and gas coexist."),
    ("critical point", "The critical point, which means the end of the line between liquid and gas, comes later."),
    ("sublimation", "Sublimation is when a solid turns directly into a gas, as dry ice does."),
    ("phases", "A phase is a region of matter with uniform properties, like ice, liquid water or steam."),
])
def test_the_sentence_that_defines_a_term_is_found_and_stands_alone(term: str, expected: str) -> None:
    assert defining_sentence(term, PHASES) == expected


def test_a_definition_wins_over_an_earlier_mention() -> None:
    text = ("The entropy went up in that experiment. I will come back to it. Entropy is a measure of the number "
            "of microstates that a macrostate has.")
    assert defining_sentence("entropy", text) == (
        "Entropy is a measure of the number of microstates that a macrostate has.")


def test_a_sentence_that_points_back_is_joined_to_the_one_it_depends_on() -> None:
    text = "Melting ice takes energy without warming up at all. This energy is called the latent heat."
    assert defining_sentence("latent heat", text) == text


def test_a_definition_of_something_else_is_no_definition_of_a_term_it_mentions() -> None:
    text = ("The heat capacity at constant pressure is the derivative of the enthalpy with respect to temperature. "
            "The ideal gas law is an equation of state.")
    assert defining_sentence("enthalpy", text) is None
    assert defining_sentence("ideal gas", text) is None
    assert defining_sentence("ideal gas law", text) == "The ideal gas law is an equation of state."


def test_a_term_the_text_never_says_has_no_definition() -> None:
    assert defining_sentence("enthalpy", PHASES) is None
    assert defining_sentence("", PHASES) is None
    assert defining_sentence("phase", "") is None


def test_remarks_about_the_class_are_no_definitions() -> None:
    assert defining_sentence("phase transitions", "Today we talk about phase transitions. Let's start.") is None


@pytest.mark.parametrize("sentence", [
    "A heat engine is a device that runs in a cycle.",
    "We call this the latent heat.",
    "This quantity is called the entropy.",
    "The reason is that heat flows from hot to cold by itself.",
    "Temperature is defined as what a thermometer reads.",
    "That's why the efficiency can never reach one.",
])
def test_definitional_sentences_in_english(sentence: str) -> None:
    assert is_definitional(sentence)


@pytest.mark.parametrize("sentence", [
    "The gas expands slowly and pushes the piston.",
    "Let's look at a diagram.",
    "Heat flowed from the rod into the water for ten minutes.",
])
def test_other_sentences_are_not_definitional(sentence: str) -> None:
    assert not is_definitional(sentence)


@pytest.mark.parametrize(("language", "sentence", "definitional"), [
    ("de", "Die Entropie ist ein Maß für die Zahl der Mikrozustände.", True),
    ("de", "Man nennt diese Größe die Enthalpie.", True),
    ("de", "Der Grund dafür ist die große latente Wärme.", True),
    ("de", "Das Gas dehnt sich langsam aus.", False),
    ("es", "La entropía es una medida del número de microestados.", True),
    ("es", "Esta cantidad se llama entalpía.", True),
    ("es", "El gas se expande lentamente.", False),
    ("fr", "L'entropie est une mesure du nombre de micro-états.", True),
    ("fr", "On appelle cette grandeur l'enthalpie.", True),
    ("fr", "Le gaz se détend lentement.", False),
])
def test_definitional_sentences_in_german_spanish_and_french(language: str, sentence: str, definitional: bool) -> None:
    assert is_definitional(sentence, language) is definitional


@pytest.mark.parametrize(("language", "term", "text", "expected"), [
    ("de", "Enthalpie", "Also, jetzt kommt etwas Neues. Die Enthalpie ist die innere Energie plus das Produkt aus "
     "Druck und Volumen. Sie ist praktisch für Chemiker.",
     "Die Enthalpie ist die innere Energie plus das Produkt aus Druck und Volumen."),
    ("es", "entalpía", "Bueno, vamos a ver algo nuevo. Entonces, la entalpía es la energía interna más el producto "
     "de la presión y el volumen. Es útil en química.",
     "La entalpía es la energía interna más el producto de la presión y el volumen."),
    ("fr", "enthalpie", "Bon, voyons quelque chose de nouveau. Donc l'enthalpie est l'énergie interne plus le produit "
     "de la pression et du volume. Elle est utile en chimie.",
     "L'enthalpie est l'énergie interne plus le produit de la pression et du volume."),
])
def test_definitions_in_german_spanish_and_french(language: str, term: str, text: str, expected: str) -> None:
    assert defining_sentence(term, text, language) == expected


@pytest.mark.parametrize(("lecture", "term"), [
    ("01_temperature_and_the_zeroth_law.txt", "thermal equilibrium"),
    ("01_temperature_and_the_zeroth_law.txt", "zeroth law"),
    ("04_heat_engines_and_the_carnot_cycle.txt", "heat engine"),
    ("05_entropy.txt", "second law"),
])
def test_the_course_defines_its_central_terms(lecture: str, term: str) -> None:
    sentence = defining_sentence(term, (COURSE / lecture).read_text())
    assert sentence is not None and is_definitional(sentence)
    assert sentence[:1].isupper() and not sentence.casefold().startswith(("so ", "and ", "this ", "because "))
