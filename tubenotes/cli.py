"""The command line: parse, call the library, show progress and results."""

from __future__ import annotations

import json
import logging
import os
import shlex
import sqlite3
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource
from rich.console import Console
from rich.table import Table

from tubenotes import config
from tubenotes.config import Settings, VaultOptions
from tubenotes.distributed.cli import executor_for, executor_options, store_option, worker_command, worker_tables
from tubenotes.errors import ConfigurationError, InputError, TubenotesError, as_storage_error
from tubenotes.executors import EXIT_INTERRUPTED, EXIT_USAGE, Reporter, RunResult
from tubenotes.job import ProcessingStage, TokenUsage, VideoProcessingJob
from tubenotes.progress import LogReporter, RichReporter, format_cost, format_seconds, job_label
from tubenotes.store import (
    STORE_DIRNAME,
    JobStore,
    failed,
    open_store,
    shared_store_of,
    store_url_without_secrets,
    unfinished,
)
from tubenotes.store.base import UNFINISHED_STAGES

if TYPE_CHECKING:
    from tubenotes.store.batches import BatchRecord

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _options(*options: Decorator) -> Decorator:
    def apply(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


vault_option = click.option(
    "--vault", type=click.Path(path_type=Path, file_okay=False), default=config.DEFAULT_VAULT, show_default=True,
    envvar="TUBENOTES_VAULT", help="The Obsidian vault to write into [env TUBENOTES_VAULT].",
)

# What a run works with; `resume` and `retry` take them too, and otherwise reuse the last run's.
run_options = _options(
    vault_option,
    click.option("--lang", "languages", metavar="CODES", help="Preferred transcript languages, in order: en,de."),
    click.option("--translate-to", metavar="CODE", help="Translate transcripts into this language."),
    click.option("--network", type=click.Choice(config.NETWORKS), help="How to reach YouTube [default: direct]."),
    click.option("--proxy", "proxies", multiple=True, metavar="URL",
                 help="A proxy (http, https, socks5h; may hold user:password); repeat for more."),
    click.option("--proxies", "proxies_file", type=click.Path(exists=True, dir_okay=False),
                 help="A file of proxy URLs, one a line, # comments."),
    click.option("--pool-size", type=click.IntRange(min=1), help="Exit nodes, i.e. parallel fetches [default: 4]."),
    click.option("--rotate-after", type=click.FloatRange(min=1), metavar="SECONDS",
                 help="Give a node a fresh identity after this long [default: 3600]."),
    click.option("--tor-option", "tor_options", multiple=True, metavar="KEY=VALUE",
                 help="A torrc option for the tor tubenotes starts, e.g. Bridge=...; repeat for more."),
    click.option("--tor-socks", metavar="HOST:PORT", help="Use a running tor's SOCKS port."),
    click.option("--tor-control", metavar="HOST:PORT", help="Use a running tor's control port."),
    click.option("--timeout", type=click.FloatRange(min=0.1), metavar="SECONDS",
                 help="Seconds per network operation [default: 20]."),
    click.option("--max-attempts", type=click.IntRange(min=1), help="Fetch attempts per video [default: 4]."),
    click.option("--model", metavar="PROVIDER:MODEL", envvar="TUBENOTES_MODEL",
                 help="The LLM: openai:gpt-4o-mini, anthropic:…, gemini:…, openrouter:…, groq:…, ollama:llama3.1, "
                      "lmstudio:…, vllm:…, llamacpp:…, or 'offline' [env TUBENOTES_MODEL; default: found from the "
                      "environment]."),
    click.option("--base-url", metavar="URL", help="Any other OpenAI-compatible server (key: TUBENOTES_LLM_API_KEY)."),
    click.option("--context-window", type=click.IntRange(min=1024), metavar="TOKENS",
                 help="The model's context, if not the preset's; longer transcripts are chunked."),
    click.option("--llm-concurrency", type=click.IntRange(min=1), help="Generations in flight [default: 4]."),
    click.option("--batch/--no-batch", default=None,
                 help="Generate through the provider's Batch API: about half the price, answers within 24 h "
                      "(openai, gemini, groq, or a --base-url server with /v1/batches) [default: no]."),
    click.option("--no-wait", is_flag=True, default=None,
                 help="With --batch: return once the batch is submitted; `tubenotes resume` collects it."),
    click.option("--max-cost", type=click.FloatRange(min=0), metavar="USD",
                 help="Stop before an LLM call or batch that would pass this many US dollars (jobs stay "
                      "resumable)."),
    click.option("--export-workers", type=click.IntRange(min=1), help="PDF exports in parallel [default: cores]."),
    click.option("--no-pdf", is_flag=True, default=None, help="Skip the PDF export stage."),
    click.option("--transcribe", type=click.Choice(config.TRANSCRIBE_MODES),
                 help="Whisper transcription: auto (recordings, and videos without captions), always (also "
                      "instead of auto-generated captions), never [default: auto]."),
    click.option("--whisper-model", metavar="NAME|PATH",
                 help="A faster-whisper model name (small, large-v3...; downloaded once) or a model folder "
                      f"[default: {config.DEFAULT_WHISPER_MODEL}, bundled, English only]."),
    click.option("--whisper-device", type=click.Choice(config.WHISPER_DEVICES),
                 help="Where Whisper runs; int8 on the CPU [default: auto]."),
    click.option("--vision", is_flag=True, default=None,
                 help="Send the slides' pictures to the model with their text (a model that takes images: "
                      "gpt-4o, claude, gemini...)."),
    click.option("--slides/--no-slides", default=None,
                 help="Pictures and text of the slides the video shows [default: for recordings with a picture, "
                      "not for YouTube, whose video would be downloaded]."),
    click.option("--quiet", "-q", is_flag=True, help="Only the final table; no progress lines."),
    click.option("--force", is_flag=True, help="Overwrite notes you edited and rewrite notes you deleted "
                 "(without it, an edited note is kept and the new version is written beside it)."),
    click.option("--no-anki", is_flag=True, help="Do not write the Anki deck of each subject."),
)


def _settings(values: dict[str, Any], remembered: dict[str, Any] | None = None) -> tuple[Settings, set[str]]:
    """Flags the user gave win; then what the vault remembers of its last run; then the defaults.

    Returns the settings and the names of those the user gave.
    """
    given = {name: value for name, value in values.items() if value not in (None, ())}
    given["vault"] = Path(values.get("vault") or config.DEFAULT_VAULT).absolute()
    if "languages" in given:
        given["languages"] = tuple(code.strip() for code in given["languages"].split(",") if code.strip())
    if given.pop("no_pdf", None):
        given["pdf"] = False
    if given.pop("no_wait", None):
        given["wait"] = False
    settings = Settings(**given)
    if remembered:
        settings = settings.with_remembered(remembered, set(given))
    return settings, set(given)


def _reporter(settings: Settings) -> Reporter:
    if out.is_terminal and not settings.quiet:
        return RichReporter(out)
    return LogReporter(out, verbose=not settings.quiet)


def _notice(message: str) -> None:
    err.print(message, markup=False)


def _finish(result: RunResult, settings: Settings) -> None:
    resume = _resume_command(settings)
    if result.worked or result.interrupted or result.stopped_by is not None or \
            not all(job.is_finished() for job in result.jobs):
        _print_final_table(result.jobs)
    else:
        _print_nothing_done(result.jobs, settings)
    if result.stopped_by is not None:
        err.print(f"error: {result.stopped_by}", markup=False)
        err.print(f"The batch stopped there: jobs in flight kept their last checkpoint, none failed for it. "
                  f"Once that is fixed, `{resume}` goes on.", markup=False)
    if result.interrupted:
        unfinished = sum(not job.is_finished() for job in result.jobs)
        err.print(f"Interrupted: {unfinished} job(s) saved unfinished. Run `{resume}` to go on.", markup=False)
    sys.exit(result.exit_code)


def _resume_command(settings: Settings) -> str:
    """The command that goes on with this batch, as the user would type it; no secret is in it."""
    context = click.get_current_context()
    words = ["tubenotes", "resume", "--vault", str(settings.vault)]
    for name, flag in (("executor", "--executor"), ("broker", "--broker"), ("store_url", "--store")):
        # A flag is repeated; what came from the environment is there again for the next command.
        if context.params.get(name) and context.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            words += [flag, store_url_without_secrets(str(context.params[name]))]
    command = shlex.join(words)
    if settings.proxies or settings.tor_options:  # never stored: they may hold passwords
        command += " with your --proxy and --tor-option flags"
    return command


def _print_nothing_done(jobs: list[VideoProcessingJob], settings: Settings) -> None:
    """A re-run of finished inputs: one line, and the table of those that did not complete."""
    _print_final_table([job for job in jobs if job.stage is not ProcessingStage.COMPLETED], summary=False)
    done = sum(job.stage is ProcessingStage.COMPLETED for job in jobs)
    failed_jobs = sum(job.stage is ProcessingStage.FAILED for job in jobs)
    retry = (f"; `{shlex.join(['tubenotes', 'retry', '--vault', str(settings.vault)])}` tries the failed ones "
             "again") if failed_jobs else ""
    out.print(f"Nothing to do: {done} of {len(jobs)} input(s) completed already, {failed_jobs} failed{retry}. "
              "`--regenerate` writes them anew.", markup=False)


def _usage(job: VideoProcessingJob) -> str:
    """Tokens and estimated cost, or '-' when no LLM was paid for the job."""
    usage = job.token_usage
    if not usage.calls:
        return "-"
    return f"{usage.prompt_tokens + usage.completion_tokens:,} ({format_cost(usage.cost_usd)})"


def _error(job: VideoProcessingJob) -> str:
    return f"{job.error_kind}: {job.error_message}" if job.error_message else ""


# Above this many jobs the final table lists only those not completed, and at most this many of them:
# a row per lecture of a batch of thousands would bury the failures (and take seconds to draw).
_FINAL_TABLE_ROWS = 30


def _print_final_table(jobs: list[VideoProcessingJob], summary: bool = True) -> None:
    title, rows = "tubenotes", jobs
    if len(jobs) > _FINAL_TABLE_ROWS:
        rows = [job for job in jobs if job.stage is not ProcessingStage.COMPLETED]
        shown = f"the first {_FINAL_TABLE_ROWS} of the {len(rows)}" if len(rows) > _FINAL_TABLE_ROWS else \
            f"the {len(rows)}"
        title = f"tubenotes: {shown} job(s) not completed (`tubenotes status --all` lists every job)"
        rows = rows[:_FINAL_TABLE_ROWS]
    if rows:
        table = Table(title=title)
        for column in ("title", "stage", "duration", "tokens (cost)", "error"):
            table.add_column(column, overflow="fold")
        for job in rows:
            style = {"completed": "green", "failed": "red"}.get(job.stage.value, "yellow")
            table.add_row(job_label(job), f"[{style}]{job.stage.value}[/]", format_seconds(job.duration),
                          _usage(job), _error(job))
        out.print(table)
    if not summary:
        return
    done = sum(job.stage is ProcessingStage.COMPLETED for job in jobs)
    failed = sum(job.stage is ProcessingStage.FAILED for job in jobs)
    total = TokenUsage()
    for job in jobs:
        total.add(job.token_usage)
    spent = f", estimated LLM cost {format_cost(total.cost_usd)}" if total.calls else ""
    out.print(f"{done} completed, {failed} failed, {len(jobs) - done - failed} unfinished{spent}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tubenotes")
def cli() -> None:
    """Turn lecture videos and transcripts into an Obsidian study vault: notes, assessments and PDFs."""


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--subject", help="Subject folder for the notes [default: the playlist title, or General].")
@click.option("--regenerate", is_flag=True, help="Fetch, generate and write INPUTS again, asking the model "
              "anew (the one that made the notes, unless --model names another); notes you edited are kept, the "
              "new version goes beside them.")
@click.option("--dry-run", is_flag=True, help="Call no LLM: fetch what must be fetched and print the tokens and "
              "cost expected, live and through the Batch API (as `tubenotes estimate`).")
@run_options
@executor_options
def run(inputs: tuple[str, ...], **values: Any) -> None:
    """Process INPUTS into notes, assessments and PDFs.

    INPUTS are YouTube URLs or IDs, playlist URLs, text files listing inputs
    (one a line, # comments), transcript files and folders (.vtt, .srt,
    .txt, .json), or recordings (.mp4, .mkv, .webm, .mov, .m4a, .mp3, .wav,
    .ogg, .opus, .flac), transcribed by Whisper. Without --subject, a file found in a folder takes the
    folder's name as subject, and a playlist its title.
    """
    from tubenotes.api import prepare_jobs, run_batch  # the stages' libraries: not for --help or status
    from tubenotes.stages import build_stages, open_vault

    if values.pop("dry_run"):
        for name in ("executor", "broker", "store_url"):
            values.pop(name)
        _estimate(inputs, values)
        return
    options = _vault_options(values)
    executor, broker, store_url = values.pop("executor"), values.pop("broker"), values.pop("store_url")
    settings, given = _settings(values)
    with open_vault(settings.vault, store_url) as store:
        with build_stages(settings, store, _notice, options) as stages:
            jobs = prepare_jobs(stages, list(inputs))  # may keep the model of the notes it regenerates
            chosen_model = {name for name in ("model", "base_url") if getattr(stages.settings, name) is not None}
            store.save_settings(stages.settings.remembered(given | chosen_model))
            chosen = executor_for(executor, broker, store_url, store, settings, _notice)
            _finish(run_batch(stages, jobs, _reporter(settings), chosen), settings)


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--subject", help="Subject folder for the notes [default: the playlist title, or General].")
@run_options
def estimate(inputs: tuple[str, ...], **values: Any) -> None:
    """Print the tokens and cost that INPUTS are expected to take, live and through the Batch API.

    Calls no LLM: fetches the transcripts INPUTS need (kept for the run) and counts the prompts as
    they will be sent; answers already in the vault's cache cost nothing.
    """
    _estimate(inputs, values)


def _estimate(inputs: tuple[str, ...], values: dict[str, Any]) -> None:
    from tubenotes.api import prepare_jobs
    from tubenotes.estimate import estimate as estimated
    from tubenotes.generate.chunking import estimate_tokens
    from tubenotes.generate.providers import price_table
    from tubenotes.stages import build_stages, open_vault

    options = _vault_options(values)
    settings, _ = _settings(values)
    with open_vault(settings.vault) as store, build_stages(settings, store, _notice, options) as stages:
        result = estimated(stages, prepare_jobs(stages, list(inputs)))
    table = Table(title=f"expected generation with {result.label}")
    for column in ("title", "transcript tokens", "calls", "prompt tokens", "completion tokens"):
        table.add_column(column, overflow="fold")
    for item in result.jobs:
        job = item.job
        note = _error(job) or ("already generated" if not item.usage.calls else "")
        table.add_row(job_label(job), f"{estimate_tokens(job.transcript or ''):,}", str(item.usage.calls),
                      f"{item.usage.prompt_tokens:,}", f"{item.usage.completion_tokens:,}" + (f" {note}" if note else ""))
    out.print(table)
    total = result.usage
    out.print(f"expected: {total.calls} call(s), {total.prompt_tokens + total.completion_tokens:,} tokens "
              f"({total.prompt_tokens:,} prompt, {total.completion_tokens:,} completion)")
    batch = "no batch price" if result.batch_usd is None and result.live_usd is not None else format_cost(result.batch_usd)
    out.print(f"cost: {format_cost(result.live_usd)} live, {batch} through the Batch API "
              f"(list prices of {price_table()[0]}; completions are expected, not known)")


@cli.command()
@run_options
@executor_options
def resume(**values: Any) -> None:
    """Continue every unfinished job from its stage."""
    _continue(values, retry_failed=False)


@cli.command()
@run_options
@executor_options
def retry(**values: Any) -> None:
    """Replay failed jobs (and finish unfinished ones)."""
    _continue(values, retry_failed=True)


def _continue(values: dict[str, Any], retry_failed: bool) -> None:
    from tubenotes.api import run_batch  # the stages' libraries: not for --help or status
    from tubenotes.stages import build_stages, open_vault

    vault = Path(values["vault"]).absolute()
    options = _vault_options(values)
    executor, broker, store_url = values.pop("executor"), values.pop("broker"), values.pop("store_url")
    if not store_url:
        _require_store(vault)
    with open_vault(vault, store_url) as store:
        settings, _ = _settings(values, store.load_settings())
        jobs = unfinished(store)
        if retry_failed:
            replayed = failed(store)
            for job in replayed:
                job.reset_for_retry()
            jobs = sorted(jobs + replayed, key=lambda job: job.position)
            store.batches.retry_failed()  # batch requests whose attempts were spent get new ones
        with build_stages(settings, store, _notice, options) as stages:
            # A batch may wait with no job: a course's, asked in the last vault pass.
            if jobs or (settings.batch and store.batches.waiting()):
                chosen = executor_for(executor, broker, store_url, store, settings, _notice)
                _finish(run_batch(stages, jobs, _reporter(settings), chosen), settings)
            if stages.vault_pass_pending():
                _notice("An earlier run stopped before its vault pass had ended: finishing it.")
                stages.vault_pass()
            hint = "" if retry_failed else " `tubenotes retry` replays failed ones."
            out.print(f"Nothing to do: no job is waiting.{hint}")
            _point_to_shared_store(vault, store_url, sum(store.stage_counts().values()))


def _vault_options(values: dict[str, Any]) -> VaultOptions:
    """The vault flags, taken out of ``values``: they hold for this command only."""
    return VaultOptions(regenerate=bool(values.pop("regenerate", False)),
                        force=bool(values.pop("force", False)), anki=not values.pop("no_anki", False))


def _require_store(vault: Path) -> None:
    if not (vault / STORE_DIRNAME).is_dir():
        raise ConfigurationError(f"{vault} holds no tubenotes jobs; run `tubenotes run INPUT... --vault {vault}` first")


# How many jobs of each kind the summary of `status` names; `--all` lists every job.
_STATUS_ROWS = 10


@cli.command()
@vault_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of each job's summary.")
@click.option("--all", "list_all", is_flag=True, help="List every job, not a summary.")
@store_option
def status(vault: Path, as_json: bool, list_all: bool, store_url: str | None) -> None:
    """Show a summary of the vault's jobs (counts, failures, jobs in flight, the last finished), the
    generation cache and the exit nodes."""
    if not store_url:
        _require_store(vault)
    store = open_store(store_url, Path(vault).absolute())
    where = f"the store {store_url_without_secrets(store_url)}" if store_url else str(vault)
    try:
        if as_json:
            jobs = store.jobs(documents=False)
            # One job per line: json's C encoder does not indent, and 10,000 jobs are a page a line each.
            print("[\n" + ",\n".join(json.dumps(job.get_summary(), ensure_ascii=False) for job in jobs) + "\n]")
            return
        if list_all:
            jobs = store.jobs(documents=False)
            out.print(_jobs_table(f"tubenotes jobs in {where}", jobs))
            for table in worker_tables(jobs):
                out.print(table)
        else:
            _print_summary(where, store)
        cache, nodes, batches = store.cache.stats(), store.node_stats(), store.batches.batches()
        total = sum(store.stage_counts().values())
    finally:
        store.close()
    _point_to_shared_store(vault, store_url, total)
    out.print(f"generation cache: {cache['entries']} answers, {cache['hits']} reused, "
              f"{cache['computed'] - cache['entries']} paid twice")
    if batches:
        out.print(_batches_table(batches))
    if nodes:
        node_table = Table(title="exit nodes (last run)")
        for column in ("node", "proxy", "uses", "blocks", "failures", "age"):
            node_table.add_column(column)
        for node in nodes:
            node_table.add_row(str(node["id"]), node["proxy"] or "direct", str(node["uses"]), str(node["blocks"]),
                               str(node["failures"]), format_seconds(node["age_seconds"]))
        out.print(node_table)


def _point_to_shared_store(vault: Path, store_url: str | None, jobs: int) -> None:
    """For a vault whose jobs are in a shared store that was not given: where they are."""
    shared = None if store_url or jobs else shared_store_of(Path(vault).absolute())
    if shared:
        command = shlex.join(["tubenotes", "status", "--vault", str(Path(vault).absolute()), "--store", shared])
        out.print(f"This vault's batches ran on the shared store {shared}: `{command}` (add its password, or set "
                  "TUBENOTES_STORE) shows their jobs.", markup=False)


def _jobs_table(title: str, jobs: list[VideoProcessingJob]) -> Table:
    table = Table(title=title)
    for column in ("#", "title", "subject", "stage", "duration", "tokens (cost)", "error"):
        table.add_column(column, overflow="fold", no_wrap=column in ("#", "stage", "duration"))
    for job in jobs:
        table.add_row(str(job.position + 1), job_label(job, 50), job.subject, job.stage.value,
                      format_seconds(job.duration), _usage(job), _error(job))
    return table


def _batches_table(batches: list[BatchRecord]) -> Table:
    """The batches at the provider whose answers are not collected yet, as last seen."""
    table = Table(title="batches at the provider (as last seen; `tubenotes resume` collects them)")
    for column in ("batch", "state", "answered", "failed", "requests", "age", "last seen"):
        table.add_column(column)
    now = time.time()
    for batch in batches:
        counts = batch.request_counts
        seen = format_seconds(now - batch.checked_at) + " ago" if batch.checked_at else "-"
        table.add_row(batch.id, batch.state, str(counts.get("completed", 0)), str(counts.get("failed", 0)),
                      str(batch.requests), format_seconds(now - batch.submitted_at), seen)
    return table


def _print_summary(where: str, store: JobStore) -> None:
    """Counts per stage, then a few jobs of each kind: loads no more than it shows, so that it stays
    fast however large the vault."""
    counts = store.stage_counts()
    out.print(f"{sum(counts.values())} job(s) in {where}: "
              + ", ".join(f"{count} {stage.value}" for stage, count in sorted(counts.items(), key=_stage_order)))
    groups = [
        ("failed", [ProcessingStage.FAILED], False),
        ("in flight", UNFINISHED_STAGES, False),
        ("last finished", [ProcessingStage.COMPLETED], True),
    ]
    listed: list[VideoProcessingJob] = []
    for name, stages, latest_first in groups:
        total = sum(counts.get(stage, 0) for stage in stages)
        if total:
            more = f" (the first {_STATUS_ROWS} of {total}; `status --all` lists every job)" \
                if total > _STATUS_ROWS else ""
            shown = store.jobs(stages, documents=False, limit=_STATUS_ROWS, latest_first=latest_first)
            out.print(_jobs_table(f"{name}{more}", shown))
            listed += shown
    for table in worker_tables(sorted(listed, key=lambda job: job.position)):
        out.print(table)


def _stage_order(item: tuple[ProcessingStage, int]) -> int:
    return list(ProcessingStage).index(item[0])


@cli.group()
def batch() -> None:
    """The vault's batches at the LLM provider (`run --batch`)."""


@batch.command("cancel")
@vault_option
@store_option
def batch_cancel(vault: Path, store_url: str | None) -> None:
    """Cancel the vault's live batches at the provider; `resume` keeps what they finished and asks the rest
    again."""
    from tubenotes.generate.batch_api import FINAL_STATES, BatchApi
    from tubenotes.generate.providers import resolve_llm

    vault = vault.absolute()
    if not store_url:
        _require_store(vault)
    with closing(open_store(store_url, vault)) as store:
        live = store.batches.batches()
        if not live:
            out.print("No batch is waiting at the provider.")
            return
        settings, _ = _settings({"vault": vault}, store.load_settings())
        llm = resolve_llm(settings.model, settings.base_url, os.environ, context_window=settings.context_window)
        if llm is None:
            raise ConfigurationError("the vault's last run named no LLM, so it has no batch to cancel")
        api = BatchApi(llm)
        for record in live:
            if record.host != llm.host:
                err.print(f"batch {record.id} is at {record.host}, not {llm.host}: left as it is", markup=False)
                continue
            if record.state not in FINAL_STATES:
                record = api.cancel(record)
                store.batches.update(record)
            out.print(f"batch {record.id}: {record.state}")


@cli.command("rebuild-store")
@vault_option
def rebuild_store(vault: Path) -> None:
    """Rebuild a lost or broken store from the notes tubenotes wrote into the vault."""
    from tubenotes.stages import open_vault
    from tubenotes.vault.rebuild import rebuild_store as rebuild

    if not vault.is_dir():
        raise ConfigurationError(f"{vault} is not a folder; give the vault with --vault")
    vault = vault.absolute()
    with open_vault(vault) as store:
        rebuilt = rebuild(vault, store, store.records)
    out.print(f"Store rebuilt from {vault}: {rebuilt.jobs} lecture(s) added as completed, {rebuilt.files} file(s) "
              "recorded. Their notes are kept as they are; `tubenotes run --regenerate INPUT` writes one anew.")


@cli.command()
@click.option("--tor-control", metavar="HOST:PORT", help="Also check a running tor's control port.")
@click.option("--whisper-model", metavar="NAME|PATH", default=config.DEFAULT_WHISPER_MODEL, show_default=True,
              help="The Whisper model to check.")
@click.option("--whisper-device", type=click.Choice(config.WHISPER_DEVICES), default="auto", show_default=True,
              help="The device to check Whisper on.")
def doctor(tor_control: str | None, whisper_model: str, whisper_device: str) -> None:
    """Check what tubenotes can use on this machine: tor, pandoc, Typst, fonts, Whisper, deno."""
    from tubenotes.doctor import diagnose

    table = Table(title="tubenotes doctor", show_header=False)
    for name, value in diagnose(tor_control, whisper_model, whisper_device):
        table.add_row(name, value)
    out.print(table)


cli.add_command(worker_command(run_options, _settings))


def main(argv: list[str] | None = None) -> None:
    # The handler filters, not the loggers: stem sets its logger to its TRACE level when it is imported,
    # which is after this (lazily, by the commands that use tor), and would print every tor call.
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", handlers=[handler])
    try:
        code = cli.main(args=argv, prog_name="tubenotes", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except (click.Abort, KeyboardInterrupt):
        err.print("Interrupted.")
        code = EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        code = EXIT_USAGE
    except (ConfigurationError, InputError) as exc:
        err.print(f"error: {exc}", markup=False)
        code = EXIT_USAGE
    except TubenotesError as exc:
        err.print(f"error: {exc}", markup=False)
        code = 1
    except (OSError, sqlite3.Error) as exc:
        storage = as_storage_error(exc)
        if storage is None:
            raise
        err.print(f"error: {storage}", markup=False)
        code = 1
    sys.exit(code or 0)
