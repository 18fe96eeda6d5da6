"""An Anki deck (.apkg) per subject from the assessments' questions, with genanki.

The model IDs, the deck ID (from the subject) and each note's GUID (from the
video and the question) are stable, so importing the deck again updates the
cards already in Anki instead of adding copies. A fill-in-the-blank question is
a cloze note; math is written for Anki's MathJax: ``\\(...\\)`` inline,
``\\[...\\]`` displayed, every backslash of the TeX kept.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import genanki

from tubenotes.text.markdown import format_stamp
from tubenotes.vault.cards import Card, filled
from tubenotes.vault.guard import FileState, GuardedFiles, WriteResult

# Chosen once at random; never change them, or every user's cards lose their history.
MODEL_ID = 1_684_302_517
CLOZE_MODEL_ID = 1_913_845_276
MODEL_NAME = "tubenotes question"
CLOZE_MODEL_NAME = "tubenotes cloze"
DECK_KIND = "deck"  # the kind of file record a deck has
FIELDS = ("Question", "Answer", "Context", "Lecture")
CLOZE_FIELDS = ("Text", "Context", "Lecture")
_CSS = ".card { font-family: sans-serif; font-size: 20px; text-align: left; } .lecture { font-size: 14px; }"
# Math as Obsidian writes it: $$display$$, or $inline$ with no space inside its dollars (not "$5 and $6").
_MATH = re.compile(r"(?<!\\)\$\$(?P<display>.+?)(?<!\\)\$\$|(?<![\\$])\$(?P<inline>[^\s$](?:[^$\n]|\\\$)*?(?<![\s\\]))\$(?!\d)",
                   re.DOTALL)
# Anki's own deck IDs come from the clock; ours from the subject, in the same range.
_DECK_ID_RANGE = (1 << 30, 1 << 31)

_MODEL = genanki.Model(
    MODEL_ID,
    MODEL_NAME,
    fields=[{"name": name} for name in FIELDS],
    templates=[{
        "name": "Card 1",
        "qfmt": "{{Question}}",
        "afmt": "{{FrontSide}}<hr id=answer><b>{{Answer}}</b><p>{{Context}}</p><p class=lecture>{{Lecture}}</p>",
    }],
    css=_CSS,
)

_CLOZE_MODEL = genanki.Model(
    CLOZE_MODEL_ID,
    CLOZE_MODEL_NAME,
    fields=[{"name": name} for name in CLOZE_FIELDS],
    templates=[{
        "name": "Cloze",
        "qfmt": "{{cloze:Text}}",
        "afmt": "{{cloze:Text}}<p>{{Context}}</p><p class=lecture>{{Lecture}}</p>",
    }],
    css=_CSS,
    model_type=genanki.Model.CLOZE,
)


@dataclass(frozen=True)
class LectureCards:
    """The cards of one lecture, and where they came from."""

    video_id: str
    title: str
    cards: Sequence[Card]
    timestamp_url: Callable[[float], str | None] | None = None  # a link into the video, if it is one
    tags: tuple[str, ...] = ()  # beside the subject's tag: "final-exam" for the exam's questions
    picture_of: Callable[[Card], Path | None] | None = None  # the slide shown at a card's moment, if any


def deck_id(subject: str) -> int:
    digest = int.from_bytes(hashlib.sha256(f"tubenotes deck:{subject.casefold()}".encode()).digest()[:8], "big")
    low, high = _DECK_ID_RANGE
    return low + digest % (high - low)


def note_guid(video_id: str, card: Card) -> str:
    return genanki.guid_for(video_id, card.question)


def build_notes(lectures: Iterable[LectureCards], tag: str) -> list[genanki.Note]:
    notes: dict[str, genanki.Note] = {}
    for lecture in lectures:
        for card in lecture.cards:
            guid = note_guid(lecture.video_id, card)
            known = notes.get(guid)
            if known is not None:  # one question asked twice (in a lecture, or again in the exam) is one note
                known.tags += [name for name in lecture.tags if name not in known.tags]
                continue
            if card.cloze:
                # "}}" closes a deletion early: TeX's "\frac{1}{2}}" needs its braces apart.
                text = _html(filled(card, "{{c1::", "}}").replace("}}}", "} }}"))
                # The offline context is the sentence the blank is in: on the back it would say it twice.
                context = "" if _html(card.context) == _html(filled(card, "", "")) else _html(card.context)
                context += _picture(lecture, card)
                model, fields = _CLOZE_MODEL, [text, context, _lecture(lecture, card)]
            else:
                model = _MODEL
                fields = [_html(card.question), _html(card.answer), _html(card.context) + _picture(lecture, card),
                          _lecture(lecture, card)]
            notes[guid] = genanki.Note(model=model, fields=fields, guid=guid, tags=[tag, *lecture.tags])
    return list(notes.values())


def write_deck(
    files: GuardedFiles, path: Path, subject: str, lectures: Iterable[LectureCards], tag: str, force: bool = False
) -> WriteResult | None:
    """Write the subject's deck to ``path`` through the edit guard (a file of that name that tubenotes did
    not write is kept, and the deck goes beside it, unless ``force``); None when there are no cards or the
    deck holds these already.
    """
    lectures = list(lectures)
    notes = build_notes(lectures, tag)
    if not notes:
        return None
    wanted = {note.guid: [*note.fields, " ".join(note.tags)] for note in notes}
    current = path if force else files.destination(path)
    # Same cards: keep the file, so a repeated run changes nothing (a package's bytes hold the time).
    if files.state(current) is FileState.OURS and read_deck_notes(current) == wanted:
        return None
    deck = genanki.Deck(deck_id(subject), subject)
    for note in notes:
        deck.add_note(note)
    buffer = io.BytesIO()
    genanki.Package(deck, media_files=sorted(_pictures(lectures))).write_to_file(buffer)
    return files.write(path, buffer.getvalue(), DECK_KIND, force=force)


def read_deck_notes(path: Path) -> dict[str, list[str]]:
    """GUID -> fields of every note in an .apkg, then its tags joined by spaces ({} for a file that is not one)."""
    try:
        with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as folder:
            database = Path(archive.extract("collection.anki2", folder))
            connection = sqlite3.connect(database)
            try:
                rows = connection.execute("SELECT guid, flds, tags FROM notes").fetchall()
            finally:
                connection.close()
    except (OSError, KeyError, zipfile.BadZipFile, sqlite3.DatabaseError):
        return {}
    return {guid: [*fields.split("\x1f"), tags.strip()] for guid, fields, tags in rows}


def _html(markdown: str) -> str:
    """Card text for Anki: the text as `_text_html`, each formula as MathJax with its TeX untouched."""
    pieces, last = [], 0
    for match in _MATH.finditer(markdown):
        pieces.append(_text_html(markdown[last:match.start()]))
        display, inline = match.group("display"), match.group("inline")
        tex = html.escape(" ".join((display if display is not None else inline).split()), quote=False)
        pieces.append(rf"\[{tex}\]" if display is not None else rf"\({tex}\)")
        last = match.end()
    pieces.append(_text_html(markdown[last:]))
    return "".join(pieces)


def _text_html(markdown: str) -> str:
    """Text for Anki: escaped, Markdown escapes and character references undone, bold kept, lines kept."""
    text = html.escape(html.unescape(re.sub(r"\\(.)", r"\1", markdown)), quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r'<a href="\2">\1</a>', text)
    return text.replace("\n", "<br>")


def _picture(lecture: LectureCards, card: Card) -> str:
    """The slide shown at the card's moment, from the package's media (Anki names media by file name)."""
    picture = lecture.picture_of(card) if lecture.picture_of is not None else None
    return f'<p><img src="{html.escape(picture.name)}"></p>' if picture is not None else ""


def _pictures(lectures: Sequence[LectureCards]) -> set[str]:
    """The files of the slides the cards show: the package's media."""
    return {str(picture) for lecture in lectures if lecture.picture_of is not None
            for card in lecture.cards if (picture := lecture.picture_of(card)) is not None and picture.is_file()}


def _lecture(lecture: LectureCards, card: Card) -> str:
    """The lecture's title and, when known, a link to the moment the answer is given."""
    title = html.escape(lecture.title, quote=False)
    seconds = card.seconds
    if seconds is None:
        return title
    url = lecture.timestamp_url(seconds) if lecture.timestamp_url else None
    if url is None:
        return f"{title} · {format_stamp(seconds)}"
    return f'{title} · <a href="{html.escape(url)}">{format_stamp(seconds)}</a>'
