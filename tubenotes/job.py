"""The job: one video (or transcript file) and everything known about it.

A `VideoProcessingJob` carries all state of its trip through the pipeline,
so that any stage can run alone on a job loaded from JSON, and a crashed
batch resumes from what its jobs say is done.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

YOUTUBE_WATCH_URL = "https://www.youtube.com/watch?v={video_id}"
# The stages of the one composition, in order. Which one a job needs next is for
# `tubenotes.pipeline.next_stage` to say; each has its own workers, and its own queue in Celery.
STAGE_NAMES = ("fetch", "transcribe", "slides", "generate", "write", "export")


class ProcessingStage(StrEnum):
    CREATED = "created"
    FETCHING_TRANSCRIPT = "fetching_transcript"
    AUDIO_FETCHED = "audio_fetched"  # a video without captions: its audio waits for the transcribe stage
    TRANSCRIBING = "transcribing"
    TRANSCRIPT_FETCHED = "transcript_fetched"
    READING_SLIDES = "reading_slides"
    SLIDES_READ = "slides_read"
    GENERATING_NOTES = "generating_notes"
    NOTES_GENERATED = "notes_generated"
    GENERATING_ASSESSMENT = "generating_assessment"
    WAITING_FOR_BATCH = "waiting_for_batch"  # its generation's requests are with a provider's Batch API
    ASSESSMENT_GENERATED = "assessment_generated"
    WRITING_FILES = "writing_files"
    FILES_WRITTEN = "files_written"
    EXPORTING_PDFS = "exporting_pdfs"
    COMPLETED = "completed"
    FAILED = "failed"


class SourceKind(StrEnum):
    YOUTUBE = "youtube"
    FILE = "file"


@dataclass
class TranscriptSegment:
    start: float
    duration: float
    text: str

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass
class Chapter:
    start: float
    title: str


@dataclass
class Slide:
    """One slide the video shows: when, its text as read, and its picture (a path relative to the vault)."""

    start: float
    end: float
    title: str = ""
    lines: list[str] = field(default_factory=list)  # the text under the title, top to bottom
    picture: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(line for line in [self.title, *self.lines] if line)


@dataclass
class TokenUsage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0  # None: a call was made at a price nobody knows

    def add(self, other: TokenUsage) -> None:
        self.calls += other.calls
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        if self.cost_usd is None or other.cost_usd is None:
            self.cost_usd = None
        else:
            self.cost_usd += other.cost_usd


@dataclass
class Generation:
    """One generated document (notes or assessment) and what it cost."""

    text: str
    generator: str  # "offline" or "provider:model"
    usage: TokenUsage = field(default_factory=TokenUsage)


# Slots: a run holds thousands of jobs, and a dict of some fifty fields each cost twice the memory.
@dataclass(slots=True, weakref_slot=True)
class VideoProcessingJob:
    # Input
    url: str
    video_id: str
    source: SourceKind = SourceKind.YOUTUBE
    source_path: Path | None = None  # the transcript file, for SourceKind.FILE
    subject: str = "General"
    language: str | None = None  # the language wanted; the fetch stage records the one found
    position: int = 0  # place in the user's input order

    # Stage 1: Fetched
    transcript: str | None = None
    video_title: str | None = None
    segments: list[TranscriptSegment] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)
    transcript_track: str | None = None  # e.g. "en (manual)", "de (auto-generated)", "file:vtt"
    youtube_id: str | None = None  # a local transcript's video, from its yt-dlp .info.json
    channel: str | None = None
    duration_seconds: float | None = None
    upload_date: str | None = None
    description: str | None = None
    # The audio downloaded for Whisper, inside the vault, until the transcript is committed.
    audio_path: Path | None = None

    # Stage 1c: the slides the video shows (None until read; [] when it shows none), and the video
    # downloaded for them, inside the vault, until they are committed.
    slides: list[Slide] | None = None
    video_path: Path | None = None

    # Stage 2: Generated
    study_notes: str | None = None
    assessment_content: str | None = None
    generator: str | None = None  # "offline" or "provider:model"
    token_usage: TokenUsage = field(default_factory=TokenUsage)
    # How often the user asked for this job anew (`run --regenerate`): it salts the
    # generation cache, so each round is a fresh answer, and a resumed round is not paid twice.
    regeneration: int = 0

    # Stage 3: Written
    output_dir: Path | None = None
    notes_filepath: Path | None = None
    assessment_filepath: Path | None = None

    # Stage 4: Exported
    pdf_subdir: Path | None = None
    notes_pdf_path: Path | None = None
    assessment_pdf_path: Path | None = None

    # Metadata
    stage: ProcessingStage = ProcessingStage.CREATED
    exit_node_id: int | None = None
    exit_node_acquired_at: float | None = None
    workers: dict[str, str] = field(default_factory=dict)  # stage -> the Celery worker that ran it
    timings: dict[str, float] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error_kind: str | None = None
    error_message: str | None = None
    error_retryable: bool = False
    failed_stage: ProcessingStage | None = None
    created_at: float = field(default_factory=time.time)
    completed_at: float | None = None

    # --- what is done -------------------------------------------------

    def has_transcript(self) -> bool:
        return bool(self.transcript and self.transcript.strip()) and self.video_title is not None

    def has_notes(self) -> bool:
        return bool(self.study_notes)

    def has_assessment(self) -> bool:
        return bool(self.assessment_content)

    def has_slides(self) -> bool:
        return self.slides is not None

    def slide_at(self, seconds: float) -> Slide | None:
        """The slide on screen at ``seconds``, if one with a picture is."""
        return next((slide for slide in self.slides or () if slide.picture and slide.start <= seconds < slide.end),
                    None)

    def has_files_written(self) -> bool:
        # The paths are set only once the files are written. A note the user has since
        # deleted stays written: their deletion is respected, not undone on resume.
        written = [self.notes_filepath] + ([self.assessment_filepath] if self.has_assessment() else [])
        return all(path is not None for path in written)

    def has_pdfs_exported(self) -> bool:
        """Whether each written file has its PDF: by the recorded paths, so a PDF the user deleted stays deleted."""
        sources = [self.notes_filepath, self.assessment_filepath]
        pdfs = [self.notes_pdf_path, self.assessment_pdf_path]
        return self.has_files_written() and all(
            pdf is not None for src, pdf in zip(sources, pdfs, strict=True) if src is not None
        )

    def is_finished(self) -> bool:
        return self.stage in (ProcessingStage.COMPLETED, ProcessingStage.FAILED)

    def is_waiting(self) -> bool:
        """Whether the job waits for answers from a provider's Batch API: no stage runs until they come."""
        return self.stage is ProcessingStage.WAITING_FOR_BATCH

    def wake(self) -> None:
        """Stop waiting for a batch: back to the last checkpoint, whose stage asks for the answers again."""
        if self.is_waiting():
            self.stage = self.done_stage()

    def done_stage(self) -> ProcessingStage:
        """The last checkpoint the job's data proves done: where a resume starts."""
        if self.has_pdfs_exported():
            return ProcessingStage.COMPLETED
        if self.has_files_written():
            return ProcessingStage.FILES_WRITTEN
        if self.has_notes() and self.has_assessment():
            return ProcessingStage.ASSESSMENT_GENERATED
        if self.has_notes():
            return ProcessingStage.NOTES_GENERATED
        if self.has_transcript():
            return ProcessingStage.SLIDES_READ if self.has_slides() else ProcessingStage.TRANSCRIPT_FETCHED
        return ProcessingStage.CREATED

    # --- transitions ----------------------------------------------------

    def set_stage(self, stage: ProcessingStage) -> None:
        self.stage = stage

    def mark_completed(self) -> None:
        self.stage = ProcessingStage.COMPLETED
        self.completed_at = time.time()
        self.error_kind = self.error_message = None
        self.failed_stage = None

    def mark_failed(self, message: str, kind: str = "error", retryable: bool = False) -> None:
        if self.stage is not ProcessingStage.FAILED:
            self.failed_stage = self.stage
        self.stage = ProcessingStage.FAILED
        self.error_kind = kind
        self.error_message = message
        self.error_retryable = retryable

    def reset_for_retry(self) -> None:
        """Forget the failure and go back to the last checkpoint the data proves."""
        self.error_kind = self.error_message = None
        self.error_retryable = False
        self.failed_stage = None
        self.stage = self.done_stage()

    def reset_for_regeneration(self) -> None:
        """Go back to the start, asking for new notes: fetch (titles change), generate, write, export again."""
        self.regeneration += 1
        self.transcript = None
        self.study_notes = self.assessment_content = None
        self.notes_filepath = self.assessment_filepath = None
        self.notes_pdf_path = self.assessment_pdf_path = None
        self.error_kind = self.error_message = None
        self.error_retryable = False
        self.failed_stage = None
        self.stage = ProcessingStage.CREATED

    def record_timing(self, name: str, seconds: float) -> None:
        self.timings[name] = round(self.timings.get(name, 0.0) + seconds, 4)

    def count_attempt(self, name: str) -> int:
        self.attempts[name] = self.attempts.get(name, 0) + 1
        return self.attempts[name]

    # --- derived values ---------------------------------------------------

    @property
    def key(self) -> str:
        """The job's identity in the store: one job per video per subject."""
        return f"{self.subject.casefold()}/{self.video_id}"

    @property
    def transcript_data(self) -> dict[str, Any]:
        """What a processor's ``get_transcript`` returns, rebuilt from the job."""
        return {
            "transcript": self.transcript,
            "segments": [dataclasses.asdict(s) for s in self.segments],
            "language": self.language,
            "track": self.transcript_track,
        }

    @transcript_data.setter
    def transcript_data(self, data: dict[str, Any]) -> None:
        self.transcript = data["transcript"]
        self.segments = [_segment(s) for s in data.get("segments") or []]
        self.language = data.get("language") or self.language
        self.transcript_track = data.get("track") or self.transcript_track
        if data.get("chapters"):
            self.chapters = [_chapter(c) for c in data["chapters"]]
        if data.get("duration") and not self.duration_seconds:
            self.duration_seconds = float(data["duration"])

    def get_youtube_url(self) -> str | None:
        """The video's page; for a local transcript, only when its sidecar names the video."""
        video_id = self.youtube_id if self.source is SourceKind.FILE else self.video_id
        return YOUTUBE_WATCH_URL.format(video_id=video_id) if video_id else None

    def timestamp_url(self, seconds: float) -> str | None:
        url = self.get_youtube_url()
        return f"{url}&t={int(seconds)}s" if url else None

    def get_markdown_content(self) -> str:
        """The notes as a plain Markdown page: title, source and body (the write stage adds properties and links)."""
        url = self.get_youtube_url()
        source = [f"Source: <{url}>", ""] if url else []
        return "\n".join([f"# {self.video_title or self.video_id}", "", *source, (self.study_notes or "").strip(), ""])

    def warn(self, message: str) -> None:
        """Note something the user should hear about, once however often it happens."""
        if message not in self.warnings:
            self.warnings.append(message)

    @property
    def duration(self) -> float:
        """Seconds spent in the stages so far."""
        return round(sum(self.timings.values()), 3)

    def keep_summary(self) -> None:
        """Forget all a finished job's record in a run's result does not show (its table, summary,
        `get_summary`, and what the vault pass is told): its documents, which the store and the vault
        have, how it was fetched, and where its source and media lay. Like a listing's job, never to
        be saved after."""
        assert self.is_finished(), "a job that has stages to go needs all it knows"
        for name, value in _DEFAULTS.items():
            if name not in SUMMARY_FIELDS:
                _set(self, name, value)
        for name, make in _DEFAULT_FACTORIES.items():
            if name not in SUMMARY_FIELDS:
                _set(self, name, make())
        if self.video_title is not None:  # what the table shows of it then; else the file's name
            self.source_path = None

    def keep_outline(self, shared: dict[Any, Any]) -> None:
        """Forget all of a listed job the vault pass does not read of it (`OUTLINE_FIELDS`): it reads the
        rest with the documents, the job as stored (`DocumentReader.read`). What is left out is one default
        value for every outline, and what outlines have in common (a subject's folder and name) is one
        object in ``shared``: at 100,000 lectures the pass holds 100,000 outlines. Like a listing's job,
        never to be saved, nor changed."""
        for name, value in _OUTLINE_BLANKS.items():
            _set(self, name, value)
        if self.video_title is not None:  # the index names a lecture by its source only while it has no title
            self.source_path = None
        self.subject = shared.setdefault(self.subject, self.subject)
        folder = self.output_dir = shared.setdefault(self.output_dir, self.output_dir)
        for name in ("notes_filepath", "assessment_filepath", "notes_pdf_path", "assessment_pdf_path"):
            path = getattr(self, name)
            if path is not None and folder is not None and path.parent == folder:
                _set(self, name, folder / path.name)  # its folder's parts are the folder's own
        for name in ("error_kind", "error_message"):
            _set(self, name, shared.setdefault(getattr(self, name), getattr(self, name)))

    def get_summary(self) -> dict[str, Any]:
        return {
            "video_id": self.video_id,
            "url": self.url,
            "title": self.video_title,
            "subject": self.subject,
            "stage": self.stage.value,
            "duration": self.duration,
            "timings": dict(self.timings),
            "attempts": dict(self.attempts),
            "error_kind": self.error_kind,
            "error": self.error_message,
            "failed_stage": self.failed_stage.value if self.failed_stage else None,
            "generator": self.generator,
            "token_usage": dict(vars(self.token_usage)),
            "warnings": list(self.warnings),
            "notes_file": str(self.notes_filepath) if self.notes_filepath else None,
            "assessment_file": str(self.assessment_filepath) if self.assessment_filepath else None,
            "notes_pdf": str(self.notes_pdf_path) if self.notes_pdf_path else None,
            "assessment_pdf": str(self.assessment_pdf_path) if self.assessment_pdf_path else None,
        }

    # --- JSON ------------------------------------------------------------

    def to_dict(self, vault: Path | None = None, without: Collection[str] = ()) -> dict[str, Any]:
        """Plain data, less the fields named in ``without``; a path inside ``vault`` is written relative
        to it, so that the data means the same on any machine and after the vault is moved."""
        # Every stage transition saves the job: plain attribute reads, not dataclasses.asdict's deep copies.
        out: dict[str, Any] = {}
        for name in _FIELD_NAMES:
            if name in without:
                continue
            value = getattr(self, name)
            if value is None or type(value) in _PLAIN:  # most fields, as they are
                pass
            elif isinstance(value, Path):
                value = _portable(value, vault)
            elif isinstance(value, StrEnum):
                value = value.value
            elif name == "segments":
                value = [{"start": s.start, "duration": s.duration, "text": s.text} for s in value]
            elif name == "chapters":
                value = [{"start": c.start, "title": c.title} for c in value]
            elif name == "slides":
                value = [slide_dict(slide) for slide in value]
            elif name == "token_usage":
                value = dict(vars(value))
            elif isinstance(value, (dict, list)):
                value = type(value)(value)
            out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], vault: Path | None = None) -> VideoProcessingJob:
        """The job ``to_dict`` gave; relative paths are taken inside ``vault`` when it is given."""
        # A field from a newer version is ignored rather than failed on.
        kwargs = {name: value for name, value in data.items() if name in _KNOWN_FIELDS}
        missing = _REQUIRED_FIELDS - kwargs.keys()
        if missing:
            raise TypeError(f"a job needs {', '.join(sorted(missing))}")
        # `status` loads every job: only the fields that need it are converted, and each path is
        # parsed once (os.path.join keeps an absolute one as it is).
        root = None if vault is None else os.fspath(vault)
        for name in PATH_FIELDS.intersection(kwargs):
            if kwargs[name] is not None:
                kwargs[name] = Path(kwargs[name] if root is None else os.path.join(root, kwargs[name]))
        for name in _CONVERTERS.keys() & kwargs.keys():
            if kwargs[name] is not None:
                kwargs[name] = _CONVERTERS[name](kwargs[name])
        # Filled in directly, the dataclass's own defaults first: its __init__ with 47 arguments took
        # a third of the time of loading 10,000 jobs.
        job = cls.__new__(cls)
        for name, value in _DEFAULTS.items():
            _set(job, name, kwargs.get(name, value))
        for name, make in _DEFAULT_FACTORIES.items():
            _set(job, name, kwargs[name] if name in kwargs else make())
        for name in _REQUIRED_FIELDS:
            _set(job, name, kwargs[name])
        return job

    def to_json(self, vault: Path | None = None, without: Collection[str] = ()) -> str:
        return json.dumps(self.to_dict(vault, without), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, vault: Path | None = None) -> VideoProcessingJob:
        return cls.from_dict(json.loads(text), vault)


