"""What an LLM gets of the slides: each slide's text at its time in the transcript, and with --vision
the pictures themselves (image parts of the request)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tubenotes.config import Settings
from tubenotes.job import Slide, TranscriptSegment, VideoProcessingJob
from tubenotes.stages import build_stages
from tubenotes.store import MemoryStore
from tubenotes.testing.fake_llm import FakeLlmServer

SAID = ["Today we study the first law.", "Energy is conserved in every process.", "Heat and work change it.",
        "The internal energy is a state function.", "Work depends on the path taken.", "That is all for today."]


def _job(vault: Path) -> VideoProcessingJob:
    pictures = vault / ".tubenotes" / "slides" / "lecture"
    pictures.mkdir(parents=True)
    slides = []
    for number, (start, title, line) in enumerate([(0.0, "The First Law", "dU = dQ - dW"),
                                                   (30.0, "State Functions", "U depends on the state")], start=1):
        buffer = io.BytesIO()
        Image.new("RGB", (64, 36), ["navy", "teal"][number - 1]).save(buffer, format="WEBP")
        (pictures / f"slide {number:02d}.webp").write_bytes(buffer.getvalue())
        slides.append(Slide(start, start + 30.0, title, [line], f".tubenotes/slides/lecture/slide {number:02d}.webp"))
    segments = [TranscriptSegment(10.0 * i, 10.0, text) for i, text in enumerate(SAID * 4)]
    return VideoProcessingJob(url="https://youtu.be/abcdefghijk", video_id="abcdefghijk", video_title="Heat",
                              transcript=" ".join(s.text for s in segments), segments=segments, slides=slides)


@pytest.mark.slow
@pytest.mark.parametrize("vision", [False, True])
def test_the_model_gets_each_slide_at_its_time_and_with_vision_its_picture(tmp_path: Path, vision: bool,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUBENOTES_LLM_API_KEY", "sk-test")
    with FakeLlmServer() as llm:
        settings = Settings(vault=tmp_path / "vault", model="fake-model", base_url=llm.base_url, pdf=False,
                            vision=vision)
        with build_stages(settings, MemoryStore(settings.vault), lambda _: None) as stages:
            job = stages.run("generate", _job(settings.vault))
        bodies = list(llm.requests)
    assert job.has_notes() and job.has_assessment()

    context = bodies[0]["messages"][1]["content"]
    text = context[0]["text"] if vision else context
    # Each slide's text, as a paragraph of the transcript at the time it is first shown, before what is said then.
    assert "[00:00] SLIDE: The First Law / dU = dQ - dW\n[00:00] Today we study" in text
    assert "[00:30] SLIDE: State Functions / U depends on the state\n[00:30]" in text
    assert "Paragraphs that start with \"SLIDE:\" are not speech" in text  # and how to read them
    images = [part["image_url"]["url"] for part in context[1:]] if vision else []
    assert len(images) == (2 if vision else 0)
    assert all(url.startswith("data:image/webp;base64,") for url in images)
