"""The fetch stage's road to a transcript by speech: recordings on disk, and YouTube videos without captions.

A YouTube video's audio is downloaded through an exit node, which is released
as soon as the download ends: transcription is long and CPU-bound, and holds
no node. The audio stays in the vault's ``.tubenotes/audio/`` until the
transcript is committed (`transcript_committed`), so a run cut short
transcribes again without downloading again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from tubenotes.config import Settings
from tubenotes.errors import ConfigurationError, PermanentError
from tubenotes.job import ProcessingStage, SourceKind, VideoProcessingJob
from tubenotes.network import TorExitNodePool, run_with_pool
from tubenotes.pipeline import fetch_transcript_and_title
from tubenotes.progress import format_seconds
from tubenotes.sources.media import MediaFileSource, is_media_file
from tubenotes.sources.speech import EnglishOnlyModelError, ProgressCallback, SpeechTranscriber
from tubenotes.sources.youtube_audio import download_audio, remove_audio
from tubenotes.sources.youtube_errors import NoTranscriptError, TranscriptsDisabledError
from tubenotes.store import STORE_DIRNAME

# The caption failures that speech can make up for (--transcribe auto).
CAPTIONLESS = (TranscriptsDisabledError, NoTranscriptError)
AUDIO_DIRNAME = "audio"



class ProgressDisplay(Protocol):
    def step_progress(self, job: VideoProcessingJob, step: str, detail: str) -> None: ...


class TranscriptionProgress:
    """A transcription's progress as the live display shows it: minutes of audio done of the total, and an ETA."""

    def __init__(self, job: VideoProcessingJob, display: ProgressDisplay,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.job = job
        self.display = display
        self.clock = clock
        self.started = clock()

    def __call__(self, done: float, total: float) -> None:
        self.display.step_progress(self.job, "fetch", describe_progress(done, total, self.clock() - self.started))


def describe_progress(done: float, total: float, elapsed: float) -> str:
    """"transcribing 12:00 of 45:00, ETA 3:10": the ETA from the pace so far."""
    eta = format_seconds(elapsed / done * (total - done)) if done > 0 else "-"
    return f"transcribing {format_seconds(done)} of {format_seconds(total)}, ETA {eta}"


class TranscriptionOffError(PermanentError):
    kind = "transcription_off"


class SpeechFetcher:
    """Transcripts by Whisper for one command: the model is loaded once, on first need."""

    def __init__(self, settings: Settings, pool: Callable[[], TorExitNodePool]) -> None:
        self.settings = settings
        self.pool = pool
        self.display: ProgressDisplay | None = None  # set by `show_progress_on`
        self.audio_folder = settings.vault / STORE_DIRNAME / AUDIO_DIRNAME
        self._transcriber: SpeechTranscriber | None = None
        self._lock = threading.Lock()

    @property
    def transcriber(self) -> SpeechTranscriber:
        with self._lock:
            if self._transcriber is None:
                self._transcriber = SpeechTranscriber(self.settings.whisper_model, self.settings.whisper_device)
            return self._transcriber

    def prepare(self, jobs: list[VideoProcessingJob]) -> None:
        """On the main thread: load the model and check the language asked for, if a job will need speech.

        A wrong model, device or language then stops the run (exit 2) instead of failing every job.
        """
        mode = self.settings.transcribe
        if mode == "never" or not any(_needs_speech(job, mode) for job in jobs):
            return
        language = self.settings.languages[0] if self.settings.languages else None
        try:
            self.transcriber.check_language(language, "--lang")
        except EnglishOnlyModelError as exc:
            raise ConfigurationError(str(exc)) from exc

    def show_progress_on(self, display: object) -> None:
        """Report each transcription's progress to ``display``, if it can show it (a live display can)."""
        self.display = display if hasattr(display, "step_progress") else None  # type: ignore[assignment]

    def _progress(self, job: VideoProcessingJob) -> ProgressCallback | None:
        return TranscriptionProgress(job, self.display) if self.display is not None else None

    def media_file(self, job: VideoProcessingJob) -> VideoProcessingJob:
        assert job.source_path is not None
        if self.settings.transcribe == "never":
            raise TranscriptionOffError(f"{job.source_path.name} is a recording, and --transcribe never forbids "
                                        "transcribing it; run with --transcribe auto")
        source = MediaFileSource(job.source_path, self.transcriber, job.language, on_progress=self._progress(job))
        return fetch_transcript_and_title(job, source, None)

    def youtube(self, job: VideoProcessingJob, captionless: PermanentError) -> VideoProcessingJob:
        """The speech of a video without usable captions (``captionless`` says why): the audio through an
        exit node, held for the download only, then Whisper."""
        try:
            audio = run_with_pool(
                self.pool(),
                lambda node: download_audio(job.video_id, self.audio_folder, node.proxy_url, self.settings.timeout),
                max_attempts=self.settings.max_attempts,
            )
        except PermanentError as exc:
            # The captions are what the user misses: their reason leads, the audio's follows.
            raise type(captionless)(f"{captionless} Its audio could not be transcribed instead: {exc}") from exc
        source = MediaFileSource(audio.path, self.transcriber, audio.language or job.language, audio.metadata,
                                 on_progress=self._progress(job))
        return fetch_transcript_and_title(job, source, None)

    def transcript_committed(self, job: VideoProcessingJob) -> None:
        """The job's transcript is in the store: the audio downloaded for it is no longer needed."""
        if job.source is SourceKind.YOUTUBE and self.audio_folder.is_dir():
            remove_audio(job.video_id, self.audio_folder)


def is_media_job(job: VideoProcessingJob) -> bool:
    return job.source is SourceKind.FILE and job.source_path is not None and is_media_file(job.source_path)


def _needs_speech(job: VideoProcessingJob, mode: str) -> bool:
    """Surely needs it: a recording, or a video under --transcribe always (under auto, only a captionless one will)."""
    return job.stage is not ProcessingStage.FAILED and not job.has_transcript() and (
        is_media_job(job) or (mode == "always" and job.source is SourceKind.YOUTUBE))
