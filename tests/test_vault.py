"""The vault a student lives in, checked by parsing the files the real CLI writes.

Several related lectures (YouTube videos served by a fake source, and local
transcript files) go through `tubenotes run`; the tests then read the vault:
every link resolves, the index lists every job, properties are YAML with the
keys Obsidian reads, user edits survive re-runs, the Anki deck is a real one.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import genanki
import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import CountingExporter
from tubenotes.cli import cli
from tubenotes.vault.deck import MODEL_ID, deck_id, read_deck_notes
from tubenotes.job import VideoProcessingJob
from tubenotes.sources.base import VideoMetadata
from tubenotes.stages import Backends
from tubenotes.store import SqliteStore
from tubenotes.vault.cards import parse_cards
from tubenotes.vault.frontmatter import split_front_matter

PHYSICS = {
    "entropy0001": ("Entropy and the Second Law", [
        "Today we meet entropy, the quantity behind the second law of thermodynamics.",
        "Entropy measures how many microscopic states are compatible with what we see.",
        "The second law says that the entropy of an isolated system never decreases.",
        "Heat flows from a hot reservoir to a cold reservoir and never the other way by itself.",
        "When heat leaves the hot reservoir, the entropy of that reservoir goes down.",
        "The cold reservoir gains more entropy than the hot reservoir loses.",
        "So the total entropy grows, and that growth is the arrow of time.",
        "A reversible process keeps the total entropy constant.",
        "Real processes are irreversible and always produce entropy.",
        "Temperature tells us how much entropy a unit of heat carries.",
        "At low temperature a little heat carries a lot of entropy.",
        "Next time we use entropy to limit the efficiency of a heat engine.",
    ]),
    "engines0002": ("Heat Engines: Efficiency & \"Limits\"", [
        "A heat engine turns heat into work by running in a cycle.",
        "The heat engine takes heat from a hot reservoir at a high temperature.",
        "It rejects part of that heat to a cold reservoir at a low temperature.",
        "The efficiency of a heat engine is the work out divided by the heat in.",
        "No heat engine can reach an efficiency of one, because of entropy.",
        "The entropy taken from the hot reservoir must be dumped into the cold reservoir.",
        "A steam turbine is a heat engine, and so is a car engine.",
        "Engineers raise the temperature of the hot reservoir to gain efficiency.",
        "Friction in a real heat engine produces entropy and wastes work.",
        "The best possible efficiency depends only on the two reservoir temperatures.",
        "A refrigerator is a heat engine run backwards, using work to move heat.",
        "We will compute the best efficiency with the Carnot cycle next week.",
    ]),
    "carnot00003": ('- "Carnot": the ideal cycle? 🎓 --- [[part 3]]', [
        "The Carnot cycle is the ideal reversible cycle of a heat engine.",
        "It has two isothermal steps and two adiabatic steps.",
        "In the first isothermal step the gas takes heat from the hot reservoir.",
        "In the adiabatic expansion the gas cools from the hot temperature to the cold temperature.",
        "In the second isothermal step the gas gives heat to the cold reservoir.",
        "The adiabatic compression brings the gas back to the hot temperature.",
        "Because every step is reversible, the Carnot cycle produces no entropy.",
        "The Carnot efficiency is one minus the cold temperature over the hot temperature.",
        "Every real heat engine has a lower efficiency than the Carnot cycle.",
        "The Carnot cycle shows why the temperature of each reservoir matters.",
        "Engineers compare every real cycle with the Carnot cycle.",
        "That ends our tour of the second law and its limits.",
    ]),
}
REQUIRED_PROPERTIES = {"title", "aliases", "source", "video_id", "channel", "duration", "published", "subject",
                       "tags", "created", "language", "transcript", "generator", "model"}
WIKILINK = re.compile(r"(!?)\[\[([^\]|#]+)(?:#[^\]|]*)?(?:\|[^\]]*)?\]\]")


class FakeYouTube:
    """A transcript source for the videos above; titles can change, as on YouTube."""

    def __init__(self, lectures: dict[str, tuple[str, list[str]]]) -> None:
        self.titles = {video_id: title for video_id, (title, _) in lectures.items()}
        self.lines = {video_id: lines for video_id, (_, lines) in lectures.items()}

    def get_transcript(self, video_id: str) -> dict[str, Any]:
        lines = self.lines[video_id]
        segments = [{"start": 20.0 * i, "duration": 19.0, "text": line} for i, line in enumerate(lines)]
        return {"transcript": " ".join(lines), "segments": segments, "language": "en", "track": "en (manual)"}

    def get_video_title(self, video_id: str) -> str:
        return self.titles[video_id]

    def get_video_metadata(self, video_id: str) -> VideoMetadata:
        return VideoMetadata(title=self.titles[video_id], channel="Open Lecture Hall", duration_seconds=240.0,
                             upload_date="20240917")


@pytest.fixture
def youtube() -> FakeYouTube:
    return FakeYouTube(PHYSICS)


def tubenotes(youtube: FakeYouTube, *args: str, code: int = 0) -> str:
    """The command, its videos from ``youtube`` and its PDFs counted (the real exporter has its own tests)."""
    backends = Backends(youtube_source=lambda settings, proxy_url: youtube, pdf_exporter=CountingExporter)
    result = CliRunner().invoke(cli, list(args), obj=backends, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def run_physics(youtube: FakeYouTube, vault: Path, *flags: str) -> str:
    return tubenotes(youtube, "run", *PHYSICS, "--subject", "Physics", "--vault", str(vault), "-q", *flags)


def notes(vault: Path) -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in sorted(vault.rglob("*.md"))
            if ".tubenotes" not in path.parts}


def properties(text: str) -> dict[str, Any]:
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def unresolved_links(vault: Path) -> list[str]:
    """Every wikilink that names no file: by its path from the root, or by a note's name."""
    names = {path.stem.casefold() for path in vault.rglob("*.md")}
    broken = []
    for path, text in notes(vault).items():
        for embed, target in WIKILINK.findall(split_front_matter(text)[1]):
            exists = (vault / target).is_file() if Path(target).suffix in (".pdf", ".apkg", ".canvas", ".svg") else (
                (vault / f"{target}.md").is_file() if "/" in target else target.casefold() in names)
            if not exists:
                broken.append(f"{path.name}: [[{target}]]")
    return broken


