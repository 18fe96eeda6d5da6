"""Lecture videos for tests and benchmarks: slides drawn with Pillow, a moving speaker inset, H.264 by PyAV.

Each slide has a title, bullets that may appear one by one (a build), and a
script: spoken by espeak-ng while the slide is shown, so that speech and
slides line up as in a real lecture. Without scripts the video has a quiet
tone as its sound. The speaker inset slides across the lower part of the
frame the whole time, as a picture-in-picture camera that is moved would.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tubenotes.testing.synthetic_speech import SAMPLE_RATE, read_samples, write_samples

SIZE = (1280, 720)
FPS = 10
# A keyframe every this many seconds, as lecture uploads have (YouTube: about two).
KEYFRAME_SECONDS = 2
INSET = (192, 108)
# Seconds a slide stays up past its script, and at least.
PAUSE_SECONDS, MIN_SLIDE_SECONDS = 0.8, 6.0


@dataclass
class SlideSpec:
    title: str
    bullets: list[str] = field(default_factory=list)
    script: str = ""  # what the lecturer says while it is shown
    build: bool = False  # bullets appear one by one
    seconds: float | None = None  # how long it is shown; by default the script's length


@dataclass(frozen=True)
class ShownSlide:
    start: float
    end: float
    title: str


def make_lecture_video(slides: Sequence[SlideSpec], destination: Path, size: tuple[int, int] = SIZE,
                       fps: int = FPS, keyframe_seconds: float = KEYFRAME_SECONDS,
                       inset: bool = True, sound: bool = True) -> list[ShownSlide]:
    """The lecture as an mp4 (H.264, and AAC unless not ``sound``: YouTube's video-only streams have none)
    at ``destination``; returns when each slide was shown."""
    audio, durations = _soundtrack(slides)
    shown, start = [], 0.0
    for spec, seconds in zip(slides, durations):
        shown.append(ShownSlide(start, start + seconds, spec.title))
        start += seconds
    with av.open(str(destination), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        video.codec_context.gop_size = max(1, round(keyframe_seconds * fps))
        video.codec_context.options = {"preset": "veryfast", "crf": "28"}
        audio_stream = container.add_stream("aac", rate=SAMPLE_RATE, layout="mono") if sound else None
        changes = {math.ceil(slide.start * fps) for slide in shown}
        for number, picture in enumerate(_frames(slides, shown, size, fps, inset)):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = number, Fraction(1, fps)
            if number in changes:  # a keyframe where the slide changes, as an encoder's scene cut makes
                frame.pict_type = av.video.frame.PictureType.I
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if audio_stream is not None:
            write_samples(container, audio_stream, audio)
    return shown


def _frames(slides: Sequence[SlideSpec], shown: list[ShownSlide], size: tuple[int, int], fps: int,
            inset: bool) -> Iterator[np.ndarray]:
    total = shown[-1].end
    pictures: dict[tuple[int, int], np.ndarray] = {}
    for number in range(int(total * fps)):
        time = number / fps
        index = next(i for i, s in enumerate(shown) if time < s.end or i == len(shown) - 1)
        spec = slides[index]
        visible = len(spec.bullets)
        if spec.build and spec.bullets:  # bullets appear evenly over the first two thirds of the slide
            elapsed = (time - shown[index].start) / (shown[index].end - shown[index].start)
            visible = min(len(spec.bullets), 1 + int(elapsed * 1.5 * len(spec.bullets)))
        key = (index, visible)
        if key not in pictures:
            pictures[key] = draw_slide(spec, visible, size, index + 1)
        picture = pictures[key]
        if inset:
            picture = picture.copy()
            _speaker(picture, time, total)
        yield picture


def draw_slide(spec: SlideSpec, visible: int, size: tuple[int, int], number: int) -> np.ndarray:
    """A slide as RGB pixels: a coloured title bar, the bullets, a footer with its number."""
    width, height = size
    scale = width / SIZE[0]
    image = Image.new("RGB", size, (250, 250, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, round(120 * scale)), fill=(30, 60, 110))
    title_font = ImageFont.load_default(size=round(54 * scale))
    draw.text((round(50 * scale), round(30 * scale)), spec.title, fill=(255, 255, 255), font=title_font)
    body_font = ImageFont.load_default(size=round(36 * scale))
    for line, bullet in enumerate(spec.bullets[:visible]):
        y = round((170 + 72 * line) * scale)
        dot = round(8 * scale)
        draw.ellipse((round(70 * scale), y + round(16 * scale), round(70 * scale) + dot, y + round(16 * scale) + dot),
                     fill=(30, 60, 110))
        draw.text((round(95 * scale), y), bullet, fill=(20, 20, 20), font=body_font)
    small = ImageFont.load_default(size=round(20 * scale))
    draw.text((width - round(80 * scale), height - round(40 * scale)), str(number), fill=(120, 120, 120), font=small)
    return np.asarray(image)


def _speaker(picture: np.ndarray, time: float, total: float) -> None:
    """A speaker's camera picture, drifting right to left and back along the bottom of the slide."""
    height, width = picture.shape[:2]
    inset_width, inset_height = round(INSET[0] * width / SIZE[0]), round(INSET[1] * width / SIZE[0])
    travel = width - inset_width - 20
    phase = (time / 20.0) % 2.0
    x = round(travel * (1 - abs(1 - phase))) + 10
    y = height - inset_height - 10
    region = picture[y:y + inset_height, x:x + inset_width]
    region[:] = (90, 70, 60)
    # A face that nods: the inset's own content changes too.
    face_y = inset_height // 3 + round(4 * np.sin(time * 3))
    region[face_y:face_y + inset_height // 3, inset_width // 3:2 * inset_width // 3] = (220, 180, 150)


def _soundtrack(slides: Sequence[SlideSpec]) -> tuple[np.ndarray, list[float]]:
    """The audio of the whole lecture and each slide's duration."""
    pieces, durations = [], []
    for spec in slides:
        speech = _spoken(spec.script) if spec.script else np.zeros(0, dtype=np.float32)
        seconds = spec.seconds or max(MIN_SLIDE_SECONDS, len(speech) / SAMPLE_RATE + PAUSE_SECONDS)
        length = int(seconds * SAMPLE_RATE)
        piece = np.zeros(length, dtype=np.float32)
        piece[:min(length, len(speech))] = speech[:length]
        if not spec.script:  # a quiet hum, so the file has sound
            piece += 0.01 * np.sin(2 * np.pi * 220 * np.arange(length) / SAMPLE_RATE).astype(np.float32)
        pieces.append(piece)
        durations.append(length / SAMPLE_RATE)
    return np.concatenate(pieces), durations


def _spoken(text: str) -> np.ndarray:
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise RuntimeError("espeak-ng is not installed: apt-get install espeak-ng")
    with tempfile.TemporaryDirectory(prefix="tubenotes-slides-") as folder:
        wav = Path(folder) / "speech.wav"
        subprocess.run([espeak, "-v", "en-us", "-s", "160", "-w", str(wav)], input=text.encode(), check=True,
                       capture_output=True)
        return read_samples(wav)

