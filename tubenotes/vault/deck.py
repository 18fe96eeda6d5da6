"""An Anki deck (.apkg) per subject from the assessments' questions, with genanki.

The model IDs, the deck ID (from the subject) and each note's GUID (from the
video and the question) are stable, so importing the deck again updates the
cards already in Anki instead of adding copies. A fill-in-the-blank question is
a cloze note; math is written for Anki's MathJax: ``\\(...\\)`` inline,
``\\[...\\]`` displayed, every backslash of the TeX kept.

A subject of 20,000 lectures has a deck of tens of thousands of notes: the deck
is made from its lectures read one at a time, as often as it needs them (to
find questions asked twice, to tell whether the deck holds these notes already,
to write them), and holds no more than one lecture's notes at once.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import re
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import genanki

from tubenotes.regular_files import file_seen
from tubenotes.text.markdown import format_stamp
from tubenotes.vault.cards import Card, filled
from tubenotes.vault.guard import FileState, GuardedFiles, WriteResult
from tubenotes.vault.memo import RenderMemo

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
# The blocks a written package is handed to the edit guard in.
_BLOCK = 1 << 16

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


class LectureStream:
    """Lectures' cards made anew each time they are iterated (``make`` gives a fresh iterator): the deck
    reads a subject's lectures several times, one at a time, and never holds them all."""

    def __init__(self, make: Callable[[], Iterable[LectureCards]]) -> None:
        self.make = make

    def __iter__(self) -> Iterator[LectureCards]:
        return iter(self.make())


class DeckNotes:
    """The deck's notes, made one lecture at a time at each iteration, in the order of ``lectures`` (a
    collection, or a `LectureStream`: iterated once more for each pass over the notes).

    One question asked twice (in a lecture, or again in the exam: the same video and question) is one note,
    at its first asking, with the tags of every asking. A first pass finds the askings after the first,
    keeping a small digest of each GUID: what is kept for the deck is the tags of those."""

    def __init__(self, lectures: Iterable[LectureCards], tag: str) -> None:
        # A one-time iterator could not be read again: its lectures are held.
        self.lectures = list(lectures) if iter(lectures) is lectures else lectures
        self.tag = tag
        self._later: dict[str, list[tuple[str, ...]]] | None = None
        self._models: list[genanki.Model] = []

    def __iter__(self) -> Iterator[genanki.Note]:
        return (note for note, _ in self.pictured())

    def pictured(self) -> Iterator[tuple[genanki.Note, Path | None]]:
        """Each note, with the file of the slide its card shows (None: none)."""
        later = self._first_pass()
        merged: set[str] = set()  # of the questions asked again: those made already
        for lecture in self.lectures:
            for card in lecture.cards:
                guid = note_guid(lecture.video_id, card)
                tags = [self.tag, *lecture.tags]
                if guid in later:
                    if guid in merged:
                        continue
                    merged.add(guid)
                    for more in later[guid]:
                        tags += [name for name in more if name not in tags]
                picture = lecture.picture_of(card) if lecture.picture_of is not None else None
                yield _note(lecture, card, guid, tags, picture), picture

    def models(self) -> list[genanki.Model]:
        """The models the notes use, in the order they first come (none: no notes)."""
        self._first_pass()
        return self._models

    def digest(self) -> str:
        digest = _NotesDigest()
        for note in self:
            digest.add(*_row(note))
        return digest.value()

    def _first_pass(self) -> dict[str, list[tuple[str, ...]]]:
        """GUID -> the tags of each asking after the first, for the questions asked more than once; and the
        models the notes use."""
        if self._later is None:
            # A digest that two GUIDs share only lists the second as asked again, with its own tags: no harm.
            seen: set[int] = set()
            self._later = {}
            for lecture in self.lectures:
                for card in lecture.cards:
                    guid = note_guid(lecture.video_id, card)
                    if (key := hash(guid)) in seen:
                        self._later.setdefault(guid, []).append(lecture.tags)
                    seen.add(key)
                    model = _CLOZE_MODEL if card.cloze else _MODEL
                    if model not in self._models:
                        self._models.append(model)
        return self._later


class _NotesDigest:
    """A digest of notes (GUID, fields and tags as Anki keeps them) that their order does not change: a
    deck's notes have none."""

    def __init__(self) -> None:
        self.total = 0
        self.count = 0

    def add(self, guid: str, fields: str, tags: str) -> None:
        note = "\x1e".join((guid, fields, tags)).encode("utf-8")
        self.total += int.from_bytes(hashlib.sha256(note).digest(), "big")
        self.count += 1

    def value(self) -> str:
        return f"{self.count}:{self.total % (1 << 256):064x}"


def build_notes(lectures: Iterable[LectureCards], tag: str) -> list[genanki.Note]:
    return list(DeckNotes(lectures, tag))


def write_deck(
    files: GuardedFiles, path: Path, subject: str, lectures: Iterable[LectureCards], tag: str, force: bool = False,
    memo: RenderMemo | None = None,
) -> WriteResult | None:
    """Write the subject's deck to ``path`` through the edit guard (a file of that name that tubenotes did
    not write is kept, and the deck goes beside it, unless ``force``); None when there are no cards or the
    deck holds these already.

    ``lectures`` is read one lecture at a time, a few times over (see `DeckNotes`). ``memo`` remembers the
    digest of the notes each deck file holds: a deck still as it was left is not read back.
    """
    notes = DeckNotes(lectures, tag)
    if not notes.models():
        return None
    current = path if force else files.destination(path)
    # Same cards: keep the file, so a repeated run changes nothing (a package's bytes hold the time).
    if files.state(current) is FileState.OURS and _holds(files, current, notes.digest(), memo):
        return None
    with tempfile.TemporaryDirectory() as folder:
        package = Path(folder) / path.name
        digest = _write_package(package, subject, notes)
        result = files.write_chunks(path, _blocks(package), DECK_KIND, force=force)
    _remember(files, memo, result.path, digest)
    return result


