"""The course's study guide, concept map and picture are written in pieces, never held whole, with the
bytes the whole would have."""

from __future__ import annotations

import json
import random
import tracemalloc
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from tests.test_vault_pass_reading import LECTURES, build_vault
from tubenotes.course.canvas import Edge, Layout, Node, canvas_chunks
from tubenotes.course.guide import joined
from tubenotes.course.material import CourseLecture, course_of
from tubenotes.job import VideoProcessingJob
from tubenotes.course.stage import CourseStage, encoded
from tubenotes.store.documents import documents_of
from tubenotes.vault.cards import cards_of
from tubenotes.vault.concepts import SubjectConcepts
from tubenotes.vault.finish import finish_vault
from tubenotes.vault.guard import GuardedFiles, MemoryRecords, WriteOutcome
from tubenotes.vault.writer import VaultWriter


def test_the_guide_s_lines_are_joined_as_a_whole_join_would_join_them() -> None:
    rng = random.Random(3)
    cases = [[], [""], ["", ""], ["a"], ["a", ""], ["", "a"], ["a\n", "", "b\n\n"], ["---\nx\n---\n# T", "", "p", ""]]
    cases += [[rng.choice(["", "x", "y\n", "\n", "z w"]) for _ in range(rng.randrange(12))] for _ in range(300)]
    for lines in cases:
        assert "".join(joined(lines)) == "\n".join(lines).rstrip("\n") + "\n", lines


def test_a_canvas_in_pieces_is_the_text_json_gives_the_whole() -> None:
    nodes = [Node("legend", "text", 0, -140, 920, 100, "", "How to read “this” map"),
             Node("a", "file", 0, 0, 420, 120, "1. Wärme", "Thermo/Wärme.md", "5"),
             Node("b", "text", 660, 30, 260, 60, "Entropy", "**[[Thermo/Concepts/Entropy|Entropy]]**")]
    for edges in ([], [Edge("e1", "a", "b", "4"), Edge("e2", "b", "a")]):
        text = "".join(canvas_chunks(Layout(nodes, edges)))
        assert text == json.dumps(json.loads(text), indent=1, ensure_ascii=False) + "\n"
    assert "".join(canvas_chunks(Layout([], []))) == json.dumps({"nodes": [], "edges": []}, indent=1) + "\n"


def test_the_course_written_in_pieces_is_a_valid_map_picture_and_guide(tmp_path: Path) -> None:
    with build_vault(tmp_path) as store:
        writer = VaultWriter(tmp_path, store.records)
        finish_vault(writer, store.jobs(documents=False), course=CourseStage(notice=lambda message: None),
                     documents=documents_of(store))
    canvas = tmp_path / "Thermo" / "Thermo concept map.canvas"
    text = canvas.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=1, ensure_ascii=False) + "\n"
    data = json.loads(text)
    ids = {node["id"] for node in data["nodes"]}
    assert len(ids) == len(data["nodes"])
    files = sorted((node for node in data["nodes"] if node["type"] == "file"), key=lambda node: node["y"])
    assert [node["file"] for node in files] == [f"Thermo/Lecture {number}.md" for number in range(LECTURES)]
    assert data["edges"] and all(edge["fromNode"] in ids and edge["toNode"] in ids for edge in data["edges"])
    picture = ElementTree.parse(tmp_path / "Thermo" / "Thermo concept map.svg").getroot()
    assert picture.tag.endswith("svg") and len(picture) > LECTURES
    guide = (tmp_path / "Thermo" / "Thermo study guide.md").read_text(encoding="utf-8")
    assert guide.endswith("\n") and not guide.endswith("\n\n")
    assert all(f"### {number}. " in guide for number in range(1, LECTURES + 1))


def test_bytes_in_pieces_are_written_without_holding_them_and_only_when_they_changed(tmp_path: Path) -> None:
    files = GuardedFiles(tmp_path, MemoryRecords())
    path = tmp_path / "Big.canvas"
    piece = "tubenotes-concept-map " + "x" * 4000 + "\n"

    def pieces(count: int):
        return encoded(piece for _ in range(count))

    tracemalloc.start()
    try:
        result = files.write_chunks(path, pieces(3000), "course")  # 12 MB
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.outcome is WriteOutcome.WRITTEN and path.stat().st_size == len(piece) * 3000
    assert peak < 1_000_000, peak
    written = path.stat().st_mtime_ns
    assert files.write_chunks(path, pieces(3000), "course").outcome is WriteOutcome.UNCHANGED
    assert path.stat().st_mtime_ns == written and not list(tmp_path.glob(".*"))  # nothing left staged
    path.write_text("my own map")
    result = files.write_chunks(path, pieces(2), "course")
    assert (result.outcome, result.path.name) == (WriteOutcome.BESIDE, "Big (new).canvas")
    assert path.read_text() == "my own map" and result.path.read_text() == piece * 2



def test_a_course_lecture_holds_no_summary_nor_questions_but_asks_for_them() -> None:
    """A course of 20,000 lectures held every lecture's summary sentences and questions for its whole stage."""
    asked = []
    lecture = CourseLecture(1, VideoProcessingJob(url="u", video_id="video000001"), "Lecture 1",
                            told=lambda: asked.append(1) or (["It says so."], ()))
    assert lecture.summary == ["It says so."] and lecture.summary == ["It says so."] and not lecture.cards
    assert len(asked) == 3


def test_a_course_s_lectures_tell_the_summary_and_questions_their_lecture_has(tmp_path: Path) -> None:
    with build_vault(tmp_path) as store:
        writer = VaultWriter(tmp_path, store.records)
        finish_vault(writer, store.jobs(documents=False), documents=documents_of(store))
        concepts = SubjectConcepts(tmp_path, tmp_path / "Thermo", store.jobs(documents=False), writer.vault_notes(),
                                   documents=documents_of(store))
        course = course_of(concepts)
        whole = {job.key: job for job in store.jobs()}
    # Plain values only: a failing assertion's report of a course would print its whole graph.
    for lecture in course.lectures:
        stored = whole[lecture.job.key]
        asked = [card.question for card in lecture.cards]
        summary = " ".join(lecture.summary)
        assert asked == [card.question for card in cards_of(stored.assessment_content or "")]
        assert bool(summary) and summary[:40] in (stored.study_notes or ""), lecture.number
