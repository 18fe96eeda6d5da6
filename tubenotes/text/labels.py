"""The words around the lecture's own, in the lecture's language: the offline generator's headings and
notes, and the vault's labels around them (links between notes and assessment, the subject index).

The assessment's two headings are also how its cards are found (vault/cards.py)
and where the answer key's page starts (export/obsidian.lua keeps a copy of them).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Labels:
    summary: str
    key_terms: str
    sections: str
    terms: str
    nothing_said: str
    no_terms: str
    questions: str
    answer_key: str
    instructions: str
    fill_blank: str
    multiple_choice: str
    statement: str  # a question's kind: which of these statements is true
    which_true: str  # its prompt
    too_short: str
    no_questions: str
    # The vault's, around the generated text.
    test_yourself: str
    study_notes: str
    assessment: str
    subject: str
    related_lectures: str
    video: str
    lectures: str
    index_intro: str  # with {count} and {done}
    concepts: str
    flashcards: str
    anki_deck: str
    course: str  # the index's section linking the study guide, final exam and concept map
    course_later: str  # in that section while the subject has one lecture (vault/index.py COURSE_LECTURES)
    # A lecture's status in the index.
    completed: str
    in_progress: str
    failed: str
    note_deleted: str
    # A concept note's.
    concept_intro: str  # with {subject} and {count}
    where_it_comes_up: str
    said_at: str  # before a time stamp
    on_the_slide: str  # the text a slide shows, beside what is said


ENGLISH = Labels(
    summary="Summary", key_terms="Key terms", sections="Sections", terms="Terms",
    nothing_said="Nothing is said in this part.", no_terms="No term comes up often enough to stand out.",
    questions="Questions", answer_key="Answer key",
    instructions="Fill each blank with the term the lecture uses; the time stamp leads to the passage.",
    fill_blank="Fill in the blank", multiple_choice="Multiple choice",
    statement="True statement", which_true="Which statement is true?",
    too_short="This transcript is too short to ask about: it repeats no key term in a full sentence.",
    no_questions="No questions.",
    test_yourself="Test yourself", study_notes="Study notes", assessment="Assessment", subject="Subject",
    related_lectures="Related lectures", video="Video", lectures="Lectures",
    index_intro="Lectures: {count}, completed: {done}. Written by tubenotes: if you change this page, it is kept "
                "and the next update goes beside it.",
    concepts="Concepts", flashcards="Flashcards", anki_deck="Anki deck", course="The course as a whole",
    course_later="The study guide, final exam and concept map come with the subject's second lecture.",
    concept_intro="A concept of {subject} that comes up in {count} lectures.",
    where_it_comes_up="Where it comes up", said_at="at", on_the_slide="On the slide",
    completed="completed", in_progress="in progress", failed="failed", note_deleted="note deleted",
)

LABELS: dict[str, Labels] = {
    "en": ENGLISH,
    "de": Labels(
        summary="Zusammenfassung", key_terms="Schlüsselbegriffe", sections="Abschnitte", terms="Begriffe",
        nothing_said="In diesem Teil wird nichts gesagt.",
        no_terms="Kein Begriff kommt oft genug vor, um herauszustechen.",
        questions="Fragen", answer_key="Lösungen",
        instructions="Füllen Sie jede Lücke mit dem Begriff der Vorlesung; der Zeitstempel führt zur Stelle.",
        fill_blank="Lückentext", multiple_choice="Multiple Choice",
        statement="Richtige Aussage", which_true="Welche Aussage ist richtig?",
        too_short="Dieses Transkript ist zu kurz für Fragen: Es wiederholt keinen Schlüsselbegriff in einem "
                  "ganzen Satz.",
        no_questions="Keine Fragen.",
        test_yourself="Selbsttest", study_notes="Lernnotizen", assessment="Lernkontrolle", subject="Fach",
        related_lectures="Verwandte Vorlesungen", video="Video", lectures="Vorlesungen",
        index_intro="Vorlesungen: {count}, abgeschlossen: {done}. Von tubenotes geschrieben: Wenn Sie diese Seite "
                    "ändern, bleibt sie erhalten, und die nächste Fassung wird daneben abgelegt.",
        concepts="Begriffe", flashcards="Karteikarten", anki_deck="Anki-Stapel", course="Der ganze Kurs",
        course_later="Lernleitfaden, Abschlussprüfung und Begriffskarte kommen mit der zweiten Vorlesung des "
                     "Fachs.",
        concept_intro="Ein Begriff aus {subject}, der in {count} Vorlesungen vorkommt.",
        where_it_comes_up="Wo er vorkommt", said_at="bei", on_the_slide="Auf der Folie",
        completed="abgeschlossen", in_progress="in Arbeit", failed="fehlgeschlagen", note_deleted="Notiz gelöscht",
    ),
    "es": Labels(
        summary="Resumen", key_terms="Términos clave", sections="Secciones", terms="Términos",
        nothing_said="En esta parte no se dice nada.",
        no_terms="Ningún término aparece lo bastante a menudo para destacar.",
        questions="Preguntas", answer_key="Soluciones",
        instructions="Complete cada espacio con el término que usa la clase; la marca de tiempo lleva al pasaje.",
        fill_blank="Completar el espacio", multiple_choice="Opción múltiple",
        statement="Afirmación verdadera", which_true="¿Qué afirmación es verdadera?",
        too_short="Esta transcripción es demasiado corta para preguntar: no repite ningún término clave en una "
                  "frase completa.",
        no_questions="No hay preguntas.",
        test_yourself="Ponte a prueba", study_notes="Apuntes", assessment="Evaluación", subject="Asignatura",
        related_lectures="Clases relacionadas", video="Vídeo", lectures="Clases",
        index_intro="Clases: {count}, completadas: {done}. Escrito por tubenotes: si cambia esta página, se "
                    "conserva y la próxima versión se guarda a su lado.",
        concepts="Conceptos", flashcards="Tarjetas", anki_deck="Mazo de Anki", course="El curso completo",
        course_later="La guía de estudio, el examen final y el mapa de conceptos llegan con la segunda clase de "
                     "la asignatura.",
        concept_intro="Un concepto de {subject} que aparece en {count} clases.",
        where_it_comes_up="Dónde aparece", said_at="en", on_the_slide="En la diapositiva",
        completed="completada", in_progress="en curso", failed="fallida", note_deleted="apunte borrado",
    ),
    "fr": Labels(
        summary="Résumé", key_terms="Termes clés", sections="Sections", terms="Termes",
        nothing_said="Rien n'est dit dans cette partie.",
        no_terms="Aucun terme ne revient assez souvent pour ressortir.",
        questions="Questions", answer_key="Corrigé",
        instructions="Complétez chaque blanc avec le terme employé dans le cours ; l'horodatage mène au passage.",
        fill_blank="Texte à trous", multiple_choice="Choix multiple",
        statement="Affirmation vraie", which_true="Quelle affirmation est vraie ?",
        too_short="Cette transcription est trop courte pour poser des questions : elle ne répète aucun terme clé "
                  "dans une phrase complète.",
        no_questions="Aucune question.",
        test_yourself="Testez-vous", study_notes="Notes de cours", assessment="Évaluation", subject="Matière",
        related_lectures="Cours liés", video="Vidéo", lectures="Cours",
        index_intro="Cours : {count}, terminés : {done}. Écrit par tubenotes : si vous modifiez cette page, elle "
                    "est conservée et la prochaine version est placée à côté.",
        concepts="Concepts", flashcards="Fiches", anki_deck="Paquet Anki", course="Le cours entier",
        course_later="Le guide d'étude, l'examen final et la carte des concepts arrivent avec le deuxième cours "
                     "de la matière.",
        concept_intro="Un concept de {subject} qui revient dans {count} cours.",
        where_it_comes_up="Où il revient", said_at="à", on_the_slide="Sur la diapositive",
        completed="terminé", in_progress="en cours", failed="échec", note_deleted="note supprimée",
    ),
}

# The headings an assessment's parts may have, case-folded, in every language.
QUESTIONS_HEADINGS = frozenset(labels.questions.casefold() for labels in LABELS.values())
ANSWER_KEY_HEADINGS = frozenset(labels.answer_key.casefold() for labels in LABELS.values())


def labels_for(language: str | None) -> Labels:
    return LABELS.get(language or "", ENGLISH)
