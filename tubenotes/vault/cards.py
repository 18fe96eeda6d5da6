"""Flashcards from an assessment, and the Spaced Repetition plugin's card format.

Both generators write the assessment as Markdown under "## Questions" with a
"### ..." heading per question and an "## Answer key" list:
- the offline one: the prompt as a "> " quote, options as "- **A)** text", and
  key items "1. **B)** [[term|word]]: “the speaker's sentence” [mm:ss](url)";
- the LLM one: a "*Kind*" line, the question, options as "- A. text", and a
  "> [!success]- Answer" callout holding "**answer**", the explanation and
  "Watch: [mm:ss](url)"; key items "1. A. text ([mm:ss](url))".
The parser reads both, and anything close to them, so a card never needs a
generator to keep a second copy of its questions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tubenotes.text.labels import ANSWER_KEY_HEADINGS, QUESTIONS_HEADINGS
from tubenotes.text.markdown import BLANK
from tubenotes.vault.links import WIKILINK

_HEADING = re.compile(r"^##\s+(.*?)\s*$")
_QUESTION_HEADING = re.compile(r"^###\s+(.*?)\s*$")
_OPTION = re.compile(r"^\s*[-*]\s+(?:\*\*)?([A-H])[.)](?:\*\*)?\s+(.*)$")
_KEY_ITEM = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")
_KIND_LINE = re.compile(r"^\*[^*].*\*$")
_CALLOUT = re.compile(r"^>\s*\[!\w+\][-+]?")
# A time stamp, linked or not: [12:34](url) or [12:34] or 12:34.
_STAMP = re.compile(r"\[(\d{1,2}:\d{2}(?::\d{2})?)\](?:\((https?://[^)\s]+)\))?")
_TRAILING_WHERE = re.compile(r"\s*\(?\s*" + _STAMP.pattern + r"\s*\)?\s*$")
_QUOTED_CONTEXT = re.compile(r"^(.*?):\s*“(.*)”\s*$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
# A card -> the path in the vault of the slide shown at its moment, if any.
PictureOf = Callable[["Card"], str | None]
# Spaced Repetition plugin: a multi-line card is question, a line "?", answer, ending at a blank line.
SR_DECK_TAG = "flashcards"
SR_SEPARATOR = "?"
# The plugin's cloze deletion: a paragraph of the deck with the hidden words highlighted.
SR_CLOZE = ("==", "==")


@dataclass(frozen=True)
class Card:
    question: str  # Markdown, lines without blank ones between
    answer: str
    context: str = ""  # the explanation, or the sentence the answer comes from
    where: str = ""  # "[mm:ss](url)" or "[mm:ss]", the moment in the lecture
    cloze: bool = False  # a fill-in-the-blank question: its answer goes into the blank

    @property
    def seconds(self) -> int | None:
        match = _STAMP.search(self.where)
        if not match:
            return None
        parts = [int(p) for p in match.group(1).split(":")]
        return sum(value * 60**power for power, value in enumerate(reversed(parts)))


def parse_cards(markdown: str) -> list[Card]:
    """The question/answer pairs of an assessment in either generator's format."""
    sections = _sections(markdown)
    key = _key_items(_first(sections, ANSWER_KEY_HEADINGS))
    cards = []
    for number, (heading, lines) in enumerate(_question_blocks(_first(sections, QUESTIONS_HEADINGS)), start=1):
        card = _card(heading, lines, key.get(number, ""))
        if card is not None:
            cards.append(card)
    return cards


@functools.lru_cache(maxsize=64)
def cards_of(markdown: str) -> tuple[Card, ...]:
    """`parse_cards`, remembered: a vault pass needs each assessment's cards for its note and for the deck."""
    return tuple(parse_cards(markdown))


