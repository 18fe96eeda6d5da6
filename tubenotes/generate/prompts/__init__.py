"""The prompts, as Markdown files beside this module, filled with ``{{name}}`` placeholders.

Placeholders use double braces so that LaTeX (``$x^{2}$``) and JSON in the
prompts need no escaping; values are inserted in one pass, so a transcript
that happens to contain ``{{...}}`` is left as it is.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@cache
def load(name: str) -> str:
    return files(__name__).joinpath(f"{name}.md").read_text(encoding="utf-8").strip()


def render(name: str, **values: object) -> str:
    """Prompt ``name`` with its placeholders filled; a missing value is a bug, so it raises."""
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), load(name))
