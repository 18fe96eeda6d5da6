"""The library behind the CLI: build the stages from settings and run batches."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial

from tubenotes.config import Settings
from tubenotes.errors import PermanentError
from tubenotes.export.pdf import TypstPdfExporter
from tubenotes.generate.offline import OfflineGenerator
from tubenotes.inputs import jobs_from_inputs
from tubenotes.job import ProcessingStage, SourceKind, VideoProcessingJob
from tubenotes.pipeline import export_pdfs, fetch_transcript_and_title, generate_notes_and_assessment, write_files
from tubenotes.runner import PipelineRunner, Reporter, RunResult, Step
from tubenotes.sources.local import LocalTranscriptFile
from tubenotes.store import JobStore
from tubenotes.vault.filenames import subject_dir

Notice = Callable[[str], None]


@dataclass
class Components:
    """What the stages of one run work with; closed when the run ends."""

    settings: Settings
    store: JobStore
    notes_generator: object
    assessment_generator: object
    pdf_exporter: TypstPdfExporter | None

    @classmethod
    def build(cls, settings: Settings, store: JobStore, notice: Notice, stack: ExitStack) -> Components:
        generator = OfflineGenerator(cache=store.cache)
        notice("Using the built-in offline generator (no LLM configured).")
        exporter = TypstPdfExporter() if settings.pdf else None
        if exporter is not None and hasattr(exporter, "close"):
            stack.callback(exporter.close)
        return cls(settings, store, generator, generator, exporter)

    def fetch(self, job: VideoProcessingJob) -> VideoProcessingJob:
        if job.source is SourceKind.FILE:
            assert job.source_path is not None
            return fetch_transcript_and_title(job, LocalTranscriptFile(job.source_path), None)
        raise PermanentError(f"{job.url}: fetching from YouTube is not yet supported; give a transcript file")

    def write(self, job: VideoProcessingJob) -> VideoProcessingJob:
        return write_files(job, subject_dir(self.settings.vault, job.subject))

    def steps(self) -> list[Step]:
        settings = self.settings
        steps = [
            Step("fetch", self.fetch, settings.pool_size),
            Step(
                "generate",
                partial(
                    generate_notes_and_assessment,
                    notes_generator=self.notes_generator,
                    assessment_generator=self.assessment_generator,
                ),
                settings.llm_concurrency,
            ),
            # One writer: file names are claimed by looking at the folder, which must not race.
            Step("write", self.write, 1),
        ]
        if self.pdf_exporter is not None:
            steps.append(Step("export", partial(export_pdfs, pdf_exporter=self.pdf_exporter), settings.export_workers))
        return steps


def run_jobs(
    settings: Settings, store: JobStore, jobs: list[VideoProcessingJob], reporter: Reporter, notice: Notice
) -> RunResult:
    with ExitStack() as stack:
        components = Components.build(settings, store, notice, stack)
        return PipelineRunner(store, components.steps(), reporter).run(jobs)


def prepare_run(settings: Settings, store: JobStore, inputs: list[str]) -> list[VideoProcessingJob]:
    """Jobs for ``inputs``: known ones as the store has them, new ones saved before any work."""
    jobs = []
    next_position = store.next_position()
    for job in jobs_from_inputs(inputs, settings.subject, _language(settings)):
        known = store.load(job.key)
        if known is None:
            job.position = next_position
            next_position += 1
            store.save(job)
            jobs.append(job)
        else:
            if known.stage is ProcessingStage.FAILED and known.error_kind not in _PERMANENT_KINDS:
                known.reset_for_retry()  # a transient failure is worth another try when asked again
            jobs.append(known)
    return jobs


# Failures that another attempt with the same input cannot mend: `run` keeps them, `retry` replays them.
_PERMANENT_KINDS = frozenset({"permanent", "empty_transcript", "input", "generation"})


def _language(settings: Settings) -> str | None:
    return settings.languages[0] if settings.languages else None
