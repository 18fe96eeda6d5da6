"""A slide's picture as a file: WebP, at most 1280 pixels wide and about 150 KB.

WebP keeps slide text sharper than JPEG at the same size, and Obsidian,
Anki and Typst (the PDFs) all show it.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

PICTURE_WIDTH = 1280
MAX_PICTURE_BYTES = 150_000
PICTURE_SUFFIX = ".webp"
# Qualities tried in turn until the picture fits; then it is made smaller.
QUALITIES = (80, 65, 50)
SHRINK = 0.8


def encode_picture(rgb: np.ndarray, max_bytes: int = MAX_PICTURE_BYTES) -> bytes:
    """``rgb`` as WebP bytes within ``max_bytes``: lower quality first, then fewer pixels."""
    image = Image.fromarray(rgb)
    while True:
        for quality in QUALITIES:
            buffer = io.BytesIO()
            image.save(buffer, format="WEBP", quality=quality, method=4)
            if buffer.tell() <= max_bytes or image.width < 320:
                return buffer.getvalue()
        image = image.resize((round(image.width * SHRINK), round(image.height * SHRINK)), Image.Resampling.LANCZOS)
