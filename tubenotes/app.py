"""The library behind the CLI: one session per command, building the stages from settings."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from tubenotes.config import OFFLINE_MODEL, Settings
from tubenotes.errors import ConfigurationError
from tubenotes.export.pdf import TypstPdfExporter
from tubenotes.generate.offline import OfflineGenerator
from tubenotes.generate.providers import resolve_llm
from tubenotes.inputs import jobs_from_inputs
from tubenotes.job import ProcessingStage, SourceKind, VideoProcessingJob
from tubenotes.network import (
    DirectNetwork,
    ExitNode,
    Network,
    ProxyListNetwork,
    TorExitNodePool,
    TorNetwork,
    read_proxies_file,
    run_with_pool,
)
from tubenotes.pipeline import export_pdfs, fetch_transcript_and_title, generate_notes_and_assessment, write_files
from tubenotes.runner import PipelineRunner, Reporter, RunResult, Step
from tubenotes.sources.local import LocalTranscriptFile
from tubenotes.sources.youtube import YouTubeSource
from tubenotes.sources.youtube_metadata import Playlist, expand_playlist
from tubenotes.store import JobStore, RegenerationCache, vault_lock
from tubenotes.store_health import StoreIdentity
from tubenotes.vault.filenames import subject_dir
from tubenotes.vault.files import sweep_temp_files
from tubenotes.vault.finish import finish_vault, write_index
from tubenotes.vault.writer import VaultWriter

if TYPE_CHECKING:
    from tubenotes.generate.llm_generator import LlmGenerator

Notice = Callable[[str], None]

# Seconds between rewrites of a subject's index during a batch.
INDEX_INTERVAL = 2.0


@contextmanager
def open_vault(vault: Path) -> Iterator[JobStore]:
    """The vault's store, held by this command alone, cleared of what killed runs left behind."""
    with vault_lock(vault), JobStore(vault) as store:
        # Safe only under the lock: no other run is writing temporary files now.
        sweep_temp_files(vault)
        yield store


@dataclass(frozen=True)
class VaultOptions:
    """Choices about the vault for one command; not remembered between runs."""

    regenerate: bool = False  # generate and write the given inputs again (a fresh LLM answer)
    force: bool = False  # overwrite files the user changed, recreate notes the user deleted
    anki: bool = True  # write each subject's Anki deck in the vault pass


