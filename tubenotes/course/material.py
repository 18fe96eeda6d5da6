"""The course as data: its lectures in order, its concepts, where each is introduced and what builds on what.

Everything here comes from what the lectures already have: their notes'
summaries, the concepts the vault pass found (terms two or more lectures
share), the transcripts' sentences and times. A concept is introduced by the
first lecture, in course order, whose notes link it; it builds on an earlier
concept when the sentences that introduce it also say the earlier one.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tubenotes.generate.explanations import opening_sentence
from tubenotes.generate.sentences import Sentence, split_sentences
from tubenotes.job import VideoProcessingJob
from tubenotes.store.documents import DocumentReader, HeldDocuments
from tubenotes.text.labels import labels_for
from tubenotes.text.markdown import escape
from tubenotes.vault.cards import Card, plain
from tubenotes.vault.concepts import Concept, SubjectConcepts
from tubenotes.vault.links import normalize
from tubenotes.vault.finish import card_rows
from tubenotes.vault.memo import RenderMemo, inputs_digest
from tubenotes.vault.summary import Compute, LectureSummaries

# A lecture's paragraph in the guide: this many sentences of its notes' summary.
SUMMARY_SENTENCES = 3
# A concept builds on at most this many earlier ones (the most said with it): more is a list nobody follows.
MAX_BUILDS_ON = 3
# Lectures whose sentences are searched for a concept's definition, from the one that introduces it.
DEFINITION_LECTURES = 3

_STAMP_LINK = re.compile(r"\[▶?\s*\d{1,2}:\d{2}(?::\d{2})?\](?:\([^)\s]*\))?")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_WORD = re.compile(r"\w+")


# What a lecture tells the course: the sentences of its notes' summary, and its assessment's questions.
Told = tuple[list[str], Sequence[Card]]


def _untold() -> Told:
    return [], ()


@dataclass(eq=False)
class CourseLecture:
    number: int  # from 1, in course order
    job: VideoProcessingJob  # as listed: its documents are read when needed, see `with_documents`
    link: str  # its note's link path
    introduces: list[CourseConcept] = field(default_factory=list)
    uses: list[CourseConcept] = field(default_factory=list)  # introduced by an earlier lecture
    documents: DocumentReader = field(default_factory=HeldDocuments)
    # What it tells the course, worked out when asked (in the vault pass, from the lecture's summary): a
    # course of 20,000 lectures held every lecture's summary and questions for the whole stage, 40 MiB.
    told: Callable[[], Told] = _untold

    @property
    def title(self) -> str:
        return self.job.video_title or self.job.video_id

    @property
    def summary(self) -> list[str]:
        """Sentences of its notes' summary, Markdown without links."""
        return self.told()[0]

    @property
    def cards(self) -> Sequence[Card]:
        """Its assessment's questions."""
        return self.told()[1]

    def with_documents(self) -> VideoProcessingJob:
        """The lecture's job with its documents, read now: for the few places that need its text."""
        return self.documents.read(self.job)


@dataclass(eq=False)
class CourseConcept:
    concept: Concept
    first: CourseLecture
    at: float | None  # when the introducing lecture first says it
    lectures: list[CourseLecture]
    definition: str = ""  # one sentence: the speaker's as said, or a model's as (safe) Markdown
    spoken: bool = True  # the definition is the speaker's sentence (offline), not a model's
    definition_from: CourseLecture | None = None
    definition_at: float | None = None
    builds_on: list[CourseConcept] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.concept.name

    @property
    def key(self) -> str:
        return self.concept.key

    @property
    def link(self) -> str:
        return self.concept.link

    def defined(self, text: str | None = None) -> str:
        """The definition (or ``text`` cut from it) as Markdown: the speaker's words escaped, a model's as written."""
        text = self.definition if text is None else text
        return escape(text) if self.spoken else text


@dataclass
class Course:
    subject: str
    folder: Path
    language: str
    lectures: list[CourseLecture]
    concepts: list[CourseConcept]  # in the order the course introduces them
    overview: str = ""  # a model's paragraph on the whole course; "" offline


