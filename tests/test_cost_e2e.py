"""The cost of a run known before (`estimate`, `run --dry-run`) and capped during it (`--max-cost`)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.test_batch_e2e import write_lectures
from tubenotes.testing.fake_llm import FakeLlmServer

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.delenv("TUBENOTES_MODEL", raising=False)
    with FakeLlmServer() as server:
        server.batches.delay = 0.2
        yield server


def priced(fake: FakeLlmServer) -> list[str]:
    """A model with a price (the openai preset's), served by the fake."""
    return ["--model", "openai:gpt-4o-mini", "--base-url", fake.base_url, "--no-pdf", "-q"]


def used_tokens(vault: Path) -> int:
    jobs = json.loads(run_cli("status", "--vault", vault, "--json", check=True).stdout)
    return sum(job["token_usage"]["prompt_tokens"] + job["token_usage"]["completion_tokens"] for job in jobs)


@pytest.mark.slow  # four runs over the examples' hour of lectures
def test_the_dry_run_estimate_is_within_15_percent_of_the_tokens_then_used(tmp_path: Path, fake) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "in")
    vault = tmp_path / "vault"
    for window in ("8192", "128000"):  # chunked (map, then reduce) and whole
        calls = fake.calls
        dry = run_cli("run", tmp_path / "in", "--dry-run", *priced(fake), "--context-window", window, "--vault", vault)
        assert dry.returncode == 0, dry.stdout + dry.stderr
        assert fake.calls == calls  # no LLM was called
        expected = int(re.search(r"expected: \d+ call\(s\), ([\d,]+) tokens", dry.stdout).group(1).replace(",", ""))
        assert re.search(r"cost: \$[\d.]+ live, \$[\d.]+ through the Batch API", " ".join(dry.stdout.split()))
        done = run_cli("run", tmp_path / "in", *priced(fake), "--context-window", window, "--vault", vault)
        assert done.returncode == 0, done.stdout + done.stderr
        used = used_tokens(vault)
        assert abs(expected - used) <= 0.15 * used, (window, expected, used)
        shutil.rmtree(vault)  # the next window starts afresh


@pytest.mark.slow
def test_max_cost_stops_before_the_call_that_would_pass_it_and_resume_goes_on(tmp_path: Path, fake) -> None:
    write_lectures(tmp_path / "in", 4)
    vault = tmp_path / "vault"
    cap = 0.0005  # about two calls of gpt-4o-mini on these short lectures
    capped = run_cli("run", tmp_path / "in", *priced(fake), "--llm-concurrency", "1", "--max-cost", cap,
                     "--vault", vault)
    assert capped.returncode == 1, capped.stdout + capped.stderr
    assert "stopped before passing --max-cost $0.00" in " ".join(capped.stderr.split())
    jobs = json.loads(run_cli("status", "--vault", vault, "--json", check=True).stdout)
    assert sum(job["token_usage"]["cost_usd"] for job in jobs) <= cap
    assert 0 < fake.calls < 4 and not any(job["stage"] == "failed" for job in jobs)  # one call a lecture
    assert any(job["stage"] != "completed" for job in jobs)
    resumed = run_cli("resume", "--vault", vault, "-q")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert fake.calls >= 4 and max(fake.calls_by_prompt.values()) == 1  # each asked once: nothing lost


@pytest.mark.slow
def test_max_cost_stops_before_a_batch_that_would_pass_it(tmp_path: Path, fake) -> None:
    write_lectures(tmp_path / "in", 4)
    vault = tmp_path / "vault"
    capped = run_cli("run", tmp_path / "in", *priced(fake), "--batch", "--max-cost", "0.0001", "--vault", vault)
    assert capped.returncode == 1 and "would cost about" in capped.stderr, capped.stdout + capped.stderr
    assert not fake.batches.batches and fake.calls == 0
    resumed = run_cli("resume", "--vault", vault, "-q")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert fake.batches.batches and fake.calls == 0


@pytest.mark.slow
def test_the_estimate_needs_no_key_and_the_run_still_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    write_lectures(tmp_path / "in", 2)
    vault = tmp_path / "vault"
    estimated = run_cli("estimate", tmp_path / "in", "--model", "openai:gpt-4o-mini", "--vault", vault)
    assert estimated.returncode == 0, estimated.stdout + estimated.stderr
    assert re.search(r"cost: \$[\d.]+ live, \$[\d.]+ through the Batch API", " ".join(estimated.stdout.split()))
    keyless = run_cli("run", tmp_path / "in", "--model", "openai:gpt-4o-mini", "--vault", vault)
    assert keyless.returncode == 2 and "OPENAI_API_KEY" in keyless.stderr
