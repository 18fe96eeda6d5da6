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

from tubenotes.errors import EmptyTranscriptError, ExportError, TubenotesError
from tubenotes.export.base import PdfExporter
from tubenotes.generate.base import AssessmentGenerator, Generation, NotesGenerator
from tubenotes.job import ProcessingStage, VideoProcessingJob
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
        job.transcript_data = processor.get_transcript(job.video_id)
        title = processor.get_video_title(job.video_id)
        get_metadata = getattr(processor, "get_video_metadata", None)  # optional in the seed's protocol
        if get_metadata is not None:
            meta = get_metadata(job.video_id)
            job.channel = meta.channel or job.channel
            job.duration_seconds = meta.duration_seconds or job.duration_seconds
            job.upload_date = meta.upload_date or job.upload_date
            job.description = meta.description or job.description
            job.chapters = meta.chapters or job.chapters
            job.youtube_id = meta.youtube_id or job.youtube_id
        if not job.duration_seconds and job.segments:
            job.duration_seconds = round(job.segments[-1].end, 1)

    words = len((job.transcript or "").split())
    if words < MIN_TRANSCRIPT_WORDS:
        raise EmptyTranscriptError(
            f"the transcript of {job.url} has {words} words, too few to study from "
            f"(at least {MIN_TRANSCRIPT_WORDS}); check that the video has spoken captions"
        )
    job.video_title = title
    job.set_stage(ProcessingStage.TRANSCRIPT_FETCHED)
    return job


def _apply(job: VideoProcessingJob, generation: Generation) -> str:
    job.generator = generation.generator
    job.token_usage.add(generation.usage)
    return generation.text


def generate_notes_and_assessment(
    job: VideoProcessingJob,
    notes_generator: NotesGenerator,
    assessment_generator: AssessmentGenerator | None,
) -> VideoProcessingJob:
    """Stage 2: study notes, then an assessment; each skipped when already there."""
    if not job.has_notes():
        job.set_stage(ProcessingStage.GENERATING_NOTES)
        job.count_attempt("generate_notes")
        with _timed(job, "generate_notes"):
            job.study_notes = _apply(job, notes_generator.generate_notes(job))
        job.set_stage(ProcessingStage.NOTES_GENERATED)

    if not job.has_assessment() and assessment_generator is not None:
        job.set_stage(ProcessingStage.GENERATING_ASSESSMENT)
        job.count_attempt("generate_assessment")
        with _timed(job, "generate_assessment"):
            job.assessment_content = _apply(job, assessment_generator.generate_assessment(job))
        job.set_stage(ProcessingStage.ASSESSMENT_GENERATED)

    return job


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
    pdf = job.pdf_subdir / f"{markdown.stem}.pdf"
    if not markdown.exists():
        # The user deleted the note: its deletion is respected, so there is nothing to print.
        message = f"{markdown.name} was deleted: no PDF made of it"
        if message not in job.warnings:
            job.warnings.append(message)
        return None
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