def note_of(vault: Path, video_id: str, kind: str = "notes") -> Path:
    found = [path for path, text in notes(vault).items()
             if properties(text).get("video_id") == video_id and properties(text).get("type") == kind
             and "(new" not in path.name]
    assert len(found) == 1, found
    return found[0]


def test_related_lectures_make_a_linked_vault(tmp_path: Path, youtube: FakeYouTube) -> None:
    vault = tmp_path / "vault"
    run_physics(youtube, vault)
    physics = vault / "Physics"

    assert unresolved_links(vault) == []
    concepts = {path.stem: text for path, text in notes(vault).items() if path.parent == physics / "Concepts"}
    assert {"Entropy", "Hot reservoir", "Cold reservoir", "Heat engine", "Efficiency"} <= set(concepts)
    entropy = concepts["Entropy"]
    assert properties(entropy)["type"] == "concept"
    # Where it comes up: each lecture, at the first moment the word is said, as a link into that video.
    assert "[[Physics/Entropy and the Second Law|Entropy and the Second Law]] at " \
           "[00:00](https://www.youtube.com/watch?v=entropy0001&t=0s)" in entropy
    assert "https://www.youtube.com/watch?v=engines0002&t=80s" in entropy  # sentence 5 says "entropy"

    first = note_of(vault, "entropy0001").read_text()
    assert "[[Physics/Concepts/Entropy|entropy]]" in first
    related = first.split("## Related lectures", 1)[1]
    assert "[[Physics/Heat Engines Efficiency & Limits|Heat Engines: Efficiency & \"Limits\"]]" in related
    # A term only one lecture uses is plain text, not a link to a note that does not exist.
    assert "arrow of time" not in concepts and "[[time]]" not in first


