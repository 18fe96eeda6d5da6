"""The words of a text, as the term search, the language guess and the ranking all count them."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\w+(?:-\w+)*")


def tokenize(text: str) -> list[str]:
    """The words of ``text``, case-folded; hyphenated words stay whole."""
    return _TOKEN.findall(text.casefold())
