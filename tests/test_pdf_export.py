"""TypstPdfExporter on real notes, broken notes and hostile notes, read back with pypdf."""

from __future__ import annotations

import struct
import threading
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader

from tubenotes.errors import ExportError
from tubenotes.export.fonts import installed_families, missing_font_warnings
from tubenotes.export.pdf import TypstPdfExporter

FRONT_MATTER = """---
title: "Eigenvalues and Eigenvectors"
source: https://www.youtube.com/watch?v=PFDu9oVAE-g
subject: Linear Algebra
created: 2025-03-14
---
"""

NOTE = (
    FRONT_MATTER
    + r"""
# Eigenvalues and Eigenvectors

See [[Matrix Multiplication|matrix products]] and [[Determinant]]; this is ==the key idea==.

## Definition [00:45](https://www.youtube.com/watch?v=PFDu9oVAE-g&t=45s)

An eigenvector $v$ of $A$ satisfies $Av = \lambda v$, so

$$\det(A - \lambda I) = 0 \quad\text{and}\quad x = \frac{-b \pm \sqrt{b^2-4ac}}{2a}$$

$$\begin{pmatrix} 2 & 1 \\ 1 & 2 \end{pmatrix}$$

> [!note] Why it matters
> Eigenvectors keep their direction.

> [!question]- Can a rotation have real eigenvectors?
> Only by 0 or 180 degrees.

## Worked example

1. Write the characteristic polynomial
   - expand the determinant
2. Solve for the roots

| Matrix | Eigenvalues |
|--------|-------------|
| identity | 1, 1 |
| shear | 1, 1 |

```python
numpy.linalg.eig(A)
```
"""
)

ASSESSMENT = (
    FRONT_MATTER.replace("Eigenvalues and Eigenvectors", "Assessment: Eigenvalues")
    + """
## Questions

1. What equation does an eigenvector satisfy? Quokka question one.
2. Which polynomial gives the eigenvalues? Quokka question two.

## Answer key

1. Av = lambda v, the wombat answer.
2. The characteristic polynomial, the wombat answer.
"""
)


@pytest.fixture(scope="module")
def exporter() -> TypstPdfExporter:
    return TypstPdfExporter()


def render(exporter: TypstPdfExporter, folder: Path, markdown: str) -> tuple[list[str], list[str]]:
    """Warnings and the text of each page."""
    note = folder / "note.md"
    note.write_text(markdown, encoding="utf-8")
    pdf = folder / "pdfs" / "note.pdf"
    warnings = exporter.markdown_to_pdf(note, pdf)
    return warnings, [page.extract_text() for page in PdfReader(pdf).pages]


