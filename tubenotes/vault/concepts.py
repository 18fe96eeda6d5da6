"""Concepts of a subject: the key terms its notes link, and where each comes up.

A specific term (no everyday word, see generate/specificity.py) that the notes
of two or more lectures of one subject link, in any inflection ("microstate",
"microstates"), and that names no note of the vault already, gets a concept note in
``<Subject>/Concepts/``: the lectures meet there, and each lecture's note
lists the others it shares concepts with. A term only one lecture links is
shown as plain text: no link ever points to a note that does not exist.
"""

from __future__ import annotations

import heapq
import re
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tubenotes.generate.specificity import fold, is_everyday
from tubenotes.job import VideoProcessingJob
from tubenotes.text.labels import labels_for
from tubenotes.text.language import most_common_language
from tubenotes.store.documents import DocumentReader, HeldDocuments
from tubenotes.text.markdown import escape, stamp, wikilink
from tubenotes.vault.filenames import sanitize_filename
from tubenotes.vault.frontmatter import render_front_matter, subject_tag
from tubenotes.vault.links import Resolve, VaultNotes, link_path, normalize
from tubenotes.vault.summary import LectureSummaries, note_links, spoken_language

CONCEPTS_DIRNAME = "Concepts"
# One lecture's term is a word of that lecture; two lectures make it a concept of the subject.
MIN_LECTURES_PER_CONCEPT = 2
# A note lists this many related lectures at most, those sharing the most concepts: in a subject of
# hundreds of lectures a longer list is not read, and it would make each note grow with the subject
# (the vault pass with its square). Every lecture of a concept stays listed on the concept's note.
RELATED_LECTURES = 10
CONCEPT_KIND = "concept"

# The concepts a lecture links, by their places in the subject's concepts: lectures with one
# signature rank the others alike.
Signature = tuple[int, ...]


@dataclass
class Concept:
    key: str  # normalised name, inflections folded
    name: str  # as the first lecture (in input order) wrote it
    path: Path
    link: str = ""  # the path's link form, set with the path
    spellings: list[str] = field(default_factory=list)
    jobs: list[VideoProcessingJob] = field(default_factory=list)
    members: array[int] = field(default_factory=lambda: array("l"))  # the jobs' places in the subject, in order
    groups: list[Signature] = field(default_factory=list)  # the signatures of the lectures that link it
    mentions: list[float | None] = field(default_factory=list)  # when each of ``jobs`` first says it

    def linked_by(self, number: int) -> bool:
        """Whether the lecture in place ``number`` of the subject links it."""
        found = bisect_left(self.members, number)
        return found < len(self.members) and self.members[found] == number


