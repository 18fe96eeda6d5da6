"""What a batch shows: counts per stage, the jobs in flight, elapsed time and ETA, from an injected clock."""

from __future__ import annotations

import io

from rich.console import Console

from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.progress import LogReporter, RichReporter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def jobs(n: int) -> list[VideoProcessingJob]:
    return [VideoProcessingJob(url=f"u{i}", video_id=f"video{i:06d}", video_title=f"Lecture {i}") for i in range(n)]


def rendered(reporter: RichReporter) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(reporter._render())
    return console.file.getvalue()


def test_live_table_counts_stages_and_estimates_the_rest() -> None:
    clock = Clock()
    reporter = RichReporter(Console(file=io.StringIO(), width=120), clock=clock)
    batch = jobs(4)
    reporter.tally.total, reporter.tally.steps = 4, ["fetch", "generate"]  # as batch_started, without going live
    reporter.step_started(batch[0], "fetch")
    reporter.step_started(batch[1], "fetch")
    assert "fetch  Lecture 0" in rendered(reporter) and "0 done, 2 now" in rendered(reporter)
    clock.now += 30
    batch[0].mark_completed()
    reporter.step_finished(batch[0], "fetch")
    text = rendered(reporter)
    assert "1/4 jobs finished, 0 failed" in text
    assert "elapsed 0:30" in text and "ETA 1:30" in text  # 30 s per job, three to go
    assert "1 done, 1 now" in text and "Lecture 0" not in text.split("\n", 3)[-1]


def test_a_finished_job_gets_one_line_and_a_failure_its_reason() -> None:
    out = io.StringIO()
    reporter = RichReporter(Console(file=out, width=200, color_system=None), clock=Clock())
    done, failed = jobs(2)
    done.mark_completed()
    failed.mark_failed("captions are disabled", "transcripts_disabled")
    reporter.step_finished(done, "export")
    reporter.step_finished(failed, "fetch")
    lines = out.getvalue().splitlines()
    assert lines == ["✓ Lecture 0 (0:00)", "✗ Lecture 1: transcripts_disabled: captions are disabled"]


def test_plain_lines_name_step_job_and_outcome() -> None:
    out = io.StringIO()
    reporter = LogReporter(Console(file=out, width=200, color_system=None))
    job = jobs(1)[0]
    job.record_timing("fetch", 1.25)
    job.stage = ProcessingStage.TRANSCRIPT_FETCHED
    reporter.step_finished(job, "fetch")
    assert out.getvalue().strip() == "[fetch] Lecture 0: ok 1.2s"
    quiet = LogReporter(Console(file=io.StringIO()), verbose=False)
    quiet.step_finished(job, "fetch")
    assert quiet.console.file.getvalue() == ""
