"""The course as a whole through the CLI: study guide, final exam, concept map, deck, on an 8-lecture course."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.cli import run_cli
from tubenotes.testing.fake_llm import Behavior, FakeLlmServer
from tubenotes.vault.deck import CLOZE_MODEL_ID, read_deck_notes

COURSE = Path(__file__).parent / "data" / "thermodynamics"
LECTURES = sorted(COURSE.glob("*.txt"))
WIKILINK = re.compile(r"\[\[([^\]|#]+)")


def run(inputs: Path, vault: Path, *flags: str) -> str:
    result = run_cli("run", inputs, "--vault", vault, "-q", *flags, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def snapshot(vault: Path) -> dict[Path, tuple[int, bytes]]:
    """Every file of the vault (its store aside) with its modification time and bytes."""
    return {path: (path.stat().st_mtime_ns, path.read_bytes()) for path in sorted(vault.rglob("*"))
            if path.is_file() and ".tubenotes" not in path.parts}


def check_canvas(vault: Path, canvas: Path, lectures: int) -> dict[str, object]:
    """A valid JSON Canvas: every node complete and distinct, file nodes naming files, edges between nodes,
    no two nodes overlapping, lectures one below the other in course order."""
    data = json.loads(canvas.read_text(encoding="utf-8"))
    nodes = data["nodes"]
    ids = [node["id"] for node in nodes]
    assert len(ids) == len(set(ids))
    for node in nodes:
        assert node["type"] in ("text", "file", "link", "group")
        assert all(isinstance(node[key], int) for key in ("x", "y", "width", "height"))
        assert node["width"] > 0 and node["height"] > 0
        if node["type"] == "file":
            assert (vault / node["file"]).is_file(), node["file"]
        if node["type"] == "text":
            assert node["text"]
    for edge in data["edges"]:
        assert edge["fromNode"] in ids and edge["toNode"] in ids and edge["fromNode"] != edge["toNode"]
    for number, a in enumerate(nodes):
        for b in nodes[number + 1:]:
            apart = (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                     or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])
            assert apart, (a["id"], b["id"])
    files = [node for node in nodes if node["type"] == "file"]
    assert len(files) == lectures
    assert [node["file"] for node in sorted(files, key=lambda node: node["y"])] == sorted(n["file"] for n in files)
    return data


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course's first seven lectures, then the eighth added: the vault after both runs."""
    root = tmp_path_factory.mktemp("course")
    inputs = root / "thermodynamics"
    inputs.mkdir()
    for lecture in LECTURES[:7]:
        shutil.copy(lecture, inputs)
    vault = root / "vault"
    run(inputs, vault)
    subject = vault / "thermodynamics"
    before = {name: (subject / name).read_text(encoding="utf-8") for name in (
        "thermodynamics study guide.md", "Assessment_thermodynamics final exam.md", "thermodynamics concept map.canvas")}
    assert "08 Statistical Mechanics" not in "".join(before.values())
    shutil.copy(LECTURES[7], inputs)
    run(inputs, vault)
    for name, text in before.items():
        assert (subject / name).read_text(encoding="utf-8") != text, f"{name} was not updated"
    return vault


@pytest.mark.slow
def test_the_guide_links_every_lecture_and_defines_its_concepts(course: Path) -> None:
    subject = course / "thermodynamics"
    guide = (subject / "thermodynamics study guide.md").read_text(encoding="utf-8")
    links = set(WIKILINK.findall(guide))
    lectures = [path.stem for path in LECTURES]
    notes = sorted(path for path in subject.glob("0*.md"))
    assert len(notes) == len(lectures) == 8
    assert {f"thermodynamics/{note.stem}" for note in notes} <= links  # every lecture's note
    assert all((course / f"{link}.md").is_file() or (course / link).is_file() for link in links)
    for heading in ("## What the course covers", "## The lectures", "## Concepts", "## How the ideas build",
                    "## Before each lecture"):
        assert heading in guide
    # Lectures in course order, each a paragraph under its heading.
    part = guide.split("## The lectures", 1)[1]
    order = [part.index(f"### {number}. [[thermodynamics/{note.stem}|") for number, note in enumerate(notes, 1)]
    assert order == sorted(order)
    concepts = guide.split("## Concepts", 1)[1].split("\n## ", 1)[0]
    entries = [line for line in concepts.splitlines() if line.startswith("- **[[")]
    # A definition each, but for the concepts the course never defines ("Derivative", "Hot reservoir", "Ideal gas"):
    # those get no sentence rather than one that defines something else on the way.
    assert len(entries) >= 8 and sum("“" in line for line in entries) >= len(entries) - 3
    assert all("introduced in [[thermodynamics/0" in line for line in entries)
    assert "Before [[thermodynamics/08 Statistical Mechanics|lecture 8]]" in guide
    index = (subject / "thermodynamics index.md").read_text(encoding="utf-8")
    course_part = index.split("## The course as a whole", 1)[1]
    assert "[[thermodynamics/thermodynamics study guide|" in course_part
    assert "[[thermodynamics/thermodynamics concept map.canvas|" in course_part


