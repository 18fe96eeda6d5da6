"""A simulated batch on the local runner and on Celery with 1, 2 and 4 worker processes.

    python bench/bench_celery.py [--jobs 200] [--fetch-latency 0.02] [--llm-latency 0.25] [--workers 1,2,4]

Everything is local and real but the far ends: the fake YouTube (HTTPS, each
answer after ``--fetch-latency`` seconds; a fetch makes several requests)
behind the test SOCKS5 server, the fake LLM (each answer after
``--llm-latency`` seconds, two calls a job), Redis as broker and PostgreSQL
as the store (a fresh database and Redis database per run). No PDFs: export
is CPU-bound and this machine has 2 cores.

The local runner fetches ``--threads`` jobs and generates for ``--threads``
at once. Each Celery worker process runs fetch and generate with twice that
many tasks at once (its one pool serves both queues) and adds ``--threads``
LLM slots to the limit shared across workers; one more worker writes (the
single writer of the vault). So "celery x1" runs what the local runner runs,
and its row against "local" is the overhead of the broker and the shared
store; the rows below it show how the makespan scales with worker processes.
Wall time is the coordinator's, from start to its exit (all jobs written),
workers already running.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from tubenotes.testing.fake_llm import Behavior, FakeLlmServer
from tubenotes.testing.fake_youtube import FakeCaptionTrack, FakeVideo, FakeYouTube
from tubenotes.testing.services import postgres_database, redis_database
from tubenotes.testing.socks5 import Socks5Server

LINES = [
    "Today we study the first law of thermodynamics.",
    "Energy can neither be created nor destroyed, only converted from one form to another.",
    "The change in internal energy equals the heat added to the system minus the work done by the system.",
    "An adiabatic process exchanges no heat with the surroundings.",
    "Internal energy is a state function, which means it depends only on the state and not on the path.",
]
KEY = "sk-bench"


def tubenotes(*args: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tubenotes", *args], env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while "ready." not in log.read_text():
        if time.monotonic() > deadline:
            raise RuntimeError(f"worker did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def coordinate(args: list[str], env: dict[str, str], log: Path) -> float:
    started = time.perf_counter()
    process = tubenotes(*args, env=env, log=log)
    if process.wait() != 0:
        raise RuntimeError(f"the batch failed:\n{log.read_text()[-3000:]}")
    return time.perf_counter() - started


def makespans(jobs: int, fetch_latency: float, llm_latency: float, threads: int,
              counts: list[int]) -> tuple[float, dict[int, float]]:
    """Seconds for the batch on the local runner, and on Celery by the count of worker processes."""
    ids = [f"bench{n:06d}" for n in range(jobs)]
    segments = [(5.0 * i, 5.0, line) for i, line in enumerate(LINES * 6)]
    videos = [FakeVideo(vid, title=f"Lecture {n}", captions=[FakeCaptionTrack("en", segments)])
              for n, vid in enumerate(ids)]

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-celery-")))
        youtube = stack.enter_context(FakeYouTube(videos))
        youtube.latency = fetch_latency
        socks = stack.enter_context(Socks5Server(youtube.address))
        llm = stack.enter_context(FakeLlmServer())
        llm.script(*[Behavior(delay=llm_latency)] * (jobs * 4 * (len(counts) + 1)))
        env = {name: value for name, value in os.environ.items() if name != "TUBENOTES_MODEL"}
        env.update(REQUESTS_CA_BUNDLE=str(youtube.ca_file), SSL_CERT_FILE=str(youtube.ca_file),
                   TUBENOTES_LLM_API_KEY=KEY)
        network = ["--network", "proxies", "--pool-size", str(threads),
                   *[f"--proxy={socks.proxy_url(f'node{n}')}" for n in range(threads)]]
        llm_args = ["--base-url", llm.base_url, "--model", "fake-model"]
        urls = [f"https://youtu.be/{vid}" for vid in ids]

        celery: dict[int, float] = {}
        local = coordinate(["run", *urls, "--vault", str(tmp / "local"), *network, *llm_args, "--no-pdf", "-q",
                            "--llm-concurrency", str(threads)], env, tmp / "local.log")
        for count in counts:
            with postgres_database() as store, redis_database() as broker:
                run_env = {**env, "TUBENOTES_STORE": store, "TUBENOTES_BROKER": broker}
                vault = tmp / f"celery{count}"
                workers = [tubenotes("worker", "--queues", "write", "--name", "writer", "--vault", str(vault),
                                     env=run_env, log=tmp / f"w{count}-writer.log")]
                workers += [tubenotes("worker", "--queues", "fetch,generate", "--name", f"w{n}", "--concurrency",
                                      str(2 * threads), "--vault", str(vault), *network, env=run_env,
                                      log=tmp / f"w{count}-{n}.log") for n in range(count)]
                try:
                    for log in tmp.glob(f"w{count}-*.log"):
                        wait_ready(log)
                    llm_slots = str(threads * count)
                    celery[count] = coordinate(["run", *urls, "--vault", str(vault), "--executor", "celery", *llm_args,
                                          "--no-pdf", "-q", "--llm-concurrency", llm_slots], run_env,
                                         tmp / f"c{count}.log")
                finally:
                    for worker in workers:
                        stop(worker)
    return local, celery


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--fetch-latency", type=float, default=0.02, help="seconds per fake YouTube answer")
    parser.add_argument("--llm-latency", type=float, default=0.25, help="seconds per fake LLM answer")
    parser.add_argument("--threads", type=int, default=4, help="tasks at once per process")
    parser.add_argument("--workers", default="1,2,4")
    options = parser.parse_args()
    local, celery = makespans(options.jobs, options.fetch_latency, options.llm_latency, options.threads,
                              [int(n) for n in options.workers.split(",")])
    rows = [("local runner", local)] + [(f"celery x{count} worker process{'es' if count > 1 else ''}", seconds)
                                        for count, seconds in celery.items()]
    print(f"{options.jobs} jobs, fetch {options.fetch_latency * 1000:.0f} ms per request, LLM "
          f"{options.llm_latency * 1000:.0f} ms per call (2 a job), {options.threads} tasks at once per process")
    print(f"{'executor':34} {'makespan s':>10} {'jobs/s':>7} {'vs local':>9}")
    for name, seconds in rows:
        print(f"{name:34} {seconds:10.2f} {options.jobs / seconds:7.1f} {local / seconds:8.2f}x")
    if 1 in celery:
        print(f"Celery's overhead per job at one worker process: {(celery[1] - local) / options.jobs * 1000:.1f} ms")


if __name__ == "__main__":
    main()