def course_of(concepts: SubjectConcepts, memo: RenderMemo | None = None) -> Course:
    """The course of one subject folder, from the vault pass's concepts; definitions are the speakers' sentences
    (a concept's as ``memo`` kept it from the last pass when the lectures it is looked for in did not change).

    Each lecture's documents are read once, in course order, for what it gives the course (its summary, its
    questions, what the concepts it introduces build on), and let go; the definitions are looked for in the
    first lectures of each concept, a few kept read at a time.
    """
    language = concepts.language or "en"
    summary_heading = labels_for(language).summary
    documents = concepts.documents
    memo = memo if memo is not None else RenderMemo()
    told = _told_facts(summary_heading)
    lectures = [CourseLecture(number, job, concepts.note_link(job), documents=documents,
                              told=functools.partial(_told, concepts.summaries, told, job))
                for number, job in enumerate(concepts.jobs, start=1)]
    by_key = {lecture.job.key: lecture for lecture in lectures}
    found: list[CourseConcept] = []
    for concept in concepts.concepts.values():
        members = [by_key[job.key] for job in concept.jobs if job.key in by_key]
        if not members:
            continue
        first = members[0]
        found.append(CourseConcept(concept, first, concepts.mentioned_at(concept, first.job), members))
    found.sort(key=lambda c: (c.first.number, c.at if c.at is not None else float("inf"), c.name.casefold()))
    for item in found:
        item.first.introduces.append(item)
        for lecture in item.lectures[1:]:
            lecture.uses.append(item)
    _read_lectures(lectures, concepts.summaries, summary_heading, {id(item): spelled(item.concept) for item in found})
    recent = _Recent(documents)
    for item in found:
        _define(item, recent, language, memo, concepts.root, concepts.summaries)
    subject = concepts.jobs[0].subject if concepts.jobs else concepts.folder.name
    return Course(subject, concepts.folder, language, lectures, found)


def _read_lectures(lectures: list[CourseLecture], summaries: LectureSummaries, summary_heading: str,
                   spellings: dict[int, list[str]]) -> None:
    """Each lecture's summary and questions, and what the concepts it introduces build on: from its
    summary, or from its documents, read once for all that the summary does not know yet."""
    for lecture in lectures:
        split: list[_Sentences] = []  # the lecture's sentences, split once for all the concepts it introduces

        def sentences(read: VideoProcessingJob) -> _Sentences:
            if not split:
                split.append(_Sentences(read))
            return split[0]

        wanted = _told_facts(summary_heading)  # worked out with the rest while the lecture is read
        builds = {}
        for item in lecture.introduces:
            earlier = [other for other in item.first.uses if other.first.number < item.first.number]
            if earlier:
                key = "builds:" + inputs_digest(spellings[id(item)], [spellings[id(other)] for other in earlier])
                wanted[key] = functools.partial(_builds_on, sentences, spellings[id(item)],
                                                [spellings[id(other)] for other in earlier])
                builds[key] = (item, earlier)
        values = dict(zip(wanted, summaries.facts(lecture.job, wanted, _READ)))
        for key, (item, earlier) in builds.items():
            item.builds_on = [earlier[number] for number in values[key]]


# The documents a lecture is read with for the course.
_READ = ("study_notes", "assessment_content", "transcript", "segments", "slides")


def _told_facts(summary_heading: str) -> dict[str, Compute]:
    """How a lecture's summary sentences (under ``summary_heading``) and its cards are worked out, by the
    names its summary keeps them under."""
    return {f"summary:{summary_heading}": lambda read: _summary(read.study_notes or "", summary_heading),
            "cards": card_rows}


def _told(summaries: LectureSummaries, facts: dict[str, Compute], job: VideoProcessingJob) -> Told:
    summary, rows = summaries.facts(job, facts, _READ)
    return summary, tuple(Card(*row[:5]) for row in rows or ())


class _Sentences:
    """One lecture's sentences with their times and their words, split once for every concept."""

    def __init__(self, job: VideoProcessingJob) -> None:
        self.job = job
        self._split: list[tuple[Sentence, str]] | None = None

    def all(self) -> list[tuple[Sentence, str]]:
        if self._split is None:
            self._split = [(s, words_of(s.text)) for s in split_sentences(self.job.transcript or "", self.job.segments)]
        return self._split


class _Recent:
    """The lectures whose transcripts the last definitions were looked for in: the concepts a lecture
    introduces, one after the other, look in the same few lectures."""

    def __init__(self, documents: DocumentReader) -> None:
        self.documents = documents
        self._kept: dict[str, _Sentences] = {}

    def of(self, lecture: CourseLecture) -> _Sentences:
        found = self._kept.pop(lecture.job.key, None)
        if found is None:
            found = _Sentences(self.documents.read(lecture.job, ("transcript", "segments")))
            if len(self._kept) >= DEFINITION_LECTURES:
                del self._kept[next(iter(self._kept))]  # the one used longest ago
        self._kept[lecture.job.key] = found
        return found


