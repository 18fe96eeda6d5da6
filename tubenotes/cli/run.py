"""`run`, `estimate`, `resume` and `retry`: a batch's commands."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource
from rich.table import Table

from tubenotes.cli.options import require_store, run_options, settings_from, vault_options
from tubenotes.cli.render import err, error_of, notice, out, print_final_table
from tubenotes.cli.status import point_to_shared_store
from tubenotes.config import Settings
from tubenotes.distributed.cli import executor_for, executor_options
from tubenotes.executors import EXIT_INTERRUPTED, Reporter, RunResult
from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.progress import LogReporter, RichReporter, format_cost, job_label
from tubenotes.store import store_url_without_secrets

if TYPE_CHECKING:
    from tubenotes.stages import Backends


@click.command()
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
    options = vault_options(values)
    executor, broker, store_url = values.pop("executor"), values.pop("broker"), values.pop("store_url")
    settings, given = settings_from(values)
    with open_vault(settings.vault, store_url) as store:
        with build_stages(settings, store, notice, options, backends=_backends()) as stages:
            jobs = prepare_jobs(stages, list(inputs))  # may keep the model of the notes it regenerates
            chosen_model = {name for name in ("model", "base_url") if getattr(stages.settings, name) is not None}
            store.save_settings(stages.settings.remembered(given | chosen_model))
            chosen = executor_for(executor, broker, store_url, store, settings, notice)
            with _resume_hint_on_ctrl_c(settings):
                result = run_batch(stages, jobs, _reporter(settings), chosen)
            _finish(result, settings)


@click.command()
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

    options = vault_options(values)
    settings, _ = settings_from(values)
    with open_vault(settings.vault) as store, \
            build_stages(settings, store, notice, options, backends=_backends(), key_required=False) as stages:
        result = estimated(stages, prepare_jobs(stages, list(inputs)))
    table = Table(title=f"expected generation with {result.label}")
    for column in ("title", "transcript tokens", "calls", "prompt tokens", "completion tokens"):
        table.add_column(column, overflow="fold")
    for item in result.jobs:
        job = item.job
        note = error_of(job) or ("already generated" if not item.usage.calls else "")
        table.add_row(job_label(job), f"{estimate_tokens(job.transcript or ''):,}", str(item.usage.calls),
                      f"{item.usage.prompt_tokens:,}", f"{item.usage.completion_tokens:,}" + (f" {note}" if note else ""))
    out.print(table)
    total = result.usage
    out.print(f"expected: {total.calls} call(s), {total.prompt_tokens + total.completion_tokens:,} tokens "
              f"({total.prompt_tokens:,} prompt, {total.completion_tokens:,} completion)")
    batch = "no batch price" if result.batch_usd is None and result.live_usd is not None else format_cost(result.batch_usd)
    out.print(f"cost: {format_cost(result.live_usd)} live, {batch} through the Batch API "
              f"(list prices of {price_table()[0]}; completions are expected, not known)")


@click.command()
@run_options
@executor_options
def resume(**values: Any) -> None:
    """Continue every unfinished job from its stage."""
    _continue(values, retry_failed=False)


@click.command()
@run_options
@executor_options
def retry(**values: Any) -> None:
    """Replay failed jobs (and finish unfinished ones)."""
    _continue(values, retry_failed=True)


def _continue(values: dict[str, Any], retry_failed: bool) -> None:
    from tubenotes.api import continue_jobs, run_batch  # the stages' libraries: not for --help or status
    from tubenotes.stages import build_stages, open_vault

    vault = Path(values["vault"]).absolute()
    options = vault_options(values)
    executor, broker, store_url = values.pop("executor"), values.pop("broker"), values.pop("store_url")
    if not store_url:
        require_store(vault)
    with open_vault(vault, store_url) as store:
        settings, _ = settings_from(values, store.load_settings())
        jobs = continue_jobs(store, retry_failed, settings.batch)
        if retry_failed:
            store.batches.retry_failed()  # batch requests whose attempts were spent get new ones
        with build_stages(settings, store, notice, options, backends=_backends()) as stages, \
                _resume_hint_on_ctrl_c(settings):
            # A batch may wait with no job: a course's, asked in the last vault pass.
            if jobs or (settings.batch and store.batches.waiting()):
                chosen = executor_for(executor, broker, store_url, store, settings, notice)
                _finish(run_batch(stages, jobs, _reporter(settings), chosen), settings)
            if stages.vault_pass_pending():
                notice("An earlier run stopped before its vault pass had ended: finishing it.")
                if stages.vault_pass():
                    out.print("Finished the vault pass an earlier run left unfinished: links, concept notes, "
                              "indexes and decks are up to date. No job was waiting.")
                else:
                    out.print("Updated the vault; its courses wait for their batch's answers: `tubenotes resume` "
                              "adds them once they are in.")
            else:
                hint = "" if retry_failed else " `tubenotes retry` replays failed ones."
                out.print(f"Nothing to do: no job is waiting.{hint}")
            point_to_shared_store(vault, store_url, sum(store.stage_counts().values()))


@contextmanager
def _resume_hint_on_ctrl_c(settings: Settings) -> Iterator[None]:
    """A Ctrl-C that the runner does not take (in the vault pass after the stages, say) ends as the stages'
    does, with the command that goes on: every job is saved, and the pass stays due until it has ended."""
    try:
        yield
    except KeyboardInterrupt:
        err.print(f"Interrupted before the vault was brought up to date; every job is saved. "
                  f"Run `{_resume_command(settings)}` to go on.", markup=False)
        sys.exit(EXIT_INTERRUPTED)


def _backends() -> Backends | None:
    """The engines the caller of the command line passed as its object (``cli.main(obj=Backends(...))``,
    ``CliRunner().invoke(cli, args, obj=...)``); None for the real ones."""
    return click.get_current_context().obj


def _reporter(settings: Settings) -> Reporter:
    if out.is_terminal and not settings.quiet:
        return RichReporter(out)
    return LogReporter(out, verbose=not settings.quiet)


def _finish(result: RunResult, settings: Settings) -> None:
    resume = _resume_command(settings)
    tally = result.tally
    # A batch whose every input named nothing usable failed now, not "already" (its jobs are kept: none completed).
    if result.worked or result.interrupted or result.stopped_by is not None or tally.unfinished or \
            (tally.failed == tally.total and all(map(_unresolved, result.jobs))):
        print_final_table(result.jobs, tally=tally)
    else:
        _print_nothing_done(result, settings)
    if result.stopped_by is not None:
        err.print(f"error: {result.stopped_by}", markup=False)
        err.print(f"The batch stopped there: jobs in flight kept their last checkpoint, none failed for it. "
                  f"Once that is fixed, `{resume}` goes on.", markup=False)
    if result.interrupted:
        err.print(f"Interrupted: {tally.unfinished} job(s) saved unfinished. Run `{resume}` to go on.", markup=False)
    sys.exit(result.exit_code)


def _unresolved(job: VideoProcessingJob) -> bool:
    """An input this run could not use (no such file, an empty playlist). When every input is one, they
    failed now, not "already": there was nothing before."""
    return job.stage is ProcessingStage.FAILED and job.failed_stage is ProcessingStage.CREATED


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


def _print_nothing_done(result: RunResult, settings: Settings) -> None:
    """A re-run of finished inputs: one line, and the table of those that did not complete."""
    print_final_table([job for job in result.jobs if job.stage is not ProcessingStage.COMPLETED], summary=False,
                      tally=result.tally)
    tally = result.tally
    retry = (f"; `{shlex.join(['tubenotes', 'retry', '--vault', str(settings.vault)])}` tries the failed ones "
             "again") if tally.failed else ""
    out.print(f"Nothing to do: {tally.completed} of {tally.total} input(s) completed already, {tally.failed} failed"
              f"{retry}. `--regenerate` writes them anew.", markup=False)