def render_sr_flashcards(cards: Sequence[Card], deck: str, picture_of: PictureOf | None = None) -> str:
    """A "## Flashcards" section the Spaced Repetition plugin reads, in deck ``flashcards/<deck>``; a card
    whose moment falls on a slide shows the slide's picture (``picture_of``: its path in the vault) with its answer."""
    if not cards:
        return ""
    lines = ["## Flashcards", "", f"#{SR_DECK_TAG}/{deck}", ""]
    for card in cards:
        if card.cloze:
            lines += [" ".join([filled(card, *SR_CLOZE), *([card.where] if card.where else [])]), ""]
            continue
        back = [card.answer] + ([card.context] if card.context else []) + ([card.where] if card.where else [])
        picture = picture_of(card) if picture_of is not None else None
        if picture:
            back.append(f"![[{picture}]]")
        lines += [*card.question.splitlines(), SR_SEPARATOR, *back, ""]
    return "\n".join(lines)


def filled(card: Card, opening: str, closing: str) -> str:
    """A cloze card's sentence with its answer in each blank, between ``opening`` and ``closing``."""
    return card.question.replace(BLANK, f"{opening}{card.answer}{closing}")


def plain(markdown: str) -> str:
    """Inline Markdown with wikilinks shown as their text (a card needs no links)."""
    return WIKILINK.sub(lambda m: (m.group("label") or m.group("target")).strip(), markdown).strip()


def _sections(markdown: str) -> dict[str, str]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if heading and not line.startswith("###"):
            current = sections.setdefault(heading.group(1).strip().casefold(), [])
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines) for name, lines in sections.items()}


def _first(sections: dict[str, str], names: frozenset[str]) -> str:
    """The first section under one of ``names`` (the offline assessment's headings are in the lecture's language)."""
    return next((text for name, text in sections.items() if name in names), "")


def _question_blocks(section: str) -> list[tuple[str, list[str]]]:
    blocks: list[tuple[str, list[str]]] = []
    for line in section.splitlines():
        heading = _QUESTION_HEADING.match(line)
        if heading:
            blocks.append((heading.group(1), []))
        elif blocks:
            blocks[-1][1].append(line)
    return blocks


def _key_items(section: str) -> dict[int, str]:
    items: dict[int, str] = {}
    for line in section.splitlines():
        match = _KEY_ITEM.match(line)
        if match:
            items[int(match.group(1))] = match.group(2).strip()
    return items


def _card(heading: str, lines: list[str], key_item: str) -> Card | None:
    question: list[str] = []
    options: list[str] = []
    callout: list[str] | None = None
    for line in lines:
        stripped = line.strip()
        if _CALLOUT.match(stripped):
            callout = []
        elif callout is not None and stripped.startswith(">"):
            callout.append(stripped[1:].strip())
        elif (option := _OPTION.match(line)) is not None:
            options.append(f"{option.group(1)}) {plain(option.group(2))}")
        elif stripped and not _KIND_LINE.match(stripped):
            callout = None
            question.append(plain(stripped[1:].strip() if stripped.startswith(">") else stripped))
    if not question:
        return None
    answer, context, where = _answer(callout, key_item)
    if not answer:
        return None
    stamp = _STAMP.search(heading)
    if stamp and not where:
        where = stamp.group(0)
    text = "\n".join(question + options)
    return Card(text, answer, context, where, cloze=not options and BLANK in text)


def _answer(callout: list[str] | None, key_item: str) -> tuple[str, str, str]:
    """The answer, its context and the time stamp: from the callout when there is one, else the key."""
    if callout:
        body = [line for line in callout if line]
        where = ""
        if body and body[-1].lower().startswith("watch:"):
            where = body.pop().split(":", 1)[1].strip()
        answer = _BOLD.sub(r"\1", body[0]) if body else ""
        return plain(answer), plain(" ".join(body[1:])), where
    where_match = _TRAILING_WHERE.search(key_item)
    where = ""
    if where_match:
        where = where_match.group(0).strip().strip("()").strip()
        key_item = key_item[: where_match.start()]
    quoted = _QUOTED_CONTEXT.match(key_item)
    answer, context = (quoted.group(1), quoted.group(2)) if quoted else (key_item, "")
    return plain(_BOLD.sub(r"\1", answer)), plain(context), where