def test_a_real_note_keeps_every_part(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    warnings, pages = render(exporter, tmp_path, NOTE)
    text = "\n".join(pages)
    assert warnings == []
    assert text.startswith("Eigenvalues and Eigenvectors")
    assert text.count("Eigenvalues and Eigenvectors") == 1, "the body's H1 repeats the header title"
    for expected in ("Linear Algebra", "2025-03-14", "Definition", "Worked example", "characteristic polynomial",
                     "the key idea", "numpy.linalg.eig(A)", "shear", "Why it matters",
                     "Can a rotation have real eigenvectors?", "Only by 0 or 180 degrees"):
        assert expected in text
    assert "matrix products" in text and "Determinant" in text
    assert "[[" not in text and "Matrix Multiplication" not in text and "[!note]" not in text
    assert "𝜆" in text and "√" in text, "math was not typeset"
    assert pages[-1].rstrip().endswith(f"{len(pages)} / {len(pages)}")


def test_timestamp_links_stay_clickable(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    render(exporter, tmp_path, NOTE)
    page = PdfReader(tmp_path / "pdfs" / "note.pdf").pages[0]
    uris = {annotation.get_object()["/A"]["/URI"] for annotation in page["/Annots"]}
    assert "https://www.youtube.com/watch?v=PFDu9oVAE-g&t=45s" in uris
    assert all(uri.startswith("https://") for uri in uris), "a wikilink became a dead link"


def test_the_answer_key_starts_the_last_page(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    warnings, pages = render(exporter, tmp_path, ASSESSMENT)
    assert warnings == []
    assert len(pages) == 2
    assert "Quokka question two" in pages[0] and "wombat" not in pages[0]
    assert pages[-1].lstrip().startswith("Answer key")
    assert "Quokka" not in pages[-1] and pages[-1].count("wombat answer") == 2


LLM_ASSESSMENT = (
    FRONT_MATTER.replace("Eigenvalues and Eigenvectors", "Assessment: Eigenvalues")
    .replace("---\n", "---\ntype: assessment\n", 1)
    + """
## Questions

### Question 1

*Short answer*

What equation does an eigenvector satisfy? Quokka question.

> [!success]- Answer
> **Av = lambda v, the wombat answer.**
>
> The wombat explanation.

## Answer key

1. Av = lambda v, the wombat answer.

## Flashcards

#flashcards/Linear-Algebra

What equation does an eigenvector satisfy? Platypus card.
?
Av = lambda v
"""
)


def test_an_assessment_prints_answers_only_on_the_key_page_and_no_flashcards(
    exporter: TypstPdfExporter, tmp_path: Path
) -> None:
    warnings, pages = render(exporter, tmp_path, LLM_ASSESSMENT)
    assert warnings == []
    assert "Quokka question" in pages[0] and "wombat" not in pages[0], "the folded answer printed under its question"
    assert pages[-1].lstrip().startswith("Answer key") and "wombat answer" in pages[-1]
    assert "Platypus" not in "\n".join(pages) and "Flashcards" not in "\n".join(pages)


BROKEN_CASES = {
    "formula Typst rejects": (r"Before $\frac{}{}$ and after $x^2$.", "formula Typst rejected"),
    "500-character word": ("Before " + "x" * 500 + " after.", "500-character word"),
    "missing image": ("Before ![diagram](missing.png) after.", "missing"),
    "huge table": ("Before\n\n| a | b |\n|---|---|\n" + "\n".join(f"| {i} | row {i} |" for i in range(400))
                   + "\n\nafter.", None),
    "equation a little wider than the page": (
        "Before\n\n$$" + " + ".join(f"a_{{{i}}} x^{{{i}}}" for i in range(16)) + "$$\n\nafter.", "% of its size"),
    "equation far wider than the page": (
        "Before\n\n$$" + " + ".join(f"a_{{{i}}} x^{{{i}}}" for i in range(60)) + "$$\n\nafter.", "across lines"),
    "table with 14 columns": (
        "Before\n\n|" + "|".join(f" head{i} " for i in range(14)) + "|\n|" + "---|" * 14 + "\n|"
        + "|".join(f" cell{i} " for i in range(14)) + "|\n\nafter.", "14 columns was printed in"),
}


@pytest.mark.parametrize("case", BROKEN_CASES)
def test_a_broken_part_degrades_and_the_rest_prints(exporter: TypstPdfExporter, tmp_path: Path, case: str) -> None:
    body, expected_warning = BROKEN_CASES[case]
    warnings, pages = render(exporter, tmp_path, FRONT_MATTER + "\n" + body + "\n")
    text = "\n".join(pages)
    assert "Before" in text and "after" in text
    if expected_warning is None:
        assert "row 399" in text and len(pages) > 5
        assert all(page.lstrip().startswith("a b") for page in pages[1:]), "table header not repeated"
    else:
        assert any(expected_warning in warning for warning in warnings), warnings


def test_a_formula_typst_rejects_prints_as_tex_source(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    warnings, pages = render(exporter, tmp_path, FRONT_MATTER + "\nGood $\\sqrt{y}$ bad $\\mathrm{}$ end.\n")
    assert "\\mathrm{}" in pages[0] and "√" in pages[0], "only the bad formula should be degraded"
    assert len(warnings) == 1


def test_a_note_that_cannot_be_typeset_prints_as_plain_text(tmp_path: Path) -> None:
    exporter = TypstPdfExporter(to_typst=lambda *args: ("#let broken = (", []))
    warnings, pages = render(exporter, tmp_path, NOTE)
    assert "Eigenvalues and Eigenvectors" in pages[0] and "[[Determinant]]" in "".join(pages)
    assert warnings and "plain text" in warnings[0]


def test_an_unreadable_note_raises_export_error(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="cannot read"):
        exporter.markdown_to_pdf(tmp_path / "absent.md", tmp_path / "absent.pdf")


def test_rendering_makes_no_network_request(
    exporter: TypstPdfExporter, tmp_path: Path, http_server: tuple[str, list[str]]
) -> None:
    url, requests = http_server
    body = f"""
![remote]({url}/image.png)

<img src="{url}/html.png">

`#image("{url}/typst.png")`{{=typst}}

```{{=typst}}
#image("{url}/block.png")
```
"""
    warnings, pages = render(exporter, tmp_path, FRONT_MATTER + body)
    assert requests == []
    assert "[image: remote]" in pages[0]
    assert any("network" in warning for warning in warnings)


def test_hostile_markup_reads_no_file_outside_the_note(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("TOPSECRET", encoding="utf-8")
    folder = tmp_path / "vault"
    folder.mkdir()
    body = """
#read("/etc/passwd") and #read("../secret.txt")

`#read("/etc/passwd")`{=typst}

```{=typst}
#read("../secret.txt")
```

$\\text{#read("/etc/passwd")}$ ![x](../secret.txt) ![y](file:///etc/passwd)
"""
    warnings, pages = render(exporter, folder, FRONT_MATTER + body)
    text = "\n".join(pages)
    assert "root:" not in text and "TOPSECRET" not in text
    assert '#read("/etc/passwd")' in text.replace("“", '"').replace("”", '"'), "markup should print as text"


def tiny_png() -> bytes:
    """A valid 1x1 white PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff")) + chunk(b"IEND", b"")


def test_an_image_in_the_note_folder_is_printed(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    (tmp_path / "figure.png").write_bytes(tiny_png())
    warnings, pages = render(exporter, tmp_path, FRONT_MATTER + "\nBefore ![a figure](figure.png) after.\n")
    assert warnings == []
    assert "[image:" not in pages[0]
    resources = PdfReader(tmp_path / "pdfs" / "note.pdf").pages[0]["/Resources"]
    assert "/XObject" in resources, "the image was not embedded"


def test_scripts_print_or_warn_with_the_package_to_install(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    body = "Привет мир. Καλημέρα. 你好世界. مرحبا بالعالم. שלום עולם.\n"
    warnings, pages = render(exporter, tmp_path, FRONT_MATTER + body)
    assert "Привет" in pages[0] and "Καλημέρα" in pages[0]
    families = installed_families()
    if families.intersection({"Noto Serif CJK SC", "Noto Sans CJK SC"}):
        assert "你好世界" in pages[0]
    else:
        assert any("fonts-noto-cjk" in warning for warning in warnings)
    if "Noto Naskh Arabic" in families:
        assert "بالعالم" in pages[0]


def test_a_script_without_a_font_names_its_debian_package() -> None:
    warnings = missing_font_warnings("漢字 and عربي and plain", families=["Libertinus Serif"])
    assert len(warnings) == 2
    assert "fonts-noto-cjk" in warnings[0] and "fonts-noto-core" in warnings[1]
    assert missing_font_warnings("plain Latin, Ελληνικά", families=[]) == []


def test_threads_share_one_exporter(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    notes = []
    for index in range(4):
        folder = tmp_path / f"subject{index}"
        folder.mkdir()
        notes.append(folder / "note.md")
        notes[-1].write_text(NOTE.replace("Worked example", f"Worked example {index}"), encoding="utf-8")
    errors: list[BaseException] = []

    def export(note: Path) -> None:
        try:
            exporter.markdown_to_pdf(note, note.parent / "pdfs" / "note.pdf")
        except BaseException as exc:  # noqa: BLE001 (reported by the assert below)
            errors.append(exc)

    threads = [threading.Thread(target=export, args=(note,)) for note in notes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for index, note in enumerate(notes):
        pdf_dir = note.parent / "pdfs"
        assert [path.name for path in pdf_dir.iterdir()] == ["note.pdf"], "a temporary file was left behind"
        assert f"Worked example {index}" in PdfReader(pdf_dir / "note.pdf").pages[0].extract_text()


def test_the_embedded_video_prints_as_a_link_to_it(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    note = tmp_path / "Lecture.md"
    url = "https://www.youtube.com/watch?v=PFDu9oVAE-g"
    note.write_text(FRONT_MATTER + f"\n# Lecture\n\n![]({url})\n\nSome notes.\n", encoding="utf-8")
    warnings = exporter.markdown_to_pdf(note, tmp_path / "Lecture.pdf")
    page = PdfReader(tmp_path / "Lecture.pdf").pages[0]
    uris = [annotation.get_object()["/A"].get("/URI") for annotation in page.get("/Annots", [])]
    assert url in uris and "Watch the lecture" in page.extract_text()
    assert warnings == []


def test_a_pdf_the_user_put_there_is_kept_and_ours_is_replaced(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    from tubenotes.job import VideoProcessingJob
    from tubenotes.pipeline import export_pdfs

    note = tmp_path / "Eigen.md"
    note.write_text(NOTE, encoding="utf-8")
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "pdfs" / "Eigen.pdf").write_bytes(b"%PDF-1.4 the user's annotated copy")

    def export() -> VideoProcessingJob:
        job = VideoProcessingJob(url="u", video_id="PFDu9oVAE-g", notes_filepath=note, output_dir=tmp_path)
        return export_pdfs(job, exporter)

    job = export()
    assert (tmp_path / "pdfs" / "Eigen.pdf").read_bytes().endswith(b"annotated copy")
    assert job.notes_pdf_path == tmp_path / "pdfs" / "Eigen (new).pdf"
    assert any("Eigen (new).pdf" in warning for warning in job.warnings)
    assert "Eigenvalues" in PdfReader(job.notes_pdf_path).pages[0].extract_text()
    assert export().notes_pdf_path == tmp_path / "pdfs" / "Eigen (new).pdf", "tubenotes' own PDF was not replaced"
