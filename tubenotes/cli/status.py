"""`status`: what the vault's jobs are doing."""

from __future__ import annotations

import json
import shlex
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table

from tubenotes.cli.options import require_store, vault_option
from tubenotes.cli.render import jobs_table, out
from tubenotes.distributed.cli import store_option, worker_tables
from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.progress import format_seconds
from tubenotes.store import JobStore, open_store, shared_store_of, store_url_without_secrets
from tubenotes.store.base import UNFINISHED_STAGES

if TYPE_CHECKING:
    from tubenotes.store.batches import BatchRecord

# How many jobs of each kind the summary of `status` names; `--all` lists every job.
_STATUS_ROWS = 10


@click.command()
@vault_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of each job's summary.")
@click.option("--all", "list_all", is_flag=True, help="List every job, not a summary.")
@store_option
def status(vault: Path, as_json: bool, list_all: bool, store_url: str | None) -> None:
    """Show a summary of the vault's jobs (counts, failures, jobs in flight, the last finished), the
    generation cache and the exit nodes."""
    if not store_url:
        require_store(vault)
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
            out.print(jobs_table(f"tubenotes jobs in {where}", jobs))
            for table in worker_tables(jobs):
                out.print(table)
        else:
            _print_summary(where, store)
        cache, nodes, batches = store.cache.stats(), store.node_stats(), store.batches.batches()
        total = sum(store.stage_counts().values())
    finally:
        store.close()
    point_to_shared_store(vault, store_url, total)
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


def point_to_shared_store(vault: Path, store_url: str | None, jobs: int) -> None:
    """For a vault whose jobs are in a shared store that was not given: where they are."""
    shared = None if store_url or jobs else shared_store_of(Path(vault).absolute())
    if shared:
        command = shlex.join(["tubenotes", "status", "--vault", str(Path(vault).absolute()), "--store", shared])
        out.print(f"This vault's batches ran on the shared store {shared}: `{command}` (add its password, or set "
                  "TUBENOTES_STORE) shows their jobs.", markup=False)


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
            out.print(jobs_table(f"{name}{more}", shown))
            listed += shown
    for table in worker_tables(sorted(listed, key=lambda job: job.position)):
        out.print(table)


def _stage_order(item: tuple[ProcessingStage, int]) -> int:
    return list(ProcessingStage).index(item[0])
