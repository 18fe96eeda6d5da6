"""Whisper in the pipeline: recordings on disk, and YouTube videos without captions.

Transcription is long and CPU-bound, so it is a stage of its own
(`tubenotes.pipeline`), with its own limit (`transcription_limit`), its own
queue in Celery, and no exit node held. For a video without usable captions
the fetch stage downloads the audio (`download_audio`) through an exit node,
released when the download ends. The audio stays in the vault's
``.tubenotes/audio/`` until the transcript is committed, so a run cut short
transcribes again without downloading again; then, or when the job fails for
good, it is removed (`forget_audio`).
"""

from __future__ import annotations

import threading

from tubenotes.config import Settings
from tubenotes.errors import ConfigurationError, PermanentError, StageInterrupted, TubenotesError, with_message
from tubenotes.job import ProcessingStage, SourceKind, VideoProcessingJob
from tubenotes.network import TorExitNodePool, run_with_pool
from tubenotes.sources.base import ProgressCallback, ProgressFor
from tubenotes.sources.media import MediaFileSource, is_media_file
from tubenotes.sources.speech import (
    EnglishOnlyModelError,
    SpeechTranscriber,
    resolve_device,
    transcriptions_at_once,
)
from tubenotes.sources.youtube_audio import DownloadedStream, download_audio, remove_audio
from tubenotes.sources.youtube_errors import NoTranscriptError, TranscriptsDisabledError
from tubenotes.store import STORE_DIRNAME

# The caption failures that speech can make up for (--transcribe auto).
CAPTIONLESS = (TranscriptsDisabledError, NoTranscriptError)
AUDIO_DIRNAME = "audio"



class TranscriptionOffError(PermanentError):
    kind = "transcription_off"


class SpeechFetcher:
    """Transcript sources by Whisper for one process: the model is loaded once, on first need."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.audio_folder = settings.vault / STORE_DIRNAME / AUDIO_DIRNAME
        self.progress_for: ProgressFor = lambda job: None
        self._transcriber: SpeechTranscriber | None = None
        self._lock = threading.Lock()
        self._interrupted = threading.Event()

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

    def download_audio(self, job: VideoProcessingJob, captionless: PermanentError,
                       pool: TorExitNodePool, max_attempts: int) -> DownloadedStream:
        """The audio of a video without usable captions (``captionless`` says why), or that error again
        when speech may not stand in (--transcribe never). It comes through an exit node, held for the
        download only."""
        if self.settings.transcribe == "never":
            raise captionless
        try:
            return run_with_pool(
                pool,
                lambda node: download_audio(job.video_id, self.audio_folder, node.proxy_url, self.settings.timeout),
                max_attempts=max_attempts,
            )
        except PermanentError as exc:
            # The captions are what the user misses: their reason leads, the audio's follows.
            raise type(captionless)(f"{captionless} Its audio could not be transcribed instead: {exc}") from exc
        except TubenotesError as exc:  # the audio may download later: the audio's error, retryable, told after
            raise with_message(exc, f"{captionless} Its audio could not be downloaded to transcribe either: {exc}") from exc

    def source(self, job: VideoProcessingJob) -> MediaFileSource:
        """The speech of a job that `needs_transcription`: its recording, or its video's downloaded audio."""
        media = job.audio_path or job.source_path
        assert media is not None
        if self.settings.transcribe == "never":
            raise TranscriptionOffError(f"{media.name} is a recording, and --transcribe never forbids "
                                        "transcribing it; run with --transcribe auto")
        return MediaFileSource(media, self.transcriber, job.language, on_progress=self._progress(job))

    def forget_audio(self, job: VideoProcessingJob) -> None:
        """Remove the audio downloaded for ``job``: its transcript is committed, or it failed for good."""
        if job.audio_path is not None:
            remove_audio(job.video_id, job.audio_path.parent)
            job.audio_path = None

    def interrupt(self) -> None:
        """Ctrl-C: the transcriptions under way stop at their next segment, raising StageInterrupted.
        They have no checkpoint to reach, and may have an hour to go."""
        self._interrupted.set()

    def _progress(self, job: VideoProcessingJob) -> ProgressCallback:
        show = self.progress_for(job)

        def progress(done: float, total: float) -> None:
            if self._interrupted.is_set():
                raise StageInterrupted(f"{job.video_id}: transcription stopped at {done:.0f} s of {total:.0f} s")
            if show is not None:
                show(done, total)

        return progress


def transcription_limit(settings: Settings) -> int:
    """How many jobs the transcribe stage may hold at once in one process."""
    return transcriptions_at_once(resolve_device(settings.whisper_device))


def needs_transcription(job: VideoProcessingJob) -> bool:
    """Whether Whisper makes the job's transcript: a recording, or a video whose audio the fetch stage downloaded."""
    return job.audio_path is not None or (
        job.source is SourceKind.FILE and job.source_path is not None and is_media_file(job.source_path))


def _needs_speech(job: VideoProcessingJob, mode: str) -> bool:
    """Surely needs it: a recording or downloaded audio, or a video under --transcribe always (under auto, only
    a captionless one will)."""
    return job.stage is not ProcessingStage.FAILED and not job.has_transcript() and (
        needs_transcription(job) or (mode == "always" and job.source is SourceKind.YOUTUBE))
