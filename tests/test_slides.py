"""The slides a lecture video shows: one picture per slide, its text, in the notes, the PDF and the cards.

The videos are made here: slides drawn with Pillow (a title bar, bullets, one
slide built bullet by bullet, a page number), a speaker inset that drifts
across the frame the whole time, H.264 by PyAV, and a spoken script per slide
(espeak-ng) where the notes need speech.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.cli import run_cli
from tubenotes.config import Settings
from tubenotes.job import ProcessingStage, Slide, SourceKind, VideoProcessingJob
from tubenotes.slides.extract import capped, read_slides
from tubenotes.slides.ocr import SlideReader
from tubenotes.slides.pictures import MAX_PICTURE_BYTES
from tubenotes.stages import build_stages
from tubenotes.store import MemoryStore
from tubenotes.testing.synthetic_slides import SlideSpec, make_lecture_video

SLIDES = [
    SlideSpec("The First Law of Thermodynamics", ["Energy is conserved", "dU = dQ - dW"],
              "Today we study the first law of thermodynamics. Energy can neither be created nor destroyed."),
    SlideSpec("Internal Energy", ["A state function", "Depends only on the state", "Not on the path"],
              "Internal energy is a state function. It depends only on the state of the system, not on the path.",
              build=True),
    SlideSpec("Heat and Work", ["Path functions", "Depend on the process"],
              "Heat and work, however, are path functions. They depend on how the process happens."),
    SlideSpec("Isothermal Processes", ["Constant temperature", "dU = 0 for an ideal gas"],
              "An isothermal process keeps the temperature constant, so the internal energy of an ideal gas "
              "does not change."),
    SlideSpec("Adiabatic Processes", ["No heat exchanged", "The gas cools as it expands"],
              "An adiabatic process exchanges no heat. In an adiabatic expansion the gas cools."),
    SlideSpec("Heat Engines", ["Next lecture", "Read chapter three"],
              "Next time we will apply the first law to heat engines. Please read chapter three."),
]
TITLES = [spec.title for spec in SLIDES]


@pytest.fixture(scope="module")
def lecture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    """The six-slide lecture with speech, 960 x 540: a recording as a lecturer uploads it."""
    path = tmp_path_factory.mktemp("video") / "thermodynamics_lecture.mp4"
    shown = make_lecture_video(SLIDES, path, size=(960, 540), fps=5)
    return path, shown


@pytest.fixture(scope="module")
def silent_lecture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    """The same slides, six seconds each, with a hum for sound: quick to make."""
    path = tmp_path_factory.mktemp("video") / "silent_lecture.mp4"
    specs = [dataclasses.replace(spec, script="", seconds=6.0) for spec in SLIDES]
    return path, make_lecture_video(specs, path, size=(960, 540), fps=5)


@pytest.mark.slow
def test_each_slide_gives_one_picture_and_its_text(tmp_path: Path, silent_lecture) -> None:
    video, shown = silent_lecture
    slides = read_slides(video, tmp_path / "staged", SlideReader(), tmp_path)

    # Exactly one per slide: the inset that moves all the time, and the bullets of the built
    # slide appearing one by one, make no slide of their own.
    assert [slide.title for slide in slides] == TITLES
    for slide, truth in zip(slides, shown):
        assert abs(slide.start - truth.start) <= 2.0 and abs(slide.end - truth.end) <= 2.0
        picture = tmp_path / slide.picture
        assert picture.is_file() and picture.stat().st_size <= MAX_PICTURE_BYTES
    # The last stable frame of the built slide: all its bullets are there; the page number is not text.
    assert slides[1].lines == ["A state function", "Depends only on the state", "Not on the path"]
    assert "dU = dQ - dW" in slides[0].lines


@pytest.mark.slow
def test_a_slide_shown_again_is_kept_once(tmp_path: Path) -> None:
    again = [SlideSpec("Entropy", ["Disorder, counted"], seconds=6), SlideSpec("Temperature", ["What flows"], seconds=6),
             SlideSpec("Entropy", ["Disorder, counted"], seconds=6)]
    video = tmp_path / "again.mp4"
    make_lecture_video(again, video, size=(640, 360), fps=5)
    slides = read_slides(video, tmp_path / "staged", SlideReader(), tmp_path)
    assert [slide.title for slide in slides] == ["Entropy", "Temperature"]


@pytest.mark.slow
def test_a_video_with_nothing_to_read_gives_no_slide(tmp_path: Path) -> None:
    """A blank board behind a moving speaker: no picture floods the vault."""
    blank = [SlideSpec("", [], seconds=12)]
    video = tmp_path / "blank.mp4"
    make_lecture_video(blank, video, size=(640, 360), fps=5)
    assert read_slides(video, tmp_path / "staged", SlideReader(), tmp_path) == []


def test_an_undecodable_video_gives_a_warning_and_the_job_goes_on(tmp_path: Path) -> None:
    broken = tmp_path / "broken_lecture.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"not a video " * 500)
    settings = Settings(vault=tmp_path / "vault", model="offline", pdf=False)
    job = VideoProcessingJob(url=str(broken), video_id="broken", source=SourceKind.FILE, source_path=broken,
                             transcript="words " * 50, video_title="Broken")
    with build_stages(settings, MemoryStore(settings.vault), lambda _: None) as stages:
        assert stages.next_stage(job) == "slides"
        job = stages.run("slides", job)
        assert stages.next_stage(job) == "generate"
    assert job.slides == [] and job.stage is ProcessingStage.SLIDES_READ
    assert any("no slides" in warning and "broken_lecture.mp4" in warning for warning in job.warnings)


@pytest.mark.slow
def test_a_recording_with_slides_gives_notes_and_a_pdf_with_their_pictures(tmp_path: Path, lecture) -> None:
    video, _ = lecture
    vault = tmp_path / "vault"
    result = run_cli("run", video, "--vault", vault, "--model", "offline", "--subject", "Physics", "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    [job] = json.loads(run_cli("status", "--vault", vault, "--json").stdout)
    assert job["stage"] == "completed" and not job["warnings"]

    notes = Path(job["notes_file"]).read_text()
    pictures = sorted((vault / "Physics" / "attachments").iterdir())
    stem = Path(job["notes_file"]).stem
    assert [p.name for p in pictures] == [f"{stem} - slide {n:02d}.webp" for n in range(1, 7)]
    # Each slide's title is a section of the notes, and its picture is embedded right under it.
    headings = re.findall(r"^### \[\d\d:\d\d\] (.+)$", notes, re.MULTILINE)
    assert headings == TITLES
    for number, title in enumerate(TITLES, start=1):
        section = notes.split(f"] {title}\n", 1)[1].split("\n### ", 1)[0]
        assert f"![[Physics/attachments/{stem} - slide {number:02d}.webp|{title}]]" in section
    assert "> - dU = dQ - dW" in notes  # the slide's lines beside what is said

    pdf = PdfReader(Path(job["notes_pdf"]))
    images = [image for page in pdf.pages for image in page.images]
    assert len(images) == 6
    assert "The First Law of Thermodynamics" in "".join(page.extract_text() for page in pdf.pages)


def test_which_jobs_have_their_slides_read(tmp_path: Path) -> None:
    def ready(name: str) -> VideoProcessingJob:  # transcribed, as a job is when the slides stage comes
        source = dict(source=SourceKind.FILE, source_path=tmp_path / name) if "." in name else {}
        return VideoProcessingJob(url=name, video_id=name.replace(".", "-"), transcript="words " * 50,
                                  video_title=name, **source)

    jobs = [ready(name) for name in ("lecture.mp4", "lecture.mkv", "talk.m4a", "lecture.vtt", "abcdefghijk")]
    wanted = {}
    for setting in (None, True, False):
        settings = Settings(vault=tmp_path / "vault", slides=setting)
        with build_stages(settings, MemoryStore(settings.vault), lambda _: None) as stages:
            wanted[setting] = [stages.next_stage(job) == "slides" for job in jobs]
    # By default recordings with a picture; YouTube only with --slides; --no-slides none.
    assert wanted == {None: [True, True, False, False, False], True: [True, True, False, False, True],
                      False: [False] * 5}


def test_past_ten_slides_a_minute_only_the_longest_shown_are_kept() -> None:
    """An animation or a restless camera read as slides must not flood the vault."""
    flood = [Slide(2.0 * n, 2.0 * n + (3.0 if n % 3 == 0 else 2.0), f"Slide {n}", [], f"p{n}.webp") for n in range(60)]
    kept = capped(flood, duration=120.0)
    assert len(kept) == 20 and all(slide.end - slide.start == 3.0 for slide in kept)
    assert kept == sorted(kept, key=lambda slide: slide.start)
    assert capped(flood[:8], duration=10.0) == flood[:8]  # a short video may show a few quick ones
