"""Slide pictures in the vault: their files in the subject's attachments, their embeds in the notes.

Pictures go to ``<Subject>/attachments/<note> - slide NN.webp`` (Obsidian's
attachment folder convention), written through the user-edit guard like the
notes. Each is embedded (``![[...]]``) in the section of the notes where the
video shows it: the section whose time stamp is the last at or before the
slide's, before the first line stamped later than the slide. The notes come
from a generator (an LLM's or the offline one) that does not know the
pictures' names; only the write stage does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from tubenotes.job import Slide, VideoProcessingJob
from tubenotes.store import STORE_DIRNAME
from tubenotes.vault.attachments import picture_path
from tubenotes.vault.cards import Card
from tubenotes.vault.guard import GuardedFiles, WriteResult
from tubenotes.vault.links import link_path

SLIDE_KIND = "slide"
# A slide this many seconds before a section's own time stamp still opens it (stamps are whole seconds,
# and a generator may start a section at the first sentence said on the slide).
OPENS_SECTION = 3.0
_HEADING = re.compile(r"^#{2,6}\s")
# A time stamp, linked or not, as the generators write them: [12:34](...&t=754s), [▶ 12:34](...), [12:34].
_STAMP = re.compile(r"\[(?:▶\s*)?(\d{1,2}:\d{2}(?::\d{2})?)\]")
_EMBED_BREAKERS = re.compile(r"[\[\]|#^\n]")


def put_pictures(files: GuardedFiles, job: VideoProcessingJob, output_dir: Path, stem: str,
                 force: bool) -> list[WriteResult]:
    """Move the job's pictures from where the slides stage left them into the subject's attachments.

    A picture already moved (a write that is run again) is taken where it is; one that is gone
    from both places leaves its slide without a picture, and the job with a warning that says why.
    """
    results, missing = [], 0
    for number, slide in enumerate(job.slides or [], start=1):
        if slide.picture is None:
            continue
        current = files.root / slide.picture
        target = picture_path(output_dir, stem, number, current.suffix)
        if current == target or not _is_staged(slide):
            continue
        if current.is_file():
            result = files.write(target, current.read_bytes(), SLIDE_KIND, job.key, force)
            results.append(result)
            current.unlink()
            slide.picture = result.path.relative_to(files.root).as_posix()
        elif target.is_file():
            slide.picture = target.relative_to(files.root).as_posix()
        else:
            slide.picture = None
            missing += 1
    if missing:
        job.warn(_missing_pictures(job, missing))
    return results


def _missing_pictures(job: VideoProcessingJob, count: int) -> str:
    """Why pictures the slides stage read are not here: on Celery, read on a worker with another vault."""
    reader = job.workers.get("slides")
    by = f" by worker {reader}" if reader else ""
    return (f"the pictures of {count} slide(s), read{by}, are not in this vault's {STORE_DIRNAME}/slides/, so the "
            "notes have none: run the `slides` queue only on workers whose --vault is the vault the `write` "
            "worker writes to (or keep .tubenotes/ in place while a batch runs)")


def embed_slides(body: str, slides: Sequence[Slide], root: Path) -> str:
    """``body`` with an embed of each slide's picture in the section where the video shows it."""
    shown = [slide for slide in slides if slide.picture and not _is_staged(slide)]
    if not shown:
        return body
    lines = body.split("\n")
    sections = _sections(lines)
    if not sections:  # notes without time stamps: the pictures close them, in order
        return "\n".join([*lines, "", *(embed for slide in shown for embed in (_embed(slide, root), ""))]).strip()
    inserts: dict[int, list[str]] = {}
    for slide in shown:
        inserts.setdefault(_place(lines, sections, slide.start), []).append(_embed(slide, root))
    out: list[str] = []
    for number, line in enumerate([*lines, ""]):
        for picture in inserts.get(number, ()):
            if out and out[-1].strip():
                out.append("")  # a blank line first: else the embed would continue a list item
            out.append(picture)
            if line.strip():
                out.append("")
        out.append(line)
    return "\n".join(out).rstrip()


def card_picture(job: VideoProcessingJob, card: Card) -> str | None:
    """The picture (its path in the vault) of the slide shown at the card's moment, if one is."""
    seconds = card.seconds
    slide = job.slide_at(seconds) if seconds is not None else None
    return slide.picture if slide is not None and not _is_staged(slide) else None


def _embed(slide: Slide, root: Path) -> str:
    label = " ".join(_EMBED_BREAKERS.sub(" ", slide.title).split())
    return f"![[{link_path(root, root / str(slide.picture))}|{label}]]" if label else \
        f"![[{link_path(root, root / str(slide.picture))}]]"


def _sections(lines: list[str]) -> list[tuple[int, int, float]]:
    """(heading line, end line, seconds) of each section whose heading, or the line under it, has a time stamp."""
    headings = [number for number, line in enumerate(lines) if _HEADING.match(line)]
    sections = []
    for position, heading in enumerate(headings):
        end = headings[position + 1] if position + 1 < len(headings) else len(lines)
        first = next((line for line in lines[heading + 1:end] if line.strip()), "")
        seconds = _seconds(lines[heading]) if _seconds(lines[heading]) is not None else \
            _seconds(first) if _STAMP.match(first.strip()) else None
        if seconds is not None:
            sections.append((heading, end, seconds))
    return sections


def _place(lines: list[str], sections: list[tuple[int, int, float]], seconds: float) -> int:
    """The line before which the slide shown from ``seconds`` goes."""
    chosen = sections[0]
    for section in sections:
        if section[2] <= seconds + OPENS_SECTION:
            chosen = section
    heading, end, start = chosen
    opening = heading + 1
    first = next((number for number in range(opening, end) if lines[number].strip()), end)
    if first < end and _STAMP.match(lines[first].strip()):
        opening = first + 1  # an LLM's "[▶ 12:34](...)" line under the heading stays with it
    if seconds <= start + OPENS_SECTION:
        return opening
    for number in range(opening, end):
        said = _seconds(lines[number])
        if said is not None and said > seconds:
            return number
    return _section_end(lines, opening, end)


def _section_end(lines: list[str], opening: int, end: int) -> int:
    """Past the section's last non-blank line, so the picture sits after its text."""
    last = end
    while last > opening and not lines[last - 1].strip():
        last -= 1
    return last


def _seconds(line: str) -> float | None:
    match = _STAMP.search(line)
    if match is None:
        return None
    parts = [int(part) for part in match.group(1).split(":")]
    return float(sum(value * 60 ** power for power, value in enumerate(reversed(parts))))


def _is_staged(slide: Slide) -> bool:
    return bool(slide.picture) and str(slide.picture).startswith(f"{STORE_DIRNAME}/")
