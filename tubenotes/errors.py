"""The exceptions tubenotes raises, one class per cause.

    TubenotesError                 root: every expected failure
    ├── ConfigurationError         bad flags, settings or environment (exit code 2)
    │   └── StoreUnreachable       the shared store's server cannot be reached: at start a configuration
    │                              error; mid-batch nothing is recorded and the stage runs again later
    ├── InputError                 an input that names no video or transcript
    ├── StorageError               the vault or its store cannot be written (disk full, read-only): the batch stops
    │   └── CostCapReached         the next LLM call or batch would pass --max-cost: the batch stops alike
    ├── StoreError                 the vault's store cannot be read, or vanished during a run (exit code 1)
    └── JobError                   one job cannot go on; the batch continues
        ├── PermanentError         retrying cannot help (no captions, private video, bad file)
        │   ├── EmptyTranscriptError
        │   └── GenerationError    the generator gave no usable answer
        ├── TransientError         may work later (network, 5xx, rate limit)
        │   └── BlockedError       the exit address is blocked: rotate the node
        └── ExportError            a file could not be written or typeset

    StageInterrupted               apart: no failure, a stage stopped by Ctrl-C
    AwaitingBatch                  apart: no failure, a generation waits for a provider's Batch API

Every message says what happened and, where there is one, what to do.
A job that fails stores `kind` (the class's ``kind``) and the message.
Errors are data that may cross processes (a Celery result, a job's JSON):
each pickles, and `to_dict`/`from_dict` carry it through JSON, with its
class, kind, message and retryability.
"""

from __future__ import annotations

import errno
import importlib
import socket
import sqlite3
import ssl
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


class TubenotesError(Exception):
    """Root of every expected tubenotes failure."""

    kind = "error"
    # Whether running the same input again may succeed: `run` retries such failed jobs by itself.
    retryable = False

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own pickling calls __init__ with the args alone, which fails for
        # subclasses whose constructor takes more (keyword-only counts, say).
        return _rebuild, (type(self), str(self), dict(self.__dict__))

    def to_dict(self) -> dict[str, Any]:
        return {"type": f"{type(self).__module__}.{type(self).__qualname__}", "kind": self.kind,
                "message": str(self), "retryable": self.retryable, "state": dict(self.__dict__)}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> TubenotesError:
        """The error `to_dict` described; a class this version lacks comes back as a JobError of that kind."""
        cls = _error_class(str(data.get("type", "")))
        error = _rebuild(cls or JobError, str(data.get("message", "")), dict(data.get("state") or {}))
        if cls is None:
            error.kind = str(data.get("kind", JobError.kind))
            error.retryable = bool(data.get("retryable", False))
        return error


def with_message(error: TubenotesError, message: str) -> TubenotesError:
    """``error`` with another message: the same class, kind, retryability and state."""
    return _rebuild(type(error), message, dict(error.__dict__))


def _rebuild(cls: type[TubenotesError], message: str, state: dict[str, Any]) -> TubenotesError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


def _error_class(name: str) -> type[TubenotesError] | None:
    """Only tubenotes's own error classes: the name comes from data, and must not import anything else."""
    module, _, qualname = name.rpartition(".")
    if not (module == "tubenotes" or module.startswith("tubenotes.")):
        return None
    try:
        found = getattr(importlib.import_module(module), qualname, None)
    except ImportError:
        return None
    return found if isinstance(found, type) and issubclass(found, TubenotesError) else None


class StageInterrupted(Exception):
    """A stage stopped by Ctrl-C before its end: a transcription stopped on request, or a pandoc
    that the terminal's Ctrl-C reached in the instant before it left tubenotes's process group.
    Its job stays at its last checkpoint. Outside the TubenotesError tree, so that nothing
    records it on the job as a failure.
    """


