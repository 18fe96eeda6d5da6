"""tubenotes: lecture videos and transcripts into an Obsidian study vault.

The pipeline follows the seed document: a `VideoProcessingJob` carries all
state through four stage functions, each idempotent, and a
`TorExitNodePool` lends exit nodes to the fetch stage.
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
from tubenotes.job import Chapter, ProcessingStage, SourceKind, TokenUsage, TranscriptSegment, VideoProcessingJob
from tubenotes.network import TorExitNodePool
from tubenotes.pipeline import (
    export_pdfs,
    fetch_transcript_and_title,
    generate_notes_and_assessment,
    process_video_pipeline,
    write_files,
)
from tubenotes.runner import PipelineRunner, RunResult, Step
from tubenotes.store import JobStore

__version__ = "0.1.0"

__all__ = [
    "BlockedError",
    "Chapter",
    "ConfigurationError",
    "EmptyTranscriptError",
    "ExportError",
    "GenerationError",
    "InputError",
    "JobError",
    "JobStore",
    "PermanentError",
    "PipelineRunner",
    "ProcessingStage",
    "RunResult",
    "SourceKind",
    "Step",
    "TokenUsage",
    "TorExitNodePool",
    "TranscriptSegment",
    "TransientError",
    "TubenotesError",
    "VideoProcessingJob",
    "export_pdfs",
    "fetch_transcript_and_title",
    "generate_notes_and_assessment",
    "process_video_pipeline",
    "write_files",
]
