"""The subject indexes kept current while a batch runs, as its lectures are written."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from tubenotes.job import VideoProcessingJob
from tubenotes.vault.finish import write_index
from tubenotes.vault.writer import VaultWriter

# Seconds between rewrites of a subject's index during a batch.
INDEX_INTERVAL = 2.0


class LiveIndex:
    """Rewrites a subject's index when one of its lectures is written, at most every few seconds,
    since each rewrite lists the whole subject; the vault pass writes the last one.

    ``jobs`` gives the jobs as committed (the store's); the lecture just written joins them as it is now.
    """

    def __init__(self, writer: VaultWriter, jobs: Callable[[], Iterable[VideoProcessingJob]],
                 interval: float = INDEX_INTERVAL, clock: Callable[[], float] = time.monotonic) -> None:
        self.writer = writer
        self.jobs = jobs
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        self._written: dict[Path, float] = {}  # subject folder -> when its index was last written

    def lecture_written(self, job: VideoProcessingJob) -> None:
        if job.output_dir is None or not self._due(job.output_dir):
            return
        subject = job.subject.casefold()
        jobs = {known.key: known for known in self.jobs() if known.subject.casefold() == subject}
        jobs[job.key] = job
        write_index(self.writer, job.output_dir, sorted(jobs.values(), key=lambda known: known.position))

    def _due(self, folder: Path) -> bool:
        now = self.clock()
        with self._lock:
            if now - self._written.get(folder, -self.interval) < self.interval:
                return False
            self._written[folder] = now
            return True
