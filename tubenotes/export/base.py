"""What a PDF exporter is."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable


class PdfExporter(Protocol):
    def markdown_to_pdf(self, markdown_path: Path, pdf_path: Path) -> list[str]:
        """Render one Markdown note to a PDF; return warnings about parts that were degraded."""
        ...


@runtime_checkable
class GuardedPdfExporter(PdfExporter, Protocol):
    """An exporter that tells its own PDFs from the user's, and so where a new PDF may go."""

    def destination(self, wanted: Path) -> Path:
        """``wanted``, or a path beside it when the file there is not one this exporter wrote."""
        ...
