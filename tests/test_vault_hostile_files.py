"""Files in the vault that are not what their names say: a named pipe, a device, a sparse giant.

The vault pass and `rebuild-store` open nothing that is not a regular file and
read whole only the notes tubenotes wrote. Each command runs as a subprocess
with a deadline and a memory ceiling, so that a hang or a runaway read fails the
test instead of the machine.
"""

from __future__ import annotations

import os
import resource
import shutil
from pathlib import Path

import pytest

from tests.cli import run_cli
from tubenotes.vault.links import VaultNotes, markdown_files

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# Far above what tubenotes needs (about 600 MB of address space), far below a note read whole from /dev/zero.
_ADDRESS_SPACE = 2 * 1024**3


def _bounded_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (_ADDRESS_SPACE, _ADDRESS_SPACE))


def tubenotes(*args: object) -> tuple[int, str]:
    done = run_cli(*args, timeout=60, preexec_fn=_bounded_memory)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.slow
def test_a_named_pipe_called_md_in_the_vault_blocks_neither_run_nor_rebuild_store(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    os.mkfifo(vault / "pipe.md")
    code, output = tubenotes("run", EXAMPLES / "Biology", "--vault", vault, "-q")
    assert code == 0, output
    assert (vault / "Biology" / "Cellular Respiration.md").is_file()
    code, output = tubenotes("rebuild-store", "--vault", vault)
    assert code == 0, output
    assert "Traceback" not in output


@pytest.mark.slow
def test_rebuild_store_reads_no_device_and_no_giant_whole(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    code, output = tubenotes("run", EXAMPLES / "Biology", "--vault", vault, "-q", "--no-pdf")
    assert code == 0, output
    (vault / "zero.md").symlink_to("/dev/zero")
    with open(vault / "Biology" / "giant.md", "wb") as giant:  # sparse: no disk used
        giant.write(b"# My own notes\n")
        giant.truncate(3 * 1024**3)
    for store_file in (vault / ".tubenotes").glob("tubenotes.db*"):
        store_file.unlink()

    code, output = tubenotes("rebuild-store", "--vault", vault)

    assert code == 0, output
    assert "1 lecture(s) added" in " ".join(output.split()), output


def test_a_folder_that_vanishes_while_the_vault_is_scanned_holds_no_notes(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "Physics").mkdir()
    (tmp_path / "Physics" / "Entropy.md").write_text("# Entropy\n")
    (tmp_path / ".tubenotes").mkdir()  # the store's folder, deleted by the user while a run goes on
    (tmp_path / "Gone").mkdir()
    (tmp_path / "Gone" / "Lost.md").write_text("# Lost\n")
    scandir = os.scandir

    def vanishing(path: str | int = ".") -> os.ScandirIterator:  # type: ignore[name-defined]
        if not isinstance(path, int) and Path(path).name in ("Gone", ".tubenotes"):  # rmtree's own: by descriptor
            shutil.rmtree(path)
        return scandir(path)

    monkeypatch.setattr(os, "scandir", vanishing)  # a spy: the folder goes between its listing and its walk
    notes = VaultNotes.scan(tmp_path)
    assert notes.find("Entropy") == "Physics/Entropy" and notes.find("Lost") is None


def test_the_notes_come_one_at_a_time_in_path_order_outside_hidden_and_linked_folders(tmp_path: Path) -> None:
    for name in ["a/x.md", "a b/x.md", "a.md", "a/b/c.md", "a/b.md", "ab.md", "Z.md", "é.md", "a/b c.md",
                 ".obsidian/x.md", "a/.hidden.md", "a/notes.txt", "folder.md/inside.md"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# Note\n")
    (tmp_path / "linked").symlink_to(tmp_path / "a")  # followed, it would list a's notes twice
    found = markdown_files(tmp_path)
    assert next(found) == tmp_path / "Z.md"  # found as it walks, not listed whole first
    assert [tmp_path / "Z.md", *found] == sorted(tmp_path / name for name in [
        "a/x.md", "a b/x.md", "a.md", "a/b/c.md", "a/b.md", "ab.md", "Z.md", "é.md", "a/b c.md",
        "folder.md/inside.md"])
