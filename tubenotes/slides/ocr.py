"""The text of a slide, read by RapidOCR (PP-OCR models on onnxruntime).

The models ship inside the ``rapidocr`` wheel: nothing is downloaded at run
time. The engine is loaded once per process, on first need, and used by one
slide at a time (onnxruntime already spreads one over the cores).
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from tubenotes.errors import ConfigurationError

if TYPE_CHECKING:
    from rapidocr import RapidOCR

# A title sits in the top part of a slide, in the largest type there.
TITLE_ZONE = 0.35
# Below this confidence a piece of text is noise (a logo, a texture).
MIN_SCORE = 0.6
# Pieces whose vertical middles are closer than this share of their height are on one line.
SAME_LINE = 0.5
# A line that is only a number is the slide's page number, one without two letters or digits a
# stray mark (a bullet, an icon, a face in the speaker's camera): not the slide's content.
NOT_CONTENT = re.compile(r"^\W*\d{1,3}\W*$|^[\W_]*\w?[\W_]*$")
# The marks that open a bullet point: the notes make their own lists.
BULLETS = "•·▪▫‣◦●○■□►▸➢✓-–*> "
# OCR reads this many pixels across at most: slide text stays legible, and it costs half of 1280.
READ_WIDTH = 960


@dataclass(frozen=True)
class SlideText:
    title: str = ""
    lines: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.title and not self.lines


@dataclass
class _Piece:
    text: str
    top: float
    bottom: float
    left: float

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


class SlideReader:
    """OCR for one process: the engine loaded on first use."""

    def __init__(self) -> None:
        self._engine: RapidOCR | None = None
        self._lock = threading.Lock()

    def read(self, picture: np.ndarray) -> SlideText:
        """The title and lines of text of a slide's RGB picture."""
        height, width = picture.shape[:2]
        if width > READ_WIDTH:
            size = (READ_WIDTH, round(height * READ_WIDTH / width))
            picture = np.asarray(Image.fromarray(picture).resize(size, Image.Resampling.LANCZOS))
        with self._lock:
            result = self._load()(np.ascontiguousarray(picture))
        if result.txts is None:
            return SlideText()
        scale = height / picture.shape[0]
        pieces = [_piece(text, box, scale) for text, box, score in zip(result.txts, result.boxes, result.scores)
                  if score >= MIN_SCORE and text.strip()]
        return layout(pieces, height)

    def _load(self) -> Any:
        if self._engine is None:
            try:
                from rapidocr import RapidOCR
            except ImportError:
                raise ConfigurationError("reading slides needs rapidocr: pip install rapidocr") from None
            # The models in the wheel, on onnxruntime; no text orientation step: slides stand upright.
            self._engine = RapidOCR(params={"Global.use_cls": False, "Global.log_level": "warning",
                                             "Det.limit_type": "max", "Det.limit_side_len": READ_WIDTH})
            logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        return self._engine


def _piece(text: str, box: Any, scale: float) -> _Piece:
    ys = [point[1] * scale for point in box]
    xs = [point[0] * scale for point in box]
    return _Piece(" ".join(text.split()), min(ys), max(ys), min(xs))


def layout(pieces: list[_Piece], height: float) -> SlideText:
    """Pieces of text as lines top to bottom (pieces side by side joined), the title picked out."""
    lines: list[list[_Piece]] = []
    for piece in sorted(pieces, key=lambda piece: piece.middle):
        line = lines[-1] if lines else None
        if line and abs(piece.middle - line[0].middle) <= SAME_LINE * max(piece.height, line[0].height):
            line.append(piece)
        else:
            lines.append([piece])
    lines = [line for line in lines if not NOT_CONTENT.match(" ".join(piece.text for piece in line))]
    texts = [" ".join(piece.text for piece in sorted(line, key=lambda piece: piece.left)).lstrip(BULLETS)
             for line in lines]
    heights = [max(piece.height for piece in line) for line in lines]
    tops = [min(piece.top for piece in line) for line in lines]
    in_zone = [number for number, top in enumerate(tops) if top < TITLE_ZONE * height]
    if not in_zone:
        return SlideText("", texts)
    title = max(in_zone, key=lambda number: (heights[number], -number))
    return SlideText(texts[title], texts[:title] + texts[title + 1:])
