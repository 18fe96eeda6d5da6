"""The Celery app: one queue per stage, and the settings that make a killed worker lose nothing."""

from __future__ import annotations

import os
from typing import Any

from tubenotes.errors import ConfigurationError
from tubenotes.job import STAGE_NAMES

INSTALL_HINT = "pip install 'tubenotes[distributed]'"
STAGES = STAGE_NAMES  # a queue each
# The course-level stage of a subject, sent by the last of its lectures to finish.
COURSE_QUEUE = "course"
QUEUES = (*STAGES, COURSE_QUEUE)
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
BROKER_ENV = "TUBENOTES_BROKER"
# Seconds a task may run before Redis hands its message to another worker, taking the first for dead.
# Longer than the slowest stage: a long lecture's generation through a slow local model, a tor
# bootstrap in the fetch stage. A worker killed mid-task has its task run again after this long
# (at once when it is only a pool process that dies: then the worker rejects the message itself).
DEFAULT_VISIBILITY_TIMEOUT = 2 * 3600
VISIBILITY_ENV = "TUBENOTES_VISIBILITY_TIMEOUT"


def task_name(stage: str) -> str:
    return f"tubenotes.{stage}"


def broker_url(given: str | None = None) -> str:
    return given or os.environ.get(BROKER_ENV) or DEFAULT_BROKER


def visibility_timeout() -> float:
    value = os.environ.get(VISIBILITY_ENV)
    if value is None:
        return DEFAULT_VISIBILITY_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0
    if seconds <= 0:
        raise ConfigurationError(f"{VISIBILITY_ENV}={value!r} is not a number of seconds above 0")
    return seconds


def make_app(broker: str | None = None) -> Any:
    """A Celery app on ``broker`` (flag, else TUBENOTES_BROKER, else the local Redis)."""
    try:
        from celery import Celery
        from kombu import Exchange, Queue
    except ImportError:
        raise ConfigurationError(f"the Celery executor needs Celery: {INSTALL_HINT}") from None

    url = broker_url(broker)
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError(f"the broker must be Redis (redis://HOST:PORT/DB), not {url.split(':', 1)[0]}")
    app = Celery("tubenotes", broker=url, set_as_current=False)
    timeout = visibility_timeout()
    app.conf.update(
        task_queues=[Queue(queue, Exchange(queue, type="direct"), routing_key=queue) for queue in QUEUES],
        task_routes={task_name(queue): {"queue": queue} for queue in QUEUES},
        task_default_queue="fetch",
        task_default_exchange="fetch",
        task_default_routing_key="fetch",
        task_serializer="json",
        accept_content=["json"],
        # The store holds every result; nobody waits on Celery's.
        task_ignore_result=True,
        # A message is acknowledged after its task ran, so a worker that dies mid-task leaves it
        # to another; each stage checks first whether its work is done, so running again is safe.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # One message at a time per process: a slow generation never sits on messages others could run.
        worker_prefetch_multiplier=1,
        broker_transport_options={
            "visibility_timeout": timeout,
            # Look for messages of dead workers often enough to matter when the timeout is short.
            "unacked_restore_interval": min(10.0, max(1.0, timeout / 4)),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        # Events on, so Flower (`celery --broker URL flower`) shows tasks and workers as they run.
        worker_send_task_events=True,
        task_send_sent_event=True,
        worker_hijack_root_logger=False,
    )
    return app
