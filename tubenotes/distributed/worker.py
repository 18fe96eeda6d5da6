"""`tubenotes worker`: a Celery worker for some of the stage queues, with the pool that suits them."""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import Sequence
from typing import Any

from tubenotes.config import Settings
from tubenotes.distributed.app import QUEUES, make_app
from tubenotes.distributed.inflight import InFlight
from tubenotes.distributed.tasks import WorkerConfig, close_worker_state, configure, register_tasks
from tubenotes.errors import ConfigurationError
from tubenotes.stages import stage_limits
from tubenotes.store import open_store


def parse_queues(text: str) -> list[str]:
    queues = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in queues if name not in QUEUES]
    if unknown or not queues:
        raise ConfigurationError(f"--queues takes queue names from {','.join(QUEUES)}, not {text!r}")
    return queues


def pool_for(queues: Sequence[str]) -> str:
    """Threads for the stages that wait on the network; processes where PDFs are typeset (CPU)."""
    return "prefork" if "export" in queues else "threads"


def default_concurrency(queues: Sequence[str], settings: Settings) -> int:
    """As many tasks at once as the most parallel of its stages allows in one process."""
    limits = stage_limits(dataclasses.replace(settings, pdf=True))  # the export queue's limit, even under --no-pdf
    return max(limits.get(queue, 1) for queue in queues)  # a subject's course stage runs one at a time


def node_name(name: str | None, queues: Sequence[str]) -> str:
    """``NAME@HOST``, as Celery names its nodes (and Flower shows them)."""
    name = name or f"{'+'.join(queues)}-{os.getpid()}"
    return name if "@" in name else f"{name}@{socket.gethostname()}"


def run_worker(queues: Sequence[str], concurrency: int, broker: str | None, config: WorkerConfig,
               name: str | None = None, loglevel: str = "INFO") -> None:
    """Consume ``queues`` until stopped (SIGTERM or Ctrl-C: the tasks in progress finish first)."""
    from celery.signals import worker_process_shutdown, worker_shutdown

    app = make_app(broker)
    check_services(config, app.conf.broker_url)
    register_tasks(app)
    configure(config)
    # Every process closes its store and stages (a tor it started) when it ends.
    for signal in (worker_shutdown, worker_process_shutdown):
        signal.connect(_close, weak=False)
    argv = ["worker", "--queues", ",".join(queues), "--concurrency", str(concurrency), "--pool", pool_for(queues),
            "--hostname", node_name(name, queues), "--loglevel", loglevel, "--without-gossip",
            "--without-mingle", "--task-events"]
    app.worker_main(argv=argv)


def check_services(config: WorkerConfig, broker_url: str) -> None:
    """Before the worker says it is ready: its store and its broker answer (else a configuration error)."""
    open_store(config.store_url, config.settings.vault).close()
    inflight = InFlight(broker_url)
    try:
        inflight.check()
    finally:
        inflight.close()


def _close(**_: Any) -> None:
    close_worker_state()
