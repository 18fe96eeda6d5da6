"""One video's slides: keyframes in, a picture and the text of each slide out, with checkpoints.

Each slide is saved as it is found (its picture in the job's folder, its text
and where the video goes on after it in ``slides.json``), so a run killed an
hour into a long video goes on from its last slide instead of the start.
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tubenotes.job import Slide, slide_dict
from tubenotes.slides.detect import Shown, SlideDetector, picture_hash, same_picture
from tubenotes.slides.frames import keyframes, video_duration
from tubenotes.slides.ocr import SlideReader
from tubenotes.slides.pictures import PICTURE_SUFFIX, PICTURE_WIDTH, encode_picture
from tubenotes.sources.base import ProgressCallback
from tubenotes.vault.files import atomic_write_bytes

CHECKPOINT = "slides.json"
# A talking head or an animation must not flood the vault: past this many slides a minute on
# average, only the slides shown longest are kept. Lecturers show one every minute or two, and
# never one every six seconds for long.
MAX_SLIDES_PER_MINUTE = 10
# ... but a short video may show a few quick ones.
ALWAYS_ALLOWED = 10
# Two readings of one slide agree this much (OCR of two frames differs in a letter or two).
SAME_TEXT = 0.9



@dataclass
class _Progress:
    """What the checkpoint file holds: the slides so far, their hashes, and where to go on."""

    slides: list[Slide] = field(default_factory=list)
    hashes: list[int] = field(default_factory=list)
    resume_at: float = 0.0


def read_slides(video: Path, folder: Path, reader: SlideReader, vault: Path,
                on_progress: ProgressCallback | None = None) -> list[Slide]:
    """The slides ``video`` shows, their pictures in ``folder`` (paths relative to ``vault``)."""
    folder.mkdir(parents=True, exist_ok=True)
    progress = _load(folder)
    total = video_duration(video) or 0.0
    detector = SlideDetector()
    seen = progress.resume_at
    for keyframe in keyframes(video, progress.resume_at):
        for shown in detector.feed(keyframe):
            _keep(shown, progress, folder, reader, vault)
        seen = keyframe.time
        if on_progress is not None:
            on_progress(seen, max(total, seen))
    for shown in detector.finish(max(total, seen)):
        _keep(shown, progress, folder, reader, vault)
    return capped(progress.slides, max(total, seen))


def _keep(shown: Shown, progress: _Progress, folder: Path, reader: SlideReader, vault: Path) -> None:
    """OCR the slide and save it, unless it shows no text or repeats one kept before; then the checkpoint."""
    digest = picture_hash(shown.keyframe.thumb)
    picture = shown.keyframe.picture(PICTURE_WIDTH)
    text = reader.read(picture)
    repeat = any(same_picture(digest, earlier.hash) and _same_text(text.title, text.lines, earlier.slide)
                 for earlier in _known(progress))
    if not text.empty and not repeat:
        path = folder / f"slide {len(progress.slides) + 1:02d}{PICTURE_SUFFIX}"
        atomic_write_bytes(path, encode_picture(picture))
        progress.slides.append(Slide(round(shown.start, 2), round(shown.end, 2), text.title, text.lines,
                                     path.relative_to(vault).as_posix()))
        progress.hashes.append(digest)
    progress.resume_at = shown.end
    _save(folder, progress)


@dataclass(frozen=True)
class _Known:
    slide: Slide
    hash: int


def _known(progress: _Progress) -> list[_Known]:
    return [_Known(slide, digest) for slide, digest in zip(progress.slides, progress.hashes)]


def _same_text(title: str, lines: list[str], slide: Slide) -> bool:
    """Whether two readings are of one slide: the same title, and their text nearly the same (slides of one
    template differ in a word or two: "What energy means", "What entropy means")."""
    if " ".join(title.casefold().split()) != " ".join(slide.title.casefold().split()):
        return False
    ours, theirs = "\n".join([title, *lines]), slide.text
    return difflib.SequenceMatcher(None, ours, theirs, autojunk=False).ratio() >= SAME_TEXT


def capped(slides: list[Slide], duration: float) -> list[Slide]:
    """At most MAX_SLIDES_PER_MINUTE on average: the slides shown longest, in their order."""
    allowed = max(ALWAYS_ALLOWED, math.ceil(duration / 60 * MAX_SLIDES_PER_MINUTE))
    if len(slides) <= allowed:
        return slides
    longest = sorted(slides, key=lambda slide: slide.end - slide.start, reverse=True)[:allowed]
    return [slide for slide in slides if slide in longest]


def _load(folder: Path) -> _Progress:
    try:
        data: dict[str, Any] = json.loads((folder / CHECKPOINT).read_text(encoding="utf-8"))
        slides = [Slide(float(s["start"]), float(s["end"]), s["title"], list(s["lines"]), s["picture"])
                  for s in data["slides"]]
        return _Progress(slides, [int(digest, 16) for digest in data["hashes"]], float(data["resume_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return _Progress()  # none yet, or unreadable: read from the start


def _save(folder: Path, progress: _Progress) -> None:
    data = {"slides": [slide_dict(slide) for slide in progress.slides],
            "hashes": [f"{digest:x}" for digest in progress.hashes], "resume_at": progress.resume_at}
    atomic_write_bytes(folder / CHECKPOINT, json.dumps(data, ensure_ascii=False).encode("utf-8"))