@pytest.mark.slow
def test_concept_notes_open_with_their_definition(course: Path) -> None:
    note = (course / "thermodynamics" / "Concepts" / "Chemical potential.md").read_text(encoding="utf-8")
    body = note.split("# Chemical potential\n\n", 1)[1]
    assert body.startswith("> “The chemical potential is the Gibbs free energy per particle.”\n> — [[thermodynamics/06")
    assert body.index("“The chemical") < body.index("## Where it comes up")


@pytest.mark.slow
def test_the_exam_draws_on_most_lectures_with_an_answer_key_on_its_own_page(course: Path) -> None:
    subject = course / "thermodynamics"
    exam = (subject / "Assessment_thermodynamics final exam.md").read_text(encoding="utf-8")
    questions, key = exam.split("## Questions", 1)[1].split("## Answer key", 1)
    headings = re.findall(r"^### \d+\. (.+?) · \[\[(thermodynamics/[^|]+)\|Lecture (\d+)\]\]", questions, re.M)
    assert 20 <= len(headings) <= 40
    assert len({lecture for _, _, lecture in headings}) >= 7  # most of the 8 lectures
    assert {kind for kind, _, _ in headings} >= {"Multiple choice", "Fill in the blank", "Short answer",
                                                 "True statement"}
    # Its false statements give a concept what another lecture says of another: "The chemical potential is
    # the Gibbs free energy per particle." is lecture 6's, so no statement about another concept says so truly.
    statements = re.findall(r"### \d+\. True statement · .*?\n\nWhich statement is true\?\n\n((?:- .*\n)+)",
                            questions)
    assert statements
    for options in statements:
        subjects = {re.sub(r"^- \*\*[A-D]\)\*\* ", "", line).split(" is ")[0] for line in options.splitlines()}
        assert len(subjects) == 1  # every option speaks of the same concept
    assert len(re.findall(r"^\d+\. \*\*", key, re.M)) == len(headings)
    pages = [page.extract_text() for page in PdfReader(subject / "pdfs" / "Assessment_thermodynamics final exam.pdf").pages]
    key_page = next(number for number, text in enumerate(pages) if "Answer key" in text)
    assert key_page > 0 and "Lecture 1" in pages[0]
    assert " · Lecture " not in pages[key_page]  # no question shares the key's page
    guide_pdf = PdfReader(subject / "pdfs" / "thermodynamics study guide.pdf")
    assert "How the ideas build" in "".join(page.extract_text() for page in guide_pdf.pages)


