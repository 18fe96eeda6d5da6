"""Shared test helpers: a lecture transcript and seed-shaped doubles for the stage tests."""

from __future__ import annotations

import http.server
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

# The tests that press Ctrl-C need it to reach the commands they start. A test run started in the
# background by a shell without job control (`cmd &` in a script) inherits SIGINT ignored, and so
# would every command it starts: they are given the default, as a terminal's user has it.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

from tubenotes.testing.socks5 import Socks5Server
from tubenotes.job import Generation, VideoProcessingJob

LECTURE = [
    "Today we study the first law of thermodynamics.",
    "Energy can neither be created nor destroyed, only converted from one form to another.",
    "The change in internal energy equals the heat added to the system minus the work done by the system.",
    "Consider a gas in a cylinder with a movable piston.",
    "When we heat the gas it expands and pushes the piston, doing work on the surroundings.",
    "Internal energy is a state function, which means it depends only on the state and not on the path.",
    "Heat and work, however, are path functions: they depend on how the process happens.",
    "An isothermal process keeps the temperature constant, so for an ideal gas the internal energy does not change.",
    "An adiabatic process exchanges no heat with the surroundings.",
    "In an adiabatic expansion the gas cools because it does work using its own internal energy.",
    "Next time we will apply the first law to heat engines and refrigerators.",
    "Please read chapter three and try the problems on the ideal gas law before the next lecture.",
]


def lecture_segments() -> list[dict[str, Any]]:
    return [{"start": 7.0 * i, "duration": 7.0, "text": line} for i, line in enumerate(LECTURE)]


@dataclass
class SeedProcessor:
    """A processor exactly as the seed describes it: two methods, a dict with 'transcript'."""

    title: str = "The First Law of Thermodynamics"
    calls: list[str] = field(default_factory=list)

    def get_transcript(self, video_id: str) -> dict[str, Any]:
        self.calls.append(video_id)
        return {"transcript": " ".join(LECTURE), "segments": lecture_segments(), "language": "en"}

    def get_video_title(self, video_id: str) -> str:
        return self.title


@dataclass
class CountingGenerator:
    """Counts generations, so tests can prove nothing is generated twice."""

    calls: list[str] = field(default_factory=list)

    def generate_notes(self, job: VideoProcessingJob) -> Generation:
        self.calls.append(f"notes:{job.video_id}")
        return Generation(f"## Summary\n\nNotes on {job.video_title}.", "counting")

    def generate_assessment(self, job: VideoProcessingJob) -> Generation:
        self.calls.append(f"assessment:{job.video_id}")
        return Generation("## Questions\n\n1. What is conserved?\n\n## Answer key\n\n1. Energy", "counting")


@pytest.fixture(autouse=True)
def no_llm_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests (and the CLI processes they start) never reach an LLM the developer happens to have."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "OPENROUTER_API_KEY", "GROQ_API_KEY",
                 "TUBENOTES_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TUBENOTES_MODEL", "offline")


def trust(monkeypatch: pytest.MonkeyPatch, ca_file) -> None:
    """Make this test, and the processes it starts, trust a fake server's throwaway CA alone."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


@pytest.fixture
def socks(youtube) -> Iterator[Socks5Server]:
    """A SOCKS5 server in front of the module's ``youtube`` fixture (a FakeYouTube)."""
    with Socks5Server(youtube.address) as server:
        yield server


@pytest.fixture
def processor() -> SeedProcessor:
    return SeedProcessor()


@pytest.fixture
def generator() -> CountingGenerator:
    return CountingGenerator()


@dataclass
class CountingExporter:
    """Writes a minimal PDF per call and counts calls (the real Typst exporter has its own tests)."""

    calls: list[str] = field(default_factory=list)

    def markdown_to_pdf(self, markdown_path, pdf_path) -> list[str]:
        self.calls.append(markdown_path.name)
        pdf_path.write_bytes(b"%PDF-1.4\n%%EOF\n")
        return []


@pytest.fixture
def exporter() -> CountingExporter:
    return CountingExporter()


class CountingHandler(http.server.BaseHTTPRequestHandler):
    """Answers 404 and records each path: a server that must receive no request."""

    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        self.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    requests: list[str] = []
    handler = type("Handler", (CountingHandler,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