def _portable(path: Path, vault: Path | None) -> str:
    """``path`` relative to ``vault`` (POSIX separators) when it lies inside it; else as it is."""
    if vault is not None:
        # The common case by string, pathlib's relative_to being the slowest part of a save.
        text, root = os.fspath(path), os.fspath(vault).rstrip("/") + "/"
        if text.startswith(root) and len(text) > len(root):
            return text[len(root):]
        try:
            return path.relative_to(vault).as_posix()
        except ValueError:
            absolute, root = path.absolute(), Path(vault).absolute()
            if absolute.is_relative_to(root):
                return absolute.relative_to(root).as_posix()
    return str(path)


_set = object.__setattr__
_FIELD_NAMES = tuple(f.name for f in dataclasses.fields(VideoProcessingJob))
_PLAIN = (str, int, float, bool)  # exactly these types: a StrEnum is a str, and is converted
_KNOWN_FIELDS = frozenset(_FIELD_NAMES)
_DEFAULTS = {f.name: f.default for f in dataclasses.fields(VideoProcessingJob) if f.default is not dataclasses.MISSING}
_DEFAULT_FACTORIES = {f.name: f.default_factory for f in dataclasses.fields(VideoProcessingJob)
                      if f.default_factory is not dataclasses.MISSING}
_REQUIRED_FIELDS = _KNOWN_FIELDS - _DEFAULTS.keys() - _DEFAULT_FACTORIES.keys()

