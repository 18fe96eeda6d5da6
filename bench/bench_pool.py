"""Fetching a batch through the exit node pool while YouTube blocks 30% of exit addresses.

    python bench/bench_pool.py [--videos 100] [--blocked 0.3] [--sizes 1,4,8]

Everything is local: the fake YouTube (HTTPS), the test SOCKS5 server that
gives each identity its own loopback exit address, and a Tor-like network on
it (a rotated node gets a fresh address). The real fetch path runs:
run_with_pool, YouTubeSource (youtube-transcript-api and yt-dlp), TLS, SOCKS.
Pool size 1 is the baseline for the speed-up column.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from tubenotes.errors import TubenotesError
from tubenotes.job import VideoProcessingJob
from tubenotes.network import ExitNode, TorExitNodePool, run_with_pool
from tubenotes.pipeline import fetch_transcript_and_title
from tubenotes.sources.local import LocalTranscriptFile
from tubenotes.sources.youtube import YouTubeSource
from tubenotes.testing.fake_youtube import FakeCaptionTrack, FakeVideo, FakeYouTube
from tubenotes.testing.socks5 import Socks5Server
from tubenotes.testing.socks_network import FreshAddressNetwork

EXIT_ADDRESSES = [f"127.0.0.{host}" for host in range(2, 255)]
LECTURE = Path(__file__).resolve().parent.parent / "examples" / "Biology" / "cellular_respiration.en.json"


def videos(count: int) -> list[FakeVideo]:
    transcript = LocalTranscriptFile(LECTURE).get_transcript("")
    segments = [(s["start"], s["duration"], s["text"]) for s in transcript["segments"][:120]]
    return [FakeVideo(f"bench{n:06d}", title=f"Lecture {n}", captions=[FakeCaptionTrack("en", segments)])
            for n in range(count)]


def run(size: int, fake: FakeYouTube, blocked_share: float, ban_after: int | None, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    fake.blocked_ips = set(rng.sample(EXIT_ADDRESSES, round(blocked_share * len(EXIT_ADDRESSES))))
    fake.ban_after = ban_after
    fake.requests_by_ip.clear()
    with Socks5Server(fake.address) as socks:
        pool = TorExitNodePool(size, FreshAddressNetwork(socks))
        jobs = [VideoProcessingJob(url=video_id, video_id=video_id) for video_id in fake.videos]

        def attempt(job: VideoProcessingJob, node: ExitNode) -> VideoProcessingJob:
            with YouTubeSource(node.proxy_url, timeout=10.0) as source:
                return fetch_transcript_and_title(job, source, node.id)

        def fetch(job: VideoProcessingJob) -> VideoProcessingJob:
            try:
                return run_with_pool(pool, partial(attempt, job))
            except TubenotesError as exc:
                job.mark_failed(str(exc), exc.kind)
                return job

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=size) as workers:
            done = list(workers.map(fetch, jobs))
        wall = time.perf_counter() - started
        blocks = sum(row["blocks"] for row in pool.stats())
        pool.close()
    attempts = [job.attempts.get("fetch", 0) for job in done]
    return {"fetched": sum(job.has_transcript() for job in done), "attempts": statistics.mean(attempts),
            "max_attempts": max(attempts), "blocks": blocks, "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=100)
    parser.add_argument("--blocked", type=float, default=0.3, help="share of exit addresses YouTube blocks")
    parser.add_argument("--sizes", default="1,4,8")
    parser.add_argument("--ban-after", type=int, help="also ban an address after this many requests")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    with FakeYouTube(videos(args.videos)) as fake:
        os.environ["REQUESTS_CA_BUNDLE"] = os.environ["SSL_CERT_FILE"] = str(fake.ca_file)
        rows = {int(size): run(int(size), fake, args.blocked, args.ban_after, args.seed)
                for size in args.sizes.split(",")}
    ban = f", and every address banned after {args.ban_after} requests" if args.ban_after else ""
    print(f"{args.videos} videos, {args.blocked:.0%} of exit addresses blocked{ban}")
    print(f"{'pool':>4} {'fetched':>8} {'attempts/video':>15} {'max':>4} {'blocks':>7} {'wall s':>7} {'speed-up':>9}")
    baseline = rows[min(rows)]["wall"]
    for size, row in rows.items():
        print(f"{size:>4} {row['fetched']:>8} {row['attempts']:>15.2f} {row['max_attempts']:>4} {row['blocks']:>7} "
              f"{row['wall']:>7.1f} {baseline / row['wall']:>8.2f}x")


if __name__ == "__main__":
    main()
