"""What kind of thing a candidate term names, by its words alone: an idea, or a unit, a classroom object,
a verb or an adjective that only looks like a term.

A key term is a noun phrase naming one of the lecture's ideas. Units
("kelvin", "kilojoules", "degrees Celsius") are said as often as ideas but are
none; neither are the room's objects ("microphone") nor a verb ("glamorizes")
or an adjective on its own ("adiabatic", "demokratischer"). Without a
part-of-speech model (none ships without a download), word endings, small
lists and, in German, the capital every noun carries tell them apart.

A term's kind also picks the distractors of a multiple-choice question: a
person with persons, a process with processes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import StrEnum

_UNIT_BASES = (
    "meter|metre|gram|gramme|second|joule|watt|newton|pascal|kelvin|volt|ampere|amp|ohm|hertz|coulomb|tesla"
    "|weber|farad|mole|mol|liter|litre|calorie|electronvolt|degree|celsius|fahrenheit|candela|lumen|lux|becquerel"
    "|sievert|byte|inch|foot|feet|mile|pound|ounce|gallon|yard|hour|minute|percent"
    # German, Spanish, French names not spelled as in English
    "|gramm|kilogramm|sekunde|kalorie|grad|prozent|metro|kilogramo|gramo|julio|vatio|voltio|amperio|litro"
    "|caloría|grado|hercio|mètre|kilogramme|seconde|ampère|degré"
)
_UNIT = re.compile(rf"^(?:kilo|mega|giga|tera|milli|micro|nano|pico|centi|deci)?(?:{_UNIT_BASES})(?:s|es|n)?$")
# Things in the lecture room and on the speaker, not in the subject.
_CLASSROOM = frozenset("""
microphone microphones mic mics camera cameras screen screens board blackboard whiteboard chalk projector laptop
laptops handout handouts eyes eye hands hand seat seats break syllabus quiz quizzes midterm midterms grade grades
semester office hours classroom students student lecturer professor audience video videos recording pen pens
mikrofon tafel beamer folie folien kamera augen hände pause klausur semester studierende
micrófono pizarra cámara ojos manos descanso examen semestre estudiantes
microphone tableau caméra yeux mains pause examen semestre étudiants
""".split())
# Words that judge or describe rather than name: no phrase ends with one, or opens with one.
_EVALUATIVE = frozenset("""
bad good nice great awful terrible happy sad cool weird crazy funny amazing awesome beautiful ugly wonderful
horrible silly stupid smart open closed fine okay lovely nasty fancy
""".split())
_VERB_ENDINGS = ("izes", "ises", "ized", "ised", "ifies", "ified")
# English verbs that follow a noun in speech and look like a term with it: "heat flows", "crests meet".
_VERBS = frozenset("""
flow rise fall expand contract move meet travel increase decrease change grow drop stay go come work depend happen
lead give take make act push pull turn start stop run bind occur form become remain contain absorb release cool
heat boil melt reach pass point hold break split enter leave lose gain produce require use cause follow look say
show tell get keep put set let seem feel try call need want mean carry cancel add interfere oscillate vibrate spread
""".split())
# Of those, verbs whose third person is hardly ever a noun's plural: "binds" alone is a verb, "changes" may be
# a noun.
_ONLY_VERBS = frozenset("""
bind occur become remain contain absorb release require cause seem mean depend happen expand travel interfere
oscillate vibrate spread produce enter reach follow
""".split())
_ADJECTIVE_ENDINGS = ("ible", "able", "ous", "ful", "less", "atic", "etic", "istic", "ific", "ical", "otic", "opic")
_PROCESS_ENDINGS = ("tion", "sion", "ysis", "osis", "ment", "ing", "ance", "ence", "ation", "ung", "ción", "sión")


# Spanish and French: a noun made from a verb ("oscilación", "propagation") and the verb's present tense
# ("oscila", "propage") fold into one stem. Beside such a noun, a form with a present-tense ending is the verb.
_NOMINAL_ENDINGS = {
    "es": ("ción", "ciones", "sión", "siones", "miento", "mientos"),
    "fr": ("tion", "tions", "sion", "sions", "ement", "ements"),
}
_PRESENT_ENDINGS = {"es": ("a", "an", "e", "en"), "fr": ("e", "es", "ent", "end", "ond")}  # "dépend", "répond"
# Spanish and French adjectives follow their noun ("membrana celular", "onde longitudinale") as a verb does
# ("membrana regula", "concentration pousse"): after the first word of a phrase, a word with a present-tense
# ending is taken for a verb unless it has an adjective's ending or is a common adjective.
_ADJECTIVE_SUFFIXES = {
    "es": ("al", "ales", "ar", "ares", "ico", "ica", "icos", "icas", "ivo", "iva", "ivos", "ivas", "oso", "osa",
           "ble", "bles", "nte", "ntes", "ado", "ada", "ados", "adas", "ido", "ida", "idos", "idas", "ario",
           "aria", "ano", "ana", "ino", "ina", "ora", "oras", "or", "ores", "il", "iles", "ea", "eas"),
    "fr": ("al", "ale", "aux", "ales", "el", "elle", "els", "elles", "ique", "iques", "if", "ive", "ifs", "ives",
           "eux", "euse", "aire", "aires", "ible", "able", "ibles", "ables", "é", "ée", "és", "ées", "ant", "ante",
           "ants", "antes", "ente", "ents", "entes", "ier", "ière", "ine", "aise", "ienne", "ore", "aite"),
}
_COMMON_ADJECTIVES = frozenset("""
grande grandes fuerte fuertes simple simples libre libres rápida rápidas lenta lentas alta altas baja bajas
larga largas corta cortas media medias total constante constantes
rapide rapides simple simples libre libres large larges forte fortes faible faibles moyenne moyennes petite
petites grande grandes chaude chaudes froide froides pleine pleines lente lentes haute hautes basse basses
longue longues courte courtes totale totales constante constantes absolue absolues propre propres
""".split())


# Mathematical tools a lecture applies to its quantities ("the derivative of U with respect to S"): ideas of a
# lecture that defines them (calculus), tools of one that only uses them.
_TOOLS = frozenset("""
derivative derivatives partial second first integral integrals logarithm logarithms square root roots
ableitung ableitungen partielle integral integrale logarithmus logarithmen
derivada derivadas parcial integral integrales logaritmo logaritmos
dérivée dérivées partielle intégrale intégrales logarithme logarithmes
""".split())
_TOOL_HEADS = frozenset("""
derivative derivatives integral integrals logarithm logarithms root roots ableitung ableitungen integrale
logarithmus logarithmen derivada derivadas integrales logaritmo logaritmos dérivée dérivées intégrale intégrales
logarithme logarithmes
""".split())


class TermKind(StrEnum):
    PERSON = "person"  # a name: always capitalised mid-sentence (Carnot, Boltzmann)
    PROCESS = "process"  # something that happens (glycolysis, compression, boiling)
    THING = "thing"  # anything else


def is_unit(text: str) -> bool:
    """Whether ``text`` names a unit of measurement ("kelvin", "kilojoules", "degrees Celsius")."""
    return bool(_UNIT.match(text.split()[-1].casefold())) if text.split() else False


def is_idea(text: str, language: str | None) -> bool:
    """Whether ``text`` may name one of a lecture's ideas: a noun phrase, not a unit, a classroom object,
    a verb or an adjective on its own."""
    words = text.split()
    if not words or is_unit(text):
        return False
    folded = [word.casefold() for word in words]
    if any(word in _CLASSROOM for word in folded) and len(words) <= 2:
        return False
    if folded[0] in _EVALUATIVE or folded[-1] in _EVALUATIVE:
        return False
    last = folded[-1]
    if last.endswith(_VERB_ENDINGS) or (last.endswith("ly") and len(last) > 4):
        return False
    if language in (None, "en") and len(words) > 1 and _is_verb_after_noun(folded):
        return False
    if language == "de" and not words[-1][:1].isupper():
        return False  # every German noun has a capital
    if language == "de" and any(a[:1].isupper() and not b[:1].isupper() for a, b in zip(words, words[1:])):
        return False  # "Mauer trennte": an adjective stands before its noun, a small word after one is a verb
    if language in _ADJECTIVE_SUFFIXES and len(words) > 1 and _has_verb_after_noun(words, language):
        return False
    if len(words) == 1 and language in (None, "en") and text.islower() and (
            last.endswith(_ADJECTIVE_ENDINGS) or last.endswith("ed")):
        return False  # "adiabatic", "denatured": an adjective or a participle on its own
    if len(words) == 1 and language in (None, "en") and text.islower() and (
            last[:-1] in _ONLY_VERBS or (last.endswith("es") and last[:-2] in _ONLY_VERBS)):
        return False  # "binds", "occurs": a verb's third person on its own
    return True


def _has_verb_after_noun(words: Sequence[str], language: str) -> bool:
    """Whether a Spanish or French phrase has a verb after its first word: "membrana celular regula",
    "concentration pousse", but not "onde longitudinale", "forte concentration" (an adjective before its noun)."""
    folded = [word.casefold() for word in words]
    if len(words) == 2 and _adjective(folded[0], language):
        return False
    return any(word.endswith(_PRESENT_ENDINGS[language]) and not _adjective(word, language)
               for word, original in zip(folded[1:], words[1:]) if not original[:1].isupper())


def _adjective(word: str, language: str) -> bool:
    return word in _COMMON_ADJECTIVES or word.endswith(_ADJECTIVE_SUFFIXES[language])


def is_tool(text: str) -> bool:
    """Whether ``text`` names a mathematical tool ("derivative", "partial derivatives", "integral"), which is one
    of a lecture's ideas only if the lecture defines it."""
    folded = text.casefold().split()
    return bool(folded) and folded[-1] in _TOOL_HEADS and all(word in _TOOLS for word in folded)


