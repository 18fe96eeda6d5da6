"""File and folder names that are safe on Windows, macOS and Linux, and in Obsidian links."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from tubenotes.plaintext import clean_line

# Windows forbids these anywhere in a name; Obsidian links break on # ^ [ ] |.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*#^\[\]\x00-\x1f\x7f]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)}
# 255 bytes is the usual limit for one name; keep room for "Assessment_", " (video id)" and ".pdf".
MAX_STEM_BYTES = 150
UNTITLED = "Untitled"
# A subject's PDFs go into this folder of it.
PDF_SUBDIR = "pdfs"


def sanitize_filename(title: str, max_bytes: int = MAX_STEM_BYTES) -> str:
    """A file stem for ``title`` that every common file system and Obsidian accept."""
    # NFC, because macOS stores names decomposed and links must match what Obsidian sees.
    name = clean_line(unicodedata.normalize("NFC", title))
    name = _FORBIDDEN.sub(" ", name)
    name = re.sub(r"\s+", " ", name).strip()
    name = _truncate_utf8(name, max_bytes)
    # Windows drops trailing dots and spaces; a leading dot hides the file on Unix.
    name = name.strip(" .")
    if not name:
        return UNTITLED
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = f"{name}_"
    return name


def _truncate_utf8(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    cut = encoded[:max_bytes].decode("utf-8", errors="ignore")
    # Prefer ending at a word boundary when one is near.
    space = cut.rfind(" ")
    return cut[:space] if space > max_bytes // 2 else cut


def subject_dir(vault: Path, subject: str) -> Path:
    """The folder of ``subject`` in the vault, reusing one that differs only in case."""
    name = sanitize_filename(subject)
    if vault.is_dir():
        for existing in vault.iterdir():
            if existing.is_dir() and existing.name.casefold() == name.casefold():
                return existing
    return vault / name
