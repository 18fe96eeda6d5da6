"""The words around the lecture's own, in the lecture's language: the offline generator's headings and
notes, the vault's labels around them (links between notes and assessment, the subject index), and the
course's study guide, final exam and concept map.

The assessment's two headings are also how its cards are found (vault/cards.py)
and where the answer key's page starts (export/obsidian.lua keeps a copy of them).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CourseLabels:
    """The words of a course's study guide, final exam and concept map (tubenotes.course)."""

    study_guide: str  # lower case, as in "Physics: study guide"; these three name the course's files' links
    final_exam: str
    concept_map: str
    lecture: str  # lower case, before a lecture's number
    conjunction: str  # "and", between the last two of a list
    # The guide.
    lectures_and_status: str
    covers: str
    span: str  # with {count}, {first} and {last}
    central: str  # with {names} and {count}
    picture: str
    the_lectures: str
    no_summary: str
    introduces: str  # with {concepts}
    builds_on: str  # with {concepts}
    concepts_intro: str
    no_definition: str
    introduced_in: str  # with {lecture}
    builds: str
    build_introduces: str  # with {number} and {concept}
    build_on: str  # with {concepts}
    used_again_one: str  # with {numbers}
    used_again_many: str  # with {numbers}
    before_each: str
    review_before: str  # with {lecture}, {title} and {concepts}
    # The exam: its kinds of question, beside Labels' fill_blank, multiple_choice and statement.
    exam_intro: str  # with {count}, {drawn}, {lectures} and {guide}
    true_false: str
    short_answer: str
    explain_why: str
    which_concept_spoken: str
    which_concept_defined: str
    what_is: str  # with {concept} and {number}
    # The concept map.
    map_legend: str


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
    course_material: CourseLabels


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
    course_material=CourseLabels(
        study_guide="study guide", final_exam="final exam", concept_map="concept map", lecture="lecture",
        conjunction="and", lectures_and_status="Lectures and status", covers="What the course covers",
        span="{count} lectures, from {first} to {last}.",
        central="The ideas that come back most often are {names}; the course introduces {count} concepts that "
                "several lectures share.",
        picture="How the concepts connect", the_lectures="The lectures", no_summary="Its notes have no summary yet.",
        introduces="It introduces {concepts}.", builds_on="It builds on {concepts}.",
        concepts_intro="Each concept with a definition and the lecture that introduces it.",
        no_definition="(no lecture defines it in one sentence: see its note)", introduced_in="introduced in {lecture}",
        builds="How the ideas build", build_introduces="Lecture {number} introduces {concept}",
        build_on="on {concepts}",
        used_again_one="used again in lecture {numbers}", used_again_many="used again in lectures {numbers}",
        before_each="Before each lecture", review_before="**Before {lecture}** ({title}): review {concepts}.",
        exam_intro="{count} questions on {drawn} of the course's {lectures} lectures, in course order. Each names its "
                   "lecture and moment; the answers are at the end. Study with the {guide}.",
        true_false="True or false", short_answer="Short answer", explain_why="Explain why",
        which_concept_spoken="Which concept does the lecture describe here?",
        which_concept_defined="Which concept does this definition describe?",
        what_is="What does “{concept}” mean? Answer in a sentence, as lecture {number} does.",
        map_legend="**How to read this map.** Lectures on the left, in course order. Each box on the right is a "
                   "concept several lectures share: a green line leads from the lecture that introduces it, grey "
                   "ones from the lectures that use it again, purple ones to the concepts that build on it.",
    ),
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
        course_material=CourseLabels(
            study_guide="Lernleitfaden", final_exam="Abschlussprüfung", concept_map="Begriffskarte",
            lecture="Vorlesung", conjunction="und", lectures_and_status="Vorlesungen und Stand",
            covers="Was der Kurs behandelt", span="{count} Vorlesungen, von {first} bis {last}.",
            central="Am häufigsten kehren {names} wieder; der Kurs führt {count} Begriffe ein, die mehrere "
                    "Vorlesungen teilen.",
            picture="Wie die Begriffe zusammenhängen", the_lectures="Die Vorlesungen",
            no_summary="Ihre Notizen haben noch keine Zusammenfassung.", introduces="Sie führt {concepts} ein.",
            builds_on="Sie baut auf {concepts} auf.",
            concepts_intro="Jeder Begriff mit einer Definition und der Vorlesung, die ihn einführt.",
            no_definition="(keine Vorlesung definiert ihn in einem Satz: siehe seine Notiz)",
            introduced_in="eingeführt in {lecture}", builds="Wie die Ideen aufeinander aufbauen",
            build_introduces="Vorlesung {number} führt {concept} ein", build_on="aufbauend auf {concepts}",
            used_again_one="wieder verwendet in Vorlesung {numbers}",
            used_again_many="wieder verwendet in den Vorlesungen {numbers}",
            before_each="Vor jeder Vorlesung", review_before="**Vor {lecture}** ({title}): wiederholen Sie {concepts}.",
            exam_intro="{count} Fragen zu {drawn} der {lectures} Vorlesungen des Kurses, in seiner Reihenfolge. Jede "
                       "nennt ihre Vorlesung und Stelle; die Lösungen stehen am Ende. Zum Lernen: der {guide}.",
            true_false="Richtig oder falsch", short_answer="Kurze Antwort", explain_why="Erklären Sie, warum",
            which_concept_spoken="Welchen Begriff beschreibt die Vorlesung hier?",
            which_concept_defined="Welchen Begriff beschreibt diese Definition?",
            what_is="Was bedeutet „{concept}“? Antworten Sie in einem Satz, wie Vorlesung {number}.",
            map_legend="**So liest man diese Karte.** Links die Vorlesungen in der Reihenfolge des Kurses. Jedes Feld "
                       "rechts ist ein Begriff, den mehrere Vorlesungen teilen: Eine grüne Linie kommt von der "
                       "Vorlesung, die ihn einführt, graue kommen von den Vorlesungen, die ihn wieder verwenden, "
                       "violette führen zu den Begriffen, die auf ihm aufbauen.",
        ),
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
        course_material=CourseLabels(
            study_guide="guía de estudio", final_exam="examen final", concept_map="mapa de conceptos",
            lecture="clase", conjunction="y", lectures_and_status="Clases y estado", covers="Qué abarca el curso",
            span="{count} clases, de {first} a {last}.",
            central="Las ideas que más vuelven son {names}; el curso introduce {count} conceptos que comparten "
                    "varias clases.",
            picture="Cómo se relacionan los conceptos", the_lectures="Las clases",
            no_summary="Sus apuntes aún no tienen resumen.", introduces="Introduce {concepts}.",
            builds_on="Se apoya en {concepts}.",
            concepts_intro="Cada concepto con una definición y la clase que lo introduce.",
            no_definition="(ninguna clase lo define en una frase: vea su nota)",
            introduced_in="introducido en la {lecture}",
            builds="Cómo se construyen las ideas", build_introduces="La clase {number} introduce {concept}",
            build_on="apoyándose en {concepts}", used_again_one="que vuelve en la clase {numbers}",
            used_again_many="que vuelve en las clases {numbers}", before_each="Antes de cada clase",
            review_before="**Antes de la {lecture}** ({title}): repase {concepts}.",
            exam_intro="{count} preguntas sobre {drawn} de las {lectures} clases del curso, en su orden. Cada una "
                       "indica su clase y su momento; las soluciones están al final. Estudie con la {guide}.",
            true_false="Verdadero o falso", short_answer="Respuesta corta", explain_why="Explique por qué",
            which_concept_spoken="¿Qué concepto describe aquí la clase?",
            which_concept_defined="¿Qué concepto describe esta definición?",
            what_is="¿Qué significa «{concept}»? Responda en una frase, como la clase {number}.",
            map_legend="**Cómo leer este mapa.** Las clases a la izquierda, en el orden del curso. Cada recuadro de la "
                       "derecha es un concepto que comparten varias clases: una línea verde sale de la clase que lo "
                       "introduce, las grises de las clases que lo vuelven a usar y las moradas van a los conceptos "
                       "que se apoyan en él.",
        ),
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
        course_material=CourseLabels(
            study_guide="guide d'étude", final_exam="examen final", concept_map="carte des concepts",
            lecture="cours", conjunction="et", lectures_and_status="Cours et état", covers="Ce que couvre le cours",
            span="{count} cours, de {first} à {last}.",
            central="Les idées qui reviennent le plus souvent sont {names} ; le cours introduit {count} concepts que "
                    "plusieurs cours partagent.",
            picture="Comment les concepts se relient", the_lectures="Les cours",
            no_summary="Ses notes n'ont pas encore de résumé.", introduces="Il introduit {concepts}.",
            builds_on="Il s'appuie sur {concepts}.",
            concepts_intro="Chaque concept avec une définition et le cours qui l'introduit.",
            no_definition="(aucun cours ne le définit en une phrase : voir sa note)",
            introduced_in="introduit dans le {lecture}", builds="Comment les idées s'enchaînent",
            build_introduces="Le cours {number} introduit {concept}", build_on="en s'appuyant sur {concepts}",
            used_again_one="repris dans le cours {numbers}", used_again_many="repris dans les cours {numbers}",
            before_each="Avant chaque cours", review_before="**Avant le {lecture}** ({title}) : revoyez {concepts}.",
            exam_intro="{count} questions sur {drawn} des {lectures} cours, dans l'ordre. Chacune indique son cours et "
                       "son moment ; le corrigé est à la fin. Révisez avec le {guide}.",
            true_false="Vrai ou faux", short_answer="Réponse courte", explain_why="Expliquez pourquoi",
            which_concept_spoken="Quel concept le cours décrit-il ici ?",
            which_concept_defined="Quel concept cette définition décrit-elle ?",
            what_is="Que signifie « {concept} » ? Répondez en une phrase, comme le cours {number}.",
            map_legend="**Comment lire cette carte.** Les cours à gauche, dans l'ordre. Chaque case à droite est un "
                       "concept que plusieurs cours partagent : une ligne verte part du cours qui l'introduit, des "
                       "grises des cours qui le reprennent, des violettes mènent aux concepts qui s'appuient sur lui.",
        ),
    ),
}

# The headings an assessment's parts may have, case-folded, in every language.
QUESTIONS_HEADINGS = frozenset(labels.questions.casefold() for labels in LABELS.values())
ANSWER_KEY_HEADINGS = frozenset(labels.answer_key.casefold() for labels in LABELS.values())


def labels_for(language: str | None) -> Labels:
    return LABELS.get(language or "", ENGLISH)
