"""How specific the offline generator's key terms and concept notes are.

    python bench/bench_terms.py [FOLDER ...]

Runs `tubenotes run FOLDER --model offline --no-pdf --no-anki` in a fresh
vault per folder (default: examples/ and the course in tests/data/), then
reads the vault as a student would and prints, per subject: lectures, concept
notes (and per lecture), key terms, the share of concept notes and of key terms
that are everyday words, and the pairs of concept notes that are inflections
of one word.

An everyday word is a one-word term whose wordfreq Zipf frequency in the
lecture's language is 4.5 or more ("work", "people", "time"). wordfreq has no
counts of phrases (it estimates one from its words, which rates "second law"
as common as "house"), so phrases are counted apart: how many there are, and
how many are made of everyday words only ("second law", "kind of"), for the
reader to judge. An inflection pair is two names that differ
only by an ending of the language ("God"/"Gods", "Kill"/"Killed") in their
last word: a check independent of the stemmer tubenotes folds with.
"""

from __future__ import annotations

import argparse
import re
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from wordfreq import zipf_frequency

from tubenotes.text.labels import LABELS
from tubenotes.text.stopwords import detect_language
from tubenotes.text.words import tokenize
from tubenotes.vault.frontmatter import split_front_matter
from tubenotes.vault.links import WIKILINK

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDERS = [ROOT / "examples", ROOT / "tests" / "data" / "thermodynamics"]
EVERYDAY_ZIPF = 4.5
ENDINGS = {
    "en": ("s", "es", "ed", "d", "ing", "'s"),
    "de": ("e", "en", "n", "s", "es", "er", "ern", "em"),
    "es": ("s", "es", "a", "o", "as", "os"),
    "fr": ("s", "x", "e", "es"),
}
_KEY_TERM_HEADINGS = {labels.key_terms for labels in LABELS.values()}


@dataclass
class Subject:
    name: str
    lectures: int = 0
    language: str = "en"
    concepts: list[str] = field(default_factory=list)
    key_terms: list[tuple[str, str]] = field(default_factory=list)  # (term, language)


def everyday(term: str, language: str) -> bool:
    """A one-word term the language uses every day."""
    return len(term.split()) == 1 and zipf_frequency(term, language) >= EVERYDAY_ZIPF


def common_phrase(term: str, language: str) -> bool:
    words = term.split()
    return len(words) > 1 and all(zipf_frequency(word, language) >= EVERYDAY_ZIPF for word in words)


def inflections(a: str, b: str, language: str) -> bool:
    *head_a, last_a = a.casefold().split() or [""]
    *head_b, last_b = b.casefold().split() or [""]
    if head_a != head_b or last_a == last_b:
        return False
    short, long = sorted((last_a, last_b), key=len)
    return long.startswith(short) and long[len(short):] in ENDINGS.get(language, ENDINGS["en"])


def key_terms(note: str) -> list[str]:
    """The items of the note's key-terms list (its links' labels, or the plain text of unlinked ones)."""
    terms, inside = [], False
    for line in note.splitlines():
        if line.startswith("## "):
            inside = line[3:].strip() in _KEY_TERM_HEADINGS
        elif inside and line.startswith("- "):
            link = WIKILINK.search(line)
            item = (link.group("label") or link.group("target")) if link else re.split(r" \(|: ", line[2:])[0]
            terms.append(item.strip())
    return terms


def read_vault(vault: Path) -> list[Subject]:
    subjects = []
    for folder in sorted(path for path in vault.iterdir() if path.is_dir() and not path.name.startswith(".")):
        subject = Subject(folder.name)
        for path in sorted(folder.glob("*.md")):
            matter, body = split_front_matter(path.read_text(encoding="utf-8"))
            if (matter or {}).get("type") != "notes":
                continue
            language = detect_language(tokenize(body)) or "en"
            subject.lectures += 1
            subject.language = language
            subject.key_terms += [(term, language) for term in key_terms(body)]
        subject.concepts = [path.stem for path in sorted((folder / "Concepts").glob("*.md"))]
        subjects.append(subject)
    return subjects


def run(folder: Path) -> list[Subject]:
    with tempfile.TemporaryDirectory() as vault:
        env = {**os.environ, "TUBENOTES_MODEL": "offline"}
        subprocess.run([sys.executable, "-m", "tubenotes", "run", str(folder), "--vault", vault, "--quiet",
                        "--no-pdf", "--no-anki"], check=True, env=env, stdout=subprocess.DEVNULL)
        return read_vault(Path(vault))


def share(items: list[bool]) -> str:
    return f"{100 * sum(items) / len(items):5.1f}%" if items else "    -"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=DEFAULT_FOLDERS)
    parser.add_argument("--list", action="store_true", help="also print the concept notes and everyday terms")
    args = parser.parse_args()
    print(f"{'subject':<16}{'lectures':>9}{'concepts':>9}{'per lect.':>10}{'key terms':>10}"
          f"{'everyday concepts':>19}{'everyday terms':>16}{'infl. pairs':>12}{'phrases (common)':>18}")
    for folder in args.folders:
        for subject in run(folder):
            language = subject.language
            pairs = [(a, b) for a, b in combinations(subject.concepts, 2) if inflections(a, b, language)]
            common_concepts = [c for c in subject.concepts if everyday(c, language)]
            common_terms = [t for t, lang in subject.key_terms if everyday(t, lang)]
            phrases = [t for t, _ in subject.key_terms if len(t.split()) > 1]
            common = [t for t, lang in subject.key_terms if common_phrase(t, lang)]
            print(f"{subject.name:<16}{subject.lectures:>9}{len(subject.concepts):>9}"
                  f"{len(subject.concepts) / max(subject.lectures, 1):>10.2f}{len(subject.key_terms):>10}"
                  f"{share([everyday(c, language) for c in subject.concepts]):>19}"
                  f"{share([everyday(t, lang) for t, lang in subject.key_terms]):>16}{len(pairs):>12}"
                  f"{f'{len(phrases)} ({len(common)})':>18}")
            if args.list:
                print("    concepts:", ", ".join(subject.concepts))
                print("    everyday concepts:", ", ".join(common_concepts))
                print("    everyday key terms:", ", ".join(sorted(set(common_terms))))
                print("    key terms:", ", ".join(sorted({t for t, _ in subject.key_terms})))
                print("    inflection pairs:", ", ".join(f"{a}/{b}" for a, b in pairs))


if __name__ == "__main__":
    main()
