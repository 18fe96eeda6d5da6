"""Reading a file of the vault: regular files only, never past a limit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tubenotes.regular_files import FileTooLarge, NotRegularFile, read_bounded


def test_a_file_up_to_its_limit_is_read_whole_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_bytes(b"x" * 100)
    assert read_bounded(note, 100) == b"x" * 100
    assert read_bounded(note, 10_000_000) == b"x" * 100
    with pytest.raises(FileTooLarge):
        read_bounded(note, 99)


def test_a_sparse_file_past_the_limit_is_refused_without_being_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.md"
    with huge.open("wb") as file:
        file.truncate(1 << 30)  # a gigabyte of nothing, on no disk
    with pytest.raises(FileTooLarge):
        read_bounded(huge, 1 << 20)


def test_what_is_not_a_regular_file_is_never_opened_for_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile):
        read_bounded(fifo, 1 << 20)  # a FIFO with no writer would block a plain open for ever
