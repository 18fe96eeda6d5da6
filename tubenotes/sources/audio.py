"""A recording's audio as Whisper hears it (16 kHz mono), decoded by PyAV a window at a time.

faster-whisper computes its features over all the audio it is given at once,
about 1.4 MB per second of audio: a 90-minute lecture in one piece would
take gigabytes. So the audio is decoded as a stream and handed over in
windows of a few minutes, each cut at the quietest moment near its end, so
that no word is split.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from tubenotes.errors import PermanentError

SAMPLE_RATE = 16000  # what Whisper hears
# Where a window may end: the quietest fifth of a second in its last ten seconds.
SEAM_SEARCH_SECONDS = 10.0
SEAM_FRAME_SECONDS = 0.2


class MediaError(PermanentError):
    kind = "media"


def media_duration(media: Path) -> float | None:
    """The duration the container states, in seconds; None when it states none (a stream, a raw file)."""
    try:
        with av.open(str(media), metadata_errors="ignore") as container:
            return container.duration / av.time_base if container.duration else None
    except av.error.FFmpegError as exc:
        raise _undecodable(media, exc) from exc
    except OSError as exc:
        raise MediaError(f"{media.name}: cannot be read ({exc.strerror or exc}); check the file") from exc


def audio_windows(media: Path, window_seconds: float) -> Iterator[np.ndarray]:
    """The audio of ``media`` as float32 samples at SAMPLE_RATE, window by window, cut at quiet moments."""
    size = int(window_seconds * SAMPLE_RATE)
    pending: list[np.ndarray] = []
    count = 0
    for chunk in _samples(media):
        pending.append(chunk)
        count += len(chunk)
        if count >= size:
            buffered = np.concatenate(pending)
            cut = _quietest_cut(buffered[:size])
            yield buffered[:cut]
            pending, count = [buffered[cut:]], len(buffered) - cut
    if count:
        yield np.concatenate(pending)


def _samples(media: Path) -> Iterator[np.ndarray]:
    try:
        with av.open(str(media), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise MediaError(f"{media.name}: holds no audio stream; give the lecture's recording with sound")
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            for packet in container.demux(container.streams.audio[0]):
                try:
                    frames = packet.decode()
                except av.error.InvalidDataError:
                    continue  # a damaged packet: skip it, as players do
                for frame in frames:
                    frame.pts = None  # the resampler checks timestamps, which damaged files get wrong
                    yield from _resampled(resampler, frame)
            yield from _resampled(resampler, None)
    except av.error.FFmpegError as exc:
        raise _undecodable(media, exc) from exc
    except _ResamplerError as exc:
        raise _undecodable(media, exc.__cause__ or exc) from exc
    except OSError as exc:
        raise MediaError(f"{media.name}: cannot be read ({exc.strerror or exc}); check the file") from exc


class _ResamplerError(Exception):
    """The resampler refused a frame: a file whose audio changes its format midway (a damaged or spliced mp3)."""


def _resampled(resampler: av.AudioResampler, frame: av.AudioFrame | None) -> Iterator[np.ndarray]:
    try:
        resampled = resampler.resample(frame)
    except ValueError as exc:  # PyAV's own check, "Frame does not match AudioResampler setup."
        raise _ResamplerError() from exc
    return (out.to_ndarray().reshape(-1) for out in resampled)


def _quietest_cut(window: np.ndarray) -> int:
    """Where to end ``window``: the middle of its quietest short frame near the end."""
    frame = int(SEAM_FRAME_SECONDS * SAMPLE_RATE)
    tail = window[-int(SEAM_SEARCH_SECONDS * SAMPLE_RATE):]
    frames = tail[: len(tail) // frame * frame].reshape(-1, frame)
    quietest = int(np.argmin((frames ** 2).mean(axis=1)))
    return len(window) - len(tail) + quietest * frame + frame // 2


def _undecodable(media: Path, exc: BaseException) -> MediaError:
    reason = getattr(exc, "strerror", None) or str(exc).rstrip(".")
    return MediaError(f"{media.name}: cannot be decoded as audio or video ({reason}): it is "
                      "corrupt, cut short or no media at all; check that it plays, or convert it to mp3 or wav")
