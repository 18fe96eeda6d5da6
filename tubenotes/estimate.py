"""`tubenotes estimate` (and `run --dry-run`): the tokens and cost of a batch before it is run.

It fetches what it must (transcripts, through the same stages and exit nodes
as a run, kept in the store so that the run does not fetch them again),
calls no LLM, and counts what the generation of each job will send: the
prompts exactly as they will be built, the answers as expected.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tubenotes.errors import ConfigurationError
from tubenotes.job import TokenUsage, VideoProcessingJob
from tubenotes.outcome import run_step
from tubenotes.stages import Stages


@dataclass
class JobEstimate:
    job: VideoProcessingJob
    usage: TokenUsage = field(default_factory=TokenUsage)


@dataclass
class Estimate:
    label: str
    jobs: list[JobEstimate]
    live_usd: float | None  # None: the model's price is unknown
    batch_usd: float | None  # None: unknown, or the provider has no batch price

    @property
    def usage(self) -> TokenUsage:
        total = TokenUsage()
        for item in self.jobs:
            total.add(item.usage)
        return total


def estimate(stages: Stages, jobs: list[VideoProcessingJob]) -> Estimate:
    """The expected generation of ``jobs``, after fetching the transcripts they lack."""
    from tubenotes.generate.estimating import expected_generation, priced

    llm = stages.llm()
    if llm is None:
        raise ConfigurationError("the offline generator costs nothing; name the LLM to estimate with --model")
    stages.prepare(jobs)
    with ThreadPoolExecutor(max_workers=stages.settings.pool_size, thread_name_prefix="tubenotes-estimate") as pool:
        fetched = list(pool.map(lambda job: _fetched(stages, job), jobs))
    estimates = [JobEstimate(job) for job in fetched]
    for item in estimates:
        if not item.job.is_finished() and item.job.has_transcript():
            item.usage = expected_generation(llm, stages.store.cache, item.job)
    total = TokenUsage()
    for item in estimates:
        total.add(item.usage)
    live, batch = priced(llm, total)
    return Estimate(llm.label, estimates, live, batch)


def _fetched(stages: Stages, job: VideoProcessingJob) -> VideoProcessingJob:
    """The job with its transcript, fetched (or transcribed) and saved when it had none."""
    while (name := stages.next_stage(job)) in ("fetch", "transcribe"):
        result = run_step(name, job, stages.run, stages.store)
        if not result.saved:  # no job's fault (a full disk, the store out of reach): the estimate stops
            if result.error is not None:
                raise result.error
            break
        job = result.job
    return job
