"""Executors move jobs between stages: `LocalExecutor` on this machine's threads."""

from tubenotes.executors.base import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    Executor,
    Reporter,
    RunResult,
    SilentReporter,
    StageRunner,
)
from tubenotes.executors.local import LocalExecutor

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "Executor",
    "LocalExecutor",
    "Reporter",
    "RunResult",
    "SilentReporter",
    "StageRunner",
]
