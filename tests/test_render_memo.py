"""The vault pass's memo: an entry read when it is asked for, kept across runs, and a damaged or
unwritable file only means things are made again."""

from __future__ import annotations

from pathlib import Path

from tubenotes.vault.memo import MEMO_FILENAME, RenderMemo


def test_what_one_run_keeps_the_next_recalls_and_the_pass_forgets_what_is_gone(tmp_path: Path) -> None:
    path = tmp_path / ".tubenotes" / MEMO_FILENAME
    (tmp_path / ".tubenotes").mkdir()
    (tmp_path / ".tubenotes" / "vault-pass.json").write_text("{}")  # the memo's file of old: taken away
    memo = RenderMemo(path)
    for number in range(2500):  # more than are held before they go to the file
        memo.keep(f"Notes/{number}.md", f"inputs {number}", {"sha": number, "name": "Wärme"})
    memo.save([f"Notes/{number}.md" for number in range(2000)] + ["Notes/other.md"])
    assert not (tmp_path / ".tubenotes" / "vault-pass.json").exists()

    again = RenderMemo(path)
    assert again.recall("Notes/7.md", "inputs 7") == {"sha": 7, "name": "Wärme"}
    assert again.recall("Notes/7.md", "inputs 8") is None  # made from other inputs
    assert again.knows("Notes/2499.md") and not again.knows("Notes/nothing.md")
    again.keep("Notes/new.md", "inputs", True)
    again.save(["Notes/new.md"])  # only what is still in the vault, and what this run used, stays
    third = RenderMemo(path)
    assert third.knows("Notes/7.md") and third.knows("Notes/new.md")
    assert not third.knows("Notes/2499.md") and not third.knows("Notes/8.md")


def test_a_damaged_memo_is_made_anew(tmp_path: Path) -> None:
    path = tmp_path / MEMO_FILENAME
    path.write_bytes(b"this is no database at all" * 100)
    memo = RenderMemo(path)
    assert memo.recall("a.md", "x") is None
    memo.keep("a.md", "x", "sha")
    memo.save(["a.md"])
    assert RenderMemo(path).recall("a.md", "x") == "sha"


def test_a_memo_that_cannot_be_written_lasts_the_run(tmp_path: Path) -> None:
    (tmp_path / "store").write_text("a file where the memo's folder would be")
    memo = RenderMemo(tmp_path / "store" / MEMO_FILENAME)
    memo.keep("a.md", "x", "sha")
    memo.save(["a.md"])
    assert memo.recall("a.md", "x") == "sha"


def test_without_a_file_the_memo_remembers_for_the_process() -> None:
    memo = RenderMemo()
    memo.keep("a.md", "x", [1, None])
    memo.save(["a.md"])
    assert memo.recall("a.md", "x") == [1, None] and memo.recall("a.md", "y") is None


def test_every_entry_a_run_used_outlives_its_save_however_many(tmp_path: Path) -> None:
    path = tmp_path / MEMO_FILENAME
    first = RenderMemo(path)
    for number in range(4500):
        first.keep(f"Notes/{number}.md", "inputs", number)
    first.save(f"Notes/{number}.md" for number in range(4500))
    memo = RenderMemo(path)
    # More recalled than are held before they are noted in the file: the run holds none of their paths.
    assert [memo.recall(f"Notes/{number}.md", "inputs") for number in range(4400)] == list(range(4400))
    memo.keep("Notes/new.md", "inputs", True)
    memo.save(["Notes/new.md"])  # none of those it recalled is in the vault's records any more
    again = RenderMemo(path)
    assert all(again.knows(f"Notes/{number}.md") for number in range(4400))
    assert again.knows("Notes/new.md") and not again.knows("Notes/4400.md")
