"""`tubenotes run --batch`: a provider's Batch API answers, through the CLI against the fake server."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

from tests.cli import run_cli, start_cli
from tests.conftest import LECTURE
from tubenotes.testing.fake_batches import BatchPlan
from tubenotes.testing.fake_llm import Behavior, FakeLlmServer

KEY = "sk-test-key-that-must-not-leak"


def write_lectures(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    for number in range(count):
        lines = LECTURE[number % len(LECTURE):] + LECTURE[:number % len(LECTURE)]
        cues = [f"00:00:{i * 4:02d}.000 --> 00:00:{i * 4 + 3:02d}.000\n{line} (lecture {number})\n"
                for i, line in enumerate(lines)]
        (folder / f"lecture{number}.en.vtt").write_text("WEBVTT\n\n" + "\n".join(cues))
    return sorted(folder.iterdir())


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TUBENOTES_LLM_API_KEY", KEY)
    monkeypatch.delenv("TUBENOTES_MODEL", raising=False)
    with FakeLlmServer() as server:
        server.batches.delay = 0.3
        yield server


def llm(fake: FakeLlmServer) -> list[str]:
    return ["--base-url", fake.base_url, "--model", "fake-model", "--no-pdf", "-q"]


def jobs(vault: Path) -> list[dict]:
    return json.loads(run_cli("status", "--vault", vault, "--json", check=True).stdout)


@pytest.mark.slow
def test_a_course_with_batch_completes_with_no_live_call(tmp_path: Path, fake: FakeLlmServer) -> None:
    write_lectures(tmp_path / "in", 6)
    vault = tmp_path / "vault"
    result = run_cli("run", tmp_path / "in", "--batch", *llm(fake), "--vault", vault)
    assert result.returncode == 0, result.stdout + result.stderr
    assert fake.calls == 0  # not one live call
    lectures, *course = fake.batches.batches.values()
    assert len(lectures.lines) == 12  # the notes and the assessment of six lectures, in one batch
    assert course and all(json.dumps(batch.lines).count("course") > 1 for batch in course)  # then the course's
    assert max(fake.batches.submitted.values()) == 1
    assert "Submitted batch" in result.stderr and "unknown" in result.stdout
    done = jobs(vault)
    assert [job["stage"] for job in done] == ["completed"] * 6
    assert all(job["token_usage"]["calls"] == 2 and job["token_usage"]["cost_usd"] is None for job in done)
    assert [job["attempts"]["fetch"] for job in done] == [1] * 6  # a job that waited is not fetched again
    notes = Path(done[0]["notes_file"]).read_text()
    assert "## Summary" in notes and "(lecture 0)" in notes
    assert KEY not in result.stdout + result.stderr
    batches = len(fake.batches.batches)
    again = run_cli("run", tmp_path / "in", "--batch", *llm(fake), "--vault", vault)
    assert again.returncode == 0 and len(fake.batches.batches) == batches  # nothing asked twice


@pytest.mark.slow
def test_a_failed_line_is_submitted_again_and_an_expired_batch_gives_what_finished(
        tmp_path: Path, fake: FakeLlmServer) -> None:
    write_lectures(tmp_path / "in", 3)
    vault = tmp_path / "vault"
    # lecture1's notes fail once in the first batch (an error line whose "error" is null).
    fake.when(lambda body: "(lecture 1)" in json.dumps(body) and "JSON" not in json.dumps(body),
              Behavior("server_error", status=500))
    fake.batches.plan(BatchPlan("complete"), BatchPlan("expire", finished=0))
    result = run_cli("run", tmp_path / "in", "--batch", *llm(fake), "--vault", vault)
    assert result.returncode == 0, result.stdout + result.stderr
    submitted = fake.batches.submitted
    # The failed line is asked again, in a batch that expires; then again (the course's batches follow).
    assert [len(batch.lines) for batch in fake.batches.batches.values()][:3] == [6, 1, 1]
    retried = [key for key, times in submitted.items() if times > 1]
    assert len(retried) == 1 and submitted[retried[0]] == 3
    assert fake.calls == 0 and [job["stage"] for job in jobs(vault)] == ["completed"] * 3


@pytest.mark.slow
def test_a_request_that_fails_at_every_attempt_fails_its_job_with_the_providers_reason(
        tmp_path: Path, fake: FakeLlmServer) -> None:
    write_lectures(tmp_path / "in", 2)
    vault = tmp_path / "vault"
    fake.when(lambda body: "(lecture 1)" in json.dumps(body) and "JSON" in json.dumps(body),
              *[Behavior("server_error", status=503)] * 5)
    result = run_cli("run", tmp_path / "in", "--batch", *llm(fake), "--vault", vault)
    assert result.returncode == 1, result.stdout + result.stderr
    by_name = {Path(job["url"]).name: job for job in jobs(vault)}
    assert by_name["lecture0.en.vtt"]["stage"] == "completed"
    failed = by_name["lecture1.en.vtt"]
    assert failed["stage"] == "failed" and "HTTP 503" in failed["error"] and "The server had an error" in failed["error"]
    assert fake.calls == 0
    retried = run_cli("retry", "--vault", vault, "-q")  # the provider has recovered: the request gets new attempts
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert [job["stage"] for job in jobs(vault)] == ["completed"] * 2 and fake.calls == 0


@pytest.mark.slow
def test_a_server_without_the_batch_api_and_a_provider_without_one_say_so(tmp_path: Path, fake: FakeLlmServer,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write_lectures(tmp_path / "in", 1)
    fake.batches.enabled = False
    result = run_cli("run", tmp_path / "in", "--batch", *llm(fake), "--vault", tmp_path / "vault")
    assert result.returncode == 2 and "has no Batch API (HTTP 404 on /v1/batches)" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr and fake.calls == 0
    ollama = run_cli("run", tmp_path / "in", "--batch", "--model", "ollama:llama3.2", "--vault", tmp_path / "v2")
    assert ollama.returncode == 2 and "ollama has no Batch API" in ollama.stderr
    assert not (tmp_path / "v2" / "General").exists()  # stopped before any stage ran


def _three_hour_lecture(path: Path) -> None:
    """The example physics lecture three times over, each copy later in time and marked: about three hours."""
    from tubenotes.sources.local import LocalTranscriptFile

    example = Path(__file__).resolve().parent.parent / "examples" / "Physics" / "intro_to_thermodynamics.en.vtt"
    segments = LocalTranscriptFile(example).get_transcript("x")["segments"]
    length = segments[-1]["start"] + segments[-1]["duration"]

    def stamp(seconds: float) -> str:
        return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}"

    cues = [f"{stamp(s['start'] + n * length)} --> {stamp(s['start'] + n * length + s['duration'])}\n"
            f"{s['text']}{f' (run {n + 1})' if n else ''}\n"
            for n in range(3) for s in segments]
    path.write_text("WEBVTT\n\n" + "\n".join(cues))


@pytest.mark.slow  # a three-hour transcript, chunked
def test_a_chunked_three_hour_lecture_goes_through_in_two_rounds(tmp_path: Path, fake: FakeLlmServer) -> None:
    (tmp_path / "in").mkdir()
    _three_hour_lecture(tmp_path / "in" / "thermodynamics_3h.en.vtt")
    vault = tmp_path / "vault"
    result = run_cli("run", tmp_path / "in", "--batch", *llm(fake), "--context-window", "16384", "--vault", vault)
    assert result.returncode == 0, result.stdout + result.stderr
    first, second, *course = (batch.lines for batch in fake.batches.batches.values())
    # The parts' notes and assessments first (one request a part asks for both), then the overview that
    # needs the parts' notes.
    assert len(first) > 2 and all("<assessment>" in json.dumps(line) for line in first)
    assert len(second) == 1 and "<notes>" in json.dumps(second[0])
    assert fake.calls == 0
    [job] = jobs(vault)
    notes = Path(job["notes_file"]).read_text()
    assert job["stage"] == "completed" and "(run 3)" in notes and "## Summary" in notes


@pytest.mark.slow
def test_kill_while_the_batch_is_in_progress_then_resume_submits_nothing_twice(
        tmp_path: Path, fake: FakeLlmServer) -> None:
    write_lectures(tmp_path / "in", 4)
    vault = tmp_path / "vault"
    fake.batches.delay = 4.0
    process = start_cli("run", tmp_path / "in", "--batch", *llm(fake), "--vault", vault)
    try:
        seen = ""
        while "Submitted batch" not in seen:
            line = process.stdout.readline()
            assert line, seen
            seen += line
        [batch] = fake.batches.batches.values()
        deadline = time.monotonic() + 10
        while fake.batches.retrieve(batch.data["id"])[1]["status"] != "in_progress":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
    status = run_cli("status", "--vault", vault, check=True, env={**os.environ, "COLUMNS": "200"}).stdout
    # The batch as the killed process last saw it.
    assert "4 waiting_for_batch" in status and re.search(f"{batch.data['id']} +│ (validating|in_progress)", status)
    resumed = run_cli("resume", "--vault", vault, "-q")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert max(fake.batches.submitted.values()) == 1  # the killed run's batch was collected, not sent again
    assert fake.calls == 0 and [job["stage"] for job in jobs(vault)] == ["completed"] * 4
    assert "batches at the provider" not in run_cli("status", "--vault", vault, check=True).stdout


@pytest.mark.slow
def test_no_wait_returns_once_submitted_and_a_cancelled_batch_is_asked_again_on_resume(
        tmp_path: Path, fake: FakeLlmServer) -> None:
    write_lectures(tmp_path / "in", 2)
    vault = tmp_path / "vault"
    fake.batches.delay = 60.0
    submitted = run_cli("run", tmp_path / "in", "--batch", "--no-wait", *llm(fake), "--vault", vault)
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    assert "tubenotes resume" in submitted.stderr and "tubenotes batch cancel" in submitted.stderr
    assert [job["stage"] for job in jobs(vault)] == ["waiting_for_batch"] * 2
    [first] = fake.batches.batches
    cancelled = run_cli("batch", "cancel", "--vault", vault)
    assert cancelled.returncode == 0 and f"batch {first}: cancelling" in cancelled.stdout, cancelled.stderr
    fake.batches.delay = 0.3
    resumed = run_cli("resume", "--vault", vault, "-q")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert fake.batches.batches[first].data["status"] == "cancelled"
    assert [job["stage"] for job in jobs(vault)] == ["completed"] * 2 and fake.calls == 0
    assert "No batch is waiting" in run_cli("batch", "cancel", "--vault", vault).stdout
