"""What a generator is: something that turns a fetched job into notes or an assessment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tubenotes.job import Generation, VideoProcessingJob


class NotesGenerator(Protocol):
    def generate_notes(self, job: VideoProcessingJob) -> Generation: ...


class AssessmentGenerator(Protocol):
    def generate_assessment(self, job: VideoProcessingJob) -> Generation: ...
