"""The full Markdown of a lecture's notes and assessment files."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from tubenotes.text.labels import labels_for
from tubenotes.text.language import lecture_language
from tubenotes.text.markdown import escape, wikilink
from tubenotes.vault.cards import cards_of, render_sr_flashcards
from tubenotes.vault.frontmatter import NoteKind, front_matter, render_front_matter, subject_tag
from tubenotes.vault.links import Resolve, link_path, rewrite_links
from tubenotes.vault.slides import card_picture, embed_slides

if TYPE_CHECKING:
    from tubenotes.job import VideoProcessingJob


@dataclass(frozen=True)
class NoteContext:
    """What a note needs from its vault: the root, where its links go, its subject index, related lectures."""

    root: Path
    resolve: Resolve
    index: Path | None = None
    related: tuple[str, ...] = ()  # Markdown list items
    deleted: frozenset[Path] = frozenset()  # files the user deleted: not linked


def render_note(job: VideoProcessingJob, kind: NoteKind, context: NoteContext | None = None) -> str:
    """Properties, a title, the video, links to the companion file and index, the body, then extras.

    Without a context the generated links are kept as they are (the seed's
    ``get_markdown_content``); the write stage always passes one.
    """
    own = job.notes_filepath if kind == "notes" else job.assessment_filepath
    matter = front_matter(job, kind, own.stem if own else None)
    heading = " ".join(matter["title"].split())  # a heading is one line, whatever the title holds
    lines = [render_front_matter(matter) + f"# {escape(heading)}", ""]
    labels = labels_for(lecture_language(job))
    url = job.get_youtube_url()
    if kind == "notes":
        if url:
            lines += [f"![]({url})", ""]  # Obsidian's embed: the video plays inside the note
        lines += _companion(labels.test_yourself, job.assessment_filepath, labels.assessment, context)
    else:
        lines += _companion(labels.study_notes, job.notes_filepath, job.video_title or job.video_id, context)
        if url:
            lines += [f"{labels.video}: {url}", ""]
    if context is not None and context.index is not None:
        lines += [f"{labels.subject}: {wikilink(link_path(context.root, context.index), job.subject)}", ""]

    body = (job.study_notes if kind == "notes" else job.assessment_content) or ""
    if context is not None:
        body = rewrite_links(body, context.resolve)
        if kind == "notes":
            body = embed_slides(body, job.slides or [], context.root)
    lines += [body.strip(), ""]
    if kind == "notes" and context is not None and context.related:
        lines += [f"## {labels.related_lectures}", "", *context.related, ""]
    if kind == "assessment":
        flashcards = render_sr_flashcards(cards_of(job.assessment_content or ""), subject_tag(job.subject),
                                          partial(card_picture, job))
        if flashcards:
            lines += [flashcards]
    return "\n".join(lines).rstrip("\n") + "\n"


def _companion(intro: str, path: Path | None, label: str, context: NoteContext | None) -> list[str]:
    if path is None or (context is not None and path in context.deleted):
        return []
    if context is None:
        return [f"{intro}: {wikilink(path.stem)}", ""]
    return [f"{intro}: {wikilink(link_path(context.root, path), label)}", ""]
