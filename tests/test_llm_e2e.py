"""`tubenotes run` with an LLM: the CLI, the store's cache and the real SDK against the fake server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.conftest import LECTURE
from tubenotes.testing.fake_llm import Behavior, FakeLlmServer

KEY = "sk-test-key-that-must-not-leak"


def write_lectures(folder: Path) -> None:
    folder.mkdir()
    for number in range(3):
        lines = LECTURE[number:] + LECTURE[:number]
        cues = [f"00:00:{i * 4:02d}.000 --> 00:00:{i * 4 + 3:02d}.000\n{line}\n" for i, line in enumerate(lines)]
        (folder / f"lecture{number}.en.vtt").write_text("WEBVTT\n\n" + "\n".join(cues))


def tubenotes(vault: Path, fake: FakeLlmServer, *args: str, monkeypatch: pytest.MonkeyPatch) -> subprocess.CompletedProcess:
    monkeypatch.setenv("TUBENOTES_LLM_API_KEY", KEY)
    monkeypatch.delenv("TUBENOTES_MODEL", raising=False)
    return run_cli(*args, "--vault", str(vault))


@pytest.mark.slow
def test_llm_notes_through_the_cli_and_a_rerun_pays_nothing(tmp_path: Path, monkeypatch) -> None:
    write_lectures(tmp_path / "in")
    vault = tmp_path / "vault"
    with FakeLlmServer() as fake:
        llm = ["--base-url", fake.base_url, "--model", "fake-model", "--no-pdf", "-q"]
        first = tubenotes(vault, fake, "run", str(tmp_path / "in"), *llm, monkeypatch=monkeypatch)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "Generating with" in first.stderr
        # The fake model has no price: its cost is unknown, which never reads as free.
        assert "unknown" in first.stdout and "$0.0000" not in first.stdout
        calls = fake.calls
        assert calls >= 6  # notes and assessment for each of three lectures
        again = tubenotes(vault, fake, "run", str(tmp_path / "in"), *llm, monkeypatch=monkeypatch)
        assert again.returncode == 0 and fake.calls == calls, "a re-run called the LLM again"

        status = run_cli("status", "--vault", str(vault), "--json", check=True)
    jobs = json.loads(status.stdout)
    assert all(job["stage"] == "completed" for job in jobs)
    assert all(job["generator"].endswith("fake-model") for job in jobs)
    assert all(job["token_usage"]["prompt_tokens"] > 0 for job in jobs)
    notes = Path(jobs[0]["notes_file"]).read_text()
    assert "[[" in notes
    stored = (vault / ".tubenotes" / "tubenotes.db").read_bytes()
    for text in (first.stdout, first.stderr, again.stdout, status.stdout, notes, stored.decode("latin-1")):
        assert KEY not in text


@pytest.mark.slow
def test_a_refusing_llm_fails_that_job_with_a_reason_and_writes_no_note(tmp_path: Path, monkeypatch) -> None:
    write_lectures(tmp_path / "in")
    vault = tmp_path / "vault"
    with FakeLlmServer() as fake:
        # lecture0's transcript opens with LECTURE[0]; every answer about it is an apology.
        fake.when(lambda body: f"] {LECTURE[0]}" in json.dumps(body), *[Behavior("apology")] * 20)
        result = tubenotes(vault, fake, "run", str(tmp_path / "in" / "lecture0.en.vtt"),
                           str(tmp_path / "in" / "lecture1.en.vtt"), "--base-url", fake.base_url,
                           "--model", "fake-model", "--no-pdf", "-q", monkeypatch=monkeypatch)
    assert result.returncode == 1, result.stdout + result.stderr
    status = run_cli("status", "--vault", str(vault), "--json", check=True)
    jobs = {Path(job["url"]).name: job for job in json.loads(status.stdout)}
    assert jobs["lecture1.en.vtt"]["stage"] == "completed"
    failed = jobs["lecture0.en.vtt"]
    assert failed["stage"] == "failed" and failed["error_kind"] == "generation" and failed["notes_file"] is None
    assert failed["token_usage"]["calls"] == 2  # the apology and its repair were paid for, and are counted
    assert not list(vault.rglob("Lecture0*"))


@pytest.mark.slow
def test_regenerate_without_model_flags_asks_the_model_that_made_the_notes(tmp_path: Path, monkeypatch) -> None:
    write_lectures(tmp_path / "in")
    vault = tmp_path / "vault"
    lecture = str(tmp_path / "in" / "lecture0.en.vtt")
    with FakeLlmServer() as fake:
        first = tubenotes(vault, fake, "run", lecture, "--base-url", fake.base_url, "--model", "fake-model",
                          "--no-pdf", "-q", monkeypatch=monkeypatch)
        assert first.returncode == 0, first.stdout + first.stderr
        before = json.loads(run_cli("status", "--vault", str(vault), "--json", check=True).stdout)[0]
        calls = fake.calls
        # No key for any hosted LLM here: without the vault's memory this would be the offline generator.
        again = tubenotes(vault, fake, "run", lecture, "--regenerate", "--no-pdf", "-q", monkeypatch=monkeypatch)
        assert again.returncode == 0, again.stdout + again.stderr
        assert fake.calls > calls and "offline" not in again.stderr
        after = json.loads(run_cli("status", "--vault", str(vault), "--json", check=True).stdout)[0]
    assert after["generator"] == before["generator"] == "custom:fake-model"
    # What was paid for the lecture, both answers: the counts stay true.
    assert after["token_usage"]["prompt_tokens"] > before["token_usage"]["prompt_tokens"]
    assert after["token_usage"]["calls"] == 2 * before["token_usage"]["calls"]


@pytest.mark.slow
def test_regenerate_refuses_when_the_server_that_made_the_notes_is_unknown(tmp_path: Path, monkeypatch) -> None:
    write_lectures(tmp_path / "in")
    vault = tmp_path / "vault"
    lecture, other = (str(tmp_path / "in" / f"lecture{n}.en.vtt") for n in (0, 1))
    with FakeLlmServer() as fake:
        first = tubenotes(vault, fake, "run", lecture, "--base-url", fake.base_url, "--model", "fake-model",
                          "--no-pdf", "-q", monkeypatch=monkeypatch)
        assert first.returncode == 0, first.stdout + first.stderr
        # A later run with other settings: the vault no longer remembers the server.
        assert tubenotes(vault, fake, "run", other, "--model", "offline", "--no-pdf", "-q",
                         monkeypatch=monkeypatch).returncode == 0
        refused = tubenotes(vault, fake, "run", lecture, "--regenerate", "--no-pdf", "-q", monkeypatch=monkeypatch)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "--model fake-model --base-url URL" in refused.stderr and "Traceback" not in refused.stderr
    jobs = {Path(job["url"]).name: job for job in
            json.loads(run_cli("status", "--vault", str(vault), "--json", check=True).stdout)}
    kept = jobs["lecture0.en.vtt"]
    assert kept["stage"] == "completed" and kept["generator"] == "custom:fake-model"  # left as it was
    assert Path(kept["notes_file"]).exists()