# What reading a file that is not a deck (or a damaged one) raises.
_NOT_A_DECK = (OSError, KeyError, zipfile.BadZipFile, sqlite3.DatabaseError)


def read_deck_notes(path: Path) -> dict[str, list[str]]:
    """GUID -> fields of every note in an .apkg, then its tags joined by spaces ({} for a file that is not one)."""
    try:
        return {guid: [*fields.split("\x1f"), tags] for guid, fields, tags in _deck_rows(path)}
    except _NOT_A_DECK:
        return {}


def _deck_rows(path: Path) -> Iterator[tuple[str, str, str]]:
    """Each note of an .apkg as its GUID, its fields as Anki keeps them, and its tags joined by spaces: read
    a row at a time from its database."""
    with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as folder:
        database = Path(archive.extract("collection.anki2", folder))
        connection = sqlite3.connect(database)
        try:
            for guid, fields, tags in connection.execute("SELECT guid, flds, tags FROM notes"):
                yield guid, fields, tags.strip()
        finally:
            connection.close()


def _holds(files: GuardedFiles, deck: Path, digest: str, memo: RenderMemo | None) -> bool:
    """Whether the deck file holds the notes of ``digest``: as the memo says for a file still as the last
    pass left it, else as its notes, read back, say."""
    stamp = _stamp(deck)
    known = memo.recall(files.key(deck), stamp) if memo is not None and stamp is not None else None
    if known is not None:
        return known == digest
    held = _NotesDigest()
    try:
        for row in _deck_rows(deck):
            held.add(*row)
    except _NOT_A_DECK:
        return False
    _remember(files, memo, deck, held.value())
    return held.value() == digest


def _remember(files: GuardedFiles, memo: RenderMemo | None, deck: Path, digest: str) -> None:
    """Keep in ``memo`` that the deck file, as it is now, holds the notes of ``digest``."""
    stamp = _stamp(deck)
    if memo is not None and stamp is not None:
        memo.keep(files.key(deck), stamp, digest)


def _stamp(deck: Path) -> str | None:
    """The deck file's size, time and inode: it is as the memo knows it while they are the same."""
    seen = file_seen(deck)
    return None if seen is None else ":".join(map(str, seen))


def _row(note: genanki.Note) -> tuple[str, str, str]:
    """A note as a deck's database keeps it: its GUID, its fields, its tags joined by spaces."""
    return note.guid, "\x1f".join(note.fields), " ".join(note.tags)


def _write_package(target: Path, subject: str, notes: DeckNotes) -> str:
    """The subject's .apkg at ``target``, as genanki's ``Package.write_to_file`` makes it, but with the notes
    written one at a time (a genanki ``Deck`` holds them in a list, and iterates them twice) and the database beside
    ``target`` (genanki leaves its own in the system's temporary folder); the digest of its notes."""
    deck = genanki.Deck(deck_id(subject), subject)
    for model in notes.models():
        deck.add_model(model)
    database = target.with_name("collection.anki2")
    digest, media = _NotesDigest(), set()
    connection = sqlite3.connect(database)
    try:
        timestamp = time.time()
        ids = itertools.count(int(timestamp * 1000))
        cursor = connection.cursor()
        genanki.Package(deck).write_to_db(cursor, timestamp, ids)  # the collection, its deck and models
        for note, picture in notes.pictured():
            digest.add(*_row(note))
            note.write_to_db(cursor, timestamp, deck.deck_id, ids)
            if picture is not None and picture.is_file():
                media.add(str(picture))
        connection.commit()
    finally:
        connection.close()
    with zipfile.ZipFile(target, "w") as archive:
        archive.write(database, "collection.anki2")
        files = sorted(media)
        archive.writestr("media", json.dumps({index: Path(name).name for index, name in enumerate(files)}))
        for index, name in enumerate(files):
            archive.write(name, str(index))
    return digest.value()


def _blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        yield from iter(lambda: file.read(_BLOCK), b"")


def _note(lecture: LectureCards, card: Card, guid: str, tags: list[str], picture: Path | None) -> genanki.Note:
    if card.cloze:
        # "}}" closes a deletion early: TeX's "\frac{1}{2}}" needs its braces apart.
        text = _html(filled(card, "{{c1::", "}}").replace("}}}", "} }}"))
        # The offline context is the sentence the blank is in: on the back it would say it twice.
        context = "" if _html(card.context) == _html(filled(card, "", "")) else _html(card.context)
        model, fields = _CLOZE_MODEL, [text, context + _picture(picture), _lecture(lecture, card)]
    else:
        model = _MODEL
        fields = [_html(card.question), _html(card.answer), _html(card.context) + _picture(picture),
                  _lecture(lecture, card)]
    return genanki.Note(model=model, fields=fields, guid=guid, tags=tags)


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


def _picture(picture: Path | None) -> str:
    """The slide shown at the card's moment, from the package's media (Anki names media by file name)."""
    return f'<p><img src="{html.escape(picture.name)}"></p>' if picture is not None else ""


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
