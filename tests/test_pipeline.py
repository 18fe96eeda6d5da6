"""The four stage functions: each alone on a job loaded from JSON, each idempotent."""

from __future__ import annotations

import os

import pytest
import yaml

from tests.conftest import LECTURE, CountingGenerator
from tubenotes.errors import EmptyTranscriptError, PermanentError
from tubenotes.job import ProcessingStage, SourceKind, VideoProcessingJob
from tubenotes.network import DirectNetwork, TorExitNodePool
from tubenotes.pipeline import (
    Components,
    export_pdfs,
    fetch_transcript_and_title,
    generate_notes_and_assessment,
    process_video_pipeline,
    write_files,
)
from tubenotes.sources.local import LocalTranscriptFile
from tubenotes.vault.writer import VaultWriter
from tubenotes.vault.frontmatter import read_front_matter


def via_json(job: VideoProcessingJob) -> VideoProcessingJob:
    return VideoProcessingJob.from_json(job.to_json())


def fresh_job() -> VideoProcessingJob:
    return VideoProcessingJob(url="https://www.youtube.com/watch?v=abcdefghijk", video_id="abcdefghijk",
                              subject="Physics")


def test_the_seed_testability_example_runs_as_written(processor) -> None:
    job = VideoProcessingJob(url="...", video_id="abc")
    job = fetch_transcript_and_title(job, processor, 0)
    assert job.has_transcript()
    assert job.stage == ProcessingStage.TRANSCRIPT_FETCHED
    assert job.video_title == "The First Law of Thermodynamics"
    assert job.segments[1].start == 7.0 and job.exit_node_id == 0
    assert job.duration_seconds == 84.0


def test_fetch_is_skipped_when_done(processor) -> None:
    job = via_json(fetch_transcript_and_title(fresh_job(), processor, 0))
    again = fetch_transcript_and_title(job, processor, 1)
    assert processor.calls == ["abcdefghijk"]
    assert again.exit_node_id == 0


def test_a_transcript_too_short_to_study_fails_before_generation() -> None:
    class Stub:
        def get_transcript(self, video_id):
            return {"transcript": "[Music] [Applause]"}

        def get_video_title(self, video_id):
            return "Song"

    job = fetch_transcript_and_title(fresh_job(), Stub(), 0)  # the fetch records what it fetched
    assert job.stage is ProcessingStage.TRANSCRIPT_FETCHED
    generator = CountingGenerator()
    with pytest.raises(EmptyTranscriptError, match="too few to study"):
        generate_notes_and_assessment(job, generator, generator)
    assert generator.calls == []


def test_generate_alone_from_json_and_idempotent(processor, generator) -> None:
    job = via_json(fetch_transcript_and_title(fresh_job(), processor, 0))
    job = via_json(generate_notes_and_assessment(job, generator, generator))
    assert job.stage is ProcessingStage.ASSESSMENT_GENERATED and job.generator == "counting"
    assert job.has_notes() and job.has_assessment()
    generate_notes_and_assessment(job, generator, generator)
    assert generator.calls == ["notes:abcdefghijk", "assessment:abcdefghijk"]
    assert set(job.timings) >= {"fetch", "generate_notes", "generate_assessment"}


def test_a_half_generated_job_generates_only_the_missing_part(processor, generator) -> None:
    job = fetch_transcript_and_title(fresh_job(), processor, 0)
    job = generate_notes_and_assessment(job, generator, None)
    assert job.stage is ProcessingStage.NOTES_GENERATED and not job.has_assessment()
    job = generate_notes_and_assessment(via_json(job), generator, generator)
    assert generator.calls == ["notes:abcdefghijk", "assessment:abcdefghijk"]


def generated(processor, generator) -> VideoProcessingJob:
    job = fetch_transcript_and_title(fresh_job(), processor, 0)
    return via_json(generate_notes_and_assessment(job, generator, generator))


def test_write_alone_links_both_notes_and_writes_nothing_twice(tmp_path, processor, generator) -> None:
    out = tmp_path / "Physics"
    job = via_json(write_files(generated(processor, generator), out, lambda title: title))
    assert job.notes_filepath == out / "The First Law of Thermodynamics.md"
    assert job.assessment_filepath == out / "Assessment_The First Law of Thermodynamics.md"
    notes, quiz = job.notes_filepath.read_text(), job.assessment_filepath.read_text()
    meta = read_front_matter(notes)
    assert meta["title"] == "The First Law of Thermodynamics" and meta["subject"] == "Physics"
    assert meta["source"] == "https://www.youtube.com/watch?v=abcdefghijk" and "created" in meta
    assert "[[Physics/Assessment_The First Law of Thermodynamics|Assessment]]" in notes
    assert "[[Physics/The First Law of Thermodynamics|The First Law of Thermodynamics]]" in quiz
    before = os.stat(job.notes_filepath).st_mtime_ns
    write_files(job, out, lambda title: title)
    assert os.stat(job.notes_filepath).st_mtime_ns == before


