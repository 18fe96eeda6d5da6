"""What the commands print: the two consoles, and the tables of jobs."""

from __future__ import annotations

import os

from rich.console import Console
from rich.table import Table

from tubenotes.executors.base import Tally
from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.progress import format_cost, format_seconds, job_label



class _OutputConsole(Console):
    """A console whose reader may leave (`tubenotes run ... | head`): it goes quiet and the batch goes on.

    Rich's own answer to a broken pipe is SystemExit, raised in whichever thread printed: in a stage's
    thread that left the runner waiting for the job for ever. The notes are what was asked for; the output
    is only a view of the work, so its reader leaving stops the view, not the work."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        # Python flushes the stream again at exit: onto /dev/null, so that flush cannot fail either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self.file.fileno())
        os.close(devnull)


out = _OutputConsole(highlight=False)
err = _OutputConsole(stderr=True, highlight=False)


def notice(message: str) -> None:
    err.print(message, markup=False)


def usage_of(job: VideoProcessingJob) -> str:
    """Tokens and estimated cost, or '-' when no LLM was paid for the job."""
    usage = job.token_usage
    if not usage.calls:
        return "-"
    return f"{usage.prompt_tokens + usage.completion_tokens:,} ({format_cost(usage.cost_usd)})"


def error_of(job: VideoProcessingJob) -> str:
    """The job's error, or else what it warned about (a degraded PDF, pictures a worker could not find):
    a completed job's warnings are otherwise told only once, by the run that made them."""
    if job.error_message:
        return f"{job.error_kind}: {job.error_message}"
    if not job.warnings:
        return ""
    more = f" (and {len(job.warnings) - 1} more)" if len(job.warnings) > 1 else ""
    return f"warning: {job.warnings[0]}{more}"


# Above this many jobs the final table lists only those not completed, and at most this many of them:
# a row per lecture of a batch of thousands would bury the failures (and take seconds to draw).
FINAL_TABLE_ROWS = 30


def print_final_table(jobs: list[VideoProcessingJob], summary: bool = True, tally: Tally | None = None) -> None:
    """The table of ``jobs`` (every job of a small batch, else those not completed) and, with ``summary``, a
    line of counts; ``tally`` counts the whole batch when ``jobs`` holds only part of it."""
    tally = tally or Tally.of(jobs)
    title, rows = "tubenotes", jobs
    if tally.total > FINAL_TABLE_ROWS:
        rows = [job for job in jobs if job.stage is not ProcessingStage.COMPLETED]
        not_completed = tally.total - tally.completed
        shown = f"the first {FINAL_TABLE_ROWS} of the {not_completed}" if not_completed > FINAL_TABLE_ROWS else \
            f"the {not_completed}"
        title = f"tubenotes: {shown} job(s) not completed (`tubenotes status --all` lists every job)"
        rows = rows[:FINAL_TABLE_ROWS]
    if rows:
        table = Table(title=title)
        for column in ("title", "stage", "duration", "tokens (cost)", "error or warning"):
            table.add_column(column, overflow="fold")
        for job in rows:
            style = {"completed": "green", "failed": "red"}.get(job.stage.value, "yellow")
            table.add_row(job_label(job), f"[{style}]{job.stage.value}[/]", format_seconds(job.duration),
                          usage_of(job), error_of(job))
        out.print(table)
    if not summary:
        return
    spent = f", estimated LLM cost {format_cost(tally.usage.cost_usd)}" if tally.usage.calls else ""
    out.print(f"{tally.completed} completed, {tally.failed} failed, {tally.unfinished} unfinished{spent}")


def jobs_table(title: str, jobs: list[VideoProcessingJob]) -> Table:
    table = Table(title=title)
    for column in ("#", "title", "subject", "stage", "duration", "tokens (cost)", "error or warning"):
        table.add_column(column, overflow="fold", no_wrap=column in ("#", "stage", "duration"))
    for job in jobs:
        table.add_row(str(job.position + 1), job_label(job, 50), job.subject, job.stage.value,
                      format_seconds(job.duration), usage_of(job), error_of(job))
    return table
