"""Where the pictures of a lecture's slides live: ``<Subject>/attachments/<note> - slide NN.webp``,
Obsidian's attachment folder convention, named after the note they belong to."""

from __future__ import annotations

import re
from pathlib import Path

ATTACHMENTS_DIRNAME = "attachments"
_SLIDE_PICTURE = re.compile(r"^(?P<stem>.+) - slide \d{2,}\.\w+$")


def picture_path(output_dir: Path, stem: str, number: int, suffix: str) -> Path:
    return output_dir / ATTACHMENTS_DIRNAME / f"{stem} - slide {number:02d}{suffix}"


def note_of_picture(path: Path) -> Path | None:
    """The note a slide's picture belongs to, by its place and name; None for any other file."""
    match = _SLIDE_PICTURE.match(path.name)
    if match is None or path.parent.name != ATTACHMENTS_DIRNAME:
        return None
    return path.parent.parent / f"{match['stem']}.md"


def pictures_of_note(note: Path) -> list[Path]:
    """The slide pictures in the attachments beside ``note`` that are named after it."""
    folder = note.parent / ATTACHMENTS_DIRNAME
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.is_file() and note_of_picture(path) == note)
