"""`tubenotes doctor`: what this machine offers tubenotes, and what to install for the rest."""

from __future__ import annotations

import os
import sys

import pypandoc
import typst

from tubenotes.export.fonts import font_report
from tubenotes.generate.providers import doctor_llm
from tubenotes.network import tor_doctor


def diagnose(tor_control: str | None = None) -> list[tuple[str, str]]:
    """(topic, finding) rows; a finding that needs action says what to do."""
    rows = [
        ("python", sys.version.split()[0]),
        ("pandoc (pypandoc-binary)", pypandoc.get_pandoc_version()),
        ("typst", getattr(typst, "__version__", "installed")),
    ]
    rows += [("tor", line) for line in tor_doctor(tor_control).lines()]
    llm = doctor_llm(os.environ)
    if llm.get("provider"):
        key = "key set" if llm["key_present"] else f"no key: set {llm['key_env']}" if llm["key_env"] else "no key needed"
        rows.append(("LLM", f"{llm['provider']}:{llm['model']} at {llm['base_url']} ({key})"))
    else:
        rows.append(("LLM", llm.get("problem") or f"none found, using the offline generator; {llm['hint']}"))
    for script, package in font_report().items():
        rows.append((f"fonts: {script}", "ok" if package is None else f"missing: apt-get install {package}"))
    return rows
