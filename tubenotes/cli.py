"""The command line: parse, call the library, show progress and results."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Optional

import click
import typer
from rich.console import Console
from rich.table import Table

from tubenotes import app as library
from tubenotes.config import DEFAULT_VAULT, NETWORKS, Settings
from tubenotes.errors import ConfigurationError, InputError, TubenotesError
from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.progress import LogReporter, RichReporter, format_seconds, job_label
from tubenotes.runner import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, Reporter, RunResult
from tubenotes.store import JobStore

cli = typer.Typer(
    name="tubenotes",
    help="Turn lecture videos and transcripts into an Obsidian study vault: notes, assessments and PDFs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

VaultOption = Annotated[
    Path, typer.Option("--vault", envvar="TUBENOTES_VAULT", help="The Obsidian vault to write into.")
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Only the final table; no progress lines.")]
NoPdfOption = Annotated[bool, typer.Option("--no-pdf", help="Skip the PDF export stage.")]


def _settings(ctx: click.Context, **values: object) -> tuple[Settings, set[str]]:
    """Settings from the flags the user gave; for resume/retry the vault's remembered ones fill the rest."""
    given = {
        name
        for name, value in values.items()
        if ctx.get_parameter_source(name) not in (click.core.ParameterSource.DEFAULT, None)
    }
    fields = {name: value for name, value in values.items() if value is not None}
    if "languages" in fields:
        fields["languages"] = tuple(code.strip() for code in str(fields["languages"]).split(",") if code.strip())
    fields["pdf"] = not fields.pop("no_pdf", False)
    return Settings(**fields), given  # type: ignore[arg-type]


def _reporter(settings: Settings) -> Reporter:
    if out.is_terminal and not settings.quiet:
        return RichReporter(out)
    return LogReporter(out, verbose=not settings.quiet)


def _notice(message: str) -> None:
    err.print(message, markup=False)


def _finish(result: RunResult) -> None:
    _print_final_table(result.jobs)
    if result.interrupted:
        unfinished = sum(not job.is_finished() for job in result.jobs)
        err.print(f"Interrupted: {unfinished} job(s) saved unfinished. Run `tubenotes resume` to go on.")
    raise typer.Exit(result.exit_code)


def _print_final_table(jobs: list[VideoProcessingJob]) -> None:
    table = Table(title="tubenotes", show_lines=False)
    for column in ("title", "stage", "duration", "error"):
        table.add_column(column, overflow="fold")
    for job in jobs:
        stage = job.stage.value
        style = {"completed": "green", "failed": "red"}.get(stage, "yellow")
        error = f"{job.error_kind}: {job.error_message}" if job.error_message else ""
        table.add_row(job_label(job), f"[{style}]{stage}[/]", format_seconds(job.duration), error)
    out.print(table)
    done = sum(job.stage is ProcessingStage.COMPLETED for job in jobs)
    failed = sum(job.stage is ProcessingStage.FAILED for job in jobs)
    out.print(f"{done} completed, {failed} failed, {len(jobs) - done - failed} unfinished")


@cli.command()
def run(
    ctx: typer.Context,
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="YouTube URLs or IDs, playlist URLs, text files listing inputs, transcript files or folders.",
            show_default=False,
        ),
    ],
    subject: Annotated[Optional[str], typer.Option(help="Subject folder for the notes.")] = None,
    vault: VaultOption = DEFAULT_VAULT,
    languages: Annotated[
        Optional[str], typer.Option("--lang", help="Preferred transcript languages, in order: en,de.")
    ] = None,
    translate_to: Annotated[Optional[str], typer.Option(help="Translate transcripts to this language.")] = None,
    network: Annotated[str, typer.Option(help=f"How to reach YouTube: {', '.join(NETWORKS)}.")] = "direct",
    pool_size: Annotated[int, typer.Option(min=1, help="Exit nodes (parallel fetches).")] = 4,
    no_pdf: NoPdfOption = False,
    quiet: QuietOption = False,
) -> None:
    """Process videos or transcripts into notes, assessments and PDFs."""
    settings, _ = _settings(
        ctx, vault=vault, subject=subject, languages=languages, translate_to=translate_to,
        network=network, pool_size=pool_size, no_pdf=no_pdf, quiet=quiet,
    )
    with JobStore(settings.vault) as store:
        jobs = library.prepare_run(settings, store, inputs)
        store.save_settings(settings.remembered())
        _finish(library.run_jobs(settings, store, jobs, _reporter(settings), _notice))


