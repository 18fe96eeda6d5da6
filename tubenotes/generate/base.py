"""What a generator is: something that turns a fetched job into notes or an assessment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from tubenotes.job import TokenUsage

if TYPE_CHECKING:
    from tubenotes.job import VideoProcessingJob


@dataclass
class Generation:
    """One generated document and what it cost."""

    text: str
    generator: str  # "offline" or "provider:model"
    usage: TokenUsage = field(default_factory=TokenUsage)


class NotesGenerator(Protocol):
    def generate_notes(self, job: VideoProcessingJob) -> Generation: ...


class AssessmentGenerator(Protocol):
    def generate_assessment(self, job: VideoProcessingJob) -> Generation: ...
