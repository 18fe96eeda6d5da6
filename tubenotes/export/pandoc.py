"""Obsidian Markdown to Typst markup with the pandoc that the pypandoc-binary wheel ships."""

from __future__ import annotations

import functools
import json
import re
import signal
import subprocess
from collections.abc import Collection
from importlib import resources
from pathlib import Path
from typing import Literal

import pypandoc

from tubenotes.errors import ExportError
from tubenotes.export.guard import UnsafeTypst, check_source, refused_images

# Obsidian's dialect of pandoc Markdown. Raw HTML, raw TeX and ```{=typst}
# blocks are turned off so the reader keeps them as text: notes are untrusted.
# Citations are off: "@name" in a note is text, not a reference Typst cannot resolve.
READER_FORMAT = "markdown+wikilinks_title_after_pipe+mark-raw_html-raw_attribute-raw_tex-citations"
# A note is a few pages; minutes would mean pandoc is stuck.
PANDOC_TIMEOUT_S = 120
# Enough of stderr to show pandoc's last error.
STDERR_TAIL_CHARS = 500

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
    body, warnings = _run_pandoc(markdown, note_dir, setting, {})
    refused = refused_images(body, note_dir)
    if refused:
        # Rare (symlinks, SVGs linking files): convert again with those images refused.
        body, warnings = _run_pandoc(markdown, note_dir, setting, refused)
        if still_refused := refused_images(body, note_dir):
            raise UnsafeTypst(f"the Typst source reads images from outside the note's folder: {sorted(still_refused)}")
    check_source(body)
    return body, warnings


def _run_pandoc(markdown: str, note_dir: Path, plain_math: str, refused: dict[str, str]) -> tuple[str, list[str]]:
    command = [
        "--sandbox",
        f"--from={READER_FORMAT}",
        "--to=typst",
        f"--template={package_file('note-template.typ')}",
        f"--lua-filter={package_file('obsidian.lua')}",
        f"--metadata=tubenotes-plain-math:{plain_math or 'none'}",
        f"--metadata=tubenotes-refused-images:{json.dumps(refused)}",
        "--wrap=preserve",
    ]
    try:
        result = subprocess.run(
            [pypandoc.get_pandoc_path(), *command], input=markdown, capture_output=True, text=True, encoding="utf-8",
            cwd=note_dir, timeout=PANDOC_TIMEOUT_S, check=False,
            # Its own session: the terminal's Ctrl-C stops tubenotes, which lets the conversion finish.
            start_new_session=True,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExportError(f"pandoc could not convert the note: {exc}; reinstall pypandoc-binary") from exc
    if result.returncode != 0:
        raise ExportError(f"pandoc failed on the note: {ended(result.returncode)}; {stderr_tail(result.stderr)}")
    return result.stdout, _warnings(result.stderr)


def ended(returncode: int) -> str:
    """How a child process ended, from its return code, in words."""
    if returncode < 0:
        try:
            return f"it was stopped by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"it was stopped by signal {-returncode}"
    return f"it exited with code {returncode}"


def stderr_tail(stderr: str) -> str:
    """The end of what a child process wrote to stderr, or a note that it wrote nothing."""
    text = stderr.strip()
    if not text:
        return "it wrote nothing on stderr"
    return f"it said: {text[-STDERR_TAIL_CHARS:]}"


def _warnings(stderr: str) -> list[str]:
    warnings = []
    for line in stderr.splitlines():
        if line.startswith(WARNING_PREFIX):
            warnings.append(line.removeprefix(WARNING_PREFIX))
        elif match := BAD_TEX.match(line):
            warnings.append(f"formula {match.group(1)!r} is not TeX that pandoc knows; printed as its source")
    return warnings
