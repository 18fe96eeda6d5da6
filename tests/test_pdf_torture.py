"""One note with every construct of issue 6, rendered once and read back with pypdf and pdftotext."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.test_pdf_export import render, tiny_png
from tubenotes.export.fonts import installed_families
from tubenotes.export.pandoc import markdown_to_typst
from tubenotes.export.pdf import TypstPdfExporter

TIMESTAMP_URL = "https://www.youtube.com/watch?v=PFDu9oVAE-g&t=754s"
ARABIC = "مرحبا بالعالم"
HEBREW = "שלום עולם"
CJK = "特征值与特征向量"

TORTURE = f"""---
title: "Torture: every construct"
source: https://www.youtube.com/watch?v=PFDu9oVAE-g
subject: Typesetting
created: 2025-03-14
---

# Torture: every construct

## Headings and lists

### Third level heading

1. First ordered item
   - nested bullet alpha
     - nested deeper beta
2. Second ordered item

## Tasks and tags

- [ ] unchecked task gamma
- [x] checked task delta

Tagged #exam-prep and #linear/algebra, not #42. Mail @someone. This is ==highlighted text==.
A footnote here[^fn].

[^fn]: The footnote text epsilon.

## Code

```python
def eigen(matrix):
    return numpy.linalg.eig(matrix)
```

## Math

Inline $\\frac{{a}}{{b}}$ and $\\sqrt{{x^2+1}}$.

$$\\begin{{pmatrix}} 1 & 2 \\\\ 3 & 4 \\end{{pmatrix}} \\begin{{bmatrix}} x \\\\ y \\end{{bmatrix}}$$

$$\\begin{{aligned}} f(x) &= x^2 + 2x + 1 \\\\ &= (x+1)^2 \\end{{aligned}}$$

## Callouts

{chr(10).join(f"> [!{kind}] Callout {kind} title{chr(10)}> Callout {kind} body.{chr(10)}" for kind in (
    "note", "abstract", "info", "todo", "tip", "success", "question", "warning",
    "failure", "danger", "bug", "example", "quote"))}
> [!faq]- Folded question eta
> Hidden in Obsidian, printed open.

> [!warning] Outer warning theta
> Outer body.
>
> > [!example] Inner example iota
> > Inner body kappa.

## Links

See [[Matrix Multiplication|matrix products]] and [[Determinant]]. Jump to [12:34]({TIMESTAMP_URL}).

## Scripts

中文笔记：{CJK}。日本語のノート。한국어 노트.

{ARABIC}، هذه ملاحظة عربية.

{HEBREW}, זו הערה בעברית.

Привет, мир. Καλημέρα κόσμε. Emoji: 🎓📐.

## Long table

