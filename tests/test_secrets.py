"""Secrets never reach the store, the output or the vault: a whole batch with three of them, then a search."""

from __future__ import annotations

import sqlite3
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.cli import run_cli
from tests.conftest import LECTURE, trust
from tubenotes.config import Settings
from tubenotes.testing.fake_llm import FakeLlmServer
from tubenotes.testing.fake_youtube import FakeCaptionTrack, FakeVideo, FakeYouTube

API_KEY = "sk-api-key-secret-0001"
PROXY_PASSWORD = "proxy-password-secret-0002"
QUERY_KEY = "query-key-secret-0003"
SECRETS = (API_KEY, PROXY_PASSWORD, QUERY_KEY)
VIDEO = "secretvid01"


@pytest.fixture
def youtube(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYouTube]:
    segments = [(6.0 * i, 6.0, line) for i, line in enumerate(LECTURE * 2)]
    video = FakeVideo(VIDEO, title="Heat and Work", channel="Open Lecture Hall", duration=150,
                      captions=[FakeCaptionTrack("en", segments)])
    with FakeYouTube([video], []) as fake:
        trust(monkeypatch, fake.ca_file)
        yield fake


@pytest.mark.parametrize("base_url", [
    f"https://llm.example/openai/v1?api-key={QUERY_KEY}",
    f"https://me:{API_KEY}@llm.example/openai/v1?api-key={QUERY_KEY}#{QUERY_KEY}",
])
def test_the_remembered_base_url_keeps_no_user_password_or_query(base_url: str) -> None:
    settings = Settings(base_url=base_url, model="custom:gpt")
    assert settings.remembered({"base_url", "model"}) == {"base_url": "https://llm.example/openai/v1",
                                                         "model": "custom:gpt"}


@pytest.mark.slow
def test_no_secret_reaches_the_store_the_output_or_the_vault(tmp_path: Path, youtube, socks,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    lecture = tmp_path / "lecture.en.vtt"
    cues = [f"00:00:{i * 4:02d}.000 --> 00:00:{i * 4 + 3:02d}.000\n{line}\n" for i, line in enumerate(LECTURE)]
    lecture.write_text("WEBVTT\n\n" + "\n".join(cues))
    vault = tmp_path / "vault"
    monkeypatch.setenv("TUBENOTES_LLM_API_KEY", API_KEY)
    monkeypatch.delenv("TUBENOTES_MODEL", raising=False)

    def tubenotes(*args: str) -> subprocess.CompletedProcess:
        return run_cli(*args, "--vault", str(vault))

    with FakeLlmServer() as fake:
        run = tubenotes("run", VIDEO, str(lecture), "--network", "proxies",
                        f"--proxy={socks.proxy_url('node-a', PROXY_PASSWORD)}",
                        "--base-url", f"{fake.base_url}?api-key={QUERY_KEY}", "--model", "fake-model")
        assert run.returncode == 0, run.stdout + run.stderr
        # The secrets were in use: the key in the query went with every request, the proxy was used.
        assert fake.calls >= 4 and all(query == f"api-key={QUERY_KEY}" for query in fake.queries)
        assert "node-a" in socks.usernames
        outputs = [run, tubenotes("status"), tubenotes("status", "--json"), tubenotes("resume"),
                   tubenotes("retry")]

    found = {f"output of {' '.join(result.args[3:5])}": result.stdout + result.stderr for result in outputs}
    database = vault / ".tubenotes" / "tubenotes.db"
    with sqlite3.connect(database) as connection:
        found["store (SQL dump)"] = "\n".join(connection.iterdump())
    files = [path for path in vault.rglob("*") if path.is_file()]
    assert any(path.suffix == ".pdf" for path in files) and any(path.suffix == ".md" for path in files)
    for path in files:
        found[str(path.relative_to(vault))] = _readable(path)
    leaks = [(secret, where) for where, text in found.items() for secret in SECRETS if secret in text]
    assert leaks == []


def _readable(path: Path) -> str:
    """The file's bytes as text, and what compression hides: PDF text, the members of an Anki deck."""
    text = path.read_bytes().decode("latin-1")
    if path.suffix == ".pdf":
        text += "".join(page.extract_text() for page in PdfReader(path).pages)
    if path.suffix == ".apkg":
        with zipfile.ZipFile(path) as deck:
            text += "".join(deck.read(name).decode("latin-1") for name in deck.namelist())
    return text
