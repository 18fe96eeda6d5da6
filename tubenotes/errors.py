"""The exceptions tubenotes raises, one class per cause.

    TubenotesError                 root: every expected failure
    ├── ConfigurationError         bad flags, settings or environment (exit code 2)
    ├── InputError                 an input that names no video or transcript
    ├── StoreError                 the vault's store cannot be read, or vanished during a run (exit code 1)
    └── JobError                   one job cannot go on; the batch continues
        ├── PermanentError         retrying cannot help (no captions, private video, bad file)
        │   ├── EmptyTranscriptError
        │   └── GenerationError    the generator gave no usable answer
        ├── TransientError         may work later (network, 5xx, rate limit)
        │   └── BlockedError       the exit address is blocked: rotate the node
        └── ExportError            a file could not be written or typeset

Every message says what happened and, where there is one, what to do.
A job that fails stores `kind` (the class's ``kind``) and the message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tubenotes.job import TokenUsage


class TubenotesError(Exception):
    """Root of every expected tubenotes failure."""

    kind = "error"
    # Whether running the same input again may succeed: `run` retries such failed jobs by itself.
    retryable = False
    # What an LLM was paid before the failure (set by the generator), so a job's cost stays true.
    usage: TokenUsage | None = None


class ConfigurationError(TubenotesError):
    kind = "configuration"


class InputError(TubenotesError):
    kind = "input"


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
