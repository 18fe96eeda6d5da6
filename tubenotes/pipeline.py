"""The four stages of the seed, each a function ``job -> job``.

Every stage first checks whether its work is done and then returns the job
untouched, so it can run again safely, alone, on a job loaded from JSON.
Failures raise ``tubenotes.errors`` exceptions; ``process_video_pipeline``
and the runner turn them into a failed job with a reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tubenotes.errors import EmptyTranscriptError, ExportError, TransientError, TubenotesError
from tubenotes.export.base import PdfExporter
from tubenotes.generate.base import AssessmentGenerator, Generation, NotesGenerator
from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.plaintext import clean_line
from tubenotes.sources.base import TranscriptSource
from tubenotes.vault.filenames import sanitize_filename
from tubenotes.vault.writer import VaultWriter

log = logging.getLogger(__name__)

# Below this a transcript is a caption stub or a music video, not a lecture:
# generating from it would only pay for notes that say nothing.
MIN_TRANSCRIPT_WORDS = 40
PDF_SUBDIR = "pdfs"


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
        _require_enough_words(job)
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
    get_metadata = getattr(processor, "get_video_metadata", None)
    if get_metadata is not None:
        try:
            meta = get_metadata(job.video_id)
        except TransientError as exc:
            # The title came another way (oEmbed); notes without chapters beat no notes.
            job.warnings.append(f"no channel, chapters or description: {exc}")
        else:
            job.channel = meta.channel or job.channel
            job.duration_seconds = meta.duration_seconds or job.duration_seconds
            job.upload_date = meta.upload_date or job.upload_date
            job.description = meta.description or job.description
            job.chapters = meta.chapters or job.chapters
            job.youtube_id = meta.youtube_id or job.youtube_id
    if not job.duration_seconds and job.segments:
        job.duration_seconds = round(job.segments[-1].end, 1)


def generate_notes_and_assessment(
    job: VideoProcessingJob,
    notes_generator: NotesGenerator,
    assessment_generator: AssessmentGenerator | None,
) -> VideoProcessingJob:
    """Stage 2: study notes, then an assessment; each skipped when already there."""
    if not job.has_notes():
        job.set_stage(ProcessingStage.GENERATING_NOTES)
        job.study_notes = _generate(job, "generate_notes", notes_generator.generate_notes)
        job.set_stage(ProcessingStage.NOTES_GENERATED)

    if not job.has_assessment() and assessment_generator is not None:
        job.set_stage(ProcessingStage.GENERATING_ASSESSMENT)
        job.assessment_content = _generate(job, "generate_assessment", assessment_generator.generate_assessment)
        job.set_stage(ProcessingStage.ASSESSMENT_GENERATED)

    return job


def _generate(job: VideoProcessingJob, name: str, produce: Callable[[VideoProcessingJob], Generation]) -> str:
    job.count_attempt(name)
    with _timed(job, name):
        try:
            generation = produce(job)
        except TubenotesError as exc:
            if exc.usage is not None:  # rejected answers were paid for too
                job.token_usage.add(exc.usage)
            raise
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
        message = f"{markdown.name} was deleted: no PDF made of it"
        if message not in job.warnings:
            job.warnings.append(message)
        return None
    # An exporter that can tell its own PDFs from the user's names where the PDF may go (optional in the protocol).
    destination = getattr(exporter, "destination", None)
    pdf = destination(wanted) if destination is not None else wanted
    if pdf != wanted:
        message = (f"{wanted.name} in {wanted.parent.name}/ is not a PDF tubenotes wrote: kept as it is, "
                   f"the new PDF is {pdf.name}")
        if message not in job.warnings:
            job.warnings.append(message)
    for warning in exporter.markdown_to_pdf(markdown, pdf):
        message = f"{pdf.name}: {warning}"
        if message not in job.warnings:
            job.warnings.append(message)
    return pdf


def process_video_pipeline(
    job: VideoProcessingJob, exit_node_pool: Any, components: dict[str, Any]
) -> VideoProcessingJob:
    """All four stages for one job, in order, as the seed shows them.

    The exit node is held for the fetch stage only. ``components`` holds
    ``processor``, ``notes_generator``, ``assessment_generator``,
    ``output_dir`` and optionally ``sanitizer`` and ``pdf_exporter``. The
    batch runner (`tubenotes.runner`) streams many jobs through the same
    stage functions instead of calling this once per job.
    """
    try:
        node = exit_node_pool.acquire()
        try:
            job = fetch_transcript_and_title(job, components["processor"], node.id)
        finally:
            exit_node_pool.release(node)

        job = generate_notes_and_assessment(
            job, components["notes_generator"], components["assessment_generator"]
        )
        job = write_files(job, components["output_dir"], components.get("sanitizer", sanitize_filename))
        if components.get("pdf_exporter"):
            job = export_pdfs(job, components["pdf_exporter"])
        else:
            job.mark_completed()
        return job
    except TubenotesError as exc:
        job.mark_failed(str(exc), exc.kind, exc.retryable)
        return job
