"""Reading a file that may be anything its name does not say: a named pipe, a device, a sparse giant.

A FIFO named ``lecture.md`` would block ``open()`` until some writer came (and
a Ctrl-C would only retry the wait); ``/dev/zero`` behind a symlink never
ends. Every file tubenotes reads from a folder it walks is opened here: without
blocking, checked to be a regular file on the open descriptor, and read up to a
limit. The errors are ``OSError``s, so a caller that already treats an
unreadable file as unreadable treats these the same.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO


class NotRegularFile(OSError):
    """A named pipe, a device, a socket or a folder where a file was expected."""

    def __init__(self, path: str | os.PathLike[str], kind: str) -> None:
        super().__init__(f"{os.fspath(path)}: not a regular file ({kind})")
        self.kind = kind


class FileTooLarge(OSError):
    """A regular file past the size its kind of content ever has."""

    def __init__(self, path: str | os.PathLike[str], limit: int) -> None:
        super().__init__(f"{os.fspath(path)}: larger than {limit // (1024 * 1024)} MB")
        self.limit = limit


@contextmanager
def open_regular(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """The regular file ``path`` (symlinks followed), open for reading in binary; NotRegularFile otherwise."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, _file_kind(mode))
        yield file


def read_head(path: str | os.PathLike[str], size: int) -> bytes:
    """At most the first ``size`` bytes of the regular file ``path``."""
    with open_regular(path) as file:
        return file.read(size)


def read_bounded(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file ``path``; FileTooLarge past ``limit`` bytes."""
    with open_regular(path) as file:
        # A read of n bytes sets n bytes aside first: ask for the file's size, not the limit (a vault pass
        # reads thousands of small notes under a limit of hundreds of MB). The file may grow meanwhile:
        # read on, never past the limit.
        expected = min(os.fstat(file.fileno()).st_size, limit)
        data = file.read(expected + 1)
        if len(data) > expected:
            data += file.read(limit + 1 - len(data))
    if len(data) > limit:
        raise FileTooLarge(path, limit)
    return data


def _file_kind(mode: int) -> str:
    kinds = {stat.S_ISFIFO: "a named pipe", stat.S_ISCHR: "a character device", stat.S_ISBLK: "a block device",
             stat.S_ISSOCK: "a socket", stat.S_ISDIR: "a folder"}
    return next((name for test, name in kinds.items() if test(mode)), "not a file")


def file_seen(path: str | os.PathLike[str]) -> list[int] | None:
    """A regular file's size, modification time and inode: how the vault pass tells a file is as it last
    saw it without reading it. None when there is no regular file there."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(found.st_mode):
        return None
    return [found.st_size, found.st_mtime_ns, found.st_ino]
