"""A large folder: the output stays a summary, whatever the number of lectures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.conftest import LECTURE
from tubenotes.progress import FAILURES_NAMED, SUMMARY_ABOVE


@pytest.mark.slow
def test_a_large_batch_prints_a_summary_not_a_line_per_job(tmp_path: Path) -> None:
    folder = tmp_path / "Physics"
    folder.mkdir()
    lectures, empty = SUMMARY_ABOVE + 20, 40
    for number in range(lectures):
        cues = [f"00:00:{i * 4:02d}.000 --> 00:00:{i * 4 + 3:02d}.000\n{line} ({number})\n"
                for i, line in enumerate(LECTURE[:8])]
        (folder / f"lecture {number:03d}.en.vtt").write_text("WEBVTT\n\n" + "\n".join(cues))
    for number in range(empty):
        (folder / f"empty {number:02d}.en.srt").write_text("\n" * (number + 1))  # distinct files
    result = run_cli("run", str(folder), "--vault", str(tmp_path / "vault"), "--model", "offline", "--no-pdf",
                     "--no-anki", cwd=tmp_path, env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines() + result.stderr.splitlines()
    assert len([line for line in lines if "FAILED" in line]) == FAILURES_NAMED
    assert not any(": ok " in line for line in lines)
    assert f"{lectures + empty}/{lectures + empty} jobs finished, {empty} failed" in result.stdout
    assert f"the first 30 of the {empty} job(s) not completed" in result.stdout
    assert f"{lectures} completed, {empty} failed" in result.stdout
    assert len(lines) < 250, len(lines)  # a line a step would be 3 * 260, and the table's rows 2 * 40
