"""Which fonts print which scripts, and what to install when one is missing.

The ``typst`` wheel embeds Libertinus Serif, New Computer Modern (+ Math) and
DejaVu Sans Mono, which cover Latin, Greek and Cyrillic. Every other script
needs a system font; Typst's own fallback picks any installed font that has
the glyph, and the order below decides which one it tries first. Debian
packages: fonts-noto-cjk (CJK), fonts-noto-core (Arabic, Hebrew, Devanagari,
Thai, ...), fonts-noto-color-emoji (emoji: Typst embeds its colour bitmaps).
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass

import typst

# Body text first, then the fonts made for one script (DejaVu covers Arabic
# and Hebrew too, but poorly, so it comes after them), then emoji.
PREFERRED_FAMILIES = (
    "Libertinus Serif",
    "New Computer Modern",
    "Noto Serif CJK SC",
    "Noto Sans CJK SC",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "Noto Naskh Arabic",
    "Noto Sans Arabic",
    "Noto Serif Hebrew",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
    "Noto Sans Thai",
    "Noto Serif",
    "DejaVu Serif",
    "DejaVu Sans",
    "Noto Color Emoji",
)


@dataclass(frozen=True)
class Script:
    """A writing system: where its characters are, which fonts have them, which package brings one."""

    name: str
    ranges: tuple[tuple[int, int], ...]
    families: tuple[str, ...]
    debian_package: str

    def occurs_in(self, text: str) -> bool:
        return any(low <= ord(char) <= high for char in text for low, high in self.ranges)


SCRIPTS_NEEDING_SYSTEM_FONTS = (
    Script(
        "CJK (Chinese, Japanese, Korean)",
        ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF)),
        ("Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Droid Sans Fallback"),
        "fonts-noto-cjk",
    ),
    Script(
        "Arabic",
        ((0x0600, 0x06FF), (0x0750, 0x077F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
        ("Noto Naskh Arabic", "Noto Sans Arabic", "DejaVu Sans"),
        "fonts-noto-core",
    ),
    Script(
        "Hebrew",
        ((0x0590, 0x05FF),),
        ("Noto Serif Hebrew", "Noto Sans Hebrew", "DejaVu Sans"),
        "fonts-noto-core",
    ),
    Script("Devanagari", ((0x0900, 0x097F),), ("Noto Sans Devanagari",), "fonts-noto-core"),
    Script("Thai", ((0x0E00, 0x0E7F),), ("Noto Sans Thai",), "fonts-noto-core"),
    Script(
        "emoji",
        # Only the emoji planes: DejaVu prints the older symbols (☐ ☑ ★) in black and white.
        ((0x1F000, 0x1FAFF),),
        ("Noto Color Emoji",),
        "fonts-noto-color-emoji",
    ),
)


@functools.cache
def installed_fonts() -> typst.Fonts:
    """Embedded and system fonts, scanned once per process (the scan is the slow part of a compiler)."""
    return typst.Fonts(include_system_fonts=True, include_embedded_fonts=True)


@functools.cache
def installed_families() -> frozenset[str]:
    return frozenset(installed_fonts().families())


def fallback_families() -> list[str]:
    """The installed preferred families, in order: Typst's ``text(font: ...)`` list."""
    return [family for family in PREFERRED_FAMILIES if family in installed_families()]


def missing_font_warnings(text: str, families: Collection[str] | None = None) -> list[str]:
    """One warning per script in ``text`` that none of ``families`` (default: the installed ones) can print."""
    available = installed_families() if families is None else frozenset(families)
    return [
        f"no font for {script.name} text, which may print as empty boxes; "
        f"install one with `apt-get install {script.debian_package}`"
        for script in SCRIPTS_NEEDING_SYSTEM_FONTS
        if not available.intersection(script.families) and script.occurs_in(text)
    ]


def font_report() -> dict[str, str | None]:
    """Script name -> the Debian package to install, or None when a font is there (for `tubenotes doctor`)."""
    families = installed_families()
    return {
        script.name: None if families.intersection(script.families) else script.debian_package
        for script in SCRIPTS_NEEDING_SYSTEM_FONTS
    }