class _Transcripts(Sequence[str]):
    """The transcripts of ``lectures``, each read when it is looked at."""

    def __init__(self, lectures: list[CourseLecture], recent: _Recent) -> None:
        self.lectures, self.recent = lectures, recent

    def __len__(self) -> int:
        return len(self.lectures)

    def __getitem__(self, number: int) -> str:  # type: ignore[override]
        return self.recent.of(self.lectures[number]).job.transcript or ""


def words_of(text: str) -> str:
    """Text as its normalised words between spaces, for whole-word searches with `says`."""
    return " " + " ".join(_WORD.findall(normalize(text))) + " "


def spelled(concept: Concept) -> list[str]:
    """The concept's spellings for `says`: normalised words after a space, an ending allowed after them."""
    return [found.rstrip() for found in map(words_of, concept.spellings) if found.strip()]


def says(words: str, spellings: list[str]) -> bool:
    """Whether ``words`` (from `words_of`) say one of ``spellings`` (from `spelled`)."""
    return any(spelling in words for spelling in spellings)


def _define(item: CourseConcept, recent: _Recent, language: str, memo: RenderMemo, root: Path,
            summaries: LectureSummaries) -> None:
    """The sentence that defines the concept in the lecture that introduces it (else the next that uses it), or
    failing that the one that best explains it; as the last pass found it when those lectures are the same
    (by their stores' stamps, or by their words when the store keeps none)."""
    lectures = item.lectures[:DEFINITION_LECTURES]
    where = item.concept.path.relative_to(root).as_posix()
    inputs = inputs_digest("definition", item.concept.spellings, language,
                           [_said_by(lecture, recent, summaries) for lecture in lectures])
    known = memo.recall(where, inputs)
    if known is not None:
        if known:
            sentence, number, item.definition_at = known
            item.definition, item.definition_from = sentence, lectures[number]
        return
    found = opening_sentence(item.concept.spellings, _Transcripts(lectures, recent), language)
    if found is not None:
        _set_definition(item, found.sentence, lectures[found.text], recent.of(lectures[found.text]))
    memo.keep(where, inputs, [] if found is None else [found.sentence, found.text, item.definition_at])


def _said_by(lecture: CourseLecture, recent: _Recent, summaries: LectureSummaries) -> list[object]:
    stamp = summaries.stamp(lecture.job)
    return ["stamp", lecture.job.key, stamp] if stamp is not None else _said(recent.of(lecture).job)


def _said(job: VideoProcessingJob) -> list[object]:
    """What a lecture's definitions are found in: its transcript and its timed segments."""
    return [job.transcript or "", [[s.start, s.duration, s.text] for s in job.segments]]


def _set_definition(item: CourseConcept, sentence: str, lecture: CourseLecture, sentences: _Sentences) -> None:
    item.definition, item.definition_from = sentence, lecture
    if not sentences.job.segments:
        return  # a transcript without times: no moment to link
    wanted = words_of(sentence).strip()
    item.definition_at = next((s.start for s, words in sentences.all() if wanted in words), None)


def _builds_on(sentences: Callable[[VideoProcessingJob], _Sentences], spellings: list[str],
               earlier: list[list[str]], read: VideoProcessingJob) -> list[int]:
    """Which of the ``earlier`` concepts (their spellings) a concept (``spellings``) builds on: those said most
    often in the same sentences of its first lecture (``read``), by their numbers."""
    together: Counter[int] = Counter()
    for _, words in sentences(read).all():
        if says(words, spellings):
            together.update(number for number, other in enumerate(earlier) if says(words, other))
    return [number for number, _ in together.most_common(MAX_BUILDS_ON)]


def _summary(notes: str, heading: str) -> list[str]:
    """The first sentences of a note's summary section, as plain text without time stamps."""
    lines: list[str] = []
    inside = False
    for line in notes.splitlines():
        if line.startswith("## "):
            if inside:
                break
            inside = line[3:].strip().casefold() == heading.casefold()
            continue
        if inside and line.strip():
            lines.append(_BULLET.sub("", plain(_STAMP_LINK.sub("", line))).strip())
    text = " ".join(line for line in lines if line)
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9ÄÖÜÉÈ])", text)
    return [part for part in parts if part][:SUMMARY_SENTENCES]
