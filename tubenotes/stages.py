"""The one composition of the stages: settings in, the stages' dependencies out, built once per process.

The CLI, the library API, `process_video_pipeline` and the distributed
workers all run the stages through a `Stages`: it builds the components
(generators, PDF exporter, the vault writer) and the exit node pool from
settings on first use, and runs one stage by name. Executors only decide
when a stage runs; `tubenotes.pipeline` decides which.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager, ExitStack, closing, contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from tubenotes.config import OFFLINE_MODEL, Settings, VaultOptions
from tubenotes.errors import AwaitingBatch, ConfigurationError
from tubenotes.export.base import GuardedPdfExporter, PdfExporter
from tubenotes.generate.providers import CUSTOM_KEY_ENV, CUSTOM_PROVIDER, LlmSettings, resolve_llm
from tubenotes.job import Generation, SourceKind, TokenUsage, VideoProcessingJob
from tubenotes.network import (
    DirectNetwork,
    Network,
    ProxyListNetwork,
    TorExitNodePool,
    read_proxies_file,
)
from tubenotes.pipeline import Components, Routing, next_stage, run_stage, settle
from tubenotes.slides.fetcher import SlideFetcher, slides_limit
from tubenotes.store import (
    STORE_DIRNAME,
    JobStore,
    SqliteStore,
    VaultRecords,
    open_store,
    remember_shared_store,
    vault_lock,
)
from tubenotes.store.base import listed, outlines
from tubenotes.store.documents import documents_of
from tubenotes.transcription import SpeechFetcher, transcription_limit
from tubenotes.vault.files import single_writer, sweep_temp_files
from tubenotes.vault.guard import FileRecords
from tubenotes.vault.live_index import LiveIndex
from tubenotes.vault.memo import MEMO_FILENAME, RenderMemo
from tubenotes.vault.writer import VaultWriter

if TYPE_CHECKING:
    from tubenotes.course.stage import CourseModel, CourseStage
    from tubenotes.course.material import Course, CourseLecture
    from tubenotes.generate.batch_api import BatchApi
    from tubenotes.generate.costs import CostBudget
    from tubenotes.generate.llm_generator import LlmGenerator
    from tubenotes.generate.offline import OfflineGenerator
    from tubenotes.sources.base import TranscriptSource
    from tubenotes.vault.cards import Card

Notice = Callable[[str], None]
T = TypeVar("T")

# Present in the vault's .tubenotes/ while its links, concepts, indexes and decks may be out of
# date: from the start of a batch until its vault pass has ended. A run killed in between
# leaves it, and the next `run`, `resume` or `retry` finishes the pass.
VAULT_PASS_PENDING = "vault-pass.pending"


@contextmanager
def open_vault(vault: Path, store_url: str | None = None) -> Iterator[JobStore]:
    """The vault's store (or the shared one ``store_url`` names), held by this command alone,
    the vault cleared of what killed runs left behind."""
    with vault_lock(vault), closing(open_store(store_url, vault)) as store:
        # Safe only under the lock: no other run is writing temporary files now.
        sweep_temp_files(vault)
        if store_url:  # so that `status` and `resume` without --store can say where the jobs are
            remember_shared_store(vault, store_url)
        yield store


def vault_records(store: JobStore, vault: Path) -> FileRecords:
    """The hashes of the files written into the vault: kept with the vault, whichever store holds the jobs."""
    if isinstance(store, SqliteStore):
        return store.records
    return VaultRecords.of_vault(vault)


class Stages:
    """The stages of one process, with what they need built on first use and shared by its threads."""

    def __init__(self, settings: Settings, store: JobStore, records: FileRecords, notice: Notice = print,
                 options: VaultOptions = VaultOptions(), llm_gate: AbstractContextManager[Any] | None = None,
                 backends: Backends | None = None, key_required: bool = True) -> None:
        self.settings = settings
        # False for an estimate: it sends nothing to the model, and its cost is what one decides a key on.
        self.key_required = key_required
        self.backends = backends or Backends()
        self.llm_gate = llm_gate  # around each LLM call instead of the per-process limit (distributed workers)
        self.store = store
        self.notice = notice
        self.options = options
        self.routing = Routing.of(settings)
        self.vault = VaultWriter(settings.vault, records, force=options.force,
                                 memo=RenderMemo(settings.vault / STORE_DIRNAME / MEMO_FILENAME))
        self._lock = threading.RLock()
        self._components: Components | None = None
        self._llm: tuple[LlmSettings | None] | None = None
        self._budget: CostBudget | None = None
        self._batch_api: BatchApi | None = None
        self._pool: TorExitNodePool | None = None
        self._stack = ExitStack()
        self.speech = SpeechFetcher(settings)
        self.slides = SlideFetcher(settings)

    def __enter__(self) -> Stages:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            if self._pool is not None:
                self.store.save_node_stats(self._pool.stats())
        finally:
            self._stack.close()

    # --- what the stages run with ------------------------------------------------

    def components(self) -> Components:
        with self._lock:
            if self._components is None:
                generator = self._choose_generator()
                settings = self.settings
                self._components = Components(
                    notes_generator=generator,
                    assessment_generator=generator,
                    vault=self.vault,
                    pdf_exporter=_ExporterOnFirstUse(self.backends.pdf_exporter) if settings.pdf else None,
                    youtube_source=partial(self.backends.youtube_source, settings),
                    max_attempts=settings.max_attempts,
                    speech=self.speech,
                    slides=self.slides,
                    notice=self.notice,
                    # The jobs without their documents: the index shows none of them.
                    live_index=LiveIndex(self.vault, lambda: listed(self.store)),
                )
            return self._components

    def keep_generator(self, generators: set[str]) -> None:
        """For --regenerate without --model or --base-url: notes made anew by the model that made them
        (``generators``, their labels), not by whatever is found now (the offline generator, where no key is set).

        Its base URL is the one the vault remembers; its key comes from the environment as always.
        """
        with self._lock:
            assert self._components is None, "the generator is chosen before the stages are built"
            if self.settings.model is None and self.settings.base_url is None and generators:
                settings = regeneration_model(self.settings, generators, self.store.load_settings())
                if settings.model != OFFLINE_MODEL:  # its key is missing, say: refused before any job is reset
                    resolve_llm(settings.model, settings.base_url, os.environ)
                self.settings = settings

    def pool(self) -> TorExitNodePool:
        with self._lock:
            if self._pool is None:
                # The pool owns its network: closing it stops a tor we started.
                self._pool = TorExitNodePool(self.settings.pool_size, self._open_network(), self.settings.rotate_after)
                self._stack.callback(self._pool.close)
                self.notice(f"Fetching through {self._pool.describe()}.")
            return self._pool

    def prepare(self, jobs: list[VideoProcessingJob]) -> None:
        """Open what ``jobs`` will need now, on the calling (main) thread: a configuration error
        (no key, no proxy, no tor) then stops the command instead of failing each job, and
        Ctrl-C reaches a tor that bootstraps."""
        if any(job.source is SourceKind.YOUTUBE and self.next_stage(job) in ("fetch", "slides") for job in jobs):
            self.pool()
        if any(self.next_stage(job) is not None for job in jobs):
            self.components()
        self.speech.prepare(jobs)

    def next_stage(self, job: VideoProcessingJob) -> str | None:
        return next_stage(job, self.routing)

    def settle(self, job: VideoProcessingJob) -> bool:
        return settle(job, self.routing)

    def limits(self) -> dict[str, int]:
        """How many jobs each stage may hold at once in this process."""
        return stage_limits(self.settings)

    def interrupt(self) -> None:
        """Ctrl-C: the transcriptions and slide readings under way stop now (raising StageInterrupted),
        the other stages reach their checkpoints."""
        self.speech.interrupt()
        self.slides.interrupt()

    # --- one stage ------------------------------------------------------------------

    def run(self, name: str, job: VideoProcessingJob) -> VideoProcessingJob:
        """Stage ``name`` on ``job``, with this process's components and pool."""
        pool = self.pool() if name in ("fetch", "slides") and job.source is SourceKind.YOUTUBE else None
        return run_stage(name, job, self.components(), pool)

    # --- the vault pass -----------------------------------------------------------

    def vault_pass_due(self) -> None:
        """Record that the vault is about to change, before it does."""
        marker = self._pass_marker()
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()

    def vault_pass_pending(self) -> bool:
        """Whether an earlier batch stopped before its vault pass had ended."""
        return self._pass_marker().exists()

    def vault_pass(self, given: Iterable[VideoProcessingJob] = (), changed: Collection[str] | None = None) -> bool:
        """Links, concept notes, subject indexes and decks over every job of the vault, single-threaded;
        with ``--force``, over the user's edits of the subject files of the ``given`` jobs' subjects;
        with ``changed`` (the keys of the jobs changed since the last pass), over the subjects they touch.

        False when a course's model waits for a batch's answers: the courses are written without them,
        and the pass stays due, to be run again once they are in.
        """
        self.notice("Updating links, concept notes, indexes, decks and each course's guide, exam and map...")
        with single_writer(self.settings.vault):  # a Celery worker's course stage may be writing the same files
            waiting = self._finish(outlines(self.store), given, changed)
        if not waiting:
            self._pass_marker().unlink(missing_ok=True)
        return not waiting

    def course_pass(self, subject: str) -> None:
        """The vault pass over one subject, its course stage included: what a Celery worker runs once the
        subject's last lecture is done (the caller holds the vault's single-writer lock)."""
        wanted = subject.casefold()
        self._finish([job for job in outlines(self.store) if job.subject.casefold() == wanted])

    def _finish(self, jobs: list[VideoProcessingJob], given: Iterable[VideoProcessingJob] = (),
                changed: Collection[str] | None = None) -> bool:
        """The vault pass over ``jobs`` (with --force, over the user's edits in the subjects of ``given``);
        True when a course's model waits for a batch's answers."""
        # Imported here: the vault pass's modules (concepts, cards, decks) are not needed before it.
        from tubenotes.vault.finish import finish_vault, folder_of

        forced = {folder_of(self.settings.vault, job) for job in given} if self.options.force else set()
        course = self._course_stage()
        # The jobs come as outlines: the pass reads each lecture's documents (and the rest) when it needs them.
        report = finish_vault(self.vault, jobs, anki=self.options.anki, course=course, forced=forced, changed=changed,
                              documents=documents_of(self.store))
        for job in report.changed_jobs:
            self.store.save(job)
        for line in report.messages(self.settings.vault):
            self.notice(line)
        return isinstance(course.model, _BatchedCourseModel) and course.model.waiting

    def vault_pass_skipped(self) -> None:
        """The batch changed nothing, and no earlier pass was left unfinished: the vault is up to date."""
        self._pass_marker().unlink(missing_ok=True)

    def _pass_marker(self) -> Path:
        return self.settings.vault / STORE_DIRNAME / VAULT_PASS_PENDING

    # --- building ---------------------------------------------------------------------

    def llm(self) -> LlmSettings | None:
        """The LLM the settings name, or None for the offline generator; with --batch, one that has a Batch API."""
        with self._lock:
            if self._llm is None:
                settings = self.settings
                llm = None if settings.model == OFFLINE_MODEL else resolve_llm(
                    settings.model, settings.base_url, os.environ, context_window=settings.context_window,
                    key_required=self.key_required)
                if settings.batch:
                    if llm is None:
                        raise ConfigurationError("--batch needs an LLM with a Batch API: pass --model "
                                                 "PROVIDER:MODEL (openai, gemini, groq) or --base-url")
                    from tubenotes.generate.batch_api import batch_api_for

                    self._batch_api = batch_api_for(llm)
                self._llm = (llm,)
            return self._llm[0]

    def batch_api(self) -> BatchApi:
        """With --batch: the Batch API of the LLM the settings name."""
        self.llm()
        assert self._batch_api is not None, "batch_api() is for --batch runs"
        return self._batch_api

    def budget(self) -> CostBudget | None:
        """--max-cost, shared by every call and batch of this process."""
        with self._lock:
            if self._budget is None and self.settings.max_cost is not None:
                from tubenotes.generate.costs import CostBudget

                self._budget = CostBudget(self.settings.max_cost)
            return self._budget

    def _course_stage(self) -> CourseStage:
        # Imported here: the course's material (definitions, exams, maps) is for the vault pass.
        from tubenotes.course.stage import CourseStage

        components = self.components()
        generator = components.notes_generator
        if isinstance(generator, _Deferred):
            generator = generator.built()
        model = None
        if self.llm() is not None:
            from tubenotes.course.llm import CourseLlm  # with the openai SDK, as the generator it asks

            model = _BatchedCourseModel(CourseLlm(generator)) if self.settings.batch else CourseLlm(generator)
        return CourseStage(components.pdf_exporter, model, self.notice)

    def _choose_generator(self) -> _Deferred:
        settings = self.settings
        llm = self.llm()
        if llm is None:
            if settings.model != OFFLINE_MODEL:
                self.notice("No LLM configured: using the built-in offline generator "
                            "(pass --model PROVIDER:MODEL or set OPENAI_API_KEY for LLM notes).")
            return _GeneratorOnFirstUse(self._offline_generator)
        pictures = settings.vault if settings.vision else None  # where the slides' pictures wait
        if settings.batch:
            self.notice(f"Generating with {llm.label} at {llm.host}, through its Batch API.")

            def build() -> LlmGenerator:
                from tubenotes.generate.batch_client import BatchChatClient
                from tubenotes.generate.llm_generator import LlmGenerator

                return LlmGenerator(llm, self.store.cache, client=BatchChatClient(llm, self.store.cache,
                                                                                  self.store.batches),
                                    pictures=pictures, together=True)
        else:
            self.notice(f"Generating with {llm.label} at {llm.host}.")
            budget = self.budget()

            def build() -> LlmGenerator:
                from tubenotes.generate.llm_generator import LlmGenerator

                return LlmGenerator(llm, self.store.cache, concurrency=settings.llm_concurrency, gate=self.llm_gate,
                                    budget=budget, pictures=pictures, together=True)
        return _BuiltAside(build)

    def _offline_generator(self) -> OfflineGenerator:
        from tubenotes.generate.offline import OfflineGenerator

        return OfflineGenerator(cache=self.store.cache)

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
        from tubenotes.network import TorNetwork  # with stem, for tor only

        if settings.tor_control:
            return TorNetwork.connect(settings.tor_control, settings.tor_socks, rotation_interval=settings.rotate_after)
        self.notice("Starting tor (a private instance, stopped when tubenotes exits)...")
        tor = TorNetwork.launch(rotation_interval=settings.rotate_after, extra_config=torrc(settings.tor_options))
        try:
            tor.wait_until_bootstrapped(
                settings.tor_bootstrap_timeout,
                on_progress=lambda percent, summary: self.notice(f"tor: {percent}% {summary}"),
            )
        except BaseException:
            tor.close()
            raise
        return tor