def test_front_matter_is_valid_yaml_for_a_hostile_title(tmp_path, processor, generator) -> None:
    processor.title = '- "Quotes": colons: #tags & emoji 🎓 --- [[brackets]]'
    job = write_files(generated(processor, generator), tmp_path)
    text = job.notes_filepath.read_text()
    assert yaml.safe_load(text.split("---\n")[1])["title"] == processor.title


def test_two_videos_with_one_title_get_two_files(tmp_path, processor, generator) -> None:
    first = write_files(generated(processor, generator), tmp_path)
    other = fetch_transcript_and_title(
        VideoProcessingJob(url="u", video_id="zzzzzzzzzzz", subject="Physics"), processor, 0)
    other = write_files(generate_notes_and_assessment(other, generator, generator), tmp_path)
    assert first.notes_filepath != other.notes_filepath
    assert other.notes_filepath.name == "The First Law of Thermodynamics (zzzzzzzzzzz).md"
    assert "abcdefghijk" in first.notes_filepath.read_text()


def test_export_alone_from_json_and_idempotent(tmp_path, processor, generator, exporter) -> None:
    job = via_json(write_files(generated(processor, generator), tmp_path / "Physics"))
    job = via_json(export_pdfs(job, exporter))
    assert job.stage is ProcessingStage.COMPLETED and job.completed_at
    assert job.notes_pdf_path == tmp_path / "Physics" / "pdfs" / "The First Law of Thermodynamics.pdf"
    assert job.assessment_pdf_path.exists()
    export_pdfs(job, exporter)
    assert len(exporter.calls) == 2


def test_process_video_pipeline_end_to_end_and_failure_as_data(tmp_path, processor, generator, exporter) -> None:
    pool = TorExitNodePool(1, DirectNetwork())
    components = Components(notes_generator=generator, assessment_generator=generator,
                            vault=VaultWriter(tmp_path), pdf_exporter=exporter,
                            youtube_source=lambda proxy_url: processor)
    job = process_video_pipeline(fresh_job(), pool, components)
    assert job.stage is ProcessingStage.COMPLETED and job.exit_node_id == 0
    assert job.notes_filepath == tmp_path / "Physics" / "The First Law of Thermodynamics.md"
    assert job.notes_pdf_path is not None and job.notes_pdf_path.exists()
    assert pool.stats()[0]["in_use"] is False

    class NoCaptions:
        def get_transcript(self, video_id):
            raise PermanentError("no captions")

        def get_video_title(self, video_id):
            return "x"

    components.youtube_source = lambda proxy_url: NoCaptions()
    failed = process_video_pipeline(fresh_job(), pool, components)
    assert failed.stage is ProcessingStage.FAILED and failed.error_message == "no captions"
    assert failed.error_kind == "permanent" and failed.failed_stage is ProcessingStage.FETCHING_TRANSCRIPT
    assert pool.stats()[0]["in_use"] is False


def test_a_local_transcript_of_a_youtube_video_links_back_to_it(tmp_path) -> None:
    cues = [f"00:00:{i * 4:02d}.000 --> 00:00:{i * 4 + 3:02d}.000\n{line}\n" for i, line in enumerate(LECTURE)]
    (tmp_path / "lecture.en.vtt").write_text("WEBVTT\n\n" + "\n".join(cues))
    (tmp_path / "lecture.info.json").write_text('{"id": "dQw4w9WgXcQ", "title": "Downloaded with yt-dlp"}')
    job = VideoProcessingJob(url="file:///lecture.en.vtt", video_id="file-123", source=SourceKind.FILE)
    job = fetch_transcript_and_title(job, LocalTranscriptFile(tmp_path / "lecture.en.vtt"), None)
    assert job.get_youtube_url() == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert job.timestamp_url(8) == "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=8s"
    (tmp_path / "lecture.info.json").unlink()
    plain = VideoProcessingJob(url="u", video_id="file-456", source=SourceKind.FILE)
    plain = fetch_transcript_and_title(plain, LocalTranscriptFile(tmp_path / "lecture.en.vtt"), None)
    assert plain.get_youtube_url() is None and plain.timestamp_url(8) is None
