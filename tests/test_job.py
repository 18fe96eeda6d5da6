"""The job: lossless JSON round trip, what-is-done predicates, transitions."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tubenotes.job import (
    PATH_FIELDS,
    STAGE_NAMES,
    Chapter,
    ProcessingStage,
    Slide,
    SourceKind,
    TokenUsage,
    TranscriptSegment,
    VideoProcessingJob,
)

text = st.text(max_size=40)
optional_text = st.none() | text
seconds = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
paths = st.none() | st.builds(Path, st.from_regex(r"/[a-z]{1,8}(/[A-Za-z0-9 _.]{1,12}){0,3}", fullmatch=True))

# A strategy for every field of the job (a test checks that none is missing).
FIELDS = dict(
    url=text,
    video_id=st.from_regex(r"[A-Za-z0-9_-]{11}", fullmatch=True),
    source=st.sampled_from(SourceKind),
    source_path=paths,
    subject=text,
    language=optional_text,
    position=st.integers(0, 10**6),
    transcript=optional_text,
    video_title=optional_text,
    segments=st.lists(st.builds(TranscriptSegment, seconds, seconds, text), max_size=5),
    chapters=st.lists(st.builds(Chapter, seconds, text), max_size=3),
    transcript_track=optional_text,
    youtube_id=st.none() | st.from_regex(r"[A-Za-z0-9_-]{11}", fullmatch=True),
    channel=optional_text,
    duration_seconds=st.none() | seconds,
    upload_date=optional_text,
    description=optional_text,
    audio_path=paths,
    slides=st.none() | st.lists(st.builds(Slide, seconds, seconds, text, st.lists(text, max_size=3), optional_text),
                                max_size=3),
    video_path=paths,
    study_notes=optional_text,
    assessment_content=optional_text,
    generator=optional_text,
    token_usage=st.builds(TokenUsage, st.integers(0, 99), st.integers(0, 10**6), st.integers(0, 10**6), seconds),
    output_dir=paths,
    notes_filepath=paths,
    assessment_filepath=paths,
    pdf_subdir=paths,
    notes_pdf_path=paths,
    assessment_pdf_path=paths,
    stage=st.sampled_from(ProcessingStage),
    failed_stage=st.none() | st.sampled_from(ProcessingStage),
    exit_node_id=st.none() | st.integers(0, 64),
    exit_node_acquired_at=st.none() | seconds,
    workers=st.dictionaries(st.sampled_from(STAGE_NAMES), text, max_size=4),
    timings=st.dictionaries(text, seconds, max_size=4),
    attempts=st.dictionaries(text, st.integers(0, 9), max_size=3),
    warnings=st.lists(text, max_size=3),
    error_kind=optional_text,
    error_message=optional_text,
    error_retryable=st.booleans(),
    regeneration=st.integers(0, 99),
    created_at=seconds,
    completed_at=st.none() | seconds,
)
jobs = st.builds(VideoProcessingJob, **FIELDS)


def test_the_round_trip_strategy_covers_every_field_of_the_job() -> None:
    assert set(FIELDS) == {field.name for field in dataclasses.fields(VideoProcessingJob)}


@pytest.mark.slow
@given(jobs)
def test_json_round_trip_is_lossless(job: VideoProcessingJob) -> None:
    again = VideoProcessingJob.from_json(job.to_json())
    assert again == job
    assert again.to_json() == job.to_json()


@pytest.mark.slow
@given(jobs)
def test_a_job_saved_relative_to_its_vault_means_the_same_in_a_moved_vault(job: VideoProcessingJob) -> None:
    old, new = Path("/a"), Path("/elsewhere/b")
    moved = VideoProcessingJob.from_json(job.to_json(old), new)
    for name in PATH_FIELDS:
        before, after = getattr(job, name), getattr(moved, name)
        if before is None or not before.is_relative_to(old):
            assert after == before  # outside the vault (an input file): kept as it is
        else:
            assert after == new / before.relative_to(old)


def test_unknown_fields_from_a_newer_version_are_ignored() -> None:
    data = VideoProcessingJob(url="u", video_id="abcdefghijk").to_dict()
    data["field_from_the_future"] = 1
    assert VideoProcessingJob.from_dict(data).video_id == "abcdefghijk"


def test_done_stage_follows_the_data_not_the_label(tmp_path: Path) -> None:
    job = VideoProcessingJob(url="u", video_id="abcdefghijk", stage=ProcessingStage.EXPORTING_PDFS)
    assert job.done_stage() is ProcessingStage.CREATED
    job.transcript, job.video_title = "words " * 50, "T"
    assert job.done_stage() is ProcessingStage.TRANSCRIPT_FETCHED
    job.study_notes = "notes"
    assert job.done_stage() is ProcessingStage.NOTES_GENERATED
    job.assessment_content = "quiz"
    assert job.done_stage() is ProcessingStage.ASSESSMENT_GENERATED
    job.notes_filepath = tmp_path / "T.md"
    assert job.done_stage() is ProcessingStage.ASSESSMENT_GENERATED  # the assessment is not written yet
    job.assessment_filepath = tmp_path / "Assessment_T.md"
    # The write stage sets the paths once the files are written; a file the user deleted since stays written.
    assert job.done_stage() is ProcessingStage.FILES_WRITTEN
    job.notes_pdf_path = tmp_path / "T.pdf"
    assert job.done_stage() is ProcessingStage.FILES_WRITTEN  # the assessment's PDF is not made yet
    job.assessment_pdf_path = tmp_path / "Assessment_T.pdf"
    assert job.done_stage() is ProcessingStage.COMPLETED  # by the recorded paths, as for the notes


def test_failure_remembers_where_and_retry_goes_back_to_the_checkpoint() -> None:
    job = VideoProcessingJob(url="u", video_id="abcdefghijk")
    job.transcript, job.video_title = "words " * 50, "T"
    job.set_stage(ProcessingStage.GENERATING_NOTES)
    job.mark_failed("model said no", "generation")
    assert (job.stage, job.failed_stage, job.error_kind) == (
        ProcessingStage.FAILED, ProcessingStage.GENERATING_NOTES, "generation")
    job.reset_for_retry()
    assert job.stage is ProcessingStage.TRANSCRIPT_FETCHED
    assert job.error_message is None and job.failed_stage is None


def test_regeneration_goes_back_to_the_start_and_counts() -> None:
    job = VideoProcessingJob(url="u", video_id="abcdefghijk", stage=ProcessingStage.COMPLETED)
    job.transcript, job.video_title, job.study_notes, job.assessment_content = "words " * 50, "T", "n", "a"
    job.notes_filepath, job.notes_pdf_path = Path("/v/T.md"), Path("/v/pdfs/T.pdf")
    job.reset_for_regeneration()
    assert job.regeneration == 1 and job.done_stage() is ProcessingStage.CREATED
    assert job.stage is ProcessingStage.CREATED and job.notes_filepath is None and job.notes_pdf_path is None
    assert job.video_title == "T"  # shown until the new fetch says otherwise


def test_youtube_urls_and_summary() -> None:
    job = VideoProcessingJob(url="u", video_id="dQw4w9WgXcQ", video_title="T")
    job.record_timing("fetch", 1.5)
    job.record_timing("generate_notes", 2.0)
    assert job.get_youtube_url() == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert job.timestamp_url(83.9) == "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=83s"
    summary = job.get_summary()
    assert summary["duration"] == 3.5
    assert {"video_id", "title", "subject", "stage", "duration", "timings", "error"} <= summary.keys()
    local = VideoProcessingJob(url="file:///x.vtt", video_id="file-abc", source=SourceKind.FILE)
    assert local.get_youtube_url() is None and local.timestamp_url(3) is None


def test_transcript_data_keeps_the_seed_shape() -> None:
    job = VideoProcessingJob(url="u", video_id="abcdefghijk")
    job.transcript_data = {
        "transcript": "hello world",
        "segments": [{"start": 0, "duration": 1.5, "text": "hello world"}],
        "language": "en",
        "track": "en (manual)",
    }
    assert job.transcript == "hello world"
    assert job.segments == [TranscriptSegment(0.0, 1.5, "hello world")]
    assert job.transcript_data["track"] == "en (manual)"
