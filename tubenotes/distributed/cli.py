"""The command line of distributed batches: `tubenotes worker`, and the executor options of `run` and `resume`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from tubenotes.distributed.app import BROKER_ENV, QUEUES, STAGES

STORE_ENV = "TUBENOTES_STORE"
EXECUTORS = ("local", "celery")

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

broker_option = click.option(
    "--broker", metavar="URL", envvar=BROKER_ENV,
    help=f"The Celery broker, Redis: redis://HOST:6379/0 [env {BROKER_ENV}; default: the local Redis].")
store_option = click.option(
    "--store", "store_url", metavar="URL", envvar=STORE_ENV,
    help=f"The store shared by the machines of a batch: postgresql://USER@HOST/DB [env {STORE_ENV}; "
         "default: the SQLite store in the vault].")
executor_option = click.option(
    "--executor", type=click.Choice(EXECUTORS), envvar="TUBENOTES_EXECUTOR", default="local", show_default=True,
    help="Run the stages here (local) or on Celery workers (celery: needs --store and workers; see `tubenotes worker`).")


def executor_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--executor, --broker and --store, for `run`, `resume` and `retry`."""
    return executor_option(broker_option(store_option(command)))


def executor_for(kind: str, broker: str | None, store_url: str | None, store: Any, settings: Any,
                 notice: Callable[[str], None]) -> Any:
    """The executor `--executor` names: None for the local runner, else a Celery executor on ``store``."""
    if kind == "local":
        return None
    from tubenotes.distributed.executor import CeleryExecutor
    from tubenotes.errors import ConfigurationError
    from tubenotes.pipeline import Routing

    if not store_url:
        raise ConfigurationError(f"--executor celery needs a store the workers share: --store postgresql://... "
                                 f"or {STORE_ENV}")
    return CeleryExecutor(store, broker, notice, Routing.of(settings))


def worker_tables(jobs: list[Any]) -> list[Any]:
    """Which Celery worker ran each stage of ``jobs``, for `tubenotes status`: a table of worker numbers
    per job and stage, and what each number names (worker names are long: they would not fit a row)."""
    from rich.table import Table

    ran = [job for job in jobs if job.workers]
    if not ran:
        return []
    number = {name: n for n, name in enumerate(sorted({name for job in ran for name in job.workers.values()}), 1)}
    stages = Table(title="which worker ran each stage")
    for column in ("#", *STAGES):
        stages.add_column(column, no_wrap=True)
    for job in ran:
        stages.add_row(str(job.position + 1), *(str(number[job.workers[stage]]) if stage in job.workers else "-"
                                                 for stage in STAGES))
    names = Table(title="workers")
    for column in ("worker", "name"):
        names.add_column(column, overflow="fold")
    for name, n in number.items():
        names.add_row(str(n), name)
    return [stages, names]


def worker_command(run_options: Decorator, settings_from: Callable[[dict[str, Any]], tuple[Any, set[str]]]
                   ) -> click.Command:
    """`tubenotes worker`, taking the run options that concern its stages (network, LLM, vault)."""

    @click.command("worker")
    @click.option("--queues", default=",".join(QUEUES), show_default=True, metavar="STAGES",
                  help="The stages this worker runs: fetch on machines with exit nodes, transcribe where the "
                       "fetch workers' --vault is (the audio waits there), generate where the LLM is reachable, "
                       "slides, write, export and course (a subject's guide, exam and map, once its lectures are "
                       "done) only on the machine that holds the vault.")
    @click.option("--concurrency", type=click.IntRange(min=1),
                  help="Tasks at once [default: the largest stage limit of its queues: --pool-size, the cores "
                       "(transcribe, slides), --llm-concurrency, --export-workers].")
    @click.option("--name", help="This worker's name in `status` and Flower [default: QUEUES-PID@HOST].")
    @click.option("--llm-per-minute", type=click.IntRange(min=1), envvar="TUBENOTES_LLM_PER_MINUTE",
                  help="LLM requests started per minute, across all workers on the broker "
                       "[env TUBENOTES_LLM_PER_MINUTE; default: no limit].")
    @broker_option
    @store_option
    @run_options
    def worker(queues: str, concurrency: int | None, name: str | None, llm_per_minute: int | None,
               broker: str | None, store_url: str | None, **values: Any) -> None:
        """Run stages of distributed batches: a Celery worker on the stage queues.

        Secrets stay on the machine: the worker's exit nodes (--network, --proxy,
        tor) and its LLM key come from its own flags and environment, never from
        the broker or the store. The other settings are the batch's, as the
        coordinator (`tubenotes run --executor celery`) stored them.
        """
        from tubenotes.distributed.tasks import WorkerConfig
        from tubenotes.distributed.worker import default_concurrency, parse_queues, run_worker
        from tubenotes.errors import ConfigurationError

        if not store_url:
            raise ConfigurationError(f"a worker needs the shared store: --store postgresql://... or {STORE_ENV}")
        for vault_only in ("force", "no_anki", "quiet"):
            values.pop(vault_only, None)
        values["vault"] = Path(values["vault"]).absolute()
        settings, given = settings_from(values)
        chosen = parse_queues(queues)
        config = WorkerConfig(store_url, settings, given, llm_per_minute)
        run_worker(chosen, concurrency or default_concurrency(chosen, settings), broker, config, name)

    return worker
