"""What a job store is: the jobs of a batch and the cache of generated answers.

A store keeps each job as its JSON (paths relative to the vault, so that the
same row means the same on every machine) and every generated document
under a hash of what produced it, so that a resumed or repeated run never
pays twice for the same answer. `tubenotes.store.sqlite` keeps both in the
vault; `tubenotes.store.memory` forgets them at exit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol

from tubenotes.job import Generation, ProcessingStage, VideoProcessingJob
from tubenotes.store.batches import BatchLedger

FINISHED_STAGES = frozenset({ProcessingStage.COMPLETED, ProcessingStage.FAILED})
UNFINISHED_STAGES = tuple(stage for stage in ProcessingStage if stage not in FINISHED_STAGES)


def cache_key(parts: Mapping[str, Any]) -> str:
    """A stable hash of everything that determines a generated answer."""
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _NotCached(Exception):
    pass


def _not_cached() -> Generation:
    raise _NotCached


def lookup(cache: GenerationCache, parts: Mapping[str, Any]) -> Generation | None:
    """The cached answer for ``parts``, or None: nothing is computed, nothing stored."""
    try:
        return cache.get_or_compute(parts, _not_cached)
    except _NotCached:
        return None


class GenerationCache(Protocol):
    def get_or_compute(self, parts: Mapping[str, Any], compute: Callable[[], Generation]) -> Generation:
        """The cached answer for ``parts``, or ``compute()``'s, stored before it is returned."""
        ...

    def stats(self) -> dict[str, int]:
        """``entries``, ``computed`` (above entries: an answer was paid twice) and ``hits``."""
        ...


class JobStore(Protocol):
    """The jobs of a vault, the settings of its last run, its generation cache and its Batch API ledger."""

    cache: GenerationCache
    batches: BatchLedger

    def save(self, job: VideoProcessingJob) -> None: ...

    def save_many(self, jobs: Iterable[VideoProcessingJob]) -> None:
        """Save each of ``jobs`` as `save` does, in one transaction: thousands of new jobs in one commit."""
        ...

    def load(self, key: str) -> VideoProcessingJob | None: ...

    def jobs(self, stages: Iterable[ProcessingStage] | None = None, *, documents: bool = True,
             limit: int | None = None, latest_first: bool = False, offset: int = 0) -> list[VideoProcessingJob]:
        """Jobs in input order (``latest_first``: the last saved first), optionally only those in
        ``stages``, past the first ``offset`` and at most ``limit`` of them. Without ``documents`` a store
        may leave out the transcript, segments, notes and assessment: for listing only, never to save."""
        ...

    def stage_counts(self) -> dict[ProcessingStage, int]:
        """How many jobs each stage holds (stages that hold none are left out)."""
        ...

    def next_position(self) -> int: ...

    def save_settings(self, settings: Mapping[str, Any]) -> None:
        """Replace the remembered settings with these."""
        ...

    def load_settings(self) -> dict[str, Any]: ...

    def save_node_stats(self, nodes: list[dict[str, Any]]) -> None: ...

    def node_stats(self) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...


def listed(store: JobStore, page: int = 500) -> Iterator[VideoProcessingJob]:
    """Every job of ``store`` without its documents, in input order, read ``page`` at a time: a pass over
    100,000 jobs that keeps only what it needs of each holds a page of them, not the store."""
    offset = 0
    while True:
        jobs = store.jobs(documents=False, limit=page, offset=offset)
        yield from jobs
        if len(jobs) < page:
            return
        offset += page


def outlines(store: JobStore, page: int = 500) -> list[VideoProcessingJob]:
    """Every job of ``store`` in input order, each only as the vault pass reads it (`keep_outline`): at
    100,000 lectures a listing of whole jobs held for the pass would take half a gigabyte."""
    shared: dict[Any, Any] = {}
    jobs = []
    for job in listed(store, page):
        job.keep_outline(shared)
        jobs.append(job)
    return jobs


def unfinished(store: JobStore) -> list[VideoProcessingJob]:
    return store.jobs(UNFINISHED_STAGES)


def failed(store: JobStore) -> list[VideoProcessingJob]:
    return store.jobs([ProcessingStage.FAILED])