class AwaitingBatch(Exception):  # noqa: N818 (a state, not an error)
    """A generation needs answers that a provider's Batch API has not given yet: its job waits.

    ``keys`` are the requests' keys (their ``custom_id``). Outside the TubenotesError tree, so that
    nothing records it as a failure.
    """

    def __init__(self, keys: frozenset[str]) -> None:
        super().__init__(f"waiting for {len(keys)} answer(s) from a batch")
        self.keys = keys

    def __reduce__(self) -> tuple[object, ...]:
        return AwaitingBatch, (self.keys,)

    @staticmethod
    def joined(waits: list[AwaitingBatch]) -> AwaitingBatch:
        return AwaitingBatch(frozenset().union(*(wait.keys for wait in waits)))

    @staticmethod
    def gather(calls: Iterable[Callable[[], T]]) -> list[T]:
        """Every call's answer; calls that wait for a batch do not stop the others, so that independent
        requests (the parts of a long lecture, the groups of a course) go into the same batch."""
        answers: list[T] = []
        waits: list[AwaitingBatch] = []
        for call in calls:
            try:
                answers.append(call())
            except AwaitingBatch as wait:
                waits.append(wait)
        if waits:
            raise AwaitingBatch.joined(waits)
        return answers


class ConfigurationError(TubenotesError):
    kind = "configuration"


class StoreUnreachable(ConfigurationError):
    kind = "store_unreachable"
    retryable = True


class InputError(TubenotesError):
    kind = "input"


class StorageError(TubenotesError):
    kind = "storage"
    retryable = True


# What a full disk, a quota or a read-only mount raise: no job is at fault, so none fails.
_STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})
# What a path the vault may not write raises; only with the path named, since other OSErrors share these numbers
# (a TLS failure is an OSError whose errno 1, SSL_ERROR_SSL, is also EPERM's).
_PATH_ERRNOS = frozenset({errno.EACCES, errno.EPERM})
# The network's OSErrors: a job's own failure (network, blocked, permanent), never the vault's.
_NETWORK_ERRORS = (ssl.SSLError, ConnectionError, TimeoutError, socket.gaierror, socket.herror)
_SQLITE_STORAGE_MESSAGES = ("disk is full", "readonly database", "unable to open database file", "disk I/O error")


def as_storage_error(exc: BaseException) -> StorageError | None:
    """The StorageError that ``exc`` (or what caused it) amounts to, or None if it is something else."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, StorageError):
            return seen
        if _writing_failed(seen):
            where = f" ({seen.filename})" if seen.filename else ""
            return StorageError(f"cannot write to the vault{where}: {seen.strerror}; free some space or make "
                                "the vault writable, then run `tubenotes resume`")
        if isinstance(seen, sqlite3.Error) and any(text in str(seen) for text in _SQLITE_STORAGE_MESSAGES):
            return StorageError(f"cannot write the job store: {seen}; free some space or make the vault "
                                "writable, then run `tubenotes resume`")
        seen = seen.__cause__ or seen.__context__
    return None


def _writing_failed(exc: BaseException) -> bool:
    """Whether ``exc`` is a file system's refusal to write (no space, read-only, no permission on a path)."""
    if not isinstance(exc, OSError) or isinstance(exc, _NETWORK_ERRORS):
        return False
    return exc.errno in _STORAGE_ERRNOS or (exc.errno in _PATH_ERRNOS and exc.filename is not None)


class CostCapReached(StorageError):
    """Like a full disk, no job's fault: the batch stops before the call or batch that would pass the cap,
    and every job keeps its checkpoint for `tubenotes resume`."""

    kind = "cost_cap"


class StoreError(TubenotesError):
    kind = "store"


class JobError(TubenotesError):
    kind = "job"


class PermanentError(JobError):
    kind = "permanent"


class EmptyTranscriptError(PermanentError):
    kind = "empty_transcript"


class GenerationError(PermanentError):
    kind = "generation"


class TransientError(JobError):
    kind = "transient"
    retryable = True


class BlockedError(TransientError):
    kind = "blocked"


class ExportError(JobError):
    kind = "export"
    retryable = True
