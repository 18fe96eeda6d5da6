"""A job's documents (transcript, segments, notes, assessment, description) as a store keeps them:
apart from the job's row, so that a stage transition rewrites only the ones that changed."""

from __future__ import annotations

import json
from typing import Any

from tubenotes.job import Slide, TranscriptSegment, slide_dict

# The fields of a job kept apart: large, and each written once or twice in a job's life.
DOCUMENT_FIELDS = ("transcript", "segments", "study_notes", "assessment_content", "description", "slides")


def document_body(name: str, value: Any) -> str | None:
    if name == "segments":  # rows, not objects: a third of the size, and ten times faster than asdict
        return json.dumps([[s.start, s.duration, s.text] for s in value], ensure_ascii=False)
    if name == "slides":  # None (not read yet) and [] (none shown) differ
        return None if value is None else _slides_json(value)
    return value


def document_value(name: str, body: str | None) -> Any:
    if name == "segments":
        return [{"start": start, "duration": duration, "text": text}
                for start, duration, text in json.loads(body or "[]")]
    if name == "slides":
        return None if body is None else json.loads(body)
    return body


def fingerprint(value: str | list[TranscriptSegment] | list[Slide] | None) -> tuple[int, int] | None:
    """Whether a document changed since this process last saved or loaded it, without keeping it:
    Python caches a string's hash, so this costs about nothing once a document has been seen."""
    if value is None:
        return None
    if isinstance(value, str):
        return len(value), hash(value)
    if value and isinstance(value[0], Slide):
        return len(value), hash(_slides_json(value))  # type: ignore[arg-type]
    return len(value), hash(tuple((segment.start, segment.duration, segment.text) for segment in value))  # type: ignore[union-attr]


def _slides_json(slides: list[Slide]) -> str:
    return json.dumps([slide_dict(slide) for slide in slides], ensure_ascii=False)
