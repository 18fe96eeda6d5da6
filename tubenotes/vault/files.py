"""Writing into the user's vault: atomically, and never over a file that is not ours."""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from tubenotes.store import STORE_DIRNAME
from tubenotes.vault.adopt import properties_of_file


# A write that was killed leaves its temporary file behind under this pattern.
TEMP_SUFFIX = ".tubenotes-tmp"


def sweep_temp_files(vault: Path) -> int:
    """Remove what killed writes left behind; returns how many files."""
    stale = list(vault.rglob(f".*{TEMP_SUFFIX}")) if vault.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


# What open() asks for a new file; the umask takes away from it.
_NEW_FILE_MODE = 0o666


@cache
def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it (setting it races other threads)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        status = ""
    match = re.search(r"^Umask:\s*([0-7]+)$", status, re.MULTILINE)
    if match:
        return int(match.group(1), 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old file or the new one, never half."""
    staged = StagedFile(path)
    try:
        staged.write(data)
        staged.commit()
    except BaseException:
        staged.discard()
        raise


class StagedFile:
    """A file's new bytes, written as they come into a temporary file beside it, and put in its place
    at `commit` (a crash leaves the old file or the new one, never half), or thrown away."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:40]}.", suffix=TEMP_SUFFIX)
        try:
            # mkstemp makes the file 0600, and the rename would keep that: give it the mode any editor would.
            os.fchmod(fd, _NEW_FILE_MODE & ~_umask())
            self._handle = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            Path(self._tmp).unlink(missing_ok=True)
            raise

    def write(self, data: bytes) -> None:
        self._handle.write(data)

    def commit(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(self._tmp, self.path)

    def discard(self) -> None:
        self._handle.close()
        Path(self._tmp).unlink(missing_ok=True)


def belongs_to(path: Path, video_id: str) -> bool:
    """Whether ``path`` is free, or is a note tubenotes wrote for ``video_id``."""
    if not path.exists():
        return True
    return properties_of_file(path).get("video_id") == video_id


def claim_stem(folder: Path, stem: str, video_id: str, prefixes: tuple[str, ...] = ("", "Assessment_"),
               taken: Collection[Path] = ()) -> str:
    """``stem``, or ``stem (video_id)`` when another video or the user owns that name already, or it is
    among the paths ``taken`` by writes under way."""
    paths = [folder / f"{prefix}{stem}.md" for prefix in prefixes]
    if all(path not in taken and belongs_to(path, video_id) for path in paths):
        return stem
    return f"{stem} ({video_id})"


@contextmanager
def single_writer(vault: Path) -> Iterator[None]:
    """One writer at a time on the vault's machine, whatever the pool: file names are claimed by looking
    at the folder, which must not race (all writers of a vault run on the machine that holds it), and a
    vault pass or a course stage rewrites a subject's files while no lecture's are being written."""
    path = Path(vault) / STORE_DIRNAME / "write.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
