"""The library API: inputs in, a vault out, as the CLI does it.

    from tubenotes import make_notes
    result = make_notes(["lectures/"], vault="notes", subject="Physics")
    print(len(result.completed), "lectures ready")

`make_notes` is `tubenotes run` without the terminal: the same composition
of the stages (`tubenotes.stages`), the same store, resume and vault pass.
The CLI calls the same pieces (`prepare_jobs`, `run_batch`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tubenotes.config import Settings, VaultOptions
from tubenotes.errors import as_storage_error
from tubenotes.executors.base import Executor, Reporter, RunResult, SilentReporter
from tubenotes.executors.local import LocalExecutor
from tubenotes.inputs import iter_jobs_from_inputs
from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.network import run_with_pool
from tubenotes.progress import MediaProgress, ProgressShower
from tubenotes.stages import Notice, Stages, build_stages, open_vault
from tubenotes.store import SqliteStore
from tubenotes.store.health import StoreIdentity

if TYPE_CHECKING:
    from tubenotes.sources.youtube_metadata import Playlist

# New jobs saved in one transaction: a commit each would take minutes for 20,000 inputs.
_SAVED_AT_ONCE = 500

def make_notes(inputs: Iterable[str | Path], vault: str | Path = "notes", *, progress: Reporter | None = None,
               notice: Notice = lambda message: None, options: VaultOptions = VaultOptions(),
               **settings: Any) -> RunResult:
    """Notes, assessments and PDFs for ``inputs`` (URLs, playlists, transcript files or folders) in ``vault``.

    ``settings`` are the fields of `tubenotes.config.Settings` (``subject``,
    ``model``, ``pdf``, ``network``, ...). A job that fails is in the result
    with its reason; nothing raises for one bad input. Run it again to resume.
    """
    chosen = Settings(vault=Path(vault).absolute(), **settings)
    with open_vault(chosen.vault) as store, build_stages(chosen, store, notice, options) as stages:
        jobs = prepare_jobs(stages, [str(item) for item in inputs])
        return run_batch(stages, jobs, progress or SilentReporter())


def prepare_jobs(stages: Stages, inputs: list[str]) -> list[VideoProcessingJob]:
    """Jobs for ``inputs``: known ones as the store has them, new ones saved before any work.

    An input that names nothing usable comes back as a failed job for this run's
    table, and is not stored: the next `run` resolves it again.
    """
    store, settings = stages.store, stages.settings
    jobs: list[VideoProcessingJob] = []
    regenerated: list[VideoProcessingJob] = []
    new: list[VideoProcessingJob] = []
    next_position = store.next_position()
    language = settings.languages[0] if settings.languages else None
    for job in iter_jobs_from_inputs(inputs, settings.subject, language,
                                     lambda playlist: _playlist(stages, playlist)):
        if job.stage is ProcessingStage.FAILED:
            jobs.append(job)
            continue
        known = store.load(job.key)
        if known is None:
            job.position = next_position
            next_position += 1
            new.append(job)
            if len(new) == _SAVED_AT_ONCE:
                store.save_many(new)
                new = []
            jobs.append(job)
            continue
        # Where the transcript file is now: it may have moved, or the job was rebuilt from its note.
        known.source_path = job.source_path or known.source_path
        if stages.options.regenerate:
            regenerated.append(known)
        elif known.stage is ProcessingStage.FAILED and known.error_retryable:
            known.reset_for_retry()  # worth another try when asked again; `retry` replays the rest
        jobs.append(known)
    store.save_many(new)
    if regenerated:  # before any job is reset: a refusal must leave them as they are
        stages.keep_generator({job.generator for job in regenerated if job.generator})
    for job in regenerated:
        job.reset_for_regeneration()
        store.save(job)
    return jobs


def _playlist(stages: Stages, playlist_id: str) -> Playlist:
    from tubenotes.sources.youtube_metadata import expand_playlist  # with requests and yt-dlp: for playlists only

    settings = stages.settings
    return run_with_pool(stages.pool(), lambda node: expand_playlist(playlist_id, node.proxy_url, settings.timeout),
                         max_attempts=settings.max_attempts)


def run_batch(stages: Stages, jobs: list[VideoProcessingJob], reporter: Reporter,
              executor: Executor | None = None) -> RunResult:
    """The jobs through the stages, then the vault pass (also after Ctrl-C: the vault stays consistent)."""
    if stages.options.force:
        for job in jobs:
            if _forget_deleted_files(job):
                stages.store.save(job)
    if executor is None:  # the stages run here: open what they need now (workers open their own)
        stages.prepare(jobs)
    if isinstance(reporter, ProgressShower):
        stages.speech.progress_for = partial(MediaProgress, display=reporter, step="transcribe")
        stages.slides.progress_for = partial(MediaProgress, display=reporter, step="slides")
    pass_pending = stages.vault_pass_pending()
    stages.vault_pass_due()
    # The database file this batch writes to: a store deleted or emptied meanwhile must not pass unseen.
    identity = StoreIdentity.of(stages.store.path) if isinstance(stages.store, SqliteStore) else None
    chosen = _executor(stages, jobs, executor)
    before = {job.key: _as_written(job) for job in jobs}
    result = chosen.run(jobs, stages, reporter)
    if result.stopped_by is None:  # else it would fail too; the next resume runs it
        try:
            deleted = _notes_deleted(result.jobs)
            if pass_pending or result.worked or deleted or stages.options.force:
                # The subjects of the jobs this batch changed, or every one when an earlier pass did not end.
                changed = None if pass_pending else {job.key for job in result.jobs
                                                     if _as_written(job) != before.get(job.key)} | deleted
                # Under --batch a course's model may wait for answers: the pass runs again once they are in.
                while not stages.vault_pass(jobs, changed) and stages.settings.batch and chosen.answer():
                    pass
            else:  # nothing changed since the last pass: its links, indexes and decks stand
                stages.vault_pass_skipped()
        except (OSError, sqlite3.Error) as exc:
            result.stopped_by = as_storage_error(exc)
            if result.stopped_by is None:
                raise
    if identity is not None:
        identity.check_still_there(job.key for job in result.completed)
    return result


def _executor(stages: Stages, jobs: list[VideoProcessingJob], executor: Executor | None) -> Executor:
    """The executor given (by default the local one), in rounds with Batch API waits under --batch."""
    if not stages.settings.batch:
        for job in jobs:
            job.wake()  # without --batch, what a batch was to answer is asked live
        return executor or LocalExecutor(stages.store)
    # Imported here: the Batch API's client (the openai SDK) is for --batch runs only.
    from tubenotes.executors.batched import BatchedExecutor

    # The local runner is made anew for each round; Celery's follows one round after another.
    return BatchedExecutor((lambda: executor) if executor is not None else (lambda: LocalExecutor(stages.store)),
                           stages.store, stages.batch_api(), stages.notice, wait=stages.settings.wait,
                           budget=stages.budget())


def _notes_deleted(jobs: list[VideoProcessingJob]) -> set[str]:
    """The keys of ``jobs`` whose note the user deleted, and the vault pass has not reported yet."""
    return {job.key for job in jobs for path in (job.notes_filepath, job.assessment_filepath)
            if path is not None and not path.exists() and not any(path.name in warning for warning in job.warnings)}


def _as_written(job: VideoProcessingJob) -> tuple[object, ...]:
    """What of ``job`` its subject's notes, concepts, index and deck show: a job whose state this is
    the same after the batch as before changed nothing there."""
    return (job.stage, job.notes_filepath, job.assessment_filepath, job.video_title, job.regeneration,
            job.error_message)


def _forget_deleted_files(job: VideoProcessingJob) -> bool:
    """For ``--force``: a job whose note the user deleted goes back to the write stage; True if it did."""
    written = [path for path in (job.notes_filepath, job.assessment_filepath) if path is not None]
    if not any(not path.exists() for path in written):
        return False
    job.notes_filepath = job.assessment_filepath = None
    job.notes_pdf_path = job.assessment_pdf_path = None
    job.stage = job.done_stage()
    return True
