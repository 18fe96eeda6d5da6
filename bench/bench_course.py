"""The course-level stage: its LLM tokens as a share of the course's, its time offline, the map's layout time.

    python bench/bench_course.py [--lectures 12 200] [--tokens-lectures 12]

Builds courses of N lectures from the eight thermodynamics transcripts of
tests/data (lecture i is transcript i mod 8, its sentences rotated, as WebVTT
with a sentence every six seconds) with the offline generator, then times the
course stage alone on the subject (study guide, final exam, canvas and SVG;
then the same with the two PDFs), its re-run with nothing changed, and the
concept map's layout. The token share runs a course through the fake
OpenAI-compatible server: the course step's tokens against the lectures'.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tubenotes.api import make_notes  # noqa: E402
from tubenotes.course.canvas import lay_out, render_canvas  # noqa: E402
from tubenotes.course.material import course_of  # noqa: E402
from tubenotes.course.picture import render_svg  # noqa: E402
from tubenotes.course.stage import CourseStage  # noqa: E402
from tubenotes.export.pdf import TypstPdfExporter  # noqa: E402
from tubenotes.stages import open_vault, vault_records  # noqa: E402
from tubenotes.testing.fake_llm import FakeLlmServer  # noqa: E402
from tubenotes.vault.concepts import SubjectConcepts  # noqa: E402
from tubenotes.vault.index import canvas_path, exam_path, guide_path, picture_path  # noqa: E402
from tubenotes.vault.writer import VaultWriter  # noqa: E402

TRANSCRIPTS = sorted((ROOT / "tests" / "data" / "thermodynamics").glob("*.txt"))
SUBJECT = "Thermodynamics"


def write_course(folder: Path, lectures: int) -> Path:
    inputs = folder / SUBJECT
    inputs.mkdir(parents=True)
    for number in range(lectures):
        source = TRANSCRIPTS[number % len(TRANSCRIPTS)]
        sentences = re.split(r"(?<=[.?!])\s+", source.read_text(encoding="utf-8").strip())
        shift = (number // len(TRANSCRIPTS)) * 3 % len(sentences)
        sentences = sentences[shift:] + sentences[:shift]
        cues = [f"{_clock(i * 6)} --> {_clock(i * 6 + 6)}\n{s}\n" for i, s in enumerate(sentences)]
        (inputs / f"{number + 1:03d} {source.stem[3:].replace('_', ' ')}.en.vtt").write_text(
            "WEBVTT\n\n" + "\n".join(cues), encoding="utf-8")
    return inputs


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.000"


def time_stage(vault: Path, pdf: bool) -> tuple[float, float]:
    """Seconds of the course stage on the vault's one subject: first as it finds it, then again unchanged."""
    exporter = TypstPdfExporter() if pdf else None
    timings = []
    with open_vault(vault) as store:
        writer = VaultWriter(vault, vault_records(store, vault))
        jobs = store.jobs()
        folder = jobs[0].output_dir
        for made in (guide_path, exam_path, canvas_path, picture_path):  # the run made them: time making them
            made(folder).unlink(missing_ok=True)
        for _ in range(2):
            started = time.perf_counter()
            concepts = SubjectConcepts(vault, folder, jobs, writer.vault_notes())
            CourseStage(exporter, None, lambda _: None)(writer, concepts)
            timings.append(time.perf_counter() - started)
    return timings[0], timings[1]


def time_layout(vault: Path) -> tuple[float, int, int]:
    with open_vault(vault) as store:
        writer = VaultWriter(vault, vault_records(store, vault))
        jobs = store.jobs()
        course = course_of(SubjectConcepts(vault, jobs[0].output_dir, jobs, writer.vault_notes()))
    started = time.perf_counter()
    layout = lay_out(vault, course)
    render_canvas(layout)
    render_svg(layout)
    return time.perf_counter() - started, len(layout.nodes), len(layout.edges)


def token_share(folder: Path, lectures: int) -> None:
    inputs = write_course(folder / "llm", lectures)
    notices: list[str] = []
    os.environ["TUBENOTES_LLM_API_KEY"] = "sk-bench"
    with FakeLlmServer() as fake:
        result = make_notes([inputs], folder / "llm-vault", notice=notices.append, model="fake-model",
                            base_url=fake.base_url, pdf=False)
    lecture_tokens = sum(job.token_usage.prompt_tokens + job.token_usage.completion_tokens for job in result.jobs)
    said = next(line for line in notices if "concept map asked the model" in line)
    calls, tokens = re.search(r"(\d+) time\(s\), ([\d,]+) tokens", said).groups()
    course_tokens = int(tokens.replace(",", ""))
    share = course_tokens / (course_tokens + lecture_tokens)
    print(f"LLM tokens, {lectures} lectures (fake server): lectures {lecture_tokens:,}, course step {course_tokens:,} "
          f"in {calls} calls = {share:.1%} of the course's tokens")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lectures", type=int, nargs="+", default=[12, 200])
    parser.add_argument("--tokens-lectures", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        token_share(folder, args.tokens_lectures)
        for lectures in args.lectures:
            inputs = write_course(folder / f"c{lectures}", lectures)
            vault = folder / f"v{lectures}"
            make_notes([inputs], vault, model="offline", pdf=False)
            first, again = time_stage(vault, pdf=False)
            print(f"course stage, {lectures} lectures, offline, no PDFs: {first:.2f} s; unchanged re-run {again:.2f} s")
            first, again = time_stage(vault, pdf=True)
            print(f"course stage, {lectures} lectures, offline, with PDFs: {first:.2f} s; unchanged re-run {again:.2f} s")
            seconds, nodes, edges = time_layout(vault)
            print(f"concept map, {lectures} lectures: layout, canvas and SVG in {seconds * 1000:.0f} ms "
                  f"({nodes} nodes, {edges} edges)")


if __name__ == "__main__":
    main()
