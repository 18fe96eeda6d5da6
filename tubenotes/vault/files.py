"""Writing into the user's vault: atomically, and never over a file that is not ours."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tubenotes.vault.frontmatter import read_front_matter


# A write that was killed leaves its temporary file behind under this pattern.
TEMP_SUFFIX = ".tubenotes-tmp"


def sweep_temp_files(vault: Path) -> int:
    """Remove what killed writes left behind; returns how many files."""
    stale = list(vault.rglob(f".*{TEMP_SUFFIX}")) if vault.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:40]}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def belongs_to(path: Path, video_id: str) -> bool:
    """Whether ``path`` is free, or is a note tubenotes wrote for ``video_id``."""
    if not path.exists():
        return True
    try:
        head = path.read_text(encoding="utf-8")[:4096]
    except (OSError, UnicodeDecodeError):
        return False
    return read_front_matter(head).get("video_id") == video_id


def claim_stem(folder: Path, stem: str, video_id: str, prefixes: tuple[str, ...] = ("", "Assessment_")) -> str:
    """``stem``, or ``stem (video_id)`` when another video or the user owns that name already."""
    if all(belongs_to(folder / f"{prefix}{stem}.md", video_id) for prefix in prefixes):
        return stem
    return f"{stem} ({video_id})"
