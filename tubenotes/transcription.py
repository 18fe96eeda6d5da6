"""The fetch stage's road to a transcript by speech: recordings on disk, and YouTube videos without captions.

`SpeechFetcher` gives the fetch stage (`tubenotes.pipeline`) a transcript
source for a job that needs Whisper. A YouTube video's audio is downloaded
through an exit node, which is released as soon as the download ends:
transcription is long and CPU-bound, and holds no node. The audio stays in
the vault's ``.tubenotes/audio/`` until the transcript is committed
(`transcript_committed`), so a run cut short transcribes again without
downloading again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from tubenotes.config import Settings
from tubenotes.errors import ConfigurationError, PermanentError
from tubenotes.job import ProcessingStage, SourceKind, VideoProcessingJob
from tubenotes.network import TorExitNodePool, run_with_pool
from tubenotes.sources.media import MediaFileSource, is_media_file
from tubenotes.sources.speech import EnglishOnlyModelError, ProgressCallback, SpeechTranscriber
from tubenotes.sources.youtube_audio import download_audio, remove_audio
from tubenotes.sources.youtube_errors import NoTranscriptError, TranscriptsDisabledError
from tubenotes.store import STORE_DIRNAME

# The caption failures that speech can make up for (--transcribe auto).
CAPTIONLESS = (TranscriptsDisabledError, NoTranscriptError)
AUDIO_DIRNAME = "audio"

# job -> a callback for its transcription's progress, or None (set by whoever shows progress).
ProgressFor = Callable[[VideoProcessingJob], ProgressCallback | None]


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

    def media_source(self, job: VideoProcessingJob) -> MediaFileSource:
        """The source for a recording on disk."""
        assert job.source_path is not None
        if self.settings.transcribe == "never":
            raise TranscriptionOffError(f"{job.source_path.name} is a recording, and --transcribe never forbids "
                                        "transcribing it; run with --transcribe auto")
        return MediaFileSource(job.source_path, self.transcriber, job.language, on_progress=self.progress_for(job))

    def youtube_source(self, job: VideoProcessingJob, captionless: PermanentError,
                       pool: TorExitNodePool, max_attempts: int) -> MediaFileSource:
        """The source for a video without usable captions (``captionless`` says why), or that error again
        when speech may not stand in (--transcribe never). The audio comes through an exit node, held
        for the download only."""
        if self.settings.transcribe == "never":
            raise captionless
        try:
            audio = run_with_pool(
                pool,
                lambda node: download_audio(job.video_id, self.audio_folder, node.proxy_url, self.settings.timeout),
                max_attempts=max_attempts,
            )
        except PermanentError as exc:
            # The captions are what the user misses: their reason leads, the audio's follows.
            raise type(captionless)(f"{captionless} Its audio could not be transcribed instead: {exc}") from exc
        return MediaFileSource(audio.path, self.transcriber, audio.language or job.language, audio.metadata,
                               on_progress=self.progress_for(job))

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