| Step | Value |
|---|---|
""" + "\n".join(f"| step {i} | value {i * i} |" for i in range(70)) + "\n\nEnd of torture omega.\n"

SECTIONS = ("Headings and lists", "Third level heading", "Tasks and tags", "Code", "Math", "Callouts", "Links",
            "Scripts", "Long table", "End of torture omega")
WORDS = ("nested bullet alpha", "nested deeper beta", "Second ordered item", "☐ unchecked task gamma",
         "☑ checked task delta", "#exam-prep", "#linear/algebra", "not #42", "@someone", "highlighted text",
         "The footnote text epsilon", "numpy.linalg.eig(matrix)", "Folded question eta",
         "Outer warning theta", "Inner example iota", "Inner body kappa", "matrix products", "Determinant",
         "12:34", "Привет, мир", "Καλημέρα κόσμε", "value 4761", "Typesetting", "2025-03-14")


@pytest.fixture(scope="module")
def torture_pdf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    folder = tmp_path_factory.mktemp("torture")
    (folder / "figure.png").write_bytes(tiny_png())
    note = folder / "torture.md"
    note.write_text(TORTURE.replace("## Scripts", "![a local figure](figure.png)\n\n## Scripts"), encoding="utf-8")
    pdf = folder / "torture.pdf"
    warnings = TypstPdfExporter().markdown_to_pdf(note, pdf)
    yield pdf, warnings


def pypdf_text(pdf: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(pdf).pages]


def test_every_section_and_construct_is_in_the_pdf(torture_pdf: tuple[Path, list[str]]) -> None:
    pdf, warnings = torture_pdf
    assert warnings == []
    pages = pypdf_text(pdf)
    text = "\n".join(pages)
    assert 3 <= len(pages) <= 6
    assert text.startswith("Torture: every construct") and text.count("Torture: every construct") == 1
    for expected in SECTIONS + WORDS:
        assert expected in text, expected
    for kind in ("note", "abstract", "info", "todo", "tip", "success", "question", "warning", "failure",
                 "danger", "bug", "example", "quote"):
        assert f"Callout {kind} title" in text and f"Callout {kind} body." in text
    assert "[!" not in text and "[[" not in text and "==" not in text and "[^" not in text
    assert "𝑎" in text and "√" in text and "𝑓(𝑥)" in text, "math was not typeset"
    assert pages[-1].rstrip().endswith(f"{len(pages)} / {len(pages)}")


def test_the_long_table_repeats_its_header_on_each_page(torture_pdf: tuple[Path, list[str]]) -> None:
    pages = pypdf_text(torture_pdf[0])
    with_rows = [page for page in pages if "value 1" in page or "step 69" in page]
    assert len(with_rows) >= 2, "the table did not cross a page"
    assert all("Step" in page and "Value" in page for page in with_rows)


def test_scripts_come_back_from_the_pdf(torture_pdf: tuple[Path, list[str]]) -> None:
    text = "\n".join(pypdf_text(torture_pdf[0]))
    families = installed_families()
    if families.intersection({"Noto Serif CJK SC", "Noto Sans CJK SC"}):
        assert CJK in text
    if families.intersection({"Noto Naskh Arabic", "Noto Sans Arabic"}):
        assert all(word in text for word in ARABIC.split())
    if "Noto Color Emoji" in families:
        assert "🎓" in text
    if shutil.which("pdftotext"):
        poppler = subprocess.run(["pdftotext", str(torture_pdf[0]), "-"], capture_output=True, text=True, check=True)
        # pdftotext puts right-to-left runs back in reading order.
        assert ARABIC in poppler.stdout and HEBREW in poppler.stdout and CJK in poppler.stdout
        assert "End of torture omega" in poppler.stdout


def test_the_timestamp_is_a_clickable_link(torture_pdf: tuple[Path, list[str]]) -> None:
    uris = {
        annotation.get_object()["/A"].get("/URI")
        for page in PdfReader(torture_pdf[0]).pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object()
    }
    assert TIMESTAMP_URL in uris


def test_code_is_highlighted_and_tags_are_labels(tmp_path: Path) -> None:
    typst_source, _ = markdown_to_typst(TORTURE, tmp_path)
    assert "```python" in typst_source, "the code block lost its language, so Typst cannot highlight it"
    assert "#tn-tag[\\#exam-prep]" in typst_source and "#tn-tag[\\#linear/algebra]" in typst_source
    assert "#tn-tag[\\#42]" not in typst_source
    assert f'#[#set text(lang: "ar")\n{ARABIC}' in typst_source and f'#[#set text(lang: "he")\n{HEBREW}' in typst_source


def text_positions(pdf: Path) -> list[tuple[str, float]]:
    """Each text run on the first page and the x coordinate where it starts."""
    runs: list[tuple[str, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            runs.append((text, cm[4] + tm[4] * cm[0]))

    PdfReader(pdf).pages[0].extract_text(visitor_text=visit)
    return runs


@pytest.mark.parametrize("language", [None, "en"])
def test_arabic_and_hebrew_paragraphs_run_right_to_left(tmp_path: Path, language: str | None) -> None:
    front = f"---\ntitle: Directions\nlanguage: {language}\n---\n" if language else "---\ntitle: Directions\n---\n"
    warnings, _ = render(TypstPdfExporter(), tmp_path, f"{front}\nLeft paragraph.\n\n{ARABIC}.\n\n{HEBREW}.\n")
    assert warnings == []
    runs = text_positions(tmp_path / "pdfs" / "note.pdf")
    left = min(x for text, x in runs if "Left" in text)
    for word in (ARABIC.split()[0], HEBREW.split()[0]):
        # A short right-to-left paragraph ends at the right margin, far from where Latin lines start.
        assert min(x for text, x in runs if word in text) > left + 250, word


def test_latin_paragraphs_run_left_to_right_in_an_arabic_note(tmp_path: Path) -> None:
    front = "---\ntitle: اتجاهات\nlanguage: ar\n---\n"
    render(TypstPdfExporter(), tmp_path, f"{front}\n{ARABIC}.\n\nLeft paragraph.\n")
    runs = text_positions(tmp_path / "pdfs" / "note.pdf")
    arabic = min(x for text, x in runs if ARABIC.split()[0] in text)
    assert min(x for text, x in runs if "Left" in text) < arabic - 250


def test_rendering_the_torture_note_makes_no_request(tmp_path: Path, http_server: tuple[str, list[str]]) -> None:
    url, requests = http_server
    (tmp_path / "linked.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><image href="{url}/svg.png"/></svg>',
        encoding="utf-8",
    )
    hostile = f"![remote]({url}/a.png) ![svg](linked.svg) <img src='{url}/b.png'> [link]({url}/c)\n\n"
    warnings, pages = render(TypstPdfExporter(), tmp_path, TORTURE.replace("## Links", hostile + "## Links"))
    assert requests == []
    assert "End of torture omega" in pages[-1]
    assert any("network" in warning for warning in warnings) and any("SVG" in warning for warning in warnings)
