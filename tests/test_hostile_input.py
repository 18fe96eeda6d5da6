"""Inputs a hostile or careless user gives: each gets a clear reason, and the rest of the batch goes on."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.cli import run_cli
from tubenotes.errors import PermanentError
from tubenotes.inputs import jobs_from_inputs
from tubenotes.job import ProcessingStage, SourceKind
from tubenotes.plaintext import INVISIBLE
from tubenotes.sources.local import MAX_TRANSCRIPT_BYTES, LocalTranscriptFile

SRT = "1\n00:00:01,000 --> 00:00:04,000\nEntropy measures the number of microstates.\n"
PARAGRAPH = "heat " * 60  # one line of 300 bytes: longer than a file name may be


def test_a_transcript_whose_first_line_is_longer_than_a_file_name_is_read_as_a_transcript(tmp_path: Path) -> None:
    prose = tmp_path / "p.txt"
    prose.write_text(PARAGRAPH + "\n")
    (tmp_path / "ok.srt").write_text(SRT)
    jobs = jobs_from_inputs([str(prose), str(tmp_path / "ok.srt")])
    assert [job.source for job in jobs] == [SourceKind.FILE, SourceKind.FILE]
    assert all(job.stage is not ProcessingStage.FAILED for job in jobs)


def test_an_input_too_long_or_with_a_nul_byte_fails_alone(tmp_path: Path) -> None:
    (tmp_path / "ok.srt").write_text(SRT)
    jobs = jobs_from_inputs([PARAGRAPH, "a\x00b.srt", str(tmp_path / "ok.srt")])
    assert [job.stage is ProcessingStage.FAILED for job in jobs] == [True, True, False]


@pytest.mark.slow
def test_the_cli_runs_the_batch_when_a_transcript_starts_with_a_long_line(tmp_path: Path) -> None:
    (tmp_path / "p.txt").write_text((PARAGRAPH + "\n") * 3)
    (tmp_path / "ok.srt").write_text(SRT)
    result = run_cli("run", "p.txt", "ok.srt", "--vault", "vault", "--no-pdf", cwd=tmp_path)
    assert "Traceback" not in result.stderr and "File name too long" not in result.stdout + result.stderr
    # the paragraph becomes notes; the one-line file is too short to study from, and says so
    assert "1 completed, 1 failed" in result.stdout and "too few to study from" in result.stdout


def test_a_missing_file_is_reported_as_missing(tmp_path: Path) -> None:
    [job] = jobs_from_inputs([str(tmp_path / "x.srt")])
    assert job.stage is ProcessingStage.FAILED
    assert "no such file" in job.error_message and "YouTube" not in job.error_message


def test_a_list_with_a_missing_entry_stays_a_list(tmp_path: Path) -> None:
    (tmp_path / "lecture.en.srt").write_text(SRT)
    listing = tmp_path / "inputs.txt"
    listing.write_text("lecture.en.srt\nmissing.srt\nhttps://youtu.be/dQw4w9WgXcQ\n")
    jobs = jobs_from_inputs([str(listing)])
    assert [job.source for job in jobs] == [SourceKind.FILE, SourceKind.YOUTUBE, SourceKind.YOUTUBE]
    missing = jobs[1]
    assert missing.stage is ProcessingStage.FAILED and "no such file" in missing.error_message
    assert missing.error_message.startswith(f"missing.srt, listed in {listing}: no such file or folder")


@pytest.mark.slow
def test_a_missing_path_in_a_list_is_named_as_the_list_writes_it(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "inputs.txt").write_text("lists/gone.srt\n")
    result = run_cli("run", "lists/inputs.txt", "--vault", "vault", "--no-pdf", cwd=tmp_path, env={**os.environ,
                     "COLUMNS": "200"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "lists/gone.srt, listed in lists/inputs.txt: no such file or folder" in result.stdout, result.stdout
    assert "lists/lists" not in result.stdout


@pytest.mark.timeout(30)
def test_a_fifo_fails_its_job_instead_of_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "lecture.srt"
    os.mkfifo(fifo)
    [job] = jobs_from_inputs([str(fifo)])
    with pytest.raises(PermanentError, match="not a regular file \\(a named pipe\\)"):
        LocalTranscriptFile(job.source_path).get_transcript(job.video_id)


@pytest.mark.timeout(30)
def test_a_symlink_to_an_endless_device_fails_its_job(tmp_path: Path) -> None:
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    [job] = jobs_from_inputs([str(link)])
    with pytest.raises(PermanentError, match="character device"):
        LocalTranscriptFile(job.source_path).get_transcript(job.video_id)


@pytest.mark.timeout(60)
def test_a_transcript_past_the_size_limit_is_refused_with_the_limit(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as file:  # sparse: no disk space used
        file.truncate(MAX_TRANSCRIPT_BYTES + 1)
    [job] = jobs_from_inputs([str(huge)])
    with pytest.raises(PermanentError, match=f"larger than {MAX_TRANSCRIPT_BYTES // 2**20} MB"):
        LocalTranscriptFile(job.source_path).get_transcript(job.video_id)


@pytest.mark.slow
def test_control_and_bidi_characters_in_a_title_reach_no_file_name_and_no_note(tmp_path: Path) -> None:
    words = " ".join(["Heat flows from the hot body to the cold one, and work is done on the way."] * 6)
    (tmp_path / "lecture.en.srt").write_text(f"1\n00:00:01,000 --> 00:00:09,000\n{words}\n")
    title = "Heat\x00 and \u202eWork\u2066\n\x1b part\u200f 2\x85"
    info = {"id": "dQw4w9WgXcQ", "title": title, "channel": "Hall\x07\u202d", "duration": 9,
            "chapters": [{"start_time": 0, "title": "Intro\x00\u2067"}]}
    (tmp_path / "lecture.info.json").write_text(json.dumps(info))
    result = run_cli("run", "lecture.en.srt", "--vault", "vault", "--no-pdf", "--subject", "Phys\u202eics\x07",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    files = [path for path in (tmp_path / "vault").rglob("*") if ".tubenotes" not in path.parts]
    assert any(path.name == "Heat and Work part 2.md" for path in files)
    assert [path for path in files if INVISIBLE.search(path.name)] == []
    notes = {path.name: path.read_text(encoding="utf-8") for path in files if path.suffix == ".md"}
    hidden = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # line breaks are fine
    assert len(notes) >= 3 and {name for name, text in notes.items() if hidden.search(text)} == set()
    note = notes["Heat and Work part 2.md"]
    assert "title: Heat and Work part 2\n" in note and "channel: Hall\n" in note and "subject: Physics\n" in note
