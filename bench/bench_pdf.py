"""Seconds per PDF and notes per second: one thread against one per core.

    python bench/bench_pdf.py [--notes 200] [--workers 2]   (after pip install -e ., or with PYTHONPATH=.)

Each note is a realistic 4-page lecture note with 70 formulas, callouts, a
table and code. Typst's compile releases the GIL and pandoc is a subprocess,
so threads (one exporter, one compiler per thread) use every core.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tubenotes.export.pdf import TypstPdfExporter

FORMULAS = (
    r"\frac{-b \pm \sqrt{b^2-4ac}}{2a}",
    r"\sum_{k=1}^{n} k^2 = \frac{n(n+1)(2n+1)}{6}",
    r"\int_0^\infty e^{-x^2}\,dx = \frac{\sqrt{\pi}}{2}",
    r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}^{-1} = \frac{1}{ad-bc}\begin{pmatrix} d & -b \\ -c & a \end{pmatrix}",
    r"\lim_{h \to 0} \frac{f(x+h)-f(x)}{h}",
)


def lecture_note(index: int) -> str:
    """About four A4 pages: 7 sections, each with 10 formulas."""
    parts = [
        "---",
        f'title: "Lecture {index}: Linear maps and eigenvalues"',
        f"source: https://www.youtube.com/watch?v=vid{index:05d}",
        "subject: Linear Algebra",
        "created: 2025-03-14",
        "---",
        "",
        f"# Lecture {index}: Linear maps and eigenvalues",
    ]
    for section in range(7):
        parts += [
            f"## Section {section + 1} [{section * 7:02d}:15](https://www.youtube.com/watch?v=vid{index:05d}&t={section * 420 + 15}s)",
            "",
            "The lecturer explains how a [[Linear Map|linear map]] acts on a basis, and why the "
            "==characteristic polynomial== decides which directions are kept. "
            f"Inline: ${FORMULAS[section % 5]}$ and $A v = \\lambda v$ and $\\det(A - \\lambda I) = 0$.",
            "",
            *(f"$${FORMULAS[(section + k) % 5]}$$\n" for k in range(5)),
            f"Also $x_{section}^2$ and $\\alpha + \\beta$.",
            "",
            "> [!note] Key idea",
            "> An eigenvector keeps its direction; its eigenvalue scales it.",
            "",
            "- first point with a sub-point",
            "  - the sub-point",
            "- second point",
            "",
            "| Matrix | Eigenvalues |",
            "|---|---|",
            "| identity | 1, 1 |",
            "| rotation | complex pair |",
            "",
        ]
    parts += ["```python", "numpy.linalg.eig(A)", "```"]
    return "\n".join(parts) + "\n"


def render_all(exporter: TypstPdfExporter, notes: list[Path], workers: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda note: exporter.markdown_to_pdf(note, note.with_suffix(".pdf")), notes))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    exporter = TypstPdfExporter()
    with tempfile.TemporaryDirectory() as folder:
        notes = []
        for index in range(args.notes):
            note = Path(folder) / f"note{index:04d}.md"
            note.write_text(lecture_note(index), encoding="utf-8")
            notes.append(note)
        render_all(exporter, notes[:2], 1)  # font scan and first compile
        for workers in (1, args.workers):
            seconds = render_all(exporter, notes, workers)
            print(f"{workers} thread(s): {args.notes} notes in {seconds:.1f} s, "
                  f"{args.notes / seconds:.1f} notes/s, {seconds / args.notes:.3f} s per PDF")


if __name__ == "__main__":
    main()
