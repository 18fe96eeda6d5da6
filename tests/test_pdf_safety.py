"""The second lock on the Typst source: no package import, no image outside the note's folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.test_pdf_export import FRONT_MATTER, render, tiny_png
from tubenotes.errors import ExportError, StageInterrupted, TubenotesError
from tubenotes.export import pandoc as pandoc_module
from tubenotes.export.guard import UnsafeTypst, check_source
from tubenotes.export.pandoc import PandocWorker, markdown_to_typst
from tubenotes.export.pdf import TypstPdfExporter

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">{}</svg>'


@pytest.fixture(scope="module")
def exporter() -> TypstPdfExporter:
    return TypstPdfExporter()


@pytest.fixture
def compiled_sources(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every Typst source the exporter hands to the compiler."""
    sources: list[str] = []
    original = TypstPdfExporter._compile

    def spy(self: TypstPdfExporter, source: str, *args: object) -> tuple[bytes, list[str]]:
        sources.append(source)
        return original(self, source, *args)

    monkeypatch.setattr(TypstPdfExporter, "_compile", spy)
    return sources


def images_in(pdf: Path) -> int:
    return sum(len(page["/Resources"].get("/XObject", {})) for page in PdfReader(pdf).pages)


def test_package_imports_in_note_text_print_as_text(
    exporter: TypstPdfExporter, tmp_path: Path, compiled_sources: list[str]
) -> None:
    body = '\n#import "@preview/cetz:0.3.0": *\n\n#include "other.typ"\n\n```c\n#include <stdio.h>\n```\n'
    warnings, pages = render(exporter, tmp_path, FRONT_MATTER + body)
    text = " ".join("\n".join(pages).replace("“", '"').replace("”", '"').split())
    assert warnings == []
    assert '#import "@preview/cetz:0.3.0": *' in text and "#include <stdio.h>" in text
    assert all("#import" not in source.replace("\\#import", "") for source in compiled_sources)


@pytest.mark.parametrize("typst_body", [
    '#import "@preview/cetz:0.3.0": *\nText.',
    '#{ import "@preview/cetz:0.3.0" }\nText.',
    '#include "chapter.typ"\nText.',
])
def test_typst_that_loads_a_package_is_never_compiled(
    exporter: TypstPdfExporter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    compiled_sources: list[str], typst_body: str,
) -> None:
    # As if pandoc's escaping had a hole: its output loads a package.
    monkeypatch.setattr(pandoc_module, "_run_pandoc", lambda *args: (typst_body, []))
    warnings, pages = render(exporter, tmp_path, FRONT_MATTER + "\nThe note's own text.\n")
    assert "The note's own text." in pages[0]
    assert len(warnings) == 1 and "plain text" in warnings[0] and "never runs" in warnings[0]
    assert compiled_sources and not any(typst_body in source for source in compiled_sources)


def test_raw_code_may_show_imports() -> None:
    check_source('Text\n```typst\n#import "@preview/cetz:0.3.0"\n```\nand `#include <x.h>` end')
    with pytest.raises(UnsafeTypst):
        check_source('Text `code` then #import "@preview/cetz:0.3.0"')


@pytest.mark.parametrize("target", ["outside.png", "/etc/passwd"])
def test_an_image_symlinked_outside_the_folder_is_refused(
    exporter: TypstPdfExporter, tmp_path: Path, target: str
) -> None:
    (tmp_path / "outside.png").write_bytes(tiny_png())
    folder = tmp_path / "vault"
    folder.mkdir()
    os.symlink(tmp_path / target, folder / "leak.png")
    warnings, pages = render(exporter, folder, FRONT_MATTER + "\nBefore ![leak](leak.png) after.\n")
    assert "[image: leak]" in pages[0] and "after" in pages[0]
    assert any("outside the note's folder" in warning for warning in warnings), warnings
    assert images_in(folder / "pdfs" / "note.pdf") == 0


def test_a_symlinked_folder_outside_is_refused(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "figure.png").write_bytes(tiny_png())
    folder = tmp_path / "vault"
    folder.mkdir()
    os.symlink(tmp_path / "elsewhere", folder / "attachments")
    warnings, _ = render(exporter, folder, FRONT_MATTER + "\n![[attachments/figure.png]]\n")
    assert any("outside the note's folder" in warning for warning in warnings), warnings
    assert images_in(folder / "pdfs" / "note.pdf") == 0


