"""The subject indexes kept current while a batch runs, as its lectures are written."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from tubenotes.job import VideoProcessingJob
from tubenotes.vault.writer import VaultWriter

# Seconds between rewrites of a subject's index during a batch, at least; and at least this many times
# as long as its last rewrite took, so that a subject of thousands of lectures, whose index takes a
# while to rewrite, spends a small share of the writers' time on it rather than most.
INDEX_INTERVAL = 2.0
INDEX_COST_FACTOR = 20

# What a lecture's line in the index shows (`tubenotes.vault.index`): all the live index keeps of a job.
SHOWN_FIELDS = ("url", "video_id", "source", "source_path", "youtube_id", "subject", "position", "video_title",
                "duration_seconds", "stage", "error_kind", "error_message", "notes_filepath", "assessment_filepath",
                "notes_pdf_path", "assessment_pdf_path")


class LiveIndex:
    """Rewrites a subject's index when one of its lectures is written, at most every few seconds,
    since each rewrite lists the whole subject; the vault pass writes the last one.

    ``jobs`` gives the jobs as committed (the store's, read a page at a time), once per subject, at its
    first rewrite; from then on the lectures written update what it keeps. It keeps of each job of the
    subject only what its line shows, not a second copy of the jobs. Its labels are in the language of
    the lecture just written (the others' transcripts need not be loaded for it); the vault pass gives
    the subject's.
    """

    def __init__(self, writer: VaultWriter, jobs: Callable[[], Iterable[VideoProcessingJob]],
                 interval: float = INDEX_INTERVAL, clock: Callable[[], float] = time.monotonic) -> None:
        self.writer = writer
        self.jobs = jobs
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        self._next: dict[Path, float] = {}  # subject folder -> when its index may be rewritten
        self._shown: dict[Path, dict[str, VideoProcessingJob]] = {}  # subject folder -> job key -> its line's facts
        self._listed: set[Path] = set()  # the subject folders whose jobs were read from the store

    def lecture_written(self, job: VideoProcessingJob) -> None:
        folder = job.output_dir
        if folder is None:
            return
        with self._lock:
            self._shown.setdefault(folder, {})[job.key] = shown_of(job)
        if not self._due(folder):
            return
        started = self.clock()
        try:
            if folder not in self._listed:
                self._list(folder, job.subject)
            with self._lock:
                lectures = [known for key, known in self._shown[folder].items() if key != job.key]
            lectures.append(job)  # with its transcript: the labels' language
            # Imported with the first rewrite, after the first stage has started: the vault pass's
            # modules (cards, decks, concepts) are not needed before.
            from tubenotes.vault.finish import write_index

            write_index(self.writer, folder, sorted(lectures, key=lambda known: known.position))
        finally:
            took = self.clock() - started
            with self._lock:
                self._next[folder] = self.clock() + max(self.interval, INDEX_COST_FACTOR * took)

    def _list(self, folder: Path, subject: str) -> None:
        """The subject's jobs as committed, each as its line shows it, beside the lectures written since."""
        wanted = subject.casefold()
        listed = {known.key: shown_of(known) for known in self.jobs() if known.subject.casefold() == wanted}
        with self._lock:
            self._shown[folder] = {**listed, **self._shown[folder]}
            self._listed.add(folder)

    def _due(self, folder: Path) -> bool:
        with self._lock:
            if self.clock() < self._next.get(folder, float("-inf")):
                return False
            self._next[folder] = float("inf")  # until this rewrite is done
            return True


def shown_of(job: VideoProcessingJob) -> VideoProcessingJob:
    """The facts of ``job`` its index line shows, and nothing else: never to be saved."""
    return VideoProcessingJob(**{name: getattr(job, name) for name in SHOWN_FIELDS})
