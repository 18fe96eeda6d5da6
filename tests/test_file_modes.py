"""Files tubenotes writes get the mode the user's umask gives, as any editor's would."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.cli import run_cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.slow
@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_every_file_of_a_run_gets_the_mode_of_the_users_umask(tmp_path: Path, umask: int) -> None:
    vault = tmp_path / "vault"
    result = run_cli("run", str(EXAMPLES), "--vault", str(vault), "-q", cwd=tmp_path,
                     preexec_fn=lambda: os.umask(umask))
    assert result.returncode == 0, result.stdout + result.stderr
    written = [path for path in vault.rglob("*") if path.is_file() and ".tubenotes" not in path.parts]
    suffixes = {path.suffix for path in written}
    assert {".md", ".pdf", ".apkg"} <= suffixes, suffixes  # notes, concept notes, indexes, PDFs and decks
    modes = {path.relative_to(vault).as_posix(): oct(stat.S_IMODE(path.stat().st_mode)) for path in written}
    assert set(modes.values()) == {oct(0o666 & ~umask)}, modes
