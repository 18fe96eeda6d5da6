"""The library API: inputs in, a vault out, as the CLI does it.

    from tubenotes import make_notes
    result = make_notes(["lectures/"], vault="notes", subject="Physics")
    print(result.tally.completed, "lectures ready")

`make_notes` is `tubenotes run` without the terminal: the same composition
of the stages (`tubenotes.stages`), the same store, resume and vault pass.
The CLI calls the same pieces (`prepare_jobs`, `run_batch`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tubenotes.config import Settings, VaultOptions
from tubenotes.errors import as_storage_error
from tubenotes.executors.base import KEPT, Executor, Reporter, RunResult, SilentReporter, StoredJobs
from tubenotes.executors.local import LocalExecutor
from tubenotes.inputs import iter_jobs_from_inputs
from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.network import run_with_pool
from tubenotes.progress import MediaProgress, ProgressShower
from tubenotes.stages import Notice, Stages, build_stages, open_vault
from tubenotes.store import SqliteStore
from tubenotes.store.base import UNFINISHED_STAGES, JobStore, listed
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


def prepare_jobs(stages: Stages, inputs: list[str]) -> StoredJobs:
    """The jobs for ``inputs``, as keys in input order: new ones saved before any work, known ones as the
    store has them, saved first where this run changes them (a transcript file moved, a retryable failure
    tried again, a job woken from a batch the run will not wait for, a regeneration). The runner loads
    each job as it hands it out: a folder of 100,000 transcripts waits as 100,000 keys.

    An input that names nothing usable comes back as a failed job for this run's table, and is not stored:
    the next `run` resolves it again.
    """
    store, settings = stages.store, stages.settings
    prepared = StoredJobs(store, [])
    regenerated: list[str] = []
    generators: set[str] = set()
    pending: list[VideoProcessingJob] = []  # new or changed, saved a few hundred at a time
    next_position = store.next_position()
    language = settings.languages[0] if settings.languages else None
    for job in iter_jobs_from_inputs(inputs, settings.subject, language,
                                     lambda playlist: _playlist(stages, playlist)):
        key = job.key
        prepared.keys.append(key)
        if job.stage is ProcessingStage.FAILED:
            prepared.unstored[key] = job
            continue
        known = store.load(key)
        if known is None:
            job.position = next_position
            next_position += 1
            pending.append(job)
            prepared.before[key] = _written(job)
        else:
            if stages.options.regenerate:
                regenerated.append(key)
                if known.generator:
                    generators.add(known.generator)
            if _refreshed(known, job, settings.batch):
                pending.append(known)
            prepared.before[key] = _written(known)
        if len(pending) == _SAVED_AT_ONCE:
            store.save_many(pending)
            pending = []
    store.save_many(pending)
    if regenerated:  # before any job is reset: a refusal must leave them as they are
        stages.keep_generator(generators)
    for key in regenerated:
        job = store.load(key)
        assert job is not None
        job.reset_for_regeneration()
        store.save(job)
        prepared.before[key] = _written(job)
    return prepared


def continue_jobs(store: JobStore, retry_failed: bool, batch: bool) -> StoredJobs:
    """The store's unfinished jobs (with ``retry_failed``, its failed ones too, reset for another try) as
    keys in input order, read a page at a time, for `resume` and `retry`; what this changes (a reset, a job
    woken from a batch the run will not wait for, without ``batch``) is saved first."""
    stages = (*UNFINISHED_STAGES, *((ProcessingStage.FAILED,) if retry_failed else ()))
    prepared = StoredJobs(store, [])
    changed: list[str] = []
    offset = 0
    while page := store.jobs(stages, documents=False, limit=_SAVED_AT_ONCE, offset=offset):
        offset += len(page)
        for job in page:
            prepared.keys.append(job.key)
            prepared.before[job.key] = _written(job)
            if job.stage is ProcessingStage.FAILED or (not batch and job.is_waiting()):
                changed.append(job.key)
    # Once every page is read: a job reset may leave the stages listed, and move the pages after it.
    for start in range(0, len(changed), _SAVED_AT_ONCE):
        jobs = [job for key in changed[start:start + _SAVED_AT_ONCE] if (job := store.load(key)) is not None]
        for job in jobs:
            if job.stage is ProcessingStage.FAILED:
                job.reset_for_retry()
            job.wake()
            prepared.before[job.key] = _written(job)
        store.save_many(jobs)
    return prepared


def _refreshed(known: VideoProcessingJob, given: VideoProcessingJob, batch: bool) -> bool:
    """Bring a stored job up to date for this run, as its input ``given`` has it; True if it changed."""
    changed = False
    # Where the transcript file is now: it may have moved, or the job was rebuilt from its note.
    if given.source_path is not None and given.source_path != known.source_path:
        known.source_path = given.source_path
        changed = True
    if known.stage is ProcessingStage.FAILED and known.error_retryable:
        known.reset_for_retry()  # worth another try when asked again; `retry` replays the rest
        changed = True
    if not batch and known.is_waiting():
        known.wake()  # without --batch, what a batch was to answer is asked live
        changed = True
    return changed


def _playlist(stages: Stages, playlist_id: str) -> Playlist:
    from tubenotes.sources.youtube_metadata import expand_playlist  # with requests and yt-dlp: for playlists only

    settings = stages.settings
    return run_with_pool(stages.pool(), lambda node: expand_playlist(playlist_id, node.proxy_url, settings.timeout),
                         max_attempts=settings.max_attempts)


def run_batch(stages: Stages, jobs: Collection[VideoProcessingJob], reporter: Reporter,
              executor: Executor | None = None) -> RunResult:
    """The jobs (`StoredJobs` from `prepare_jobs`, or jobs in memory) through the stages, then the vault pass
    (also after Ctrl-C: the vault stays consistent)."""
    before = jobs.before if isinstance(jobs, StoredJobs) else {job.key: _written(job) for job in jobs}
    if stages.options.force:
        for job in jobs:
            if _forget_deleted_files(job):
                stages.store.save(job)
                before[job.key] = _written(job)
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
    result = chosen.run(jobs, stages, reporter)
    completed: list[str] = []
    if result.stopped_by is None:  # else it would fail too; the next resume runs it
        try:
            changed, deleted = _changed(stages.store, before, completed)
            if pass_pending or result.worked or deleted or stages.options.force:
                # The subjects of the jobs this batch changed, or every one when an earlier pass did not end.
                # Under --batch a course's model may wait for answers: the pass runs again once they are in.
                while not stages.vault_pass(jobs, None if pass_pending else changed | deleted) and \
                        stages.settings.batch and chosen.answer():
                    pass
            else:  # nothing changed since the last pass: its links, indexes and decks stand
                stages.vault_pass_skipped()
        except (OSError, sqlite3.Error) as exc:
            result.stopped_by = as_storage_error(exc)
            if result.stopped_by is None:
                raise
    if identity is not None:
        identity.check_still_there(completed)
    return result


def _changed(store: JobStore, before: dict[str, int], completed: list[str]) -> tuple[set[str], set[str]]:
    """The keys of the batch's jobs whose state as the vault shows it changed since ``before``, and of those
    whose note the user deleted (and the vault pass has not reported yet); read from the store a page at a
    time. Adds to ``completed`` the keys of the first `KEPT` completed jobs, for the store's check."""
    changed: set[str] = set()
    deleted: set[str] = set()
    for job in listed(store):
        key = job.key
        if key not in before:
            continue
        if _written(job) != before[key]:
            changed.add(key)
        if _note_deleted(job):
            deleted.add(key)
        if job.stage is ProcessingStage.COMPLETED and len(completed) < KEPT:
            completed.append(key)
    return changed, deleted


