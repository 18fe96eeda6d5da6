"""tubenotes: lecture videos and transcripts into an Obsidian study vault.

The pipeline follows the seed document: a `VideoProcessingJob` carries all
state through four stage functions, each idempotent, and a
`TorExitNodePool` lends exit nodes to the fetch stage. `make_notes` runs a
whole batch as the CLI does; `build_stages` is the one composition of the
stages that the CLI, `process_video_pipeline` and the workers share.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Each public name and the module it lives in. They are imported on first use, so that
# `tubenotes --help` or `status` does not pay for yt-dlp, stem and the PDF engine.
_EXPORTS = {
    "BlockedError": "tubenotes.errors",
    "build_stages": "tubenotes.stages",
    "Chapter": "tubenotes.job",
    "Components": "tubenotes.pipeline",
    "ConfigurationError": "tubenotes.errors",
    "EmptyTranscriptError": "tubenotes.errors",
    "Executor": "tubenotes.executors",
    "export_pdfs": "tubenotes.pipeline",
    "ExportError": "tubenotes.errors",
    "fetch_transcript_and_title": "tubenotes.pipeline",
    "generate_notes_and_assessment": "tubenotes.pipeline",
    "Generation": "tubenotes.job",
    "GenerationError": "tubenotes.errors",
    "InputError": "tubenotes.errors",
    "JobError": "tubenotes.errors",
    "JobStore": "tubenotes.store",
    "LocalExecutor": "tubenotes.executors",
    "make_notes": "tubenotes.api",
    "MemoryStore": "tubenotes.store",
    "next_stage": "tubenotes.pipeline",
    "PermanentError": "tubenotes.errors",
    "process_video_pipeline": "tubenotes.pipeline",
    "ProcessingStage": "tubenotes.job",
    "RunResult": "tubenotes.executors",
    "Settings": "tubenotes.config",
    "SourceKind": "tubenotes.job",
    "SqliteStore": "tubenotes.store",
    "Stages": "tubenotes.stages",
    "TokenUsage": "tubenotes.job",
    "TorExitNodePool": "tubenotes.network",
    "TranscriptSegment": "tubenotes.job",
    "TransientError": "tubenotes.errors",
    "TubenotesError": "tubenotes.errors",
    "VaultOptions": "tubenotes.config",
    "VideoProcessingJob": "tubenotes.job",
    "write_files": "tubenotes.pipeline",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