@pytest.mark.slow
def test_the_concept_map_is_a_valid_canvas_with_a_picture(course: Path) -> None:
    subject = course / "thermodynamics"
    data = check_canvas(course, subject / "thermodynamics concept map.canvas", 8)
    texts = [node for node in data["nodes"] if node["type"] == "text" and "[[" in node["text"]]
    assert len(texts) >= 8  # the concepts lectures share
    colors = {edge.get("color") for edge in data["edges"]}
    assert {"4", "6"} <= colors  # introduces, and builds on
    svg = (subject / "thermodynamics concept map.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and svg.count("<rect") >= 1 + len(texts) + 8 and "Statistical Mechanics" in svg


@pytest.mark.slow
def test_the_deck_holds_cloze_notes_and_the_exam(course: Path) -> None:
    notes = read_deck_notes(course / "thermodynamics" / "thermodynamics.apkg")
    clozes = [fields for fields in notes.values() if "{{c1::" in fields[0]]
    assert clozes and all(fields[0].count("{{c1::") >= 1 for fields in clozes)
    assert sum("final-exam" in fields[-1].split() for fields in notes.values()) >= 20
    assert CLOZE_MODEL_ID


@pytest.mark.slow
def test_a_run_with_nothing_changed_rewrites_nothing(course: Path) -> None:
    before = snapshot(course)
    inputs = course.parent / "thermodynamics"
    run(inputs, course)
    run(inputs, course, "--force")  # the vault pass runs: the course stage finds its files as they are
    assert snapshot(course) == before


def write_timed(folder: Path, lectures: list[Path], language: str = "en") -> None:
    """The lectures as WebVTT captions, a sentence every six seconds: a course with times to link."""
    folder.mkdir(exist_ok=True)
    for source in lectures:
        sentences = re.split(r"(?<=[.?!])\s+", source.read_text(encoding="utf-8").strip())
        cues = [f"{_clock(i * 6)} --> {_clock(i * 6 + 6)}\n{sentence}\n" for i, sentence in enumerate(sentences)]
        (folder / f"{source.stem}.{language}.vtt").write_text("WEBVTT\n\n" + "\n".join(cues), encoding="utf-8")


def _clock(seconds: int) -> str:
    return f"00:{seconds // 60:02d}:{seconds % 60:02d}.000"


@pytest.mark.slow
def test_with_a_model_the_course_step_is_cached_and_redone_only_for_what_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs, vault = tmp_path / "thermodynamics", tmp_path / "vault"
    write_timed(inputs, LECTURES[:7])
    monkeypatch.setenv("TUBENOTES_LLM_API_KEY", "sk-test")
    monkeypatch.delenv("TUBENOTES_MODEL", raising=False)
    with FakeLlmServer() as fake:
        llm = ("--base-url", fake.base_url, "--model", "fake-model")
        run(inputs, vault, *llm)
        course_calls = [call for call in fake.requests if _is_course(call)]
        assert len(course_calls) == 2  # one group of lectures (they fit one prompt), and the overview

        write_timed(inputs, LECTURES[7:])
        calls = len(fake.requests)
        run(inputs, vault, *llm)
        new = fake.requests[calls:]
        assert sum(_is_course(call) for call in new) == 2  # the group the lecture joined, and the overview
        assert len(new) == 4  # with the new lecture's notes and assessment: nothing else was asked again

        before, calls = snapshot(vault), len(fake.requests)
        run(inputs, vault, *llm, "--force")  # the vault pass and the course stage run again
        assert len(fake.requests) == calls and snapshot(vault) == before

    subject = vault / "thermodynamics"
    guide = (subject / "thermodynamics study guide.md").read_text(encoding="utf-8")
    assert "The course goes through 8 lectures" in guide  # the model's overview
    assert {f"thermodynamics/{path.stem}" for path in subject.glob("0*.md")} <= set(WIKILINK.findall(guide))
    exam = (subject / "Assessment_thermodynamics final exam.md").read_text(encoding="utf-8")
    kinds = re.findall(r"^### \d+\. (.+?) · \[\[thermodynamics/[^|]+\|Lecture (\d+)\]\]", exam, re.M)
    assert 20 <= len(kinds) <= 40 and len({lecture for _, lecture in kinds}) == 8
    assert {kind for kind, _ in kinds} >= {"Explain why", "Multiple choice", "Short answer"}
    concept = next((subject / "Concepts").glob("*.md")).read_text(encoding="utf-8")
    assert "is what the lectures build on, as in $\\Delta S \\geq 0$." in concept.split("## ")[0]
    check_canvas(vault, subject / "thermodynamics concept map.canvas", 8)
    assert (subject / "pdfs" / "thermodynamics study guide.pdf").is_file()
    assert (subject / "pdfs" / "Assessment_thermodynamics final exam.pdf").is_file()
    deck = read_deck_notes(subject / "thermodynamics.apkg")
    explained = [fields for fields in deck.values() if "final-exam" in fields[-1] and "Explain why" in fields[0]]
    assert explained and all(r"\(\frac{1}{2} m v^2\)" in fields[1] for fields in explained)


def _is_course(body: dict[str, object]) -> bool:
    last = str(body["messages"][-1]["content"])  # type: ignore[index]
    return "<lectures>" in last or "<course>" in last


@pytest.mark.slow
def test_a_guide_the_user_edited_is_kept_and_the_new_one_goes_beside(tmp_path: Path) -> None:
    inputs, vault = tmp_path / "thermodynamics", tmp_path / "vault"
    inputs.mkdir()
    for lecture in LECTURES[:3]:
        shutil.copy(lecture, inputs)
    run(inputs, vault, "--no-pdf")
    guide = vault / "thermodynamics" / "thermodynamics study guide.md"
    mine = guide.read_text(encoding="utf-8") + "\nMy own summary of the course.\n"
    guide.write_text(mine, encoding="utf-8")
    shutil.copy(LECTURES[3], inputs)
    output = run(inputs, vault, "--no-pdf")
    assert guide.read_text(encoding="utf-8") == mine
    beside = vault / "thermodynamics" / "thermodynamics study guide (new).md"
    assert "04 Heat Engines And The Carnot Cycle" in beside.read_text(encoding="utf-8")
    said = " ".join(output.split())  # the display wraps long lines
    assert "thermodynamics study guide.md was edited since tubenotes wrote it" in said


@pytest.mark.slow
def test_a_model_that_fails_the_course_step_leaves_a_course_made_from_the_lectures(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs, vault = tmp_path / "thermodynamics", tmp_path / "vault"
    write_timed(inputs, LECTURES[:3])
    monkeypatch.setenv("TUBENOTES_LLM_API_KEY", "sk-test")
    monkeypatch.delenv("TUBENOTES_MODEL", raising=False)
    with FakeLlmServer() as fake:
        fake.when(lambda body: _is_course(body), *[Behavior(kind="refusal")] * 20)
        output = run(inputs, vault, "--base-url", fake.base_url, "--model", "fake-model", "--no-pdf")
    said = " ".join(output.split())
    assert "the model's part of the study guide and final exam failed" in said
    guide = (vault / "thermodynamics" / "thermodynamics study guide.md").read_text(encoding="utf-8")
    assert all(f"[[thermodynamics/{path.stem.replace('_', ' ')[:2]}" in guide for path in LECTURES[:3])
    assert "## What the course covers" in guide and (vault / "thermodynamics" / "thermodynamics.apkg").is_file()
