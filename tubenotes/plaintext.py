"""Text from outside (titles, channels, chapters, subjects) as one clean line.

A title can hold anything its uploader typed: a NUL byte that ends a C
string, line breaks, or a right-to-left override that makes a name read
backwards ("Lecture<RLO>fdp.exe" shows as "Lectureexe.pdf"). None of it may
reach a file name or a note's properties.
"""

from __future__ import annotations

import re

# C0 and C1 controls (NUL among them); the Arabic letter mark, zero width space,
# left-to-right and right-to-left marks, embeddings, overrides and isolates; the BOM.
# Zero width (non-)joiners stay: Persian, Indic scripts and emoji need them.
INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")


def clean_line(text: str) -> str:
    """``text`` on one line, without control or bidi-formatting characters; runs of spaces made one."""
    return _SPACES.sub(" ", INVISIBLE.sub("", _SPACES.sub(" ", text))).strip()
