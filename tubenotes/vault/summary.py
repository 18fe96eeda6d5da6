"""What the vault pass needs of each lecture's documents, kept under a stamp of them: a lecture whose
documents did not change since the last pass is not read again.

A lecture's summary is a few facts, each worked out from its documents once:
its notes' link targets, its language, when it first says a term, its
summary's sentences, its cards. They are kept in the vault pass's memo
(`tubenotes.vault.memo`) under the store's stamp of the job (`DocumentReader.stamp`,
which changes at every save of the job) and the package's source: a lecture
saved again, or another version of tubenotes, has its facts worked out anew.
A store without stamps has each lecture's facts kept for one pass only.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from typing import Any

from tubenotes.job import VideoProcessingJob
from tubenotes.store.documents import DocumentReader, HeldDocuments
from tubenotes.text.language import lecture_language
from tubenotes.vault.links import find_links
from tubenotes.vault.memo import RenderMemo, inputs_digest

_PREFIX = "lecture:"
# Lectures whose facts are held between questions.
_RECENT = 16

# A fact: a name, and how to work it out (JSON-able) from the job read with some of its documents.
Compute = Callable[[VideoProcessingJob], Any]


class LectureSummaries:
    """Each lecture's facts for one vault pass: from the memo when its stamp is the one they were worked
    out under, else from its documents, read then (the few asked for) and let go."""

    def __init__(self, documents: DocumentReader = HeldDocuments(), memo: RenderMemo | None = None) -> None:
        self.documents = documents
        self.memo = memo if memo is not None else RenderMemo()
        # Job key -> the digest its facts are kept under, and its facts: for the last few lectures asked about,
        # as the pass asks about one lecture several times in a row; the rest are in the memo's file.
        self._recent: OrderedDict[str, tuple[str | None, dict[str, Any]]] = OrderedDict()
        # Without stamps nothing goes to the memo: every lecture's facts are held for the pass.
        self._held: dict[str, dict[str, Any]] = {}

    def stamp(self, job: VideoProcessingJob) -> str | None:
        return self.documents.stamp(job)

    def facts(self, job: VideoProcessingJob, wanted: Mapping[str, Compute], names: Collection[str],
              read: VideoProcessingJob | None = None) -> list[Any]:
        """The values of the facts ``wanted`` (name -> how to work it out), in order; those not known yet
        worked out from one reading of the job's documents ``names`` (or from ``read``, the job read
        with them already)."""
        inputs, known = self._known(job)
        missing = [name for name in wanted if name not in known]
        if missing:
            read = read if read is not None else self.documents.read(job, names)
            for name in missing:
                known[name] = wanted[name](read)
            del read
            if inputs is not None:
                self.memo.keep(_PREFIX + job.key, inputs, known)
        return [known[name] for name in wanted]

    def fact(self, job: VideoProcessingJob, name: str, compute: Compute, names: Collection[str],
             read: VideoProcessingJob | None = None) -> Any:
        return self.facts(job, {name: compute}, names, read)[0]

    def _known(self, job: VideoProcessingJob) -> tuple[str | None, dict[str, Any]]:
        found = self._recent.get(job.key)
        if found is not None:
            self._recent.move_to_end(job.key)
            return found
        if job.key in self._held:
            return None, self._held[job.key]
        stamp = self.documents.stamp(job)
        if stamp is None:
            return None, self._held.setdefault(job.key, {})
        inputs = inputs_digest("lecture", job.key, stamp)
        kept = self.memo.recall(_PREFIX + job.key, inputs)
        found = self._recent[job.key] = (inputs, kept if isinstance(kept, dict) else {})
        if len(self._recent) > _RECENT:
            self._recent.popitem(last=False)
        return found


def note_links(job: VideoProcessingJob) -> list[str]:
    """Where the lecture's notes link, in order."""
    return [link.target for link in find_links(job.study_notes or "")]


def spoken_language(job: VideoProcessingJob) -> str | None:
    """The language of the lecture's transcript; None without one (a failed lecture has no say)."""
    return lecture_language(job) if job.transcript else None


def has_notes(job: VideoProcessingJob) -> bool:
    return job.has_notes()


def assessment_links(job: VideoProcessingJob) -> list[str]:
    return [link.target for link in find_links(job.assessment_content or "")]
