"""A 30-lecture course through `tubenotes run --batch`, against the fake server's Batch API.

    python bench/bench_batch.py [--lectures 30] [--delay 20]

The lectures are the examples' transcripts, each copied ten times with its
copy's number on every line (so no two prompts are alike). First `tubenotes
estimate` (no LLM), then `tubenotes run --batch` with the fake provider
taking ``--delay`` seconds per batch; the model is the openai preset's
gpt-4o-mini, so that there are prices. Prints one `name=value` line per
figure: live calls, batch rounds and requests, estimated and actual tokens,
cost at the live and at the batch price, status requests per batch (and,
from the poll schedule, how many a batch of an hour and of a day would get),
the time from the provider's completion of the last batch to the notes
written, and tokens per transcript token (`bench_tokens`), unchunked and on
an 8k context.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from bench_tokens import EXAMPLES, load, tokens_per_transcript_token  # noqa: E402

from tubenotes.executors.batched import FIRST_POLL, MAX_POLL_INTERVAL, poll_interval  # noqa: E402
from tubenotes.generate.chunking import estimate_tokens  # noqa: E402
from tubenotes.generate.providers import resolve_llm  # noqa: E402
from tubenotes.sources.local import find_transcript_files  # noqa: E402
from tubenotes.store import SqliteStore  # noqa: E402
from tubenotes.testing.fake_llm import FakeLlmServer  # noqa: E402


def write_course(folder: Path, lectures: int) -> int:
    """``lectures`` VTT transcripts from the examples; returns their transcript tokens."""
    folder.mkdir(parents=True)
    examples = [load(path) for path in find_transcript_files(EXAMPLES)]
    tokens = 0
    for number in range(lectures):
        job = examples[number % len(examples)]
        cues = [f"{_stamp(s.start)} --> {_stamp(s.start + s.duration)}\n{s.text} ({number})\n" for s in job.segments]
        (folder / f"lecture{number:02d}.{job.language or 'en'}.vtt").write_text("WEBVTT\n\n" + "\n".join(cues))
        tokens += estimate_tokens(" ".join(f"{s.text} ({number})" for s in job.segments))
    return tokens


def _stamp(seconds: float) -> str:
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}"


def poll_ages(until: float) -> list[float]:
    """The ages of a batch at which the poll schedule looks at it, up to ``until`` seconds."""
    ages = [FIRST_POLL]
    while ages[-1] + poll_interval(ages[-1]) <= until:
        ages.append(ages[-1] + poll_interval(ages[-1]))
    return ages


def polls_within(seconds: float) -> int:
    return len(poll_ages(seconds))


def next_look_after(age: float) -> float:
    return next(look for look in poll_ages(age + MAX_POLL_INTERVAL + 1) if look >= age)


def tubenotes(*args: object, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tubenotes", *map(str, args)], capture_output=True, text=True,
                          env=env, check=True)


def main(lectures: int, delay: float) -> None:
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench", "COLUMNS": "200"}
    env.pop("TUBENOTES_MODEL", None)
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as scratch, FakeLlmServer() as fake:
        folder, vault = Path(scratch) / "course", Path(scratch) / "vault"
        transcript_tokens = write_course(folder, lectures)
        fake.batches.delay = delay
        llm = ("--model", "openai:gpt-4o-mini", "--base-url", fake.base_url, "--no-pdf", "--vault", vault)
        estimate = tubenotes("estimate", folder, *llm, env=env).stdout
        figures["estimated_tokens"] = int(re.search(r"expected: \d+ call\(s\), ([\d,]+) tokens",
                                                    estimate).group(1).replace(",", ""))
        started = time.time()
        tubenotes("run", folder, "--batch", *llm, "-q", env=env)
        figures["run_s"] = round(time.time() - started, 1)
        jobs = json.loads(tubenotes("status", "--vault", vault, "--json", env=env).stdout)
        assert all(job["stage"] == "completed" for job in jobs), [job["error"] for job in jobs]
        batches = list(fake.batches.batches.values())
        lecture_batches = [batch for batch in batches if "<transcript>" in json.dumps(batch.lines)
                           or "<notes>" in json.dumps(batch.lines)]
        last = lecture_batches[-1]
        with SqliteStore(vault) as store:  # when each lecture's notes were written (its last stage, PDFs off)
            notes_written = max(job.completed_at or 0.0 for job in store.jobs())

        prompt = sum(job["token_usage"]["prompt_tokens"] for job in jobs)
        completion = sum(job["token_usage"]["completion_tokens"] for job in jobs)
        settings = resolve_llm("openai:gpt-4o-mini", fake.base_url, {"OPENAI_API_KEY": "x"}, lambda: None)
        figures["live_calls"] = fake.calls
        figures["batch_rounds"] = len(batches)
        figures["batch_requests"] = "/".join(str(len(batch.lines)) for batch in batches)
        figures["lecture_batch_rounds"] = len(lecture_batches)
        figures["requests_submitted_twice"] = sum(times > 1 for times in fake.batches.submitted.values())
        figures["actual_tokens_lectures"] = prompt + completion
        figures["estimate_error"] = f"{figures['estimated_tokens'] / (prompt + completion) - 1:+.1%}"
        figures["cost_usd_live_price"] = round(settings.cost(prompt, completion), 4)
        figures["cost_usd_batch_price"] = round(settings.cost(prompt, completion, batch=True), 4)
        figures["status_requests_per_batch"] = "/".join(str(fake.batches.polls[batch.data["id"]]) for batch in batches)
        figures["status_requests_first_hour"] = polls_within(3600)
        figures["status_requests_24h"] = polls_within(86_400)
        figures["max_status_requests_per_min_after_5_min"] = round(60 / poll_interval(300), 2)
        figures["completion_to_notes_s"] = round(notes_written - last.finished_at, 2)
        figures["of_which_waiting_for_the_next_look_s"] = round(next_look_after(last.finished_at - last.created)
                                                                - (last.finished_at - last.created), 2)
        figures["transcript_tokens"] = transcript_tokens
    figures.update(tokens_per_transcript_token())
    for name, value in figures.items():
        print(f"{name}={value}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lectures", type=int, default=30)
    parser.add_argument("--delay", type=float, default=20.0, help="seconds the fake provider takes per batch")
    options = parser.parse_args()
    main(options.lectures, options.delay)
