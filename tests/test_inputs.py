"""From what the user typed to jobs: lists of inputs, folders, duplicates, and inputs that name nothing."""

from __future__ import annotations

from pathlib import Path

from tubenotes.inputs import jobs_from_inputs
from tubenotes.job import ProcessingStage, SourceKind

VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nEntropy measures the number of microstates.\n"


def test_a_list_of_inputs_with_comments_and_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "lecture.en.vtt").write_text(VTT)
    listing = tmp_path / "inputs.txt"
    listing.write_text("# my course\nhttps://youtu.be/dQw4w9WgXcQ?t=30  # first\n\nlecture.en.vtt\n"
                       "https://www.youtube.com/watch?v=dQw4w9WgXcQ#t=5\n")
    jobs = jobs_from_inputs([str(listing)], subject="Physics")
    assert [(job.video_id, job.source) for job in jobs] == [
        ("dQw4w9WgXcQ", SourceKind.YOUTUBE), (jobs[1].video_id, SourceKind.FILE)]
    assert jobs[1].source_path == (tmp_path / "lecture.en.vtt").resolve() and jobs[1].language == "en"
    assert [job.position for job in jobs] == [0, 1] and {job.subject for job in jobs} == {"Physics"}


def test_lists_that_name_each_other_fail_instead_of_looping(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("b.txt\n")
    (tmp_path / "b.txt").write_text("a.txt\nhttps://youtu.be/dQw4w9WgXcQ\n")
    jobs = jobs_from_inputs([str(tmp_path / "a.txt")])
    failed = [job for job in jobs if job.stage is ProcessingStage.FAILED]
    assert len(failed) == 1 and "names itself" in failed[0].error_message
    assert any(job.video_id == "dQw4w9WgXcQ" for job in jobs)


def test_a_text_file_of_prose_is_a_transcript(tmp_path: Path) -> None:
    notes = tmp_path / "lecture.txt"
    notes.write_text("Today we study entropy. It always grows in an isolated system.\n")
    [job] = jobs_from_inputs([str(notes)])
    assert job.source is SourceKind.FILE and job.subject == "General"


def test_folder_subjects_and_bad_inputs_keep_the_batch_going(tmp_path: Path) -> None:
    (tmp_path / "Chemistry").mkdir()
    (tmp_path / "Chemistry" / "bonds.vtt").write_text(VTT)
    (tmp_path / "empty").mkdir()
    jobs = jobs_from_inputs([str(tmp_path), "not a url", str(tmp_path / "empty"), str(tmp_path)])
    assert [job.subject for job in jobs if job.source is SourceKind.FILE] == ["Chemistry"]  # once, not twice
    reasons = [job.error_message for job in jobs if job.stage is ProcessingStage.FAILED]
    assert len(reasons) == 2 and "not a url" in reasons[0] and "no transcript files" in reasons[1]


def test_a_path_under_the_home_of_a_user_who_does_not_exist_fails_that_input_only() -> None:
    """``~nobody0/x.srt``: pathlib raises RuntimeError, not OSError, when it finds no such home folder."""
    jobs = jobs_from_inputs(["~tubenotes-no-such-user/lecture.srt", "~tubenotes-no-such-user"])
    assert [job.stage for job in jobs] == [ProcessingStage.FAILED, ProcessingStage.FAILED]
