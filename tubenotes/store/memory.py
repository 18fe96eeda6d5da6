"""A store that forgets at exit: for the library API, one-off runs and tests."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from tubenotes.job import Generation, ProcessingStage, VideoProcessingJob
from tubenotes.store.base import cache_key
from tubenotes.store.batches import memory_ledger


class MemoryCache:
    """Generated answers in a dict, counted like the durable caches."""

    def __init__(self) -> None:
        self._answers: dict[str, Generation] = {}
        self._lock = threading.Lock()
        self.computed = 0
        self.hits = 0

    def get_or_compute(self, parts: Mapping[str, Any], compute: Callable[[], Generation]) -> Generation:
        key = cache_key(parts)
        with self._lock:
            if key in self._answers:
                self.hits += 1
                return self._answers[key]
        answer = compute()
        with self._lock:
            self._answers[key] = answer
            self.computed += 1
        return answer

    def stats(self) -> dict[str, int]:
        return {"entries": len(self._answers), "computed": self.computed, "hits": self.hits}


class MemoryStore:
    """Jobs kept as their JSON, as a durable store keeps them, so that no caller shares a live job."""

    def __init__(self, vault: Path | None = None) -> None:
        self.vault = vault
        self.cache = MemoryCache()
        self.batches = memory_ledger()
        self._jobs: dict[str, tuple[int, str, str]] = {}  # key -> (position, stage, JSON)
        self._settings: dict[str, Any] = {}
        self._nodes: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def save(self, job: VideoProcessingJob) -> None:
        self.save_many([job])

    def save_many(self, jobs: Iterable[VideoProcessingJob]) -> None:
        rows = [(job.key, (job.position, job.stage.value, job.to_json(self.vault))) for job in jobs]
        with self._lock:
            for key, row in rows:
                # Moved to the end: the dict's order is the order of the last saves.
                self._jobs.pop(key, None)
                self._jobs[key] = row

    def load(self, key: str) -> VideoProcessingJob | None:
        with self._lock:
            row = self._jobs.get(key)
        return VideoProcessingJob.from_json(row[2], self.vault) if row else None

    def jobs(self, stages: Iterable[ProcessingStage] | None = None, *, documents: bool = True,
             limit: int | None = None, latest_first: bool = False, offset: int = 0) -> list[VideoProcessingJob]:
        wanted = None if stages is None else {stage.value for stage in stages}
        with self._lock:
            rows = list(self._jobs.values())
        # sorted() is stable: jobs at the same position keep the order they were first saved in.
        rows = rows[::-1] if latest_first else sorted(rows, key=lambda row: row[0])
        texts = [text for _, stage, text in rows if wanted is None or stage in wanted]
        texts = texts[offset:None if limit is None else offset + limit]
        return [VideoProcessingJob.from_json(text, self.vault) for text in texts]

    def stage_counts(self) -> dict[ProcessingStage, int]:
        with self._lock:
            return dict(Counter(ProcessingStage(stage) for _, stage, _ in self._jobs.values()))

    def next_position(self) -> int:
        with self._lock:
            return max((row[0] for row in self._jobs.values()), default=-1) + 1

    def save_settings(self, settings: Mapping[str, Any]) -> None:
        with self._lock:
            self._settings = json.loads(json.dumps(dict(settings), default=str))

    def load_settings(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._settings)

    def save_node_stats(self, nodes: list[dict[str, Any]]) -> None:
        with self._lock:
            self._nodes = [dict(node) for node in nodes]

    def node_stats(self) -> list[dict[str, Any]]:
        with self._lock:
            return sorted((dict(node) for node in self._nodes), key=lambda node: node["id"])  # as SQLite: by id

    def close(self) -> None:
        pass