def _youtube_source(settings: Settings, proxy_url: str | None) -> TranscriptSource:
    # Imported here: youtube-transcript-api and requests are for YouTube inputs only.
    from tubenotes.sources.youtube import YouTubeSource

    return YouTubeSource(proxy_url, settings.languages, settings.translate_to, settings.timeout,
                         auto_captions=settings.transcribe != "always")


class _Deferred:
    """A generator built after the first stage has started: its modules are for the generate stage."""

    def built(self) -> OfflineGenerator | LlmGenerator:
        raise NotImplementedError

    def generate_notes(self, job: VideoProcessingJob) -> Generation:
        return self.built().generate_notes(job)

    def generate_assessment(self, job: VideoProcessingJob) -> Generation:
        return self.built().generate_assessment(job)


class _OnFirstUse(Generic[T]):
    """What ``build`` makes, built by the first caller of `built` (the others wait for it)."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._value: T | None = None

    def built(self) -> T:
        with self._lock:
            if self._value is None:
                self._value = self._build()
            return self._value


class _GeneratorOnFirstUse(_OnFirstUse["OfflineGenerator"], _Deferred):
    """The offline generator, built when the generate stage first asks for it: its modules compile
    a few hundred patterns (about 0.15 s), which the stages before generation do not need."""


class _ExporterOnFirstUse(_OnFirstUse[PdfExporter]):
    """The PDF exporter, built when the export stage (or a course's) first asks for it: Typst, pandoc's
    wrapper and the scan of the installed fonts (about 0.1 s) are not needed before."""

    def destination(self, wanted: Path) -> Path:
        exporter = self.built()
        return exporter.destination(wanted) if isinstance(exporter, GuardedPdfExporter) else wanted

    def markdown_to_pdf(self, markdown_path: Path, pdf_path: Path) -> list[str]:
        return self.built().markdown_to_pdf(markdown_path, pdf_path)


class _BuiltAside(_Deferred):
    """The LLM generator, built on a thread of its own: importing its client (the openai SDK, about
    0.4 s) then overlaps the stages before generation, instead of delaying the first of them."""

    def __init__(self, build: Callable[[], LlmGenerator]) -> None:
        self._generator: Future[LlmGenerator] = Future()
        threading.Thread(target=self._build, args=(build,), name="tubenotes-llm-client", daemon=True).start()

    def _build(self, build: Callable[[], LlmGenerator]) -> None:
        try:
            self._generator.set_result(build())
        except BaseException as exc:  # raised where the generator is first used
            self._generator.set_exception(exc)

    def built(self) -> LlmGenerator:
        return self._generator.result()


class _BatchedCourseModel:
    """A course's model under --batch: its requests wait for a batch as a lecture's do; meanwhile the
    course is written without its answers, and the next vault pass adds them."""

    def __init__(self, model: CourseModel) -> None:
        self.model = model
        self.waiting = False

    @property
    def usage(self) -> TokenUsage:
        return self.model.usage

    def enrich(self, course: Course) -> list[tuple[CourseLecture, Card]]:
        try:
            return self.model.enrich(course)
        except AwaitingBatch:
            self.waiting = True
            return []


def regeneration_model(settings: Settings, generators: set[str], remembered: dict[str, Any]) -> Settings:
    """``settings`` with the model that made notes labelled ``generators``; refuses when that model is unclear."""
    if len(generators) > 1:
        raise ConfigurationError(
            f"--regenerate: these notes were made by {', '.join(sorted(generators))}; say which model makes them "
            "anew: --model PROVIDER:MODEL (or --model NAME --base-url URL), or --model offline")
    [label] = generators
    if label == OFFLINE_MODEL:
        return dataclasses.replace(settings, model=OFFLINE_MODEL)
    provider, _, model = label.partition(":")
    if provider != CUSTOM_PROVIDER:
        return dataclasses.replace(settings, model=label)
    base_url = remembered.get("base_url") if remembered.get("model") == model else None
    if not base_url:
        raise ConfigurationError(
            f"--regenerate: these notes were made by {model} at a server this vault does not remember; "
            f"pass --model {model} --base-url URL (its key in {CUSTOM_KEY_ENV}), or --model offline")
    return dataclasses.replace(settings, model=model, base_url=str(base_url))


# Lectures written at once. Each file is synced to disk before it takes its name (a crash leaves the old
# file or the new one), which is most of a lecture's writing time: syncs made at the same time share the file
# system's journal commits (about a tenth of the time each, 16 at once). Names are claimed one at a time
# (`VaultWriter`), so that two lectures never take the same one.
WRITERS = 8


def stage_limits(settings: Settings) -> dict[str, int]:
    """How many jobs each stage may hold at once in one process, by ``settings``."""
    limits = {"fetch": settings.pool_size, "transcribe": transcription_limit(settings), "slides": slides_limit(),
              "generate": settings.llm_concurrency, "write": WRITERS}
    if settings.pdf:
        limits["export"] = settings.export_workers
    return limits


def build_stages(settings: Settings, store: JobStore, notice: Notice = print,
                 options: VaultOptions = VaultOptions(), llm_gate: AbstractContextManager[Any] | None = None,
                 backends: Backends | None = None, key_required: bool = True) -> Stages:
    """The stages for ``settings``, with the vault's file records beside ``store``."""
    return Stages(settings, store, vault_records(store, settings.vault), notice, options, llm_gate, backends,
                  key_required)


def _pdf_exporter() -> PdfExporter:
    # Imported here: Typst and pandoc's wrapper are needed only by runs that export.
    from tubenotes.export.pdf import TypstPdfExporter

    return TypstPdfExporter()


@dataclasses.dataclass(frozen=True)
class Backends:
    """The outside engines the stages build on first use: a test, or a program that embeds tubenotes,
    passes its own instead (a YouTube it serves, an exporter that counts)."""

    # Settings and the exit node's proxy URL (None: direct) -> a transcript source for YouTube videos.
    youtube_source: Callable[[Settings, str | None], TranscriptSource] = _youtube_source
    pdf_exporter: Callable[[], PdfExporter] = _pdf_exporter


def torrc(options: tuple[str, ...]) -> dict[str, str | list[str]]:
    """``("Key=Value", ...)`` as torrc options; a key given twice (Bridge) keeps every value."""
    config: dict[str, list[str]] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigurationError(f"--tor-option {option!r} is not KEY=VALUE; write it like UseBridges=1")
        config.setdefault(key.strip(), []).append(value.strip())
    return {key: values[0] if len(values) == 1 else values for key, values in config.items()}