# What `keep_summary` keeps of a finished job (the source's path only while it has no title).
SUMMARY_FIELDS = frozenset({
    "url", "video_id", "source", "source_path", "subject", "position", "video_title", "youtube_id", "generator",
    "token_usage", "regeneration", "output_dir", "notes_filepath", "assessment_filepath", "notes_pdf_path",
    "assessment_pdf_path", "stage", "timings", "attempts", "warnings", "error_kind", "error_message",
    "error_retryable", "failed_stage",
})

# What the vault pass reads of a listed job: its place, its note's names and paths, what the subject's index
# shows of it (length, status, video) and its timestamp links. The source's path only while it has no title.
OUTLINE_FIELDS = frozenset({
    "url", "video_id", "source", "source_path", "subject", "position", "video_title", "youtube_id",
    "duration_seconds", "output_dir", "notes_filepath", "assessment_filepath", "notes_pdf_path",
    "assessment_pdf_path", "stage", "error_kind", "error_message",
})
# The value of every other field in every outline: one object each, shared.
_OUTLINE_BLANKS = {name: value for name, value in _DEFAULTS.items() if name not in OUTLINE_FIELDS} | {
    name: make() for name, make in _DEFAULT_FACTORIES.items() if name not in OUTLINE_FIELDS}

PATH_FIELDS = frozenset(
    f.name
    for f in dataclasses.fields(VideoProcessingJob)
    if f.type in ("Path | None",)
)


