"""Kill -9 at random moments, then resume: every job completes, files are intact, nothing is generated twice."""

from __future__ import annotations

import json
import os
import random
import signal
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.cli import run_cli, start_cli
from tests.conftest import LECTURE
from tubenotes.store import SqliteStore
from tubenotes.vault.files import TEMP_SUFFIX
from tubenotes.vault.frontmatter import read_front_matter

TOPICS = ["Entropy", "Enthalpy", "Heat Engines", "Refrigerators", "Phase Changes", "Kinetic Theory",
          "Carnot Cycle", "Ideal Gases"]


def make_transcripts(folder: Path) -> None:
    folder.mkdir(parents=True)
    rng = random.Random(7)
    for number, topic in enumerate(TOPICS):
        lines = []
        for i in range(60):
            sentence = rng.choice(LECTURE).replace("thermodynamics", topic.lower())
            start = i * 6.0
            lines.append(f"{i + 1}\n{_srt(start)} --> {_srt(start + 5.5)}\n{sentence}\n")
        (folder / f"{number:02d} {topic}.srt").write_text("\n".join(lines), encoding="utf-8")


def _srt(seconds: float) -> str:
    ms = int(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_sigkill_at_random_moments_then_resume(tmp_path: Path) -> None:
    lectures, vault = tmp_path / "lectures", tmp_path / "vault"
    make_transcripts(lectures)
    rng = random.Random(20261128)
    kills = 0
    # Killed after a random number of finished steps, not after a random delay: the moments
    # are the same on a fast machine and a slow one. 8 jobs take 32 steps; 3 kills at most 24.
    for steps in (rng.randint(1, 8), rng.randint(1, 8), rng.randint(1, 8)):
        process = start_cli("run", str(lectures), "--subject", "Physics", "--vault", str(vault))
        assert process.stdout is not None
        seen = 0
        for line in process.stdout:
            seen += line.startswith("[")
            if seen == steps:
                os.kill(process.pid, signal.SIGKILL)
                kills += 1
                break
        process.wait(timeout=60)
        process.stdout.close()
    assert kills == 3, "a run finished before its kill: the test proved less than it says"

    process = start_cli("resume", "--vault", str(vault), "--quiet")
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output

    status = run_cli("status", "--vault", str(vault), "--json", check=True)
    jobs = json.loads(status.stdout)
    assert len(jobs) == len(TOPICS)
    assert {job["stage"] for job in jobs} == {"completed"}
    for job in jobs:
        for key in ("notes_file", "assessment_file"):
            text = Path(job[key]).read_text(encoding="utf-8")
            assert read_front_matter(text)["video_id"] == job["video_id"]
        for key in ("notes_pdf", "assessment_pdf"):
            assert len(PdfReader(job[key]).pages) >= 1
    assert not list(vault.rglob(f"*{TEMP_SUFFIX}")), "a killed write left a temporary file behind"
    with SqliteStore(vault) as store:
        cache = store.cache.stats()
    assert cache["entries"] == 2 * len(TOPICS)
    assert cache["computed"] == cache["entries"], f"a generation ran twice: {cache}"