def test_properties_embed_and_timestamps(tmp_path: Path, youtube: FakeYouTube) -> None:
    vault = tmp_path / "vault"
    run_physics(youtube, vault)
    for video_id, (title, _) in PHYSICS.items():
        text = note_of(vault, video_id).read_text()
        matter = properties(text)
        assert REQUIRED_PROPERTIES <= set(matter)
        path = note_of(vault, video_id)
        assert matter["title"] == title
        assert matter["aliases"] == ([] if path.stem == title else [title])  # a name the file could not hold
        assert matter["source"] == f"https://www.youtube.com/watch?v={video_id}"
        assert matter["tags"] == ["tubenotes", "lecture", "Physics"]
        assert matter["published"] == dt.date(2024, 9, 17) and isinstance(matter["created"], dt.date)
        assert (matter["channel"], matter["duration"], matter["transcript"]) == ("Open Lecture Hall", "4:00",
                                                                                 "en (manual)")
        assert (matter["generator"], matter["model"]) == ("offline", None)
        body = split_front_matter(text)[1].splitlines()
        assert body[2] == f"![](https://www.youtube.com/watch?v={video_id})"  # under the title: the video
        stamps = re.findall(r"\]\((https://www\.youtube\.com/watch\?v=[^&)]+&t=(\d+)s)\)", text)
        assert stamps and all(f"v={video_id}&" in url for url, _ in stamps)
        assert all(int(seconds) % 20 == 0 for _, seconds in stamps)  # each segment starts at 20 s steps
        quiz = properties(note_of(vault, video_id, "assessment").read_text())
        assert quiz["title"] == f"Assessment: {title}" and quiz["tags"][1] == "assessment"


def test_the_index_lists_every_job_in_input_order(tmp_path: Path, youtube: FakeYouTube) -> None:
    vault = tmp_path / "vault"
    transcripts = tmp_path / "in"
    transcripts.mkdir()
    (transcripts / "gases.en.vtt").write_text("WEBVTT\n\n" + "\n".join(
        f"00:00:{i * 5:02d}.000 --> 00:00:{i * 5 + 4:02d}.000\n{line}\n"
        for i, line in enumerate(PHYSICS["entropy0001"][1])))
    tubenotes(youtube, "run", *PHYSICS, str(transcripts / "gases.en.vtt"), "no-such-video", "--subject", "Physics",
              "--vault", str(vault), "-q", code=1)
    # The same subject in another case: the same folder, the same index.
    youtube.titles["twin0000004"] = youtube.titles["entropy0001"]  # two videos with one title
    youtube.lines["twin0000004"] = PHYSICS["entropy0001"][1][::-1]
    tubenotes(youtube, "run", "twin0000004", "--subject", "physics", "--vault", str(vault), "-q")

    assert sorted(p.name for p in vault.iterdir() if not p.name.startswith(".")) == ["Physics"]
    index = (vault / "Physics" / "Physics index.md").read_text()
    assert properties(index)["type"] == "index" and unresolved_links(vault) == []
    entries = re.findall(r"^(\d+)\. (.*)$", index, re.MULTILINE)
    # "no-such-video" names no video: it failed in the run's table, and is no lecture of the index.
    assert [int(n) for n, _ in entries] == [1, 2, 3, 4, 5]
    lines = [line for _, line in entries]
    assert lines[0].startswith("[[Physics/Entropy and the Second Law|Entropy and the Second Law]] · 4:00 · completed")
    assert "Gases" in lines[3] and "no-such-video" not in index
    assert lines[4].startswith("[[Physics/Entropy and the Second Law (twin0000004)|")
    assert index.count("- PDF: [[Physics/pdfs/") == 5  # every completed lecture, with both PDFs
    assert "- Assessment: [[Physics/Assessment_Entropy and the Second Law|Assessment]]" in index
    note = (vault / "Physics" / "Entropy and the Second Law.md").read_text()
    assert "Subject: [[Physics/Physics index|Physics]]" in note


