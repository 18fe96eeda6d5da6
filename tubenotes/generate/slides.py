"""What the slides a lecture shows give its notes: sections named by their titles, their text beside
the speech, and their text at its time in an LLM's prompt (their terms weigh more among the offline
key terms: `tubenotes.generate.lecture.analyse`).

A slide's title is the lecture's own name for what is said while it is up:
the offline generator takes the titles as sections where the video has no
chapters (a run of slides with one title is one section).
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tubenotes.generate.chunking import TranscriptBlock
from tubenotes.job import Chapter, Slide
from tubenotes.text.markdown import escape

# A slide's section opens this many seconds before the keyframe that shows it: a lecturer's first
# words on it (and the time Whisper gives them) come a little before.
SLIDE_LEAD = 1.5
# How a slide's paragraph opens in an LLM's transcript (prompts/slides.md says what it means).
SLIDE_MARK = "SLIDE: "


def slide_chapters(slides: Sequence[Slide] | None) -> list[Chapter]:
    """A chapter at each titled slide, consecutive slides of one title as one."""
    chapters: list[Chapter] = []
    for slide in slides or ():
        title = " ".join(slide.title.split())
        if title and (not chapters or chapters[-1].title.casefold() != title.casefold()):
            chapters.append(Chapter(max(0.0, slide.start - SLIDE_LEAD) if chapters else slide.start, title))
    return chapters


def slide_lines(slides: Sequence[Slide] | None, start: float | None, end: float | None) -> list[str]:
    """The text lines (below the titles) of the slides first shown from ``start`` until ``end``, once each."""
    if start is None:
        return []
    lines: list[str] = []
    for slide in slides or ():
        if slide.start + 0.5 >= start and (end is None or slide.start + 0.5 < end):
            lines += [line for line in slide.lines if line not in lines]
    return lines


def render_slide_lines(lines: Sequence[str], label: str) -> list[str]:
    """A slide's lines as a callout beside the speech, shown as text, never as markup."""
    if not lines:
        return []
    # The ">" line between title and list: without it pandoc (the PDFs) reads the list as the title's text.
    return [f"> [!note] {label}", ">", *(f"> - {escape(line)}" for line in lines), ""]


def with_slides(blocks: Sequence[TranscriptBlock], slides: Sequence[Slide] | None) -> list[TranscriptBlock]:
    """An LLM's transcript with each slide's text as a paragraph of its own, at the time it is first shown
    (before the speech that starts then): the prompt says how to read them (prompts/slides.md)."""
    shown = [TranscriptBlock(slide.start, SLIDE_MARK + " / ".join(line for line in [slide.title, *slide.lines] if line))
             for slide in slides or () if slide.text]
    if not shown or not blocks or blocks[0].start is None:
        return list(blocks)
    merged = [*shown, *blocks]
    # Stable: a slide stays before the speech that starts with it.
    return sorted(merged, key=lambda block: block.start if block.start is not None else 0.0)


# Pictures sent with one request at most: the slides of a part of a long lecture.
MAX_PICTURES = 20


def picture_parts(slides: Sequence[Slide] | None, root: Path, start: float | None = None,
                  end: float | None = None) -> list[dict[str, Any]]:
    """The pictures of the slides first shown from ``start`` until ``end``, as a chat request's image parts."""
    parts = []
    for slide in slides or ():
        path = root / slide.picture if slide.picture else None
        if path is None or not path.is_file():
            continue
        if (start is None or slide.start >= start) and (end is None or slide.start <= end):
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            mime = mimetypes.guess_type(path.name)[0] or "image/webp"
            parts.append({"type": "image_url", "image_url": {"url": f"data:{mime};base64,{data}"}})
    return parts[:MAX_PICTURES]