@cli.command()
def resume(
    ctx: typer.Context, vault: VaultOption = DEFAULT_VAULT, no_pdf: NoPdfOption = False, quiet: QuietOption = False
) -> None:
    """Continue every unfinished job from its stage."""
    _continue(ctx, vault, no_pdf, quiet, retry_failed=False)


@cli.command()
def retry(
    ctx: typer.Context, vault: VaultOption = DEFAULT_VAULT, no_pdf: NoPdfOption = False, quiet: QuietOption = False
) -> None:
    """Replay failed jobs (and finish unfinished ones)."""
    _continue(ctx, vault, no_pdf, quiet, retry_failed=True)


def _continue(ctx: click.Context, vault: Path, no_pdf: bool, quiet: bool, retry_failed: bool) -> None:
    settings, given = _settings(ctx, vault=vault, no_pdf=no_pdf, quiet=quiet)
    _require_store(settings.vault)
    with JobStore(settings.vault) as store:
        settings = settings.with_remembered(store.load_settings(), given)
        jobs = store.unfinished()
        if retry_failed:
            failed = store.failed()
            for job in failed:
                job.reset_for_retry()
            jobs = sorted(jobs + failed, key=lambda job: job.position)
        if not jobs:
            out.print("Nothing to do: every job is finished." + ("" if retry_failed else " (`tubenotes retry` replays failed ones.)"))
            raise typer.Exit(EXIT_OK)
        _finish(library.run_jobs(settings, store, jobs, _reporter(settings), _notice))


def _require_store(vault: Path) -> None:
    if not (vault / ".tubenotes").is_dir():
        raise ConfigurationError(f"{vault} holds no tubenotes jobs; run `tubenotes run INPUT... --vault {vault}` first")


@cli.command()
def status(
    vault: VaultOption = DEFAULT_VAULT,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON array of each job's summary.")] = False,
) -> None:
    """Show the jobs of a vault."""
    _require_store(vault)
    with JobStore(vault) as store:
        jobs = store.jobs()
        cache = store.cache.stats()
    if as_json:
        print(json.dumps([job.get_summary() for job in jobs], indent=2, ensure_ascii=False))
        return
    table = Table(title=f"tubenotes jobs in {vault}")
    for column in ("#", "title", "subject", "stage", "duration", "tokens", "error"):
        table.add_column(column, overflow="fold")
    for job in jobs:
        usage = job.token_usage
        tokens = f"{usage.prompt_tokens + usage.completion_tokens}" if usage.calls else "-"
        error = f"{job.error_kind}: {job.error_message}" if job.error_message else ""
        table.add_row(str(job.position), job_label(job, 50), job.subject, job.stage.value,
                      format_seconds(job.duration), tokens, error)
    out.print(table)
    out.print(f"generation cache: {cache['entries']} answers, {cache['hits']} reused, "
              f"{cache['computed'] - cache['entries']} paid twice")


@cli.command()
def doctor() -> None:
    """Check what tubenotes can use on this machine."""
    import shutil

    import pypandoc
    import typst

    rows = [
        ("python", sys.version.split()[0]),
        ("pandoc (pypandoc-binary)", pypandoc.get_pandoc_version()),
        ("typst", getattr(typst, "__version__", "installed")),
        ("tor", shutil.which("tor") or "not installed (apt-get install tor) — needed for --network tor"),
    ]
    table = Table(title="tubenotes doctor", show_header=False)
    for name, value in rows:
        table.add_row(name, str(value))
    out.print(table)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    command = typer.main.get_command(cli)
    try:
        code = command.main(args=argv, prog_name="tubenotes", standalone_mode=False)
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
    sys.exit(code or 0)
