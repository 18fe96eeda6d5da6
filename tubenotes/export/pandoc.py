"""Obsidian Markdown to Typst markup with the pandoc that the pypandoc-binary wheel ships."""

from __future__ import annotations

import functools
import json
import re
import subprocess
from collections.abc import Collection
from importlib import resources
from pathlib import Path
from typing import Literal

import pypandoc

from tubenotes.errors import ExportError
from tubenotes.export.guard import UnsafeTypst, check_source, refused_images
from tubenotes.plaintext import clean_line
from tubenotes.vault.frontmatter import split_front_matter

# Obsidian's dialect of pandoc Markdown. Raw HTML, raw TeX and ```{=typst}
# blocks are turned off so the reader keeps them as text: notes are untrusted.
# Citations are off: "@name" in a note is text, not a reference Typst cannot resolve.
# YAML blocks and "% title" blocks are off: pandoc would take a YAML block from anywhere
# in the note, so that a "---" block in an LLM's answer set the PDF's title and source
# link. The note's own properties go in as metadata instead (HEADER_PROPERTIES).
# Sub- and superscripts are off: Obsidian has none, and pandoc reads their content a second
# time, so that "~&#91;a&#93;(file:///x)~" became a link.
READER_FORMAT = (
    "markdown+wikilinks_title_after_pipe+mark-raw_html-raw_attribute-raw_tex-citations-yaml_metadata_block"
    "-subscript-superscript-pandoc_title_block"
)
# The properties the template (title, source, subject, date) and the Lua filter (type, language) read.
HEADER_PROPERTIES = ("title", "source", "subject", "created", "type", "language")
# A note is a few pages; minutes would mean pandoc is stuck.
PANDOC_TIMEOUT_S = 120

WARNING_PREFIX = "tubenotes-warning: "
BAD_TEX = re.compile(r"^\[WARNING\] Could not convert TeX math (.*), rendering as TeX:?$")

PlainMath = Collection[int] | Literal["all"]


@functools.cache
def package_file(name: str) -> Path:
    # The package is installed as files (not a zip), so the resource has a real path.
    return Path(str(resources.files("tubenotes.export").joinpath(name)))


def markdown_to_typst(markdown: str, note_dir: Path, plain_math: PlainMath = ()) -> tuple[str, list[str]]:
    """Typst markup for a note (without the house style) and warnings about what was changed.

    ``plain_math`` lists formula numbers (as marked ``/*tn-math-N*/``) to print as TeX source.
    Pandoc runs in ``note_dir`` so the filter can check that images exist there.
    Raises UnsafeTypst when the markup would still load a package or a file from outside ``note_dir``.
    """
    setting = plain_math if isinstance(plain_math, str) else ",".join(map(str, sorted(plain_math)))
    properties, text = split_front_matter(markdown)
    header = _header_metadata(properties)
    body, warnings = _run_pandoc(text, note_dir, setting, {}, header)
    refused = refused_images(body, note_dir)
    if refused:
        # Rare (symlinks, SVGs linking files): convert again with those images refused.
        body, warnings = _run_pandoc(text, note_dir, setting, refused, header)
        if still_refused := refused_images(body, note_dir):
            raise UnsafeTypst(f"the Typst source reads images from outside the note's folder: {sorted(still_refused)}")
    check_source(body)
    return body, warnings


def _header_metadata(properties: dict[str, object]) -> list[str]:
    """``--metadata`` options for the note's header: pandoc takes their values as text, never as markup."""
    values = {key: clean_line(str(properties[key])) for key in HEADER_PROPERTIES if properties.get(key)}
    return [f"--metadata={key}:{value}" for key, value in values.items() if value]


def _run_pandoc(
    markdown: str, note_dir: Path, plain_math: str, refused: dict[str, str], header: list[str]
) -> tuple[str, list[str]]:
    command = [
        "--sandbox",
        f"--from={READER_FORMAT}",
        "--to=typst",
        f"--template={package_file('note-template.typ')}",
        f"--lua-filter={package_file('obsidian.lua')}",
        f"--metadata=tubenotes-plain-math:{plain_math or 'none'}",
        f"--metadata=tubenotes-refused-images:{json.dumps(refused)}",
        "--wrap=preserve",
        *header,
    ]
    try:
        result = subprocess.run(
            [pypandoc.get_pandoc_path(), *command], input=markdown, capture_output=True, text=True, encoding="utf-8",
            cwd=note_dir, timeout=PANDOC_TIMEOUT_S, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExportError(f"pandoc could not convert the note: {exc}; reinstall pypandoc-binary") from exc
    if result.returncode != 0:
        raise ExportError(f"pandoc failed on the note: {result.stderr.strip()[:500]}")
    return result.stdout, _warnings(result.stderr)


def _warnings(stderr: str) -> list[str]:
    warnings = []
    for line in stderr.splitlines():
        if line.startswith(WARNING_PREFIX):
            warnings.append(line.removeprefix(WARNING_PREFIX))
        elif match := BAD_TEX.match(line):
            warnings.append(f"formula {match.group(1)!r} is not TeX that pandoc knows; printed as its source")
    return warnings
