"""Wall time, peak memory and seconds per PDF of the README's main job, streaming vs one-at-a-time.

    python bench/bench_run.py [INPUT ...] [--repeat N]

Runs `tubenotes run` on the inputs (default: examples/) in a fresh vault,
twice side by side: with the default concurrency, and with every stage
limited to one job at a time (the baseline). Prints both and their ratio.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERIAL = ["--pool-size", "1", "--llm-concurrency", "1", "--export-workers", "1"]


def run_once(inputs: list[str], extra: list[str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as vault:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tubenotes", "run", *inputs, "--vault", vault, "--quiet", *extra],
                       check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        status = subprocess.run([sys.executable, "-m", "tubenotes", "status", "--vault", vault, "--json"],
                                check=True, capture_output=True, text=True)
        jobs = json.loads(status.stdout)
    pdfs = sum(bool(job[key]) for job in jobs for key in ("notes_pdf", "assessment_pdf"))
    export = sum(job["timings"].get("export", 0.0) for job in jobs)
    return {
        "jobs": len(jobs),
        "wall_s": wall,
        # ru_maxrss of children is the largest child so far: only meaningful if it grew.
        "peak_rss_mib": max(peak_kib, before) / 1024,
        "s_per_pdf": export / pdfs if pdfs else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", default=[str(ROOT / "examples")])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = {"streaming (defaults)": [], "baseline (one at a time)": []}
    for _ in range(args.repeat):
        rows["streaming (defaults)"].append(run_once(args.inputs, []))
        rows["baseline (one at a time)"].append(run_once(args.inputs, SERIAL))
    print(f"{'run':28} {'jobs':>5} {'wall s':>8} {'peak MiB':>9} {'s/PDF':>7}   (best of {args.repeat})")
    best = {}
    for name, runs in rows.items():
        best[name] = min(runs, key=lambda r: r["wall_s"])
        r = best[name]
        print(f"{name:28} {r['jobs']:>5} {r['wall_s']:>8.2f} {r['peak_rss_mib']:>9.1f} {r['s_per_pdf']:>7.3f}")
    ratio = best["baseline (one at a time)"]["wall_s"] / best["streaming (defaults)"]["wall_s"]
    print(f"speed-up of streaming over the baseline: {ratio:.2f}x")


if __name__ == "__main__":
    main()
