"""tubenotes: lecture videos and transcripts into an Obsidian study vault.

The pipeline follows the seed document: a `VideoProcessingJob` carries all
state through four stage functions, each idempotent, and a
`TorExitNodePool` lends exit nodes to the fetch stage. `make_notes` runs a
whole batch as the CLI does; `build_stages` is the one composition of the
stages that the CLI, `process_video_pipeline` and the workers share.
"""

from tubenotes.errors import (
    BlockedError,
    ConfigurationError,
    EmptyTranscriptError,
    ExportError,
    GenerationError,
    InputError,
    JobError,
    PermanentError,
    TransientError,
    TubenotesError,
)
from tubenotes.api import make_notes
from tubenotes.config import Settings
from tubenotes.executors import Executor, LocalExecutor, RunResult
from tubenotes.job import (
    Chapter,
    Generation,
    ProcessingStage,
    SourceKind,
    TokenUsage,
    TranscriptSegment,
    VideoProcessingJob,
)
from tubenotes.network import TorExitNodePool
from tubenotes.pipeline import (
    Components,
    export_pdfs,
    fetch_transcript_and_title,
    generate_notes_and_assessment,
    next_stage,
    process_video_pipeline,
    write_files,
)
from tubenotes.stages import Stages, VaultOptions, build_stages
from tubenotes.store import JobStore, MemoryStore, SqliteStore

__version__ = "0.1.0"

__all__ = [
    "BlockedError",
    "Chapter",
    "Components",
    "ConfigurationError",
    "EmptyTranscriptError",
    "Executor",
    "ExportError",
    "Generation",
    "GenerationError",
    "InputError",
    "JobError",
    "JobStore",
    "LocalExecutor",
    "MemoryStore",
    "PermanentError",
    "ProcessingStage",
    "RunResult",
    "Settings",
    "SourceKind",
    "SqliteStore",
    "Stages",
    "TokenUsage",
    "TorExitNodePool",
    "TranscriptSegment",
    "TransientError",
    "TubenotesError",
    "VaultOptions",
    "VideoProcessingJob",
    "build_stages",
    "export_pdfs",
    "fetch_transcript_and_title",
    "generate_notes_and_assessment",
    "make_notes",
    "next_stage",
    "process_video_pipeline",
    "write_files",
]
