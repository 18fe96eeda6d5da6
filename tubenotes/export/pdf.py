"""PDF export: pandoc's Typst writer, then the Typst compiler, degrading what fails to typeset."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

import typst

from tubenotes.errors import ExportError
from tubenotes.export.fonts import fallback_families, installed_fonts, missing_font_warnings
from tubenotes.export.guard import UnsafeTypst
from tubenotes.export.pandoc import PlainMath, markdown_to_typst, package_file
from tubenotes.vault.files import atomic_write_bytes
from tubenotes.vault.frontmatter import read_front_matter, split_front_matter
from tubenotes.vault.guard import BESIDE_MARK

# A note's Markdown, its folder and the formulas to print as TeX source -> Typst markup and warnings.
ToTypst = Callable[[str, Path, PlainMath], tuple[str, list[str]]]

# Each retry reruns pandoc and Typst; past this many bad formulas, print all math as TeX.
MAX_FORMULA_RETRIES = 8

ERROR_LOCATION = re.compile(r"\.typ:(\d+):(\d+)")
FORMULA_MARKER = re.compile(r"/\*tn-math-(\d+)\*/")
UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
# style.typ puts this in every PDF's properties: a PDF without it is the user's and is never replaced.
OWN_PDF_MARK = b"/Keywords(tubenotes)"
# style.typ reports a wide equation as a warning about a made-up font family.
WIDE_EQUATION = re.compile(r"unknown font family: tubenotes-equation-(?:scaled-to-(\d+)|wrapped)")

PLAIN_NOTE = """
#show: note.with(
  title: sys.inputs.at("title", default: none),
  source: sys.inputs.at("source", default: none),
  subject: sys.inputs.at("subject", default: none),
  date: sys.inputs.at("created", default: none),
)
#plain-body(sys.inputs.at("body"))
"""


def is_own_pdf(path: Path) -> bool:
    """Whether ``path`` is a PDF tubenotes wrote (False for a missing file)."""
    try:
        return OWN_PDF_MARK in path.read_bytes()
    except OSError:
        return False


class TypstPdfExporter:
    """Renders Obsidian notes to PDF; safe to call from many threads at once.

    Typst's compile releases the GIL, so threads give real multi-core speed;
    each thread keeps its own compiler (a compiler is not shareable while it
    compiles) and all share one scan of the installed fonts.
    """

    def __init__(self, to_typst: ToTypst = markdown_to_typst) -> None:
        self._to_typst = to_typst  # pandoc with our Lua filter; a test passes one that fails
        self._style = package_file("style.typ").read_text(encoding="utf-8")
        self._fonts = "|".join(fallback_families())
        self._local = threading.local()

    def markdown_to_pdf(self, markdown_path: Path, pdf_path: Path) -> list[str]:
        """Write ``pdf_path`` from the note; return warnings about parts that were degraded."""
        try:
            markdown = markdown_path.read_text(encoding="utf-8")
            timestamp = int(markdown_path.stat().st_mtime)
        except (OSError, UnicodeDecodeError) as exc:
            raise ExportError(f"cannot read {markdown_path}: {exc}; check the file exists and is UTF-8") from exc
        note_dir = markdown_path.resolve().parent
        matter = read_front_matter(markdown)
        inputs = {"fonts": self._fonts, "lang": _language(matter.get("language"))}
        pdf, warnings = self._typeset(markdown, note_dir, inputs, timestamp)
        _write_atomically(pdf_path, pdf)
        return missing_font_warnings(markdown) + warnings

    @staticmethod
    def destination(pdf_path: Path) -> Path:
        """``pdf_path``, or the first ``Name (new N).pdf`` beside it, that is missing or a PDF tubenotes wrote."""
        candidate, number = pdf_path, 1
        while candidate.exists() and not is_own_pdf(candidate):
            mark = BESIDE_MARK if number == 1 else f"{BESIDE_MARK} {number}"
            candidate = pdf_path.with_name(f"{pdf_path.stem} ({mark}){pdf_path.suffix}")
            number += 1
        return candidate

    def _typeset(self, markdown: str, note_dir: Path, inputs: dict[str, str], timestamp: int) -> tuple[bytes, list[str]]:
        try:
            return self._typeset_markup(markdown, note_dir, inputs, timestamp)
        except _Unprintable as exc:
            reason = str(exc)
        except UnsafeTypst as exc:
            reason = f"{exc}, which tubenotes never runs"
        return self._typeset_plain(markdown, note_dir, inputs, timestamp, reason)

    def _typeset_markup(
        self, markdown: str, note_dir: Path, inputs: dict[str, str], timestamp: int
    ) -> tuple[bytes, list[str]]:
        plain_math: set[int] = set()
        math_warnings: list[str] = []
        for _ in range(MAX_FORMULA_RETRIES + 1):
            body, warnings = self._to_typst(markdown, note_dir, plain_math)
            source = self._style + body
            try:
                pdf, layout_warnings = self._compile(source, note_dir, inputs, timestamp)
                return pdf, warnings + math_warnings + layout_warnings
            except typst.TypstError as exc:
                failure = exc
                formula = _formula_at_error(source, exc.diagnostic)
                if formula is None or formula[0] in plain_math:
                    break
                plain_math.add(formula[0])
                math_warnings.append(
                    f"a formula Typst rejected ({exc.message}) was printed as its TeX source: {formula[1]}"
                )
        if FORMULA_MARKER.search(source):
            body, warnings = self._to_typst(markdown, note_dir, "all")
            try:
                pdf, layout_warnings = self._compile(self._style + body, note_dir, inputs, timestamp)
                message = f"all formulas were printed as TeX source: Typst said {failure.message!r}"
                return pdf, [*warnings, message, *layout_warnings]
            except typst.TypstError as exc:
                failure = exc
        raise _Unprintable(f"Typst said {failure.message!r}")

    def _typeset_plain(
        self, markdown: str, note_dir: Path, inputs: dict[str, str], timestamp: int, reason: str
    ) -> tuple[bytes, list[str]]:
        # The text goes in through sys.inputs, so Typst never parses it as markup.
        matter = read_front_matter(markdown)
        header = {key: str(matter[key]) for key in ("title", "source", "subject", "created") if matter.get(key)}
        plain_inputs = {**inputs, **header, "body": split_front_matter(markdown)[1]}
        try:
            pdf, _ = self._compile(self._style + PLAIN_NOTE, note_dir, plain_inputs, timestamp)
        except typst.TypstError as exc:
            raise ExportError(
                f"Typst cannot typeset the note even as plain text ({exc.message}); "
                "check the tubenotes installation (fonts, typst package)"
            ) from exc
        return pdf, [f"the note could not be typeset and was printed as plain text: {reason}"]

    def _compile(
        self, source: str, note_dir: Path, inputs: dict[str, str], timestamp: int
    ) -> tuple[bytes, list[str]]:
        """The PDF and warnings about parts the house style had to shrink."""
        compiler = getattr(self._local, "compiler", None)
        if compiler is None:
            compiler = self._local.compiler = typst.Compiler(font_paths=installed_fonts())
        # root confines every file Typst reads to the note's own folder.
        pdf, diagnostics = compiler.compile_with_warnings(
            input=source.encode("utf-8"), format="pdf", root=str(note_dir), sys_inputs=inputs, timestamp=timestamp
        )
        assert isinstance(pdf, bytes)
        wide = (WIDE_EQUATION.search(diagnostic.message) for diagnostic in diagnostics)
        return pdf, [
            f"an equation wider than the page was printed at {match.group(1)}% of its size to fit"
            if match.group(1)
            else "an equation wider than the page was broken across lines to fit"
            for match in wide
            if match
        ]


class _Unprintable(Exception):
    """Typst rejected the note's markup even with every formula printed as TeX."""


def _formula_at_error(source: str, diagnostic: str) -> tuple[int, str] | None:
    """The number and Typst text of the formula an error points into, or None when it is not in one."""
    location = ERROR_LOCATION.search(diagnostic)
    if location is None:
        return None
    line, column = int(location.group(1)), int(location.group(2))
    lines = source.split("\n")
    if line > len(lines):
        return None
    offset = sum(len(text) + 1 for text in lines[: line - 1]) + column - 1
    markers = list(FORMULA_MARKER.finditer(source, 0, offset + 1))
    if not markers:
        return None
    # The formula runs from its opening $ (right after the marker) to the next unescaped $.
    opening = markers[-1].end()
    closing = UNESCAPED_DOLLAR.search(source, opening + 1)
    if closing is None or offset > closing.start():
        return None
    return int(markers[-1].group(1)), source[opening : closing.end()]


def _language(value: object) -> str:
    match = LANGUAGE_CODE.match(str(value or "").lower())
    return match.group(0) if match else "en"


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc}; check the folder is writable and the disk has space") from exc
