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
# while to rewrite, spends a small share of the single writer's time on it rather than most.
INDEX_INTERVAL = 2.0
INDEX_COST_FACTOR = 20


class LiveIndex:
    """Rewrites a subject's index when one of its lectures is written, at most every few seconds,
    since each rewrite lists the whole subject; the vault pass writes the last one.

    ``jobs`` gives the jobs as committed (the store's); the lecture just written joins them as it is now.
    Its labels are in that lecture's language (the others' transcripts need not be loaded for it); the
    vault pass gives the subject's.
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
            subject = job.subject.casefold()
            jobs = {known.key: known for known in self.jobs() if known.subject.casefold() == subject}
            jobs[job.key] = job
            # Imported with the first rewrite, after the first stage has started: the vault pass's
            # modules (cards, decks, concepts) are not needed before.
            from tubenotes.vault.finish import write_index

            write_index(self.writer, folder, sorted(jobs.values(), key=lambda known: known.position))
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
