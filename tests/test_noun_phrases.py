"""Key terms are noun phrases in German, Spanish and French too: no verb after a noun ("medio oscila",
"Mauer trennte"), no fragment of a longer term ("Kieler" beside "Kieler Matrosenaufstand"), on lectures written
for these tests (tests/data/lectures, tests/data/thermodynamics and the short ones below)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tubenotes.generate.lecture import analyse
from tubenotes.generate.termkinds import is_idea, verb_forms
from tubenotes.job import SourceKind, VideoProcessingJob

DATA = Path(__file__).parent / "data"

KIEL = (
    "Heute geht es um den Kieler Matrosenaufstand. Im Herbst 1918 lag die Flotte vor Kiel. Die Admiralität wollte "
    "eine letzte Schlacht gegen England. Die Matrosen weigerten sich. Der Kieler Matrosenaufstand begann am dritten "
    "November. Im Kieler Hafen wehten rote Fahnen. Arbeiter und Soldaten gründeten Räte. Die Räte übernahmen die "
    "Macht in Kiel. Vom Kieler Matrosenaufstand aus breitete sich die Revolution aus. Die Revolution erreichte "
    "Berlin am neunten November. Der Kaiser dankte ab, und die Revolution siegte. Die Räte wollten eine Republik. "
    "Die Matrosen kehrten zurück. Die Admiralität verlor ihre Macht."
)
DIFUSION = (
    "Hoy hablamos de la difusión. La difusión es el movimiento de partículas desde una zona de alta concentración "
    "hacia una zona de baja concentración. Una gota de tinta se difunde en el agua. La tinta difunde sin que nadie "
    "la mueva. El soluto difunde a través de la membrana. La membrana celular regula la difusión. La membrana "
    "celular deja pasar el oxígeno. El oxígeno difunde rápido. La velocidad de difusión depende de la temperatura. "
    "La difusión facilitada usa proteínas de transporte. Las proteínas de transporte abren un canal."
)
DIFFUSION = (
    "Aujourd'hui, la diffusion. La diffusion est le mouvement des particules d'une zone de forte concentration vers "
    "une zone de faible concentration. Une goutte d'encre diffuse dans l'eau. Le soluté diffuse à travers la "
    "membrane. La membrane cellulaire contrôle la diffusion. La membrane cellulaire laisse passer l'oxygène. "
    "L'oxygène diffuse vite. La vitesse de diffusion dépend de la température. Le gradient de concentration pousse "
    "les particules. Le gradient de concentration diminue avec le temps. Le soluté diffuse encore."
)


def key_terms(text: str, title: str = "") -> list[str]:
    job = VideoProcessingJob(url="lecture.txt", video_id="file-lecture", source=SourceKind.FILE, transcript=text,
                             video_title=title or "lecture")
    return [term.text for term in analyse(job).key_terms]


def test_a_fragment_of_a_longer_term_is_no_term_of_its_own() -> None:
    terms = key_terms(KIEL)
    assert "Kieler Matrosenaufstand" in terms
    assert "Kieler" not in terms  # said only in "Kieler Matrosenaufstand" and "Kieler Hafen"
    assert not [term for term in terms if any(word.islower() for word in term.split()[1:])], terms


def test_an_adjective_heard_only_in_longer_terms_names_its_noun_instead() -> None:
    lecture = (DATA / "thermodynamics" / "01_temperature_and_the_zeroth_law.txt").read_text(encoding="utf-8")
    terms = key_terms(lecture, "Temperature and the zeroth law")
    assert "thermodynamics" in terms and "thermodynamic" not in terms
    assert "thermodynamic system" in terms


@pytest.mark.parametrize(("name", "verbs", "nouns"), [
    ("ondas.es.txt", {"oscila", "medio oscila", "propaga"}, {"onda longitudinal", "oscilaciones", "propagación"}),
    ("ondes.fr.txt", {"oscille", "milieu oscille", "propage"}, {"onde longitudinale", "oscillations", "propagation"}),
])
def test_a_verb_beside_its_noun_is_no_term(name: str, verbs: set[str], nouns: set[str]) -> None:
    terms = set(key_terms((DATA / "lectures" / name).read_text(encoding="utf-8"), "ondas"))
    assert not terms & verbs, terms
    assert nouns <= terms


@pytest.mark.parametrize(("language", "text", "verbs", "nouns"), [
    ("es", DIFUSION, {"membrana celular regula", "oxígeno difunde rápido", "tinta difunde", "transporte abren",
                      "membrana celular deja pasar", "soluto difunde"}, {"difusión", "membrana", "alta concentración"}),
    ("fr", DIFFUSION, {"concentration pousse", "diffusion dépend", "oxygène diffuse vite", "soluté diffuse",
                       "forte concentration vers", "membrane cellulaire laisse passer"},
     {"membrane", "gradient", "faible concentration"}),
])
def test_spanish_and_french_key_terms_are_noun_phrases(language: str, text: str, verbs: set[str],
                                                       nouns: set[str]) -> None:
    terms = set(key_terms(text))
    assert not terms & verbs, terms
    assert nouns <= terms


@pytest.mark.parametrize(("text", "language", "idea"), [
    ("onde longitudinale", "fr", True), ("membrane cellulaire", "fr", True), ("gaz parfait", "fr", True),
    ("température absolue", "fr", True), ("faible concentration", "fr", True), ("concentration pousse", "fr", False),
    ("diffusion dépend", "fr", False), ("onda longitudinal", "es", True), ("difusión facilitada", "es", True),
    ("energía cinética", "es", True), ("membrana celular regula", "es", False), ("transporte abren", "es", False),
    ("Weimarer Republik", "de", True), ("thermische Energie", "de", True), ("Mauer trennte Familien", "de", False),
])
def test_noun_phrases_and_phrases_with_a_verb(text: str, language: str, idea: bool) -> None:
    assert is_idea(text, language) is idea


def test_a_present_tense_form_is_a_verb_only_beside_its_noun() -> None:
    assert verb_forms(["oscila", "oscilaciones"], "es") == {"oscila"}
    assert verb_forms(["propage", "propagation"], "fr") == {"propage"}
    assert verb_forms(["onda", "ondas"], "es") == set()  # nothing tells a noun in -a from a verb
    assert verb_forms(["oscillates", "oscillation"], "en") == set()


CALCULUS = (
    "Today we meet the derivative. The derivative is the slope of the tangent line to a curve at one point. "
    "The derivative of x squared is two x. The derivative of a constant is zero. We write the derivative as d y "
    "over d x. The derivative tells us how fast a function changes. The integral undoes the derivative."
)


def test_a_mathematical_tool_the_lecture_only_uses_is_no_key_term_but_one_it_defines_is() -> None:
    lecture = (DATA / "thermodynamics" / "06_free_energy_and_thermodynamic_potentials.txt").read_text(encoding="utf-8")
    terms = key_terms(lecture, "Free energy and thermodynamic potentials")
    assert "derivative" not in terms  # "the partial derivative of U with respect to S": a tool
    assert {"Gibbs free energy", "Maxwell relations"} <= set(terms)
    assert "derivative" in key_terms(CALCULUS, "The derivative")
