"""The slides stage on its Celery queue: real worker processes on the real Redis and PostgreSQL (see
`tests.test_distributed`), a YouTube video with `--slides` through the exit nodes, its pictures read on the
worker that holds the vault and written into the subject's attachments, each embedded once."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LECTURE, trust
from tests.test_distributed import Cluster, cluster  # noqa: F401 (the fixture, on this module's youtube)
from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.testing.fake_youtube import FakeCaptionTrack, FakePicture, FakeVideo, FakeYouTube
from tubenotes.testing.synthetic_slides import SlideSpec, make_lecture_video

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

VIDEO = "slidecelery"
TITLES = ["Energy", "Entropy", "Enthalpy", "Heat Capacity", "Ideal Gases", "Phase Changes"]


@pytest.fixture(scope="module")
def picture(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The video-only stream YouTube serves: six slides, six seconds each, a speaker inset moving over them."""
    path = tmp_path_factory.mktemp("stream") / f"{VIDEO}.mp4"
    make_lecture_video([SlideSpec(title, [f"What {title.lower()} means", "An example"], seconds=6.0)
                        for title in TITLES], path, size=(960, 540), fps=5, sound=False)
    return path.read_bytes()


@pytest.fixture
def youtube(monkeypatch: pytest.MonkeyPatch, picture: bytes) -> Iterator[FakeYouTube]:
    captions = [(3.0 * i, 3.0, line) for i, line in enumerate(LECTURE * 2) if 3.0 * i < 36]
    video = FakeVideo(VIDEO, title="Thermodynamics in Pictures", duration=36,
                      captions=[FakeCaptionTrack("en", captions)], picture=FakePicture(picture))
    with FakeYouTube([video]) as fake:
        trust(monkeypatch, fake.ca_file)
        yield fake


def slides_worker(cluster: Cluster, name: str, queues: str, vault: Path) -> subprocess.Popen:
    """A worker on the slides queue: a YouTube video's picture comes through its own exit node."""
    return cluster.start("worker", "--queues", queues, "--name", name, "--vault", str(vault),
                         "--network", "proxies", f"--proxy={cluster.socks.proxy_url(name, 'pw')}",
                         log=f"worker-{name}.log")


def ran_by(job: VideoProcessingJob) -> dict[str, str]:
    return {stage: worker.split("@")[0] for stage, worker in job.workers.items()}


def test_the_slides_queue_reads_on_the_vaults_worker_and_the_pictures_reach_the_note(cluster: Cluster) -> None:
    cluster.worker("fetchgen", "fetch,generate")
    slides_worker(cluster, "vault", "slides,write,course", cluster.vault)
    coordinator = cluster.run([VIDEO], "--slides")
    assert cluster.finish(coordinator) == 0, cluster.logs()

    [job] = cluster.jobs()
    assert job.stage is ProcessingStage.COMPLETED and not job.warnings, job.warnings
    assert ran_by(job) == {"fetch": "fetchgen", "slides": "vault", "generate": "fetchgen", "write": "vault"}
    assert job.attempts["slides"] == 1
    assert [slide.title for slide in job.slides] == TITLES
    assert job.notes_filepath is not None
    stem = job.notes_filepath.stem
    attachments = cluster.vault / "General" / "attachments"
    names = [f"{stem} - slide {n:02d}.webp" for n in range(1, 7)]
    assert sorted(path.name for path in attachments.iterdir()) == names
    notes = job.notes_filepath.read_text()
    embeds = re.findall(r"!\[\[([^|\]]+)", notes)
    assert embeds == [f"General/attachments/{name}" for name in names]  # each once, in the order shown
    # The pictures left their waiting room, and the downloaded video is gone.
    store = cluster.vault / ".tubenotes"
    assert not any((store / "slides").iterdir()) and not any((store / "video").iterdir())


def test_a_slides_worker_on_another_vault_leaves_notes_without_pictures_and_says_why(cluster: Cluster) -> None:
    elsewhere = cluster.tmp / "elsewhere"
    cluster.worker("fetchgen", "fetch,generate")
    slides_worker(cluster, "reader", "slides", elsewhere)
    cluster.worker("vault", "write,course")
    coordinator = cluster.run([VIDEO], "--slides")
    assert cluster.finish(coordinator) == 0, cluster.logs()

    [job] = cluster.jobs()
    assert job.stage is ProcessingStage.COMPLETED and ran_by(job)["slides"] == "reader"
    # The pictures were read into the reader's own vault, where the write worker cannot see them.
    assert len(list((elsewhere / ".tubenotes" / "slides").glob("*/slide *.webp"))) == len(TITLES)
    assert not (cluster.vault / "General" / "attachments").exists()
    assert job.notes_filepath is not None and "![[" not in job.notes_filepath.read_text()
    [warning] = job.warnings
    assert f"the pictures of {len(TITLES)} slide(s), read by worker reader@" in warning
    assert "run the `slides` queue only on workers whose --vault is the vault the `write` worker writes to" in warning
    said = " ".join(cluster.log("coordinator.log").split())
    assert "are not in this vault's .tubenotes/slides/" in said, said
