"""What the last vault pass made each lecture's note (and each concept's definition) from, so that the next
makes again only those whose inputs changed.

A note's inputs are its job (documents and all), where its links go, its
related lectures, its subject index, the files deleted beside it, and the
code that renders it. A pass that finds the note still as it wrote it (the
file's hash is the one it recorded) and the same inputs leaves it alone: the
same inputs render the same bytes. The memo is a file of the vault's
``.tubenotes/``, rewritten at the end of each pass; a lost or damaged memo
only means every note is rendered again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

import tubenotes
from tubenotes.regular_files import read_bounded
from tubenotes.vault.files import StagedFile

MEMO_FILENAME = "vault-pass.json"
# About 200 bytes a note: far above any vault's.
_MEMO_LIMIT = 256 * 1024 * 1024


class RenderMemo:
    """Per file of the vault (its path): the digest of the inputs it was last made from in a vault pass, and
    what came of them (a note's: the hash of its bytes; a concept's: its definition). Without a ``path`` it
    remembers for this process only."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._entries: dict[str, list[Any]] | None = None
        self._changed = False
        self._used: set[str] = set()  # recalled or kept by this process: kept in the file
        self.rendered = 0  # notes rendered by this process's passes, for tests and figures
        self.skipped = 0  # notes whose inputs were unchanged: not rendered

    def unchanged(self, note: str, inputs: str, sha256: str | None) -> bool:
        """Whether ``note``, now with the bytes of hash ``sha256``, was rendered from ``inputs`` into them."""
        same = sha256 is not None and self.recall(note, inputs) == sha256
        if same:
            self.skipped += 1
        return same

    def remember(self, note: str, inputs: str, sha256: str) -> None:
        self.keep(note, inputs, sha256)
        self.rendered += 1

    def recall(self, path: str, inputs: str) -> Any:
        """What was kept for ``path`` made from ``inputs``; None when it was made from others, or never."""
        entry = self._load().get(path)
        if entry is None or entry[0] != inputs:
            return None
        self._used.add(path)
        return entry[1]

    def knows(self, path: str) -> bool:
        """Whether anything is kept for ``path``, whatever it was made from."""
        return path in self._load()

    def keep(self, path: str, inputs: str, value: Any) -> None:
        """Keep ``value`` (JSON) as what ``inputs`` made for ``path``."""
        self._load()[path] = [inputs, value]
        self._changed = True
        self._used.add(path)

    def save(self, paths: Iterable[str]) -> None:
        """Keep what is known of ``paths`` (the files the vault's records still hold) and what this process
        used, in the memo's file."""
        if self.path is None or self._entries is None or not self._changed:
            return
        kept = {path: self._entries[path] for path in sorted(set(paths) | self._used) if path in self._entries}
        # An entry a line, never the whole text at once: tens of MB for a vault of 20,000 lectures.
        staged = StagedFile(self.path)
        try:
            opening = "{"
            for path, entry in kept.items():
                staged.write(f"{opening}{json.dumps(path, ensure_ascii=False)}: "
                             f"{json.dumps(entry, ensure_ascii=False)}".encode("utf-8"))
                opening = ",\n"
            staged.write(b"{}" if opening == "{" else b"}")
            staged.commit()
        except BaseException:
            staged.discard()
            raise
        self._entries, self._changed = kept, False

    def _load(self) -> dict[str, list[Any]]:
        if self._entries is None:
            self._entries = {}
            if self.path is not None:
                try:
                    loaded = json.loads(read_bounded(self.path, _MEMO_LIMIT))
                except (OSError, ValueError):  # NotRegularFile and FileTooLarge are OSErrors
                    loaded = {}
                if isinstance(loaded, dict):
                    self._entries = {note: entry for note, entry in loaded.items()
                                     if isinstance(entry, list) and len(entry) == 2}
        return self._entries


def inputs_digest(*parts: object) -> str:
    """A digest of a note's inputs (JSON-able ``parts``) and of the code and YAML library that render it."""
    digest = hashlib.sha256(code_digest().encode("ascii"))
    digest.update(json.dumps(parts, ensure_ascii=False, default=str).encode("utf-8"))
    return digest.hexdigest()


@functools.cache
def code_digest() -> str:
    """The tubenotes package's source, and the YAML library's version: a change to either renders every note again."""
    digest = hashlib.sha256(yaml.__version__.encode("ascii"))
    package = Path(tubenotes.__file__).parent
    for folder, folders, files in sorted(os.walk(package)):
        folders.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                path = Path(folder) / name
                digest.update(path.relative_to(package).as_posix().encode("utf-8"))
                digest.update(path.read_bytes())
    return digest.hexdigest()
