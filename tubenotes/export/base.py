"""What a PDF exporter is."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class PdfExporter(Protocol):
    def markdown_to_pdf(self, markdown_path: Path, pdf_path: Path) -> list[str]:
        """Render one Markdown note to a PDF; return warnings about parts that were degraded."""
        ...
