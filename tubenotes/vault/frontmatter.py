"""Front matter and the full Markdown of the notes and assessment files."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

import yaml

if TYPE_CHECKING:
    from tubenotes.job import VideoProcessingJob

NoteKind = Literal["notes", "assessment"]


def front_matter(job: VideoProcessingJob, kind: NoteKind) -> dict[str, Any]:
    created = dt.datetime.fromtimestamp(job.created_at, tz=dt.timezone.utc).date().isoformat()
    fields: dict[str, Any] = {
        "title": job.video_title if kind == "notes" else f"Assessment: {job.video_title}",
        "source": job.get_youtube_url() or (str(job.source_path) if job.source_path else job.url),
        "video_id": job.video_id,
        "subject": job.subject,
        "type": kind,
        "created": created,
    }
    optional = {
        "channel": job.channel,
        "published": job.upload_date,
        "language": job.language,
        "generator": job.generator,
    }
    fields.update({key: value for key, value in optional.items() if value})
    return fields


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """The YAML block at the top of a Markdown file ({} when absent or broken) and the body after it."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---", 4)
    if end == -1:
        return {}, text
    after = text.find("\n", end + 4)
    body = text[after + 1 :] if after != -1 else ""
    try:
        data = yaml.safe_load(text[4:end])
    except yaml.YAMLError:
        return {}, body
    return (data if isinstance(data, dict) else {}), body


def read_front_matter(text: str) -> dict[str, Any]:
    return split_front_matter(text)[0]


def render_note(job: VideoProcessingJob, body: str, kind: NoteKind) -> str:
    """Front matter, a title, a link to the companion file, then the generated body."""
    matter = yaml.safe_dump(front_matter(job, kind), allow_unicode=True, sort_keys=False, width=10**6)
    lines = [f"---\n{matter}---", ""]
    if kind == "notes":
        lines.append(f"# {job.video_title}")
        if job.assessment_filepath is not None:
            lines.append(f"\nTest yourself: [[{job.assessment_filepath.stem}]]")
    else:
        lines.append(f"# Assessment: {job.video_title}")
        if job.notes_filepath is not None:
            lines.append(f"\nStudy notes: [[{job.notes_filepath.stem}]]")
    source = job.get_youtube_url()
    if source:
        lines.append(f"\nVideo: {source}")
    lines += ["", body.strip(), ""]
    return "\n".join(lines)
