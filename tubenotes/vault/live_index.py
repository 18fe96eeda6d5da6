"""The subject indexes kept current while a batch runs, as its lectures are written."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from tubenotes.job import VideoProcessingJob
from tubenotes.vault.writer import VaultWriter

# Seconds between rewrites of a subject's index during a batch, at least; and at least this many times
# as long as its last rewrite took, so that a subject of thousands of lectures, whose index takes a
# while to rewrite, spends a small share of the writers' time on it rather than most.
INDEX_INTERVAL = 2.0
INDEX_COST_FACTOR = 20


class LiveIndex:
    """Rewrites a subject's index when one of its lectures is written, at most every few seconds,
    since each rewrite lists the whole subject; the vault pass writes the last one.

    ``jobs`` gives the jobs as committed (the store's, read a page at a time): each rewrite renders the
    subject's lectures from it as they come, the lecture just written as it is now, and keeps none of
    them (a subject of 100,000 lectures held as slim jobs for the whole run was about 100 MiB). A lecture
    written but not yet committed shows at the next rewrite. The labels are in the language of the
    lecture just written (the others' transcripts need not be loaded for it); the vault pass gives the
    subject's.
    """

    def __init__(self, writer: VaultWriter, jobs: Callable[[], Iterable[VideoProcessingJob]],
                 interval: float = INDEX_INTERVAL, clock: Callable[[], float] = time.monotonic) -> None:
        self.writer = writer
        self.jobs = jobs
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        self._next: dict[Path, float] = {}  # subject folder -> when its index may be rewritten

    def lecture_written(self, job: VideoProcessingJob) -> None:
        folder = job.output_dir
        if folder is None or not self._due(folder):
            return
        started = self.clock()
        try:
            # Imported with the first rewrite, after the first stage has started: the vault pass's
            # modules (cards, decks, concepts) are not needed before.
            from tubenotes.text.language import common_language
            from tubenotes.vault.finish import write_index

            write_index(self.writer, folder, _Lectures(self.jobs, job), language=common_language([job]))
        finally:
            took = self.clock() - started
            with self._lock:
                self._next[folder] = self.clock() + max(self.interval, INDEX_COST_FACTOR * took)

    def _due(self, folder: Path) -> bool:
        with self._lock:
            if self.clock() < self._next.get(folder, float("-inf")):
                return False
            self._next[folder] = float("inf")  # until this rewrite is done
            return True


class _Lectures:
    """The lectures of ``written``'s subject as committed, in input order, ``written`` in its place as it is
    now; listed anew at each pass over them."""

    def __init__(self, jobs: Callable[[], Iterable[VideoProcessingJob]], written: VideoProcessingJob) -> None:
        self.jobs = jobs
        self.written = written

    def __iter__(self) -> Iterator[VideoProcessingJob]:
        written, wanted = self.written, self.written.subject.casefold()
        pending = True
        for job in self.jobs():
            if job.subject.casefold() != wanted:
                continue
            if pending and job.position >= written.position:
                pending = False
                yield written
                if job.key == written.key:
                    continue
            if job.key != written.key:
                yield job
        if pending:  # not committed yet, and last in the subject
            yield written
