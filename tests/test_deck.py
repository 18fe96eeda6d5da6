"""A subject's deck made from its lectures read one at a time: the same notes as from a list, a question asked
twice is one note, an unchanged deck is left alone (by the memo, or by reading it back), a user's deck kept."""

from __future__ import annotations

import os
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from tubenotes.vault import deck as deck_module
from tubenotes.vault.cards import Card
from tubenotes.vault.deck import LectureCards, LectureStream, build_notes, read_deck_notes, write_deck
from tubenotes.vault.guard import GuardedFiles, MemoryRecords, WriteOutcome
from tubenotes.vault.memo import RenderMemo


class CountedLectures:
    """Lectures made anew at each pass, counting those still alive when the next is made."""

    def __init__(self, count: int, exam: list[LectureCards] = ()) -> None:
        self.count = count
        self.exam = exam
        self.passes = 0
        self.most_alive = 0
        self._made: list[weakref.ref[LectureCards]] = []

    def __call__(self) -> Iterator[LectureCards]:
        self.passes += 1
        for number in range(self.count):
            lecture = LectureCards(f"video{number}", f"Lecture {number}",
                                   [Card(f"Question {number}.{part}?", f"Answer {part}.", "Because.")
                                    for part in range(3)])
            self._made = [ref for ref in self._made if ref() is not None] + [weakref.ref(lecture)]
            self.most_alive = max(self.most_alive, len(self._made))
            yield lecture
            del lecture
        yield from self.exam


def deck_in(tmp_path: Path) -> tuple[GuardedFiles, Path]:
    return GuardedFiles(tmp_path, MemoryRecords()), tmp_path / "Physics" / "Physics.apkg"


def test_the_deck_reads_one_lecture_at_a_time_and_holds_the_notes_a_list_would(tmp_path: Path) -> None:
    source = CountedLectures(40)
    files, deck = deck_in(tmp_path)
    deck.parent.mkdir()
    assert write_deck(files, deck, "Physics", LectureStream(source), "physics", memo=RenderMemo()) is not None
    assert source.passes > 1 and source.most_alive <= 2  # read again for each pass, never all at once
    notes = read_deck_notes(deck)
    listed = build_notes(list(source()), "physics")
    assert notes == {note.guid: [*note.fields, " ".join(note.tags)] for note in listed}
    assert list(notes) == [note.guid for note in listed]  # in the lectures' order


def test_an_unchanged_deck_is_not_rewritten_with_or_without_the_memo(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    files, deck = deck_in(tmp_path)
    deck.parent.mkdir()
    lectures = LectureStream(CountedLectures(5))
    memo = RenderMemo()
    assert write_deck(files, deck, "Physics", lectures, "physics", memo=memo) is not None
    written = deck.read_bytes(), os.stat(deck).st_mtime_ns

    with monkeypatch.context() as patched:  # the memo knows the deck as it is: it is not read back
        patched.setattr(deck_module, "_deck_rows", lambda path: pytest.fail("the deck was read back"))
        assert write_deck(files, deck, "Physics", lectures, "physics", memo=memo) is None
    assert write_deck(files, deck, "Physics", lectures, "physics", memo=RenderMemo()) is None  # read back
    assert write_deck(files, deck, "Physics", lectures, "physics") is None
    os.utime(deck, ns=(written[1] + 10**9, written[1] + 10**9))  # not as the memo knows it: read back
    assert write_deck(files, deck, "Physics", lectures, "physics", memo=memo) is None
    assert deck.read_bytes() == written[0]

    changed = LectureStream(CountedLectures(6))
    result = write_deck(files, deck, "Physics", changed, "physics", memo=memo)
    assert result is not None and result.outcome is WriteOutcome.WRITTEN and len(read_deck_notes(deck)) == 18
    assert write_deck(files, deck, "Physics", changed, "physics", memo=memo) is None


def test_a_question_asked_twice_is_one_note_with_every_askings_tags(tmp_path: Path) -> None:
    files, deck = deck_in(tmp_path)
    deck.parent.mkdir()
    asked = Card("Question 1.0?", "Answer 0.", "Because.")
    exam = [LectureCards("video1", "Lecture 1", [asked, asked], tags=("final-exam",)),
            LectureCards("video1", "Lecture 1", [asked], tags=("final-exam", "retake"))]
    source = CountedLectures(3, exam)
    assert write_deck(files, deck, "Physics", LectureStream(source), "physics") is not None
    notes = read_deck_notes(deck)
    assert len(notes) == 9  # three lectures of three questions: the exam's are theirs
    [tagged] = [fields for fields in notes.values() if fields[0] == "Question 1.0?"]
    assert tagged[-1] == "physics final-exam retake" and tagged[-2] == "Lecture 1"  # the lecture's note, tagged
    assert source.most_alive <= 2


def test_a_deck_the_user_changed_is_kept_and_the_new_one_goes_beside(tmp_path: Path) -> None:
    files, deck = deck_in(tmp_path)
    deck.parent.mkdir()
    lectures = LectureStream(CountedLectures(4))
    memo = RenderMemo()
    write_deck(files, deck, "Physics", lectures, "physics", memo=memo)
    deck.write_bytes(deck.read_bytes() + b"mine")

    result = write_deck(files, deck, "Physics", lectures, "physics", memo=memo)
    assert result is not None and result.outcome is WriteOutcome.BESIDE
    assert deck.read_bytes().endswith(b"mine") and result.path.name == "Physics (new).apkg"
    assert len(read_deck_notes(result.path)) == 12
    assert write_deck(files, deck, "Physics", lectures, "physics", memo=memo) is None  # the new one is as it was
    forced = write_deck(files, deck, "Physics", lectures, "physics", force=True, memo=memo)
    assert forced is not None and forced.path == deck and not deck.read_bytes().endswith(b"mine")


def test_writing_a_deck_leaves_nothing_in_the_temporary_folder(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    files, deck = deck_in(tmp_path)
    deck.parent.mkdir()
    write_deck(files, deck, "Physics", LectureStream(CountedLectures(2)), "physics")
    assert read_deck_notes(deck) and not list(temporary.iterdir())  # genanki's own would leave its database


def test_a_deck_the_memo_knows_with_other_notes_is_written_without_being_read_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files, deck = deck_in(tmp_path)
    deck.parent.mkdir()
    memo = RenderMemo()
    write_deck(files, deck, "Physics", LectureStream(CountedLectures(2)), "physics", memo=memo)
    monkeypatch.setattr(deck_module, "_deck_rows", lambda path: pytest.fail("the deck was read back"))
    result = write_deck(files, deck, "Physics", LectureStream(CountedLectures(3)), "physics", memo=memo)
    assert result is not None and result.outcome is WriteOutcome.WRITTEN
