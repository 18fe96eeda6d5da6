"""Speech for tests and benchmarks: a known script spoken by espeak-ng, encoded with PyAV.

espeak-ng (the Debian package) writes a WAV file; PyAV, which faster-whisper
brings, re-encodes it into whatever container a test needs (Opus in WebM as
YouTube serves audio, AAC in MP4 as a lecture recording comes). No ffmpeg
binary is needed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import av
import numpy as np

# (container format, audio codec) by file suffix.
ENCODINGS = {
    ".wav": ("wav", "pcm_s16le"),
    ".webm": ("webm", "libopus"),
    ".mp4": ("mp4", "aac"),
    ".m4a": ("mp4", "aac"),
    ".mp3": ("mp3", "libmp3lame"),
    ".ogg": ("ogg", "libopus"),
    ".flac": ("flac", "flac"),
}
SAMPLE_RATE = 48000


def speak(text: str, destination: Path, words_per_minute: int = 150) -> Path:
    """``text`` spoken by espeak-ng into ``destination``, encoded by its suffix."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise RuntimeError("espeak-ng is not installed: apt-get install espeak-ng")
    with tempfile.TemporaryDirectory(prefix="tubenotes-speech-") as folder:
        wav = Path(folder) / "speech.wav"
        # Text on stdin: a script may be longer than a command line may be.
        subprocess.run([espeak, "-v", "en-us", "-s", str(words_per_minute), "-w", str(wav)],
                       input=text.encode(), check=True, capture_output=True)
        encode(read_samples(wav), destination)
    return destination


def silence(seconds: float, destination: Path) -> Path:
    """A file of digital silence: audio that holds no speech at all."""
    encode(np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32), destination)
    return destination


def read_samples(path: Path) -> np.ndarray:
    """The audio of ``path`` as mono float32 samples at SAMPLE_RATE."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    chunks = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            chunks.extend(resampled.to_ndarray().reshape(-1) for resampled in resampler.resample(frame))
    chunks.extend(resampled.to_ndarray().reshape(-1) for resampled in resampler.resample(None))
    return np.concatenate(chunks)


def encode(samples: np.ndarray, destination: Path) -> None:
    container_format, codec = ENCODINGS[destination.suffix.lower()]
    with av.open(str(destination), "w", format=container_format) as container:
        write_samples(container, container.add_stream(codec, rate=SAMPLE_RATE, layout="mono"), samples)


def write_samples(container: av.container.OutputContainer, stream: av.AudioStream, samples: np.ndarray) -> None:
    """Mono float32 ``samples`` at SAMPLE_RATE, encoded into ``stream`` of ``container``."""
    frame_size = stream.codec_context.frame_size or 1024
    resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=SAMPLE_RATE)
    for start in range(0, len(samples), frame_size):
        frame = av.AudioFrame.from_ndarray(samples[start:start + frame_size].reshape(1, -1), format="flt",
                                           layout="mono")
        frame.sample_rate = SAMPLE_RATE
        for converted in resampler.resample(frame):
            container.mux(stream.encode(converted))
    container.mux(stream.encode(None))


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level edit distance (substitutions, insertions, deletions) over the reference's length."""
    ref, hyp = _words(reference), _words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, 1):
        current = [i]
        for j, hyp_word in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word)))
        previous = current
    return previous[-1] / len(ref)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.casefold().replace("-", " "))
