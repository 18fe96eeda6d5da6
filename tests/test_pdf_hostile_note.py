"""A note body, written by an LLM or by a prompt injection in a transcript, never changes a PDF's header or links."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.test_pdf_export import FRONT_MATTER, render
from tubenotes.export.pdf import TypstPdfExporter

INJECTED_HEADER = """
Some notes.

---
title: Pwned Title
source: https://evil.example/phish
subject: Hacked Subject
created: 1999-01-01
---

More notes.
"""

DANGEROUS_LINKS = """
Read [the file](file:///etc/passwd), run [this](javascript:alert(1)), mail [me](mailto:a@b.c),
see <file:///etc/shadow> and [a call](tel:+123), and watch [the video](https://www.youtube.com/watch?v=PFDu9oVAE-g&t=45s).
"""


@pytest.fixture(scope="module")
def exporter() -> TypstPdfExporter:
    return TypstPdfExporter()


def uris(pdf: Path) -> set[str]:
    return {annotation.get_object()["/A"].get("/URI") for page in PdfReader(pdf).pages
            for annotation in page.get("/Annots", [])}


def test_a_yaml_block_in_the_body_does_not_change_the_header(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    warnings, pages = render(exporter, tmp_path, FRONT_MATTER + INJECTED_HEADER)
    text = "\n".join(pages)
    assert "Eigenvalues and Eigenvectors" in text and "Linear Algebra" in text and "2025-03-14" in text
    assert "Hacked Subject" not in text.split("Some notes")[0] and "1999" not in text.split("Some notes")[0]
    assert uris(tmp_path / "pdfs" / "note.pdf") == {"https://www.youtube.com/watch?v=PFDu9oVAE-g"}
    info = PdfReader(tmp_path / "pdfs" / "note.pdf").metadata
    assert info.title == "Eigenvalues and Eigenvectors"


def test_only_web_links_are_clickable(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    warnings, pages = render(exporter, tmp_path, FRONT_MATTER + DANGEROUS_LINKS)
    text = " ".join("\n".join(pages).split())
    assert "the file" in text and "this" in text and "the video" in text  # no words lost
    assert uris(tmp_path / "pdfs" / "note.pdf") == {
        "https://www.youtube.com/watch?v=PFDu9oVAE-g", "https://www.youtube.com/watch?v=PFDu9oVAE-g&t=45s"}
