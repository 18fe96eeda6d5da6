"""Last checks on the Typst source made from a note, for what the Lua filter cannot see.

Typst itself refuses files outside the compile root, URLs and absolute paths,
but it follows symbolic links and downloads ``@preview`` packages on import.
Pandoc escapes note text, so none of this should ever fire: these checks are
the second lock, and they fail closed.
"""

from __future__ import annotations

import re
from pathlib import Path

# Pandoc writes every image as image("path", ...) with a Typst string literal.
IMAGE_CALL = re.compile(r'\bimage\("((?:[^"\\]|\\.)*)"')
STRING_ESCAPE = re.compile(r"\\(u\{([0-9A-Fa-f]+)\}|.)")
STRING_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}
# Raw text (code listings) is printed, never run, so C's #include may stay there.
RAW_TEXT = re.compile(r"(?<!\\)(`{3,})[\s\S]*?\1|(?<!\\)`[^`]*`")
# An import or include entered from markup or opening a code block, or a string naming a package.
PACKAGE_LOAD = re.compile(r'(?<!\\)#\s*(?:import|include)\b|[{;]\s*(?:import|include)\s|"@[A-Za-z][\w-]*/')
# An SVG's <image href>, <use href> and CSS url() may name other files.
SVG_LINK = re.compile(rb"""(?:href\s*=\s*["']|url\(\s*["']?)\s*([^"')\s]*)""", re.IGNORECASE)


class UnsafeTypst(Exception):
    """The Typst source would load a package or a file from outside the note's folder."""


def check_source(body: str) -> None:
    """Raise UnsafeTypst when Typst code outside raw text imports or includes anything."""
    match = PACKAGE_LOAD.search(RAW_TEXT.sub("", body))
    if match:
        raise UnsafeTypst(f"the Typst source loads a package or file ({match.group(0).strip()!r})")


def refused_images(body: str, note_dir: Path) -> dict[str, str]:
    """Image path -> why it must not be read, for images a symlink or an SVG link would take outside ``note_dir``."""
    folder = note_dir.resolve()
    refused = {}
    for literal in IMAGE_CALL.findall(body):
        path = _typst_string(literal)
        problem = _image_problem(folder, folder / path)
        if problem:
            refused[path] = problem
    return refused


def _image_problem(folder: Path, image: Path) -> str | None:
    try:
        resolved = image.resolve(strict=True)
    except (OSError, RuntimeError):
        return None  # a missing image is reported by the filter
    if not resolved.is_relative_to(folder):
        return "resolves to a file outside the note's folder (a symbolic link)"
    if resolved.suffix.lower() == ".svg":
        try:
            svg = resolved.read_bytes()
        except OSError as exc:
            return f"cannot be read ({exc.strerror})"
        external = [link for link in SVG_LINK.findall(svg) if link and not link.startswith((b"#", b"data:"))]
        if external:
            return f"is an SVG that links other files ({external[0].decode(errors='replace')})"
    return None


def _typst_string(literal: str) -> str:
    def unescape(match: re.Match[str]) -> str:
        if match.group(2):
            return chr(int(match.group(2), 16))
        return STRING_ESCAPES.get(match.group(1), match.group(1))

    return STRING_ESCAPE.sub(unescape, literal)
