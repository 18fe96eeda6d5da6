"""A video's keyframes, decoded by PyAV as a stream: never the whole video in memory.

Lecture videos carry a keyframe every few seconds, and an encoder puts one
where the picture changes at once (a new slide): decoding those alone is
enough to see every slide, at a small share of the cost of every frame.
Each keyframe comes small and grey for comparing, with the decoded frame kept
to make the slide's picture from, should it be the one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import av
import numpy as np

from tubenotes.sources.audio import MediaError

T = TypeVar("T")
# What slide changes are judged on: small enough to cost little, large enough that a line of
# slide text still shows (a 36 px line of a 720p slide is 9 px here).
THUMB_WIDTH, THUMB_HEIGHT = 320, 180


@dataclass
class Keyframe:
    time: float  # seconds from the start
    thumb: np.ndarray  # THUMB_HEIGHT x THUMB_WIDTH, uint8 grey
    frame: av.VideoFrame  # as decoded, for the picture

    def picture(self, width: int) -> np.ndarray:
        """The frame as RGB, at most ``width`` pixels wide."""
        scale = min(1.0, width / self.frame.width)
        size = (round(self.frame.width * scale) // 2 * 2, round(self.frame.height * scale) // 2 * 2)
        return self.frame.to_ndarray(format="rgb24", width=size[0], height=size[1])


def has_video_track(path: Path) -> bool:
    """Whether ``path`` holds a picture to look at (an mp4 may be audio only)."""
    return bool(_open(path, lambda container: [s for s in container.streams.video if not _is_cover(s)]))


def keyframes(path: Path, start: float = 0.0) -> Iterator[Keyframe]:
    """The keyframes of ``path``'s video from ``start`` seconds on, in order."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            streams = [s for s in container.streams.video if not _is_cover(s)]
            if not streams:
                return
            stream = streams[0]
            stream.codec_context.skip_frame = "NONKEY"  # the decoder skips what the demuxer lets through
            stream.thread_type = "AUTO"
            if start > 0:
                # Lands on the keyframe at or before ``start``: frames before it are passed over below.
                container.seek(int(start / av.time_base), backward=True, any_frame=False)
            for packet in container.demux(stream):
                if not packet.is_keyframe and packet.size:
                    continue
                try:
                    frames = packet.decode()
                except av.error.InvalidDataError:
                    continue  # a damaged packet: skip it, as players do
                for frame in frames:
                    if frame.time is None or frame.time < start - 0.01:
                        continue
                    thumb = frame.to_ndarray(format="gray", width=THUMB_WIDTH, height=THUMB_HEIGHT)
                    yield Keyframe(float(frame.time), thumb, frame)
    except av.error.FFmpegError as exc:
        raise undecodable(path, exc) from exc
    except OSError as exc:
        raise MediaError(f"{path.name}: cannot be read ({exc.strerror or exc}); check the file") from exc


def video_duration(path: Path) -> float | None:
    """The duration the container states, in seconds; None when it states none."""
    return _open(path, lambda container: container.duration / av.time_base if container.duration else None)


def undecodable(path: Path, exc: Exception) -> MediaError:
    return MediaError(f"{path.name}: its video cannot be decoded ({getattr(exc, 'strerror', None) or exc}): it is "
                      "corrupt, cut short or not a video; check that it plays")


def _open(path: Path, look: Callable[[Any], T]) -> T:
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            return look(container)
    except av.error.FFmpegError as exc:
        raise undecodable(path, exc) from exc
    except OSError as exc:
        raise MediaError(f"{path.name}: cannot be read ({exc.strerror or exc}); check the file") from exc


def _is_cover(stream: Any) -> bool:
    """An album cover or thumbnail attached to an audio file: one still picture, not a video."""
    return bool(stream.disposition & av.stream.Disposition.attached_pic)
