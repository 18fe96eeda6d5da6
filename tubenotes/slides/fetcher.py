"""Slides in the pipeline: which jobs want them, the video they come from, and the stage's limit.

Reading slides is CPU-bound (decoding, OCR), so it is a stage of its own
(`tubenotes.pipeline`), after the transcript and before the notes, with its
own limit and its own queue in Celery. A recording is read where it lies; a
YouTube video (only with ``--slides``: it costs a download) comes through an
exit node, held for the download only, into the vault's ``.tubenotes/video/``,
and is removed once its slides are committed. The pictures wait in
``.tubenotes/slides/`` until the write stage puts them into the vault.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from tubenotes.config import Settings
from tubenotes.errors import StageInterrupted, TubenotesError
from tubenotes.job import Slide, SourceKind, VideoProcessingJob
from tubenotes.network import TorExitNodePool, run_with_pool
from tubenotes.sources.base import ProgressCallback, ProgressFor
from tubenotes.sources.media import is_video_file
from tubenotes.sources.youtube_audio import download_video, remove_audio
from tubenotes.store import STORE_DIRNAME

if TYPE_CHECKING:
    from tubenotes.slides.ocr import SlideReader

VIDEO_DIRNAME = "video"
SLIDES_DIRNAME = "slides"



def wants_slides(job: VideoProcessingJob, setting: bool | None) -> bool:
    """Whether the job's slides are to be read: ``setting`` is --slides (True), --no-slides (False) or neither."""
    if setting is False:
        return False
    if job.source is SourceKind.FILE:
        return job.source_path is not None and is_video_file(job.source_path)
    return setting is True


def slides_limit() -> int:
    """How many videos the slides stage reads at once in one process: one per core (OCR uses them all
    when it runs alone, and decoding one video is single-threaded between OCRs)."""
    return os.cpu_count() or 1


class SlideFetcher:
    """The slides stage's tools for one process: OCR loaded once, on first need."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.video_folder = settings.vault / STORE_DIRNAME / VIDEO_DIRNAME
        self.progress_for: ProgressFor = lambda job: None
        self._interrupted = threading.Event()
        self._reader: SlideReader | None = None
        self._lock = threading.Lock()

    @property
    def reader(self) -> SlideReader:
        # Imported on first need, like the OCR models it loads: runs without slides never pay for PyAV and numpy.
        from tubenotes.slides.ocr import SlideReader

        with self._lock:
            if self._reader is None:
                self._reader = SlideReader()
            return self._reader

    def read(self, job: VideoProcessingJob, pool: TorExitNodePool | None, max_attempts: int) -> list[Slide]:
        """The job's slides; [] with a warning when its video cannot be had or decoded: the notes go on."""
        from tubenotes.slides.extract import read_slides

        try:
            video = self._video(job, pool, max_attempts)
            if video is None:
                return []
            return read_slides(video, self.staging(job), self.reader, self.settings.vault, self._progress(job))
        except StageInterrupted:
            raise
        except TubenotesError as exc:
            if exc.retryable:
                raise  # the network: the job is retried, its slides with it
            job.warn(f"no slides: {exc}")
            return []

    def staging(self, job: VideoProcessingJob) -> Path:
        """Where the job's pictures wait for the write stage (one folder per job, whatever its subject)."""
        digest = hashlib.sha256(job.key.encode("utf-8")).hexdigest()[:10]
        return self.settings.vault / STORE_DIRNAME / SLIDES_DIRNAME / f"{job.video_id}-{digest}"

    def forget_video(self, job: VideoProcessingJob) -> None:
        """Remove the video downloaded for ``job``'s slides: they are committed."""
        if job.video_path is not None:
            remove_audio(job.video_id, job.video_path.parent)
            job.video_path = None

    def forget_staging(self, job: VideoProcessingJob) -> None:
        """Remove the job's waiting pictures: the write stage has put them into the vault."""
        shutil.rmtree(self.staging(job), ignore_errors=True)

    def interrupt(self) -> None:
        """Ctrl-C: the readings under way stop at their next keyframe, raising StageInterrupted; the
        slides found so far stay in their checkpoint."""
        self._interrupted.set()

    def _video(self, job: VideoProcessingJob, pool: TorExitNodePool | None, max_attempts: int) -> Path | None:
        if job.source is SourceKind.FILE:
            from tubenotes.slides.frames import has_video_track

            assert job.source_path is not None
            return job.source_path if has_video_track(job.source_path) else None
        if job.video_path is not None and job.video_path.is_file():
            return job.video_path
        if pool is None:
            raise TubenotesError(f"{job.video_id}: downloading a video for its slides needs an exit node pool")
        download = run_with_pool(
            pool, lambda node: download_video(job.video_id, self.video_folder, node.proxy_url, self.settings.timeout),
            max_attempts=max_attempts)
        job.video_path = download.path
        return download.path

    def _progress(self, job: VideoProcessingJob) -> ProgressCallback:
        show = self.progress_for(job)

        def progress(done: float, total: float) -> None:
            if self._interrupted.is_set():
                raise StageInterrupted(f"{job.video_id}: slides stopped at {done:.0f} s of {total:.0f} s")
            if show is not None:
                show(done, total)

        return progress
