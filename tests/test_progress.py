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


def through_steps(reporter: LogReporter, batch: list[VideoProcessingJob], clock: Clock,
                  failing: set[int] = frozenset()) -> None:
    """Every job through fetch, generate and write, a second apart; the jobs in ``failing`` fail at fetch."""
    reporter.batch_started(batch, ["fetch", "generate", "write"])
    for number, job in enumerate(batch):
        for step in ("fetch", "generate", "write"):
            clock.now += 1
            if number in failing:
                job.mark_failed("captions are disabled", "transcripts_disabled")
                reporter.step_finished(job, step)
                break
            if step == "write":
                job.mark_completed()
            reporter.step_finished(job, step)


def test_a_large_batch_is_summarised_in_at_most_a_line_per_hundredth_and_names_the_first_failures() -> None:
    from tubenotes.progress import FAILURES_NAMED, SUMMARY_ABOVE

    out, clock = io.StringIO(), Clock()
    reporter = LogReporter(Console(file=out, width=200, color_system=None), clock=clock)
    batch = jobs(SUMMARY_ABOVE * 5)
    through_steps(reporter, batch, clock, failing=set(range(0, len(batch), 20)))
    lines = out.getvalue().splitlines()
    failures = [line for line in lines if "FAILED" in line]
    assert len(failures) == FAILURES_NAMED and failures[0] == (
        "[fetch] Lecture 0: FAILED (transcripts_disabled): captions are disabled")
    assert not any(": ok " in line for line in lines)  # no line per step
    summaries = [line for line in lines if "jobs finished" in line]
    assert 90 <= len(summaries) <= 101, len(summaries)
    assert len(lines) <= 2 + FAILURES_NAMED + 101
    assert summaries[-1].startswith(f"{len(batch)}/{len(batch)} jobs finished, 50 failed; fetch {len(batch)}, "
                                    f"generate 950, write 950; elapsed ")


def test_a_summarised_batch_says_where_it_is_when_jobs_finish_slowly() -> None:
    from tubenotes.progress import SUMMARY_ABOVE, SUMMARY_SECONDS

    out, clock = io.StringIO(), Clock()
    reporter = LogReporter(Console(file=out, width=200, color_system=None), clock=clock)
    batch = jobs(2) * SUMMARY_ABOVE * 50  # a hundredth is 200 jobs: a while, when each takes minutes
    reporter.batch_started(batch, ["fetch"])
    clock.now += SUMMARY_SECONDS / 2
    reporter.step_finished(batch[0], "fetch")
    clock.now += SUMMARY_SECONDS / 2
    reporter.step_finished(batch[1], "fetch")
    assert out.getvalue().splitlines()[-1].startswith("0/20000 jobs finished, 0 failed; fetch 2; elapsed 1:00")


def test_the_live_display_of_a_large_batch_names_only_the_last_jobs_and_the_first_failures() -> None:
    from tubenotes.progress import FAILURES_NAMED, RECENT_SHOWN, SUMMARY_ABOVE

    out, clock = io.StringIO(), Clock()
    reporter = RichReporter(Console(file=out, width=200, color_system=None), clock=clock)
    batch = jobs(SUMMARY_ABOVE + 100)
    reporter.tally.start(batch, ["fetch", "generate", "write"])  # as batch_started, without going live
    for number, job in enumerate(batch):
        if number % 10 == 0:
            job.mark_failed("captions are disabled", "transcripts_disabled")
        else:
            job.mark_completed()
        reporter.step_finished(job, "write")
    printed = out.getvalue().splitlines()
    assert len(printed) == FAILURES_NAMED and all(line.startswith("✗ Lecture") for line in printed)
    shown = rendered(reporter)
    assert f"{len(batch)}/{len(batch)} jobs finished, 30 failed" in shown
    assert [line.split(" (")[0] for line in shown.splitlines()[-RECENT_SHOWN:]] == [
        f"✓ Lecture {number}" for number in range(len(batch) - RECENT_SHOWN, len(batch))]


def test_a_small_batch_still_gets_a_line_per_step() -> None:
    out, clock = io.StringIO(), Clock()
    reporter = LogReporter(Console(file=out, width=200, color_system=None), clock=clock)
    through_steps(reporter, jobs(3), clock)
    assert len([line for line in out.getvalue().splitlines() if ": ok " in line]) == 9


def test_the_final_table_of_a_large_batch_counts_every_job_from_its_tally() -> None:
    """A run of thousands keeps only the jobs that did not complete: the table and its line of counts come
    from the tally of every job, not from the jobs kept."""
    from tubenotes.cli import render
    from tubenotes.executors.base import Tally

    failed = jobs(40)
    for job in failed:
        job.mark_failed("no notes in it", "permanent", False)
    tally = Tally(5000)
    tally.stages.update({ProcessingStage.COMPLETED: 4950, ProcessingStage.FAILED: 40})
    with render.out.capture() as captured:
        render.print_final_table(failed, tally=tally)
    text = captured.get()
    assert "the first 30 of the 50 job(s) not completed" in text
    assert "4950 completed, 40 failed, 10 unfinished" in text
    assert "Lecture 29" in text and "Lecture 30" not in text
