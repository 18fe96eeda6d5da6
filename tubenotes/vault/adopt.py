"""Recognising the files tubenotes wrote when its store no longer knows them.

The vault is the truth: a store lost, emptied or rebuilt must not turn every
note into the user's (and every update into a ``(new)`` copy beside it). A
note is tubenotes' own when its properties say so: the ``tubenotes`` tag, and
the same type, video and subject as the note that would be written there.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from tubenotes.regular_files import read_head
from tubenotes.vault.attachments import note_of_picture
from tubenotes.vault.frontmatter import read_front_matter

# Properties that say which note a file is: the same in the file and in what would replace it.
_IDENTITY = ("type", "video_id", "subject")
TAG = "tubenotes"
# How much of a file holds its properties.
HEAD_BYTES = 8192
# In the first bytes of a concept map (canvas and picture), which have no properties.
MAP_MARK = "tubenotes-concept-map"
_MAP_SUFFIXES = (".canvas", ".svg")


def properties_of(data: bytes) -> dict[str, Any]:
    """The front matter of a Markdown file's bytes; {} when it has none or is not text."""
    return read_front_matter(data[:HEAD_BYTES].decode("utf-8", errors="ignore"))


def properties_of_file(path: Path) -> dict[str, Any]:
    """The front matter of the Markdown file at ``path``; {} when it has none, cannot be read, or is no
    regular file (a named pipe there would block the read for good)."""
    try:
        return properties_of(read_head(path, HEAD_BYTES))
    except OSError:
        return {}


def is_tubenotes_note(properties: dict[str, Any]) -> bool:
    tags = properties.get("tags")
    return isinstance(tags, list) and TAG in tags and isinstance(properties.get("type"), str)


def written_by_tubenotes(path: Path, data: bytes) -> bool:
    """Whether the file at ``path`` is the one tubenotes wrote there, by what it is: the note ``data``
    is a new version of (its properties), a subject's Anki deck (a zip, like every ``.apkg``), a concept
    map (its mark), or the picture of a slide named after a note tubenotes wrote."""
    if path.suffix == ".apkg":
        return path.stem == path.parent.name and path.is_file() and zipfile.is_zipfile(path)
    if path.suffix in _MAP_SUFFIXES:
        try:
            return MAP_MARK.encode() in read_head(path, HEAD_BYTES)
        except OSError:
            return False
    note = note_of_picture(path)
    if note is not None:  # a slide's picture: ours when the note it is named after is
        return is_tubenotes_note(properties_of_file(note))
    theirs = properties_of_file(path)
    ours = properties_of(data)
    return is_tubenotes_note(theirs) and all(theirs.get(key) == ours.get(key) for key in _IDENTITY)
