"""Obsidian wikilinks: find them, match them to notes, rewrite them.

Matching is case- and accent-insensitive ("Entropie", "entropie" and
"Éntropie" are one name). A link is written with the target's path from the
vault root, so it cannot become ambiguous when another folder gets a note of
the same name.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from tubenotes.regular_files import file_seen
from tubenotes.text.markdown import wikilink
from tubenotes.vault.adopt import is_tubenotes_note, properties_of_file

# [[target]], [[target|label]], [[target#heading|label]]; an embed "![[...]]" is left alone.
WIKILINK = re.compile(r"(?<!!)\[\[(?P<target>[^\[\]|#\n]+)(?P<anchor>#[^\[\]|\n]*)?(?:\|(?P<label>[^\[\]\n]*))?\]\]")
_FENCE = re.compile(r"^(```|~~~)")
# Folders Obsidian or tubenotes keep to themselves.
_HIDDEN_PREFIX = "."

Resolve = Callable[[str], "str | None"]


# The same few terms are normalised again and again in a vault pass; each note's names, once a scan: a cache
# as large as the vault's notes would hold every name (15 MiB at 20,000 lectures) for no second use.
@lru_cache(maxsize=1 << 12)
def normalize(name: str) -> str:
    """The form two names share when they differ only in case, accents or spacing."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


@dataclass(frozen=True)
class Link:
    target: str
    label: str | None

    @property
    def text(self) -> str:
        """What a reader sees."""
        return self.label if self.label else self.target


def find_links(markdown: str) -> list[Link]:
    """The wikilinks outside code blocks, in order."""
    found: list[Link] = []

    def collect(part: str) -> str:
        found.extend(Link(m.group("target").strip(), m.group("label")) for m in WIKILINK.finditer(part))
        return part

    _map_text(markdown, collect)
    return found


def rewrite_links(markdown: str, resolve: Resolve) -> str:
    """Each link pointed at ``resolve(target)``; one that resolves to nothing becomes its plain text."""

    def one(match: re.Match[str]) -> str:
        link = Link(match.group("target").strip(), match.group("label"))
        destination = resolve(link.target)
        if destination is None:
            return link.text
        return wikilink(destination + (match.group("anchor") or ""), link.text)

    return _map_text(markdown, lambda part: WIKILINK.sub(one, part))



def link_path(root: Path, path: Path) -> str:
    """How a wikilink names ``path``: from the vault root, without ".md" (other files keep their suffix)."""
    relative = path.relative_to(root).as_posix()
    return relative[:-3] if relative.endswith(".md") else relative


def _map_text(markdown: str, change: Callable[[str], str]) -> str:
    """``change`` applied to the text outside fenced code blocks."""
    out: list[str] = []
    text: list[str] = []
    fence: str | None = None
    for line in markdown.splitlines(keepends=True):
        opener = _FENCE.match(line.lstrip())
        if fence is None and opener:
            out.append(change("".join(text)))
            text = []
            fence = opener.group(1)
            out.append(line)
        elif fence is not None:
            out.append(line)
            if line.lstrip().startswith(fence):
                fence = None
        else:
            text.append(line)
    out.append(change("".join(text)))
    return "".join(out)


class VaultNotes:
    """The notes of a vault by name: each note's file name, title and aliases, normalised."""

    def __init__(self, root: Path, names: dict[str, str]) -> None:
        self.root = root
        self._names = names  # normalised name -> link path

    @classmethod
    def scan(cls, root: Path, skip: Iterable[str] = (), skip_types: Iterable[str] = (),
             memo: NamesMemo | None = None) -> VaultNotes:
        """Every Markdown note under ``root`` except hidden folders, the link paths in ``skip``, and the
        notes whose properties give them a ``type`` in ``skip_types`` (tubenotes' own, known or not).
        With ``memo``, a note whose file did not change since the last scan is not read again."""
        skipped, skipped_types = set(skip), set(skip_types)
        candidates: dict[str, list[str]] = {}
        for path in markdown_files(root):
            relative = path.relative_to(root)
            target = link_path(root, path)
            if target in skipped:
                continue
            own_type, declared = _names_of(path, f"names:{relative.as_posix()}", memo)
            if own_type in skipped_types:
                continue
            for name in [path.stem, *declared]:
                candidates.setdefault(normalize(name), []).append(target)
        # Two notes of one name: the one nearest the root wins, as in Obsidian's own choice.
        names = {key: min(paths, key=lambda p: (p.count("/"), p)) for key, paths in candidates.items() if key}
        return cls(root, names)

    def find(self, name: str) -> str | None:
        return self._names.get(normalize(name))


def markdown_files(root: Path) -> Iterator[Path]:
    """The vault's notes (``*.md``) outside hidden folders (Obsidian's own, the job store's), in path order,
    one at a time as the folders are walked: at 100,000 lectures a list of them all is tens of MB. A folder
    that vanishes while it is walked (the user's, or the store's deleted mid-run) holds none."""
    try:
        entries = sorted(os.scandir(root), key=lambda entry: entry.name)  # a folder's before its next sibling
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(_HIDDEN_PREFIX):
            continue
        try:
            folder = entry.is_dir()
        except OSError:
            continue
        if folder:
            if not entry.is_symlink():  # as os.walk: a link to a folder is not followed
                yield from markdown_files(Path(entry.path))
        elif entry.name.endswith(".md"):
            yield Path(entry.path)


class NamesMemo(Protocol):
    """What a scan found in each file last time, under the file's size, time and inode."""

    def recall(self, path: str, inputs: str) -> Any: ...

    def keep(self, path: str, inputs: str, value: Any) -> None: ...


def _names_of(path: Path, key: str, memo: NamesMemo | None) -> tuple[str | None, list[str]]:
    """The type of a note tubenotes wrote (None for the user's) and the names its properties declare."""
    seen = file_seen(path)
    stamp = ":".join(map(str, seen or ()))
    known = memo.recall(key, stamp) if memo is not None and seen is not None else None
    if known is not None:
        return known[0], known[1]
    matter = properties_of_file(path)
    found = (matter["type"] if is_tubenotes_note(matter) else None, _declared_names(matter))
    if memo is not None and seen is not None:
        memo.keep(key, stamp, list(found))
    return found


def _declared_names(matter: dict[str, Any]) -> list[str]:
    """The title and aliases a note declares in its properties."""
    names: list[str] = []
    aliases = matter.get("aliases")
    if isinstance(aliases, str):
        aliases = [aliases]
    for value in [matter.get("title"), *(aliases if isinstance(aliases, list) else [])]:
        if isinstance(value, str) and value.strip():
            names.append(value)
    return names