def test_a_symlink_inside_the_folder_is_allowed(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    (tmp_path / "figure.png").write_bytes(tiny_png())
    os.symlink(tmp_path / "figure.png", tmp_path / "alias.png")
    warnings, _ = render(exporter, tmp_path, FRONT_MATTER + "\n![alias](alias.png)\n")
    assert warnings == [] and images_in(tmp_path / "pdfs" / "note.pdf") == 1


def test_a_self_contained_svg_prints(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    (tmp_path / "diagram.svg").write_text(SVG.format('<rect width="10" height="10" fill="red"/>'), encoding="utf-8")
    warnings, pages = render(exporter, tmp_path, FRONT_MATTER + "\nBefore ![diagram](diagram.svg) after.\n")
    assert warnings == [] and "[image:" not in pages[0]
    drawing = PdfReader(tmp_path / "pdfs" / "note.pdf").pages[0].get_contents().get_data()
    assert b" 1 0 0 scn" in drawing, "the SVG's red square is not drawn"


def test_an_svg_that_links_a_file_is_refused(exporter: TypstPdfExporter, tmp_path: Path) -> None:
    # Typst would follow the link through a symlink, so no SVG may link files at all.
    (tmp_path / "figure.png").write_bytes(tiny_png())
    (tmp_path / "linked.svg").write_text(SVG.format('<image href="figure.png" width="9" height="9"/>'),
                                         encoding="utf-8")
    warnings, pages = render(exporter, tmp_path, FRONT_MATTER + "\nBefore ![linked](linked.svg) after.\n")
    assert "[image: linked]" in pages[0]
    assert any("SVG that links other files (figure.png)" in warning for warning in warnings), warnings


def test_image_paths_with_spaces_are_checked_as_typst_reads_them(tmp_path: Path) -> None:
    (tmp_path / "my figure.png").write_bytes(tiny_png())
    body, warnings = markdown_to_typst("![a](my%20figure.png) ![b](<my figure.png>)\n", tmp_path)
    assert warnings == [] and body.count('image("my figure.png")') == 2



@pytest.mark.parametrize(("script", "expected"), [
    ("kill -TERM $$", ["pandoc failed on the note", "stopped by signal SIGTERM", "wrote nothing on stderr"]),
    ("echo 'out of memory' >&2; exit 3", ["pandoc failed on the note", "exited with code 3", "out of memory"]),
])
def test_a_pandoc_that_dies_is_reported_with_how_and_why_and_then_started_again(
    tmp_path: Path, script: str, expected: list[str]
) -> None:
    # A pandoc that dies the first time it runs, and is the real one after.
    died, fake = tmp_path / "died", tmp_path / "pandoc"
    fake.write_text(f'#!/bin/sh\nif [ ! -e "{died}" ]; then\n  touch "{died}"\n  read -r length\n  {script}\nfi\n'
                    f'exec "{pandoc_module.pandoc_path()}" "$@"\n')
    fake.chmod(0o755)
    request = {"markdown": "# A note\n\nText.\n", "folder": str(tmp_path), "plain_math": [], "refused_images": {},
               "header": {"title": "A note"}}
    worker = PandocWorker(pandoc=str(fake))
    with pytest.raises(ExportError) as failure:
        worker.convert(request)
    assert all(part in str(failure.value) for part in expected), str(failure.value)
    assert "Text." in worker.convert(request)["typst"]  # started again
    worker.close()


def test_a_pandoc_stopped_by_ctrl_c_interrupts_the_stage_and_fails_no_note(tmp_path: Path) -> None:
    # A Ctrl-C that reaches pandoc between its start and its own session: the user's stop, not the note's fault.
    fake = tmp_path / "pandoc"
    fake.write_text("#!/bin/sh\nread -r length\nkill -INT $$\n")
    fake.chmod(0o755)
    worker = PandocWorker(pandoc=str(fake))
    with pytest.raises(StageInterrupted) as stopped:
        worker.convert({"markdown": "# A note\n", "folder": str(tmp_path), "plain_math": [], "refused_images": {},
                        "header": {"title": "A note"}})
    assert not isinstance(stopped.value, TubenotesError) and "resume" in str(stopped.value)
    worker.close()
