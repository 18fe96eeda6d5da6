"""Punctuated text as YouTube's generated captions write it (lower case, no punctuation), with where its
sentences ended: what a caption splitter is measured and trained against."""

from __future__ import annotations

import re


def caption_words(text: str) -> tuple[list[str], set[int]]:
    """``text``'s words as captions write them, and after which word counts its sentences end."""
    words: list[str] = []
    ends: set[int] = set()
    for raw in text.split():
        bare = re.sub(r"[^\w'-]", "", raw).lower()
        if bare:
            words.append(bare)
            if re.search(r"[.!?]['\")]*$", raw):
                ends.add(len(words))
    return words, ends