def verb_forms(forms: Iterable[str], language: str | None) -> set[str]:
    """Which of one word's ``forms`` (its inflections, folded into one stem) are a verb's: in Spanish and French,
    those with a present-tense ending beside a noun made from the same stem ("oscila" beside "oscilaciones",
    "propage" beside "propagation"). Without that noun nothing tells a verb from a noun or an adjective
    ("onda", "longitudinale"): none is taken for a verb."""
    nominal, present = _NOMINAL_ENDINGS.get(language or ""), _PRESENT_ENDINGS.get(language or "")
    if nominal is None or present is None:
        return set()
    single = [form for form in forms if len(form.split()) == 1]
    if not any(form.casefold().endswith(nominal) for form in single):
        return set()
    return {form for form in single if form.casefold().endswith(present) and not form.casefold().endswith(nominal)}


def _is_verb_after_noun(folded: Sequence[str]) -> bool:
    """Whether a phrase ends in a verb: "heat flows", "wave travels", "crests meet" (a plural then a base form)."""
    last = folded[-1]
    third_person = (last.endswith("es") and last[:-2] in _VERBS) or (last.endswith("s") and last[:-1] in _VERBS)
    return third_person or (last in _VERBS and folded[-2].endswith("s") and not folded[-2].endswith("ss"))


def kind_of(forms: Sequence[str], language: str | None) -> TermKind:
    """A term's kind from the forms it was said in: a name is capitalised in every form, even mid-sentence,
    in a language whose nouns are not all capitalised."""
    if (language != "de" and forms and len(forms[0].split()) == 1
            and all(form[:1].isupper() and not form.isupper() for form in forms)):
        return TermKind.PERSON
    last = forms[0].split()[-1].casefold() if forms and forms[0].split() else ""
    if last.endswith(_PROCESS_ENDINGS) and len(last) > 5:
        return TermKind.PROCESS
    return TermKind.THING
