"""Front matter: the Obsidian properties of a note, written as YAML and read back."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import TYPE_CHECKING, Any, Literal

import yaml

from tubenotes.plaintext import clean_line

if TYPE_CHECKING:
    from tubenotes.job import VideoProcessingJob

NoteKind = Literal["notes", "assessment"]


def front_matter(job: VideoProcessingJob, kind: NoteKind, stem: str | None = None) -> dict[str, Any]:
    """The note's Obsidian properties; every key is always there (None when unknown), so queries see one shape.

    ``stem`` is the file's name: the title becomes an alias when the name differs
    (a title with a colon, or a video renamed on YouTube after its note was written).
    """
    title = clean_line(job.video_title or "") or job.video_id
    if kind == "assessment":
        title = f"Assessment: {title}"
    provider, _, model = (job.generator or "").partition(":")
    return {
        "title": title,
        "aliases": [title] if stem is None or stem != title else [],
        "source": public_source(job),
        "video_id": job.video_id,
        "channel": job.channel,
        "duration": format_duration(job.duration_seconds),
        "published": as_date(job.upload_date),
        "subject": job.subject,
        "tags": ["tubenotes", "lecture" if kind == "notes" else "assessment", subject_tag(job.subject)],
        "created": dt.datetime.fromtimestamp(job.created_at, tz=dt.timezone.utc).date(),
        "language": job.language,
        "transcript": job.transcript_track,
        "generator": provider or None,
        "model": model or None,
        "type": kind,
    }


def public_source(job: VideoProcessingJob) -> str:
    """The video's URL, or a transcript file's name: its full path (a home folder) stays out of notes and PDFs."""
    url = job.get_youtube_url()
    if url:
        return url
    if job.source_path is not None:
        return job.source_path.name
    return job.url


class _PropertyDumper(yaml.SafeDumper):
    """PyYAML's safe dumper, double-quoting the strings it would otherwise fold (line breaks, controls)."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = '"' if _FOLDED.search(text) or text != text.strip() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


# Characters YAML reads as line breaks or cannot print raw: only a double-quoted escape keeps them.
_FOLDED = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_PropertyDumper.add_representer(str, _represent_text)


def render_front_matter(properties: dict[str, Any]) -> str:
    """The ``---`` block; PyYAML quotes whatever a title holds (colons, quotes, leading dashes, emoji).

    Every text is one clean line: a property is never a place for controls or bidi overrides.
    """
    text = yaml.dump(_cleaned(properties), Dumper=_PropertyDumper, allow_unicode=True, sort_keys=False, width=10**6)
    return f"---\n{text}---\n"


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return clean_line(value)
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    if isinstance(value, dict):
        return {key: _cleaned(item) for key, item in value.items()}
    return value


def format_duration(seconds: float | None) -> str | None:
    """``h:mm:ss`` or ``m:ss``: Obsidian has no duration type, and this reads as one."""
    if not seconds:
        return None
    hours, rest = divmod(int(round(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def as_date(value: str | None) -> dt.date | str | None:
    """YYYYMMDD (yt-dlp) or YYYY-MM-DD as a date, which YAML writes bare and Obsidian reads as a date."""
    if not value:
        return None
    digits = value.replace("-", "")
    try:
        return dt.datetime.strptime(digits, "%Y%m%d").date()
    except ValueError:
        return value


def subject_tag(subject: str) -> str:
    """An Obsidian tag for a subject: letters, digits, _ - / only, and never only digits."""
    tag = re.sub(r"[^\w/-]+", "-", unicodedata.normalize("NFC", subject).strip()).strip("-/") or "general"
    return f"subject-{tag}" if tag.isdigit() else tag


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