def test_user_edits_survive_and_deletions_are_respected(tmp_path: Path, youtube: FakeYouTube) -> None:
    vault = tmp_path / "vault"
    run_physics(youtube, vault)
    edited, deleted = note_of(vault, "entropy0001"), note_of(vault, "engines0002")
    edited.write_text(edited.read_text() + "\nMy own summary: entropy only grows.\n")
    before = edited.read_bytes()
    deleted.unlink()

    # A plain re-run (as a resume does) leaves the deletion alone and says so.
    output = run_physics(youtube, vault)
    assert not deleted.exists() and "left deleted" in output
    assert edited.read_bytes() == before
    # Nothing tubenotes manages links the deleted note any more; the note the user edited is
    # theirs, and keeps its link as they left it (Obsidian shows it as a note not yet written).
    assert unresolved_links(vault) == [f"{edited.name}: [[{deleted.relative_to(vault).with_suffix('').as_posix()}]]"]
    assert "note deleted" in (vault / "Physics" / "Physics index.md").read_text()

    # --regenerate writes everything anew, except over the user's edit: that goes beside it.
    output = run_physics(youtube, vault, "--regenerate")
    assert edited.read_bytes() == before
    beside = edited.with_name(f"{edited.stem} (new).md")
    assert beside.exists() and "My own summary" not in beside.read_text()
    assert "edited since tubenotes wrote it" in output and beside.name in output
    assert deleted.exists()  # asked for: written again
    with SqliteStore(vault) as store:
        job = store.load("physics/entropy0001")
        assert any(beside.name in warning for warning in job.warnings)
        assert store.cache.stats()["entries"] == 4 * len(PHYSICS)  # a fresh answer per job, paid once

    # --force overwrites the edit.
    run_physics(youtube, vault, "--regenerate", "--force")
    assert "My own summary" not in edited.read_text()
    assert unresolved_links(vault) == []


def test_force_rewrites_a_deleted_note_without_regenerating(tmp_path: Path, youtube: FakeYouTube) -> None:
    vault = tmp_path / "vault"
    run_physics(youtube, vault)
    note = note_of(vault, "carnot00003")
    text = note.read_text()
    note.unlink()
    run_physics(youtube, vault, "--force")
    assert note.read_text() == text
    with SqliteStore(vault) as store:
        assert store.cache.stats()["entries"] == 2 * len(PHYSICS)  # nothing generated again


def test_a_renamed_video_keeps_its_file(tmp_path: Path, youtube: FakeYouTube) -> None:
    vault = tmp_path / "vault"
    run_physics(youtube, vault)
    note = note_of(vault, "entropy0001")
    youtube.titles["entropy0001"] = "Entropy, Revisited"
    run_physics(youtube, vault, "--regenerate")
    assert note_of(vault, "entropy0001") == note  # one note for the video, under its first name
    matter = properties(note.read_text())
    assert matter["title"] == "Entropy, Revisited" and matter["aliases"] == ["Entropy, Revisited"]
    assert "[[Physics/Entropy and the Second Law|Entropy, Revisited]]" in (
        vault / "Physics" / "Physics index.md").read_text()
    assert unresolved_links(vault) == []


def test_running_again_changes_no_file(tmp_path: Path, youtube: FakeYouTube) -> None:
    vault = tmp_path / "vault"
    run_physics(youtube, vault)
    files = sorted(p for p in vault.rglob("*") if p.is_file() and ".tubenotes" not in p.parts)
    stamps = [p.stat().st_mtime_ns for p in files]
    run_physics(youtube, vault)
    assert sorted(p for p in vault.rglob("*") if p.is_file() and ".tubenotes" not in p.parts) == files
    assert [p.stat().st_mtime_ns for p in files] == stamps


def test_the_anki_deck_is_a_real_one_with_stable_ids(tmp_path: Path, youtube: FakeYouTube) -> None:
    vault = tmp_path / "vault"
    run_physics(youtube, vault)
    deck = vault / "Physics" / "Physics.apkg"
    with zipfile.ZipFile(deck) as archive:
        archive.extract("collection.anki2", tmp_path)
    database = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        guids = {guid for (guid,) in database.execute("SELECT guid FROM notes")}
        models, decks = database.execute("SELECT models, decks FROM col").fetchone()
    finally:
        database.close()
    assert str(MODEL_ID) in models and str(deck_id("Physics")) in decks

    expected = set()
    for video_id in PHYSICS:
        quiz = split_front_matter(note_of(vault, video_id, "assessment").read_text())[1]
        cards = parse_cards(quiz)
        assert len(cards) >= 3
        expected |= {genanki.guid_for(video_id, card.question) for card in cards}
        flashcards = quiz.split("## Flashcards", 1)[1]
        assert "#flashcards/Physics" in quiz and ("\n?\n" in flashcards or "==" in flashcards)  # basic or cloze
    exam_only = {guid for guid, fields in read_deck_notes(deck).items() if "final-exam" in fields[-1].split()}
    assert guids == expected | exam_only  # the lectures' questions, and the final exam's own

    deck.unlink()
    run_physics(youtube, vault, "--regenerate")
    assert set(read_deck_notes(deck)) == expected | exam_only  # the same questions: a re-import updates, not duplicates

    deck.unlink()
    run_physics(youtube, vault, "--no-anki")
    assert not deck.exists()


