"""The four stages of the seed, each a function ``job -> job``, Whisper's beside them, and the routing.

Every stage first checks whether its work is done and then returns the job
untouched, so it can run again safely, alone, on a job loaded from JSON.
Speech is transcribed in a stage of its own, ``transcribe``: after the fetch
stage has downloaded a caption-less video's audio, or first for a recording.
The slides a video shows are read in another, ``slides``, before the notes.
Failures raise ``tubenotes.errors`` exceptions; ``process_video_pipeline``
and the executors turn them into a failed job with a reason.

`Components` are what the stages run with (sources, generators, the vault,
the PDF exporter); `run_stage` runs one stage by name with them, and
`next_stage` says which stage a job needs next, by the `Routing` of the run
(which optional stages it has). An executor (the local streaming runner,
Celery) only moves jobs between stages, through `tubenotes.outcome.run_step`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from tubenotes.config import DEFAULT_MAX_ATTEMPTS, Settings
from tubenotes.errors import AwaitingBatch, EmptyTranscriptError, ExportError, TransientError, TubenotesError
from tubenotes.export.base import GuardedPdfExporter, PdfExporter
from tubenotes.generate.base import AssessmentGenerator, NotesGenerator
from tubenotes.job import STAGE_NAMES, Generation, ProcessingStage, SourceKind, VideoProcessingJob
from tubenotes.network import ExitNode, TorExitNodePool, run_with_pool
from tubenotes.outcome import Outcome, run_step
from tubenotes.plaintext import clean_line
from tubenotes.slides.fetcher import SlideFetcher, wants_slides
from tubenotes.sources.base import DescribedSource, TranscriptSource, VideoMetadata
from tubenotes.sources.local import LocalTranscriptFile
from tubenotes.sources.youtube_audio import DownloadedStream
from tubenotes.transcription import CAPTIONLESS, SpeechFetcher, TranscriptionOffError, needs_transcription
from tubenotes.vault.filenames import PDF_SUBDIR, sanitize_filename, subject_dir
from tubenotes.vault.live_index import LiveIndex
from tubenotes.vault.writer import VaultWriter

log = logging.getLogger(__name__)

# Below this a transcript is a caption stub or a music video, not a lecture:
# generating from it would only pay for notes that say nothing.
MIN_TRANSCRIPT_WORDS = 40


@contextmanager
def _timed(job: VideoProcessingJob, name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        job.record_timing(name, time.perf_counter() - started)


def fetch_transcript_and_title(
    job: VideoProcessingJob, processor: TranscriptSource, exit_node_id: int | None
) -> VideoProcessingJob:
    """Stage 1: the transcript, title and metadata, through the given processor."""
    if job.has_transcript():
        log.debug("transcript already fetched for %s, skipping", job.video_id)
        return job

    job.set_stage(ProcessingStage.FETCHING_TRANSCRIPT)
    job.exit_node_id = exit_node_id
    job.exit_node_acquired_at = time.time() if exit_node_id is not None else None
    job.count_attempt("fetch")
    with _timed(job, "fetch"):
        if not job.transcript:  # an earlier attempt may have fetched it before failing on the title
            job.transcript_data = processor.get_transcript(job.video_id)
        title = processor.get_video_title(job.video_id)
        _add_metadata(job, processor)
    job.video_title = clean_line(title) if title else title
    job.set_stage(ProcessingStage.TRANSCRIPT_FETCHED)
    return job


def _require_enough_words(job: VideoProcessingJob) -> None:
    words = len((job.transcript or "").split())
    if words < MIN_TRANSCRIPT_WORDS:
        raise EmptyTranscriptError(
            f"the transcript of {job.url} has {words} words, too few to study from "
            f"(at least {MIN_TRANSCRIPT_WORDS}); check that the video has spoken captions"
        )


def _add_metadata(job: VideoProcessingJob, processor: TranscriptSource) -> None:
    """Channel, duration, chapters and the like, where the processor offers them (the seed's does not)."""
    if isinstance(processor, DescribedSource):
        try:
            meta = processor.get_video_metadata(job.video_id)
        except TransientError as exc:
            # The title came another way (oEmbed); notes without chapters beat no notes.
            job.warn(f"no channel, chapters or description: {exc}")
        else:
            _take_metadata(job, meta)
    if not job.duration_seconds and job.segments:
        job.duration_seconds = round(job.segments[-1].end, 1)


def _take_metadata(job: VideoProcessingJob, meta: VideoMetadata) -> None:
    job.channel = meta.channel or job.channel
    job.duration_seconds = meta.duration_seconds or job.duration_seconds
    job.upload_date = meta.upload_date or job.upload_date
    job.description = meta.description or job.description
    job.chapters = meta.chapters or job.chapters
    job.youtube_id = meta.youtube_id or job.youtube_id


def _keep_audio(job: VideoProcessingJob, audio: DownloadedStream) -> VideoProcessingJob:
    """Stage 1, for a video without usable captions: its title and metadata, and its downloaded audio,
    which waits for the transcribe stage."""
    if audio.metadata.title:
        job.video_title = clean_line(audio.metadata.title)
    _take_metadata(job, audio.metadata)
    job.language = audio.language or job.language  # the video's own, for Whisper
    job.audio_path = audio.path
    job.set_stage(ProcessingStage.AUDIO_FETCHED)
    return job


def transcribe_speech(job: VideoProcessingJob, speech: TranscriptSource) -> VideoProcessingJob:
    """Stage 1b: the transcript of a recording, or of a video's audio that the fetch stage kept, by Whisper."""
    if job.has_transcript():
        log.debug("transcript already made for %s, skipping", job.video_id)
        return job

    job.set_stage(ProcessingStage.TRANSCRIBING)
    job.count_attempt("transcribe")
    with _timed(job, "transcribe"):
        job.transcript_data = speech.get_transcript(job.video_id)
    if job.video_title is None:  # a recording, named by its file; a video has the title its fetch found
        job.video_title = clean_line(speech.get_video_title(job.video_id))
    job.set_stage(ProcessingStage.TRANSCRIPT_FETCHED)
    return job


def read_slides_of(job: VideoProcessingJob, slides: SlideFetcher, exit_node_pool: TorExitNodePool | None,
                   max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> VideoProcessingJob:
    """Stage 1c: a picture and the text of each slide the video shows (none, with a warning, when its
    video cannot be had or decoded: the notes go on from the speech)."""
    if job.has_slides():
        log.debug("slides already read for %s, skipping", job.video_id)
        return job

    job.set_stage(ProcessingStage.READING_SLIDES)
    job.count_attempt("slides")
    with _timed(job, "slides"):
        job.slides = slides.read(job, exit_node_pool, max_attempts)
    job.set_stage(ProcessingStage.SLIDES_READ)
    return job


def generate_notes_and_assessment(
    job: VideoProcessingJob,
    notes_generator: NotesGenerator,
    assessment_generator: AssessmentGenerator | None,
) -> VideoProcessingJob:
    """Stage 2: study notes, then an assessment; each skipped when already there.

    A transcript too short to study from fails here, before any LLM is paid.
    A generator that sends its requests through a Batch API raises AwaitingBatch
    until the answers are in: both documents ask first (their requests go in the
    same batch), then the job waits, at its checkpoint, without a failure.
    """
    if not (job.has_notes() and job.has_assessment()):
        _require_enough_words(job)
    waits: list[AwaitingBatch] = []
    if not job.has_notes():
        job.set_stage(ProcessingStage.GENERATING_NOTES)
        with _gathering(waits):
            job.study_notes = _generate(job, "generate_notes", notes_generator.generate_notes)
            job.set_stage(ProcessingStage.NOTES_GENERATED)

    if not job.has_assessment() and assessment_generator is not None:
        job.set_stage(ProcessingStage.GENERATING_ASSESSMENT)
        with _gathering(waits):
            job.assessment_content = _generate(job, "generate_assessment", assessment_generator.generate_assessment)
            job.set_stage(ProcessingStage.ASSESSMENT_GENERATED)

    if waits:
        job.set_stage(ProcessingStage.WAITING_FOR_BATCH)
    return job


@contextmanager
def _gathering(waits: list[AwaitingBatch]) -> Iterator[None]:
    try:
        yield
    except AwaitingBatch as wait:
        waits.append(wait)


def _generate(job: VideoProcessingJob, name: str, produce: Callable[[VideoProcessingJob], Generation]) -> str:
    job.count_attempt(name)
    with _timed(job, name):
        generation = produce(job)  # a generator that fails puts what it spent on the job itself
    job.generator = generation.generator
    job.token_usage.add(generation.usage)
    return generation.text


def write_files(
    job: VideoProcessingJob,
    output_dir: Path,
    sanitizer: Callable[[str], str] = sanitize_filename,
    vault: VaultWriter | None = None,
) -> VideoProcessingJob:
    """Stage 3: ``Title.md`` and ``Assessment_Title.md`` in the subject's folder, atomically.

    Links are resolved against the vault; a file the user changed since it was
    written is kept and the new version goes beside it (see `VaultWriter`).
    Without ``vault`` the vault is the folder above ``output_dir`` and nothing
    is remembered between calls.
    """
    if job.has_files_written():
        log.debug("files already written for %s, skipping", job.video_id)
        return job

    job.set_stage(ProcessingStage.WRITING_FILES)
    writer = vault if vault is not None else VaultWriter(output_dir.parent)
    with _timed(job, "write"):
        writer.write_job(job, output_dir, sanitizer)

    job.set_stage(ProcessingStage.FILES_WRITTEN)
    return job


def export_pdfs(job: VideoProcessingJob, pdf_exporter: PdfExporter) -> VideoProcessingJob:
    """Stage 4: both files as PDFs in the subject's ``pdfs/`` folder."""
    if job.has_pdfs_exported():
        log.debug("PDFs already exported for %s, skipping", job.video_id)
        if job.stage is not ProcessingStage.COMPLETED:
            job.mark_completed()
        return job
    if job.notes_filepath is None or job.output_dir is None:
        raise ExportError(f"{job.video_id}: there are no written notes to export; run the write stage first")

    job.set_stage(ProcessingStage.EXPORTING_PDFS)
    job.pdf_subdir = job.output_dir / PDF_SUBDIR
    job.pdf_subdir.mkdir(parents=True, exist_ok=True)
    with _timed(job, "export"):
        job.notes_pdf_path = _export_one(job, job.notes_filepath, pdf_exporter)
        if job.assessment_filepath is not None:
            job.assessment_pdf_path = _export_one(job, job.assessment_filepath, pdf_exporter)

    job.mark_completed()
    return job


def _export_one(job: VideoProcessingJob, markdown: Path, exporter: PdfExporter) -> Path | None:
    assert job.pdf_subdir is not None
    wanted = job.pdf_subdir / f"{markdown.stem}.pdf"
    if not markdown.exists():
        # The user deleted the note: its deletion is respected, so there is nothing to print.
        job.warn(f"{markdown.name} was deleted: no PDF made of it")
        return None
    pdf = exporter.destination(wanted) if isinstance(exporter, GuardedPdfExporter) else wanted
    if pdf != wanted:
        job.warn(f"{wanted.name} in {wanted.parent.name}/ is not a PDF tubenotes wrote: kept as it is, "
                 f"the new PDF is {pdf.name}")
    for warning in exporter.markdown_to_pdf(markdown, pdf):
        job.warn(f"{pdf.name}: {warning}")
    return pdf


# --- the composition: components, one stage by name, routing -----------------------

# Which stage a job needs next, from the last checkpoint its data proves.
_NEXT_STAGE = {
    ProcessingStage.CREATED: "fetch",
    ProcessingStage.TRANSCRIPT_FETCHED: "generate",
    ProcessingStage.SLIDES_READ: "generate",
    ProcessingStage.NOTES_GENERATED: "generate",
    ProcessingStage.ASSESSMENT_GENERATED: "write",
    ProcessingStage.FILES_WRITTEN: "export",
}


@dataclass(frozen=True)
class Routing:
    """Which optional stages a run has; the others every job passes through."""

    export: bool = True  # PDFs of the notes
    slides: bool | None = None  # the slides of videos: --slides (True), --no-slides (False), or as `wants_slides` says

    @classmethod
    def of(cls, settings: Settings) -> Routing:
        return cls(export=settings.pdf, slides=settings.slides)


@dataclass
class Components:
    """What the stages run with: the seed's components, typed.

    ``youtube_source`` makes a transcript source that fetches through a
    proxy URL (None: directly); transcript files are read as they are.
    Without ``pdf_exporter`` there is no export stage.
    """

    notes_generator: NotesGenerator
    assessment_generator: AssessmentGenerator | None
    vault: VaultWriter
    pdf_exporter: PdfExporter | None = None
    youtube_source: Callable[[str | None], TranscriptSource] | None = None
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    # Whisper, for recordings and videos without captions; without it those fail with their reason.
    speech: SpeechFetcher | None = None
    # The slides stage's tools; without them no job has its slides read.
    slides: SlideFetcher | None = None
    # Told of what the write stage kept for the user (an edited note, say); it is on the job as well.
    notice: Callable[[str], None] = field(default=lambda message: None)
    # The subject indexes, rewritten as lectures are written during a batch (without it, by the vault pass only).
    live_index: LiveIndex | None = None

    @property
    def routing(self) -> Routing:
        return Routing(export=self.pdf_exporter is not None,
                       slides=self.slides.settings.slides if self.slides is not None else False)


def next_stage(job: VideoProcessingJob, routing: Routing = Routing()) -> str | None:
    """The stage ``job`` needs next, or None when it is finished (completed, failed, or nothing left)
    or waits for a batch."""
    if job.is_finished() or job.is_waiting():
        return None
    done = job.done_stage()
    if done is ProcessingStage.CREATED and needs_transcription(job):
        return "transcribe"
    if done is ProcessingStage.TRANSCRIPT_FETCHED and wants_slides(job, routing.slides):
        return "slides"
    if done is ProcessingStage.FILES_WRITTEN and not routing.export:
        return None
    return _NEXT_STAGE.get(done)


def settle(job: VideoProcessingJob, routing: Routing = Routing()) -> bool:
    """Mark a job that needs no further stage completed; True if it changed."""
    if job.is_finished() or job.is_waiting() or next_stage(job, routing) is not None:
        return False
    job.mark_completed()
    return True


def run_stage(name: str, job: VideoProcessingJob, components: Components,
              exit_node_pool: TorExitNodePool | None = None) -> VideoProcessingJob:
    """Stage ``name`` on ``job``; the exit node pool is needed (and held) by a YouTube fetch, and the
    download of a YouTube video for its slides, only.

    A job that needs no further stage comes back completed.
    """
    job = _stage(name, job, components, exit_node_pool)
    settle(job, components.routing)
    return job


def _stage(name: str, job: VideoProcessingJob, components: Components,
           exit_node_pool: TorExitNodePool | None) -> VideoProcessingJob:
    if name == "fetch":
        return _fetch(job, components, exit_node_pool)
    if name == "transcribe":
        return _transcribe(job, components.speech)
    if name == "slides":
        if components.slides is None:
            raise TubenotesError(f"{job.video_id}: slides to read, and these components read none")
        return read_slides_of(job, components.slides, exit_node_pool, components.max_attempts)
    if name == "generate":
        # The transcript and the slides are committed by now: the media they were made from can go.
        if components.speech is not None:
            components.speech.forget_audio(job)
        if components.slides is not None:
            components.slides.forget_video(job)
        return generate_notes_and_assessment(job, components.notes_generator, components.assessment_generator)
    if name == "write":
        return _write(job, components)
    if name == "export":
        if components.pdf_exporter is None:
            raise ExportError("no PDF exporter was given; pass one, or run without the export stage")
        return export_pdfs(job, components.pdf_exporter)
    raise ValueError(f"no stage is called {name!r}; the stages are {', '.join(STAGE_NAMES)}")


def _fetch(job: VideoProcessingJob, components: Components,
           exit_node_pool: TorExitNodePool | None) -> VideoProcessingJob:
    if job.source is SourceKind.FILE:
        assert job.source_path is not None
        return fetch_transcript_and_title(job, LocalTranscriptFile(job.source_path), None)
    if exit_node_pool is None or components.youtube_source is None:
        raise TubenotesError(f"{job.video_id}: fetching from YouTube needs an exit node pool and a youtube_source")
    try:
        return run_with_pool(exit_node_pool, partial(_fetch_through, job, components.youtube_source),
                             max_attempts=components.max_attempts)
    except CAPTIONLESS as captionless:
        if components.speech is None:
            raise
        # A node is held for the audio's download only: the transcription is a stage of its own.
        with _timed(job, "fetch"):
            audio = components.speech.download_audio(job, captionless, exit_node_pool, components.max_attempts)
        return _keep_audio(job, audio)


def _transcribe(job: VideoProcessingJob, speech: SpeechFetcher | None) -> VideoProcessingJob:
    if speech is None:
        raise TranscriptionOffError(f"{job.url}: speech to transcribe, and these components transcribe none")
    if job.audio_path is not None and not job.audio_path.exists():
        # Removed since the fetch stage kept it (a cleaned-up .tubenotes/, say): downloaded again, not failed.
        job.audio_path = None
        job.set_stage(ProcessingStage.CREATED)
        return job
    try:
        return transcribe_speech(job, speech.source(job))
    except TubenotesError as exc:
        if not exc.retryable:  # no retry will want the audio
            speech.forget_audio(job)
        raise


def _write(job: VideoProcessingJob, components: Components) -> VideoProcessingJob:
    warnings_before = len(job.warnings)
    job = write_files(job, subject_dir(components.vault.root, job.subject), vault=components.vault)
    if components.slides is not None:
        components.slides.forget_staging(job)  # the pictures are in the vault now
    for warning in job.warnings[warnings_before:]:
        components.notice(warning)
    if components.live_index is not None:
        components.live_index.lecture_written(job)
    return job


def _fetch_through(job: VideoProcessingJob, youtube_source: Callable[[str | None], TranscriptSource],
                   node: ExitNode) -> VideoProcessingJob:
    source = youtube_source(node.proxy_url)
    close = getattr(source, "close", None)
    try:
        return fetch_transcript_and_title(job, source, node.id)
    finally:
        if close is not None:
            close()


def process_video_pipeline(
    job: VideoProcessingJob, exit_node_pool: TorExitNodePool | None, components: Components
) -> VideoProcessingJob:
    """Every stage the job still needs, in order, as the seed shows them; failure comes back as data.

    The same stages, routing and outcomes the batch executors use: fetches are
    retried through the pool with node rotation, written notes pass the
    user-edit guard, and PDFs are exported when ``components`` has an exporter.
    A full disk or a read-only vault (StorageError), or a shared store out of
    reach (StoreUnreachable), is no job's failure: it raises, and the job keeps
    its last checkpoint.
    """
    stage = partial(run_stage, components=components, exit_node_pool=exit_node_pool)
    while (name := next_stage(job, components.routing)) is not None:
        step = run_step(name, job, stage)
        job = step.job
        if step.outcome in (Outcome.STORAGE_STOP, Outcome.RETRY):
            assert step.error is not None
            raise step.error
        if step.outcome is Outcome.INTERRUPTED:
            break
    settle(job, components.routing)
    return job