class Session:
    """What one command works with: settings, store, generators, exporter and, on first use, the network."""

    def __init__(self, settings: Settings, store: JobStore, notice: Notice,
                 options: VaultOptions = VaultOptions()) -> None:
        self.settings = settings
        self.store = store
        self.notice = notice
        self.options = options
        self.cache = RegenerationCache(store.cache)
        self.vault = VaultWriter(settings.vault, store, force=options.force)
        self._store_identity = StoreIdentity.of(store.path)
        self._known: dict[str, VideoProcessingJob] = {}  # every job of the vault, for the subject indexes
        self._index_written: dict[Path, float] = {}  # subject folder -> when its index was last written
        self._stack = ExitStack()
        self._pool: TorExitNodePool | None = None
        self._pool_lock = threading.Lock()
        self._generator: OfflineGenerator | LlmGenerator | None = None
        self._exporter: TypstPdfExporter | None = None
        self._lazy_lock = threading.Lock()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._pool is not None:
                self.store.save_node_stats(self._pool.stats())
        finally:
            self._stack.close()

    # --- generator and exporter, built when a job first needs them ---------------

    @property
    def generator(self) -> OfflineGenerator | LlmGenerator:
        """One generator for every job: its client holds the LLM concurrency limit they share."""
        with self._lazy_lock:
            if self._generator is None:
                self._generator = self._choose_generator()
            return self._generator

    @property
    def pdf_exporter(self) -> TypstPdfExporter:
        with self._lazy_lock:
            if self._exporter is None:
                self._exporter = TypstPdfExporter()
            return self._exporter

    def _choose_generator(self) -> OfflineGenerator | LlmGenerator:
        settings = self.settings
        if settings.model == OFFLINE_MODEL:
            return OfflineGenerator(cache=self.cache)
        llm = resolve_llm(settings.model, settings.base_url, os.environ, context_window=settings.context_window)
        if llm is None:
            self.notice("No LLM configured: using the built-in offline generator "
                        "(pass --model PROVIDER:MODEL or set OPENAI_API_KEY for LLM notes).")
            return OfflineGenerator(cache=self.cache)
        # Imported here: the openai SDK takes 0.4 s to import, which offline runs need not pay.
        from tubenotes.generate.llm_generator import LlmGenerator

        self.notice(f"Generating with {llm.label} at {llm.host}.")
        return LlmGenerator(llm, self.cache, concurrency=settings.llm_concurrency)

    # --- the network, started only when a video needs it -----------------------

    def pool(self) -> TorExitNodePool:
        with self._pool_lock:
            if self._pool is None:
                network = self._open_network()
                # The pool owns its network: closing it stops a tor we started.
                self._pool = TorExitNodePool(self.settings.pool_size, network, self.settings.rotate_after)
                self._stack.callback(self._pool.close)
                self.notice(f"Fetching through {self._pool.describe()}.")
            return self._pool

    def _open_network(self) -> Network:
        settings = self.settings
        if settings.network == "direct":
            return DirectNetwork()
        if settings.network == "proxies":
            urls = list(settings.proxies)
            if settings.proxies_file:
                urls += read_proxies_file(Path(settings.proxies_file))
            if not urls:
                raise ConfigurationError(
                    "--network proxies needs --proxy URL or --proxies FILE (proxy URLs are not remembered "
                    "between runs, since they may hold passwords: give them again to resume)"
                )
            return ProxyListNetwork(urls)
        if settings.tor_control:
            return TorNetwork.connect(settings.tor_control, settings.tor_socks, rotation_interval=settings.rotate_after)
        torrc = _torrc(settings.tor_options)
        self.notice("Starting tor (a private instance, stopped when tubenotes exits)...")
        tor = TorNetwork.launch(rotation_interval=settings.rotate_after, extra_config=torrc)
        try:
            tor.wait_until_bootstrapped(
                settings.tor_bootstrap_timeout,
                on_progress=lambda percent, summary: self.notice(f"tor: {percent}% {summary}"),
            )
        except BaseException:
            tor.close()
            raise
        return tor

    # --- stages ---------------------------------------------------------------

    def youtube_source(self, proxy_url: str | None) -> YouTubeSource:
        settings = self.settings
        return YouTubeSource(proxy_url, settings.languages, settings.translate_to, settings.timeout)

    def expand_playlist(self, playlist_id: str) -> Playlist:
        return run_with_pool(
            self.pool(),
            lambda node: expand_playlist(playlist_id, node.proxy_url, self.settings.timeout),
            max_attempts=self.settings.max_attempts,
        )

    def fetch(self, job: VideoProcessingJob) -> VideoProcessingJob:
        if job.source is SourceKind.FILE:
            assert job.source_path is not None
            return fetch_transcript_and_title(job, LocalTranscriptFile(job.source_path), None)
        return run_with_pool(self.pool(), partial(self._fetch_through, job), max_attempts=self.settings.max_attempts)

    def _fetch_through(self, job: VideoProcessingJob, node: ExitNode) -> VideoProcessingJob:
        with self.youtube_source(node.proxy_url) as source:
            return fetch_transcript_and_title(job, source, node.id)

    def generate(self, job: VideoProcessingJob) -> VideoProcessingJob:
        with self.cache.salted(job.regeneration):
            return generate_notes_and_assessment(job, self.generator, self.generator)

    def write(self, job: VideoProcessingJob) -> VideoProcessingJob:
        warnings_before = len(job.warnings)
        job = write_files(job, subject_dir(self.settings.vault, job.subject), vault=self.vault)
        for warning in job.warnings[warnings_before:]:
            self.notice(warning)
        if job.output_dir is not None and self._index_due(job.output_dir):
            subject = job.subject.casefold()
            write_index(self.vault, job.output_dir,
                        [known for known in self._known.values() if known.subject.casefold() == subject])
        return job

    def _index_due(self, folder: Path) -> bool:
        """Whether the subject's index should be rewritten now: as jobs complete, but at most
        every few seconds, since each rewrite lists the whole subject; the vault pass writes the last."""
        now = time.monotonic()
        if now - self._index_written.get(folder, -INDEX_INTERVAL) < INDEX_INTERVAL:
            return False
        self._index_written[folder] = now
        return True

    def steps(self) -> list[Step]:
        settings = self.settings
        steps = [
            Step("fetch", self.fetch, settings.pool_size),
            Step("generate", self.generate, settings.llm_concurrency),
            # One writer: file names are claimed by looking at the folder, which must not race.
            Step("write", self.write, 1),
        ]
        if settings.pdf:
            steps.append(Step("export", self.export, settings.export_workers))
        return steps

    def export(self, job: VideoProcessingJob) -> VideoProcessingJob:
        return export_pdfs(job, self.pdf_exporter)

    # --- commands ---------------------------------------------------------------

    def prepare(self, inputs: list[str]) -> list[VideoProcessingJob]:
        """Jobs for ``inputs``: known ones as the store has them, new ones saved before any work.

        An input that names nothing usable comes back as a failed job for this run's
        table, and is not stored: the next `run` resolves it again.
        """
        jobs = []
        next_position = self.store.next_position()
        language = self.settings.languages[0] if self.settings.languages else None
        for job in jobs_from_inputs(inputs, self.settings.subject, language, self.expand_playlist):
            if job.stage is ProcessingStage.FAILED:
                jobs.append(job)
                continue
            known = self.store.load(job.key)
            if known is None:
                job.position = next_position
                next_position += 1
                self.store.save(job)
                jobs.append(job)
            else:
                # Where the transcript file is now: it may have moved, or the job was rebuilt from its note.
                known.source_path = job.source_path or known.source_path
                if self.options.regenerate:
                    known.reset_for_regeneration()
                    self.store.save(known)
                elif known.stage is ProcessingStage.FAILED and known.error_retryable:
                    known.reset_for_retry()  # worth another try when asked again; `retry` replays the rest
                jobs.append(known)
        return jobs

    def run(self, jobs: list[VideoProcessingJob], reporter: Reporter) -> RunResult:
        """The jobs through the stages, then the vault pass (also after Ctrl-C: the vault stays consistent)."""
        if self.options.force:
            for job in jobs:
                if _forget_deleted_files(job):
                    self.store.save(job)
        self._known = {job.key: job for job in self.store.jobs()} | {job.key: job for job in jobs}
        # Here, on the main thread, so that a configuration error (no key, no proxy, no tor) stops
        # the run with exit 2 instead of failing each job, and Ctrl-C reaches a tor that bootstraps.
        if any(_needs_youtube(job) for job in jobs):
            self.pool()
        if any(_needs_generation(job) for job in jobs):
            _ = self.generator
        result = PipelineRunner(self.store, self.steps(), reporter).run(jobs)
        self.vault_pass()
        completed = [job.key for job in result.jobs if job.stage is ProcessingStage.COMPLETED]
        self._store_identity.check_still_there(completed)
        return result

    def vault_pass(self) -> None:
        """Links, concept notes, subject indexes and decks over every job of the vault, single-threaded."""
        report = finish_vault(self.vault, self.store.jobs(), anki=self.options.anki)
        for job in report.changed_jobs:
            self.store.save(job)
        for line in report.messages(self.settings.vault):
            self.notice(line)


def _forget_deleted_files(job: VideoProcessingJob) -> bool:
    """For ``--force``: a job whose note the user deleted goes back to the write stage; True if it did."""
    written = [path for path in (job.notes_filepath, job.assessment_filepath) if path is not None]
    if not any(not path.exists() for path in written):
        return False
    job.notes_filepath = job.assessment_filepath = None
    job.notes_pdf_path = job.assessment_pdf_path = None
    job.stage = job.done_stage()
    return True


def _torrc(options: tuple[str, ...]) -> dict[str, str | list[str]]:
    """``("Key=Value", ...)`` as torrc options; a key given twice (Bridge) keeps every value."""
    config: dict[str, list[str]] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigurationError(f"--tor-option {option!r} is not KEY=VALUE; write it like UseBridges=1")
        config.setdefault(key.strip(), []).append(value.strip())
    return {key: values[0] if len(values) == 1 else values for key, values in config.items()}


def _needs_youtube(job: VideoProcessingJob) -> bool:
    return job.source is SourceKind.YOUTUBE and job.stage is not ProcessingStage.FAILED and not job.has_transcript()


def _needs_generation(job: VideoProcessingJob) -> bool:
    return job.stage is not ProcessingStage.FAILED and not (job.has_notes() and job.has_assessment())