def _executor(stages: Stages, jobs: Collection[VideoProcessingJob], executor: Executor | None) -> Executor:
    """The executor given (by default the local one), in rounds with Batch API waits under --batch."""
    if not stages.settings.batch:
        if not isinstance(jobs, StoredJobs):  # `prepare_jobs` woke and saved its jobs
            for job in jobs:
                job.wake()  # without --batch, what a batch was to answer is asked live
        return executor or LocalExecutor(stages.store)
    # Imported here: the Batch API's client (the openai SDK) is for --batch runs only.
    from tubenotes.executors.batched import BatchedExecutor

    # The local runner is made anew for each round; Celery's follows one round after another.
    return BatchedExecutor((lambda: executor) if executor is not None else (lambda: LocalExecutor(stages.store)),
                           stages.store, stages.batch_api(), stages.notice, wait=stages.settings.wait,
                           budget=stages.budget())


def _note_deleted(job: VideoProcessingJob) -> bool:
    """Whether the user deleted ``job``'s note, and the vault pass has not reported it yet."""
    return any(path is not None and not path.exists() and not any(path.name in warning for warning in job.warnings)
               for path in (job.notes_filepath, job.assessment_filepath))


def _written(job: VideoProcessingJob) -> int:
    """A digest of what of ``job`` its subject's notes, concepts, index and deck show: a job whose digest
    is the same after the batch as before changed nothing there."""
    return hash((job.stage, job.notes_filepath, job.assessment_filepath, job.video_title, job.regeneration,
                 job.error_message))


def _forget_deleted_files(job: VideoProcessingJob) -> bool:
    """For ``--force``: a job whose note the user deleted goes back to the write stage; True if it did."""
    written = [path for path in (job.notes_filepath, job.assessment_filepath) if path is not None]
    if not any(not path.exists() for path in written):
        return False
    job.notes_filepath = job.assessment_filepath = None
    job.notes_pdf_path = job.assessment_pdf_path = None
    job.stage = job.done_stage()
    return True