def _segment(data: dict[str, Any] | TranscriptSegment) -> TranscriptSegment:
    if isinstance(data, TranscriptSegment):
        return data
    return TranscriptSegment(float(data["start"]), float(data.get("duration", 0.0)), str(data["text"]))


def _chapter(data: dict[str, Any] | Chapter) -> Chapter:
    if isinstance(data, Chapter):
        return data
    return Chapter(float(data.get("start", data.get("start_time", 0.0))), str(data["title"]))


def slide_dict(slide: Slide) -> dict[str, Any]:
    return {"start": slide.start, "end": slide.end, "title": slide.title, "lines": list(slide.lines),
            "picture": slide.picture}


def _slide(data: dict[str, Any] | Slide) -> Slide:
    if isinstance(data, Slide):
        return data
    return Slide(float(data["start"]), float(data["end"]), str(data.get("title") or ""),
                 [str(line) for line in data.get("lines") or []], data.get("picture"))


_CONVERTERS: dict[str, Any] = {
    "stage": ProcessingStage,
    "failed_stage": ProcessingStage,
    "source": SourceKind,
    "segments": lambda items: [_segment(item) for item in items],
    "chapters": lambda items: [_chapter(item) for item in items],
    "slides": lambda items: [_slide(item) for item in items],
    "token_usage": lambda usage: TokenUsage(**usage),
}
