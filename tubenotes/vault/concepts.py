"""Concepts of a subject: the key terms its notes link, and where each comes up.

A specific term (no everyday word, see generate/specificity.py) that the notes
of two or more lectures of one subject link, in any inflection ("microstate",
"microstates"), and that names no note of the vault already, gets a concept note in
``<Subject>/Concepts/``: the lectures meet there, and each lecture's note
lists the others it shares concepts with. A term only one lecture links is
shown as plain text: no link ever points to a note that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tubenotes.generate.language import common_language
from tubenotes.generate.markdown import escape, stamp, wikilink
from tubenotes.generate.specificity import fold, is_everyday
from tubenotes.job import VideoProcessingJob
from tubenotes.vault.filenames import sanitize_filename
from tubenotes.vault.frontmatter import render_front_matter, subject_tag
from tubenotes.vault.links import Resolve, VaultNotes, find_links, link_path, normalize

CONCEPTS_DIRNAME = "Concepts"
# One lecture's term is a word of that lecture; two lectures make it a concept of the subject.
MIN_LECTURES_PER_CONCEPT = 2
CONCEPT_KIND = "concept"


@dataclass
class Concept:
    key: str  # normalised name, inflections folded
    name: str  # as the first lecture (in input order) wrote it
    path: Path
    spellings: list[str] = field(default_factory=list)
    jobs: list[VideoProcessingJob] = field(default_factory=list)


class SubjectConcepts:
    """The concepts of one subject folder and how its notes' links resolve."""

    def __init__(self, root: Path, folder: Path, jobs: list[VideoProcessingJob], notes: VaultNotes,
                 existing: Iterable[Path] = ()) -> None:
        self.root, self.folder, self.notes = root, folder, notes
        self.jobs = sorted(jobs, key=lambda job: job.position)
        # One language folds and judges the terms of all the subject's lectures, so that they meet.
        self.language = common_language(self.jobs)
        # A concept keeps its note while any lecture links it: an edited note, which
        # tubenotes no longer rewrites, may link it still.
        self._existing = {normalize(path.stem) for path in existing}
        self.concepts = self._find()

    def _find(self) -> dict[str, Concept]:
        found: dict[str, Concept] = {}
        for job in self.jobs:
            own = {link_path(self.root, p) for p in (job.notes_filepath, job.assessment_filepath) if p}
            for link in find_links(job.study_notes or ""):
                key = self._key(link.target)
                existing = self.notes.find(link.target)
                if not key or (existing is not None and existing not in own):
                    continue  # the vault has a note of that name: the link goes there
                concept = found.get(key)
                if concept is None:
                    concept = found[key] = Concept(key, _display(link.target), Path())
                if link.target not in concept.spellings:
                    concept.spellings.append(link.target)
                if all(other is not job for other in concept.jobs):
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
        return kept

    def resolver(self, job: VideoProcessingJob) -> Resolve:
        """Where ``job``'s links go: a vault note of that name (not itself), else a concept note, else nowhere."""
        own = {link_path(self.root, p) for p in (job.notes_filepath, job.assessment_filepath) if p}

        def resolve(target: str) -> str | None:
            found = self.notes.find(target)
            if found is not None and found not in own:
                return found
            concept = self.concepts.get(self._key(target))
            return link_path(self.root, concept.path) if concept else None

        return resolve

    def _key(self, target: str) -> str:
        return " ".join(fold(normalize(target).split(), self.language))

    def related(self, job: VideoProcessingJob) -> list[str]:
        """List items: the other lectures of the subject that share concepts with ``job``, most shared first."""
        shared: dict[str, list[Concept]] = {}
        others: dict[str, VideoProcessingJob] = {}
        for concept in self.concepts.values():
            if all(other is not job for other in concept.jobs):
                continue
            for other in concept.jobs:
                if other is not job and other.notes_filepath is not None:
                    shared.setdefault(other.key, []).append(concept)
                    others[other.key] = other
        ranked = sorted(shared, key=lambda key: (-len(shared[key]), others[key].position))
        return [
            f"- {wikilink(link_path(self.root, others[key].notes_filepath), _title(others[key]))}: "
            + ", ".join(wikilink(link_path(self.root, c.path), c.name) for c in shared[key])
            for key in ranked
            if others[key].notes_filepath is not None
        ]

    def render(self, concept: Concept, index: Path) -> str:
        """The concept note: every lecture it comes up in, with a link to the moment."""
        aliases = [s for s in concept.spellings if s != concept.path.stem]
        matter = {
            "title": concept.name,
            "aliases": aliases,
            "subject": self.jobs[0].subject if self.jobs else self.folder.name,
            "tags": ["tubenotes", "concept", subject_tag(self.folder.name)],
            "type": CONCEPT_KIND,
        }
        lines = [
            render_front_matter(matter) + f"# {escape(concept.name)}",
            "",
            f"A concept of {wikilink(link_path(self.root, index), self.folder.name)} that comes up in "
            f"{len(concept.jobs)} lectures.",
            "",
            "## Where it comes up",
            "",
        ]
        for job in concept.jobs:
            assert job.notes_filepath is not None
            where = stamp(job, first_mention(job, concept.spellings))
            lines.append(f"- {wikilink(link_path(self.root, job.notes_filepath), _title(job))}"
                         + (f" at {where}" if where else ""))
        return "\n".join(lines) + "\n"


def first_mention(job: VideoProcessingJob, spellings: list[str]) -> float | None:
    """When the transcript first says one of ``spellings`` (a plural or other ending counts)."""
    patterns = [re.compile(r"(?<!\w)" + re.escape(normalize(s))) for s in spellings if normalize(s)]
    for segment in job.segments:
        text = normalize(segment.text)
        if any(pattern.search(text) for pattern in patterns):
            return segment.start
    return None


def _display(term: str) -> str:
    """A concept note's name: the term, capitalised when written all in lower case."""
    return term[:1].upper() + term[1:] if term.islower() else term


def _title(job: VideoProcessingJob) -> str:
    return job.video_title or job.video_id
