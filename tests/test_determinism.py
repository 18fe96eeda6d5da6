"""The same inputs give the same vault, whatever the process: resumed and clean runs must agree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.test_crash_safety import make_transcripts


@pytest.mark.slow
def test_offline_notes_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    make_transcripts(tmp_path / "lectures")
    notes = {}
    for seed in ("1", "2"):
        vault = tmp_path / f"vault{seed}"
        result = run_cli("run", str(tmp_path / "lectures"), "--vault", str(vault), "--no-pdf", "--no-anki", "-q",
                         env={**os.environ, "PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        notes[seed] = {path.relative_to(vault): path.read_text().split("\ncreated:")[0] + path.read_text().split(
            "\ncreated:")[-1].split("\n", 1)[-1] for path in vault.rglob("*.md")}
    assert notes["1"] == notes["2"]
