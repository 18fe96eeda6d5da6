"""Tokens sent per video, with and without chunking, against the fake LLM server.

    python bench/bench_tokens.py [TRANSCRIPT_FILE ...]

Without arguments it takes the transcripts in examples/ and adds a
three-hour lecture made by repeating the longest one three times (later
copies shifted in time and marked, so no prompt is identical). Each video
is generated twice, with an 8k and a 128k context window; the table shows
calls, prompt and completion tokens (the fake counts chars/4, as our
estimate does) and the ratio of prompt tokens sent to transcript tokens.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from tubenotes.generate.chunking import estimate_tokens
from tubenotes.generate.llm_generator import LlmGenerator
from tubenotes.generate.providers import resolve_llm
from tubenotes.job import Chapter, SourceKind, TokenUsage, TranscriptSegment, VideoProcessingJob
from tubenotes.pipeline import fetch_transcript_and_title
from tubenotes.sources.local import LocalTranscriptFile, file_video_id, find_transcript_files
from tubenotes.store import MemoryCache
from tubenotes.testing.fake_llm import FakeLlmServer

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CONTEXT_WINDOWS = (8192, 128_000)


def load(path: Path) -> VideoProcessingJob:
    source = LocalTranscriptFile(path)
    job = VideoProcessingJob(url=str(path), video_id=file_video_id(path), source=SourceKind.FILE, source_path=path)
    return fetch_transcript_and_title(job, source, None)


def three_hours(job: VideoProcessingJob) -> VideoProcessingJob:
    """The lecture three times over, each copy shifted in time and marked, to about three hours."""
    length = job.segments[-1].end
    copies = max(1, round(3 * 3600 / length))
    segments = [TranscriptSegment(s.start + n * length, s.duration, f"{s.text} (run {n + 1})" if n else s.text)
                for n in range(copies) for s in job.segments]
    chapters = [Chapter(c.start + n * length, f"{c.title} ({n + 1})") for n in range(copies) for c in job.chapters]
    return dataclasses.replace(
        job, video_id=job.video_id + "-3h", video_title=f"{job.video_title} (3 h)", segments=segments,
        chapters=chapters, transcript=" ".join(s.text for s in segments), duration_seconds=segments[-1].end,
        warnings=[],
    )


def measure(job: VideoProcessingJob, context_window: int) -> TokenUsage:
    with FakeLlmServer() as fake:
        settings = resolve_llm("vllm:fake-model", fake.base_url, {}, lambda: None, context_window=context_window)
        assert settings is not None
        generator = LlmGenerator(settings, MemoryCache(), together=True)  # as `tubenotes run` builds it
        usage = TokenUsage()
        usage.add(generator.generate_notes(job).usage)
        usage.add(generator.generate_assessment(job).usage)
        assert usage.calls == fake.calls
        return usage


def tokens_per_transcript_token() -> dict[str, float]:
    """Prompt and completion tokens for notes plus assessment of the examples, per transcript token,
    unchunked and on an 8k context."""
    jobs = [load(path) for path in find_transcript_files(EXAMPLES)]
    transcript = sum(estimate_tokens(job.transcript or "") for job in jobs)
    figures = {}
    for label, window in (("unchunked", 128_000), ("8k", 8192)):
        used = [measure(job, window) for job in jobs]
        tokens = sum(usage.prompt_tokens + usage.completion_tokens for usage in used)
        figures[f"tokens_per_transcript_token_{label}"] = round(tokens / transcript, 3)
    return figures


def main(paths: list[Path]) -> None:
    jobs = [load(p) for p in paths or find_transcript_files(EXAMPLES)]
    if not paths:
        jobs.append(three_hours(max(jobs, key=lambda j: j.segments[-1].end)))
    header = (f"{'video':<40} {'min':>4} {'transcript':>10} {'context':>7} {'calls':>5} "
              f"{'prompt':>7} {'completion':>10} {'sent/transcript':>15}")
    print(header)
    print("-" * len(header))
    for job in jobs:
        transcript_tokens = estimate_tokens(job.transcript or "")
        for window in CONTEXT_WINDOWS:
            usage = measure(job, window)
            print(f"{(job.video_title or job.video_id)[:40]:<40} {job.segments[-1].end / 60:>4.0f} {transcript_tokens:>10} "
                  f"{window // 1000:>6}k {usage.calls:>5} {usage.prompt_tokens:>7} {usage.completion_tokens:>10} "
                  f"{usage.prompt_tokens / transcript_tokens:>15.2f}")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]])