def test_a_users_own_deck_of_the_same_name_is_kept(tmp_path: Path, youtube: FakeYouTube) -> None:
    vault = tmp_path / "vault"
    own_deck = vault / "Physics" / "Physics.apkg"
    own_deck.parent.mkdir(parents=True)
    own_deck.write_bytes(b"my own deck")
    output = tubenotes(youtube, "run", *PHYSICS, "--subject", "Physics", "--vault", str(vault))
    assert own_deck.read_bytes() == b"my own deck" and "Physics (new).apkg" in output
    assert read_deck_notes(vault / "Physics" / "Physics (new).apkg")
    run_physics(youtube, vault, "--regenerate")  # the new deck is ours: replaced in place, no "(new 2)"
    assert not list(vault.rglob("*(new 2)*"))


def test_subjects_keep_their_concepts_apart(tmp_path: Path, youtube: FakeYouTube) -> None:
    vault = tmp_path / "vault"
    biology = {f"bio00000{i:03d}": (f"Cell Energy {i}", [
        f"Cells store energy in ATP, and lecture {i} follows the energy.",
        "Mitochondria turn the energy of glucose into ATP.",
        "Glycolysis splits glucose and yields a little ATP and energy.",
        "The citric acid cycle feeds electrons to the electron transport chain.",
        "The electron transport chain pumps protons and drives ATP synthase.",
        "Most ATP comes from the electron transport chain, not from glycolysis.",
        "Without oxygen, cells fall back on fermentation for their energy.",
        "Fermentation regenerates the carriers so glycolysis keeps making ATP.",
    ]) for i in (1, 2)}
    youtube.titles.update({k: v[0] for k, v in biology.items()})
    youtube.lines.update({k: v[1] for k, v in biology.items()})
    run_physics(youtube, vault)
    tubenotes(youtube, "run", *biology, "--subject", "Biology", "--vault", str(vault), "-q")
    assert unresolved_links(vault) == []
    biology_text = "".join(text for path, text in notes(vault).items() if path.parts[-2] == "Biology")
    assert "[[Biology/Concepts/" in biology_text and "[[Physics/" not in biology_text
    assert (vault / "Biology" / "Biology.apkg").exists() and (vault / "Physics" / "Physics.apkg").exists()


def test_a_users_own_note_is_linked_by_title_or_alias_ignoring_case_and_accents(
        tmp_path: Path, youtube: FakeYouTube) -> None:
    vault = tmp_path / "vault"
    (vault / "My notes").mkdir(parents=True)
    (vault / "My notes" / "Thermo words.md").write_text("---\naliases: [ÉNTROPY]\n---\nMy definition.\n")
    run_physics(youtube, vault)
    first = note_of(vault, "entropy0001").read_text()
    assert "[[My notes/Thermo words|entropy]]" in first
    assert not (vault / "Physics" / "Concepts" / "Entropy.md").exists()  # the user's note is the concept
    assert unresolved_links(vault) == []


def test_the_seed_write_stage_alone_still_writes_a_note(tmp_path: Path) -> None:
    from tubenotes.pipeline import write_files

    job = VideoProcessingJob(url="u", video_id="entropy0001", subject="Physics", video_title="T",
                             study_notes="## Summary\n\nSee [[entropy]].", assessment_content="## Questions\n")
    job = write_files(job, tmp_path / "Physics")
    assert job.notes_filepath is not None and "See entropy." in job.notes_filepath.read_text()
    assert "Physics index" not in job.notes_filepath.read_text(), "a link to an index that was never written"