class SubjectConcepts:
    """The concepts of one subject folder and how its notes' links resolve."""

    def __init__(self, root: Path, folder: Path, jobs: list[VideoProcessingJob], notes: VaultNotes,
                 existing: Iterable[Path] = (), documents: DocumentReader = HeldDocuments(),
                 summaries: LectureSummaries | None = None) -> None:
        self.root, self.folder, self.notes = root, folder, notes
        # ``jobs`` may be listed without their documents: each lecture's are read when needed and let go,
        # and what the pass needs of them is kept in ``summaries`` (an unchanged lecture is not read again).
        self.documents = documents
        self.summaries = summaries if summaries is not None else LectureSummaries(documents)
        self.jobs = sorted(jobs, key=lambda job: job.position)
        # A concept keeps its note while any lecture links it: an edited note, which
        # tubenotes no longer rewrites, may link it still.
        self._existing = {normalize(path.stem) for path in existing}
        # What is kept of each lecture is by its place in ``self.jobs``: a subject may have 100,000 of them.
        self._number = {job.key: number for number, job in enumerate(self.jobs)}  # job key -> its place
        self._note_links: list[str | None] = [None] * len(self.jobs)
        links = self._read_links()
        self.concepts = self._find(links)
        del links
        self._numbered = list(self.concepts.values())
        self._signatures: list[Signature] = []  # by place: the concepts each lecture links, one tuple per signature
        self._groups = self._group()
        self._rankings: dict[Signature, list[int]] = {}
        self._items: dict[tuple[Signature, int], str] = {}
        self._find_mentions()

    def _read_links(self) -> list[list[str]]:
        """Each lecture's link targets, in order, and the subject's language: one language folds and judges
        the terms of all the subject's lectures, so that they meet."""
        languages: list[str | None] = []
        names: dict[str, str] = {}  # one string per target: thousands of lectures link the same few
        links = []
        for job in self.jobs:
            targets, language = self.summaries.facts(job, {"links": note_links, "language": spoken_language},
                                                      ("study_notes", "transcript"))
            languages.append(language)
            links.append([names.setdefault(target, target) for target in targets])
        self.language = most_common_language(languages)
        return links

    def _find(self, links: list[list[str]]) -> dict[str, Concept]:
        found: dict[str, Concept] = {}
        for number, (job, targets) in enumerate(zip(self.jobs, links)):
            own = {link_path(self.root, p) for p in (job.notes_filepath, job.assessment_filepath) if p}
            for target in targets:
                key = self._key(target)
                existing = self.notes.find(target)
                if not key or (existing is not None and existing not in own):
                    continue  # the vault has a note of that name: the link goes there
                concept = found.get(key)
                if concept is None:
                    concept = found[key] = Concept(key, _display(target), Path())
                if target not in concept.spellings:
                    concept.spellings.append(target)
                if not concept.members or concept.members[-1] != number:  # the lectures come in order
                    concept.members.append(number)
                    concept.jobs.append(job)
        kept = {key: c for key, c in found.items()
                if (len(c.jobs) >= MIN_LECTURES_PER_CONCEPT and not is_everyday(c.name, self.language))
                or any(normalize(spelling) in self._existing for spelling in c.spellings)}
        taken: set[str] = set()
        for concept in kept.values():  # names that sanitise alike get a number, first come first named
            stem, number = sanitize_filename(concept.name), 1
            while (stem if number == 1 else f"{stem} ({number})").casefold() in taken:
                number += 1
            stem = stem if number == 1 else f"{stem} ({number})"
            taken.add(stem.casefold())
            concept.path = self.folder / CONCEPTS_DIRNAME / f"{stem}.md"
            concept.link = link_path(self.root, concept.path)
        return kept

    def _group(self) -> dict[Signature, list[int]]:
        """The subject's lectures by the concepts they link (in input order), each concept knowing its groups."""
        linked: list[list[int]] = [[] for _ in self.jobs]
        for place, concept in enumerate(self._numbered):
            for number in concept.members:
                linked[number].append(place)
        groups: dict[Signature, list[int]] = {}
        shared: dict[Signature, Signature] = {(): ()}
        for number, places in enumerate(linked):
            signature = tuple(places)
            signature = shared.setdefault(signature, signature)
            self._signatures.append(signature)
            if signature:
                groups.setdefault(signature, []).append(number)
        for signature in groups:
            for number in signature:
                self._numbered[number].groups.append(signature)
        return groups

    def note_link(self, job: VideoProcessingJob) -> str:
        """The link path of ``job``'s note, worked out once: every concept and related list of the subject names it."""
        assert job.notes_filepath is not None
        number = self._number.get(job.key)
        link = None if number is None else self._note_links[number]
        if link is None:
            link = link_path(self.root, job.notes_filepath)
            if number is not None:
                self._note_links[number] = link
        return link

    def resolver(self, job: VideoProcessingJob) -> Resolve:
        """Where ``job``'s links go: a vault note of that name (not itself), else a concept note, else nowhere."""
        own = {link_path(self.root, p) for p in (job.notes_filepath, job.assessment_filepath) if p}

        def resolve(target: str) -> str | None:
            found = self.notes.find(target)
            if found is not None and found not in own:
                return found
            concept = self.concepts.get(self._key(target))
            return concept.link if concept else None

        return resolve

    def _key(self, target: str) -> str:
        return " ".join(fold(normalize(target).split(), self.language))

    def related(self, job: VideoProcessingJob) -> list[str]:
        """List items: the other lectures of the subject that share the most concepts with ``job``, most first."""
        own = self._number.get(job.key, -1)
        signature = self._signatures[own] if own >= 0 else ()
        concepts = [self._numbered[place] for place in signature]
        ranked = [number for number in self._ranking(signature) if number != own][:RELATED_LECTURES]
        return [self._related_item(signature, concepts, number) for number in ranked]

    def _related_item(self, signature: Signature, concepts: list[Concept], number: int) -> str:
        """The item of lecture ``number`` in the list of a lecture linking ``concepts`` (of ``signature``):
        made once, as lectures of one signature list the same few."""
        item = self._items.get((signature, number))
        if item is None:
            item = self._items[(signature, number)] = (
                f"- {wikilink(self.note_link(self.jobs[number]), _title(self.jobs[number]))}: "
                + ", ".join(wikilink(c.link, c.name) for c in concepts if c.linked_by(number)))
        return item

    def _ranking(self, signature: Signature) -> list[int]:
        """The lectures sharing the most of the concepts of ``signature``, most shared first, then in input
        order: one more than a note lists, as the lecture itself may be among them. Worked out once per
        signature, and from the signatures, not the lectures: when every lecture links the same concepts,
        counting each concept's lectures for each lecture would cost the subject's size squared."""
        ranking = self._rankings.get(signature)
        if ranking is None:
            shared: Counter[Signature] = Counter()
            for number in signature:
                shared.update(self._numbered[number].groups)
            wanted = RELATED_LECTURES + 1
            # Within a group the lectures are in input order: only its first few can make the list.
            candidates = ((-count, number) for group, count in shared.items() for number in self._groups[group][:wanted])
            ranking = self._rankings[signature] = [number for _, number in heapq.nsmallest(wanted, candidates)]
        return ranking

    def _find_mentions(self) -> None:
        """When each lecture of each concept first says it: where each spelling is first said, from the
        lecture's summary, or from its segments read once for the spellings it does not know yet."""
        for job, signature in zip(self.jobs, self._signatures):
            if not signature:
                continue
            concepts = [self._numbered[place] for place in signature]
            spellings = list(dict.fromkeys(spelling for concept in concepts for spelling in concept.spellings))
            spoken: list[list[tuple[float, str]]] = []  # the segments normalised, once for all spellings

            def said(spelling: str) -> Callable[[VideoProcessingJob], list[float] | None]:
                def compute(read: VideoProcessingJob) -> list[float] | None:
                    if not spoken:
                        spoken.append([(s.start, normalize(s.text)) for s in read.segments])
                    return first_place(spoken[0], spelling)
                return compute

            found = dict(zip(spellings, self.summaries.facts(job, {f"said:{s}": said(s) for s in spellings},
                                                             ("segments",))))
            for concept in concepts:
                places = [place for spelling in concept.spellings if (place := found[spelling]) is not None]
                concept.mentions.append(min(places)[1] if places else None)

    def mentioned_at(self, concept: Concept, job: VideoProcessingJob) -> float | None:
        """When ``job``'s transcript first says ``concept`` (None: never in its words, or no times)."""
        return next((at for member, at in zip(concept.jobs, concept.mentions) if member.key == job.key), None)

    def render(self, concept: Concept, index: Path, definition: str = "") -> str:
        """The concept note: its ``definition`` (Markdown) first, then every lecture it comes up in, with a
        link to the moment."""
        aliases = [s for s in concept.spellings if s != concept.path.stem]
        matter = {
            "title": concept.name,
            "aliases": aliases,
            "subject": self.jobs[0].subject if self.jobs else self.folder.name,
            "tags": ["tubenotes", "concept", subject_tag(self.folder.name)],
            "type": CONCEPT_KIND,
        }
        labels = labels_for(self.language)
        subject = wikilink(link_path(self.root, index), self.folder.name)
        lines = [
            render_front_matter(matter) + f"# {escape(concept.name)}",
            "",
            *([definition, ""] if definition else []),
            labels.concept_intro.format(subject=subject, count=len(concept.jobs)),
            "",
            f"## {labels.where_it_comes_up}",
            "",
        ]
        for job, at in zip(concept.jobs, concept.mentions):
            where = stamp(job, at)
            lines.append(f"- {wikilink(self.note_link(job), _title(job))}"
                         + (f" {labels.said_at} {where}" if where else ""))
        return "\n".join(lines) + "\n"


def first_place(spoken: list[tuple[float, str]], spelling: str) -> list[float] | None:
    """Which of a transcript's normalised segments first says ``spelling`` (a plural or other ending
    counts), and when: [its number, its start]. A concept is first said at the earliest of its spellings'."""
    wanted = normalize(spelling)
    if not wanted:
        return None
    pattern = re.compile(r"(?<!\w)" + re.escape(wanted))
    return next(([number, start] for number, (start, text) in enumerate(spoken) if pattern.search(text)), None)


def _display(term: str) -> str:
    """A concept note's name: the term, capitalised when written all in lower case."""
    return term[:1].upper() + term[1:] if term.islower() else term


def _title(job: VideoProcessingJob) -> str:
    return job.video_title or job.video_id
