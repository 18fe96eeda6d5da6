"""Wall time, peak memory and seconds per PDF of the README's main job, streaming vs one-at-a-time.

    python bench/bench_run.py [INPUT ...] [--repeat N]

Runs `tubenotes run` on the inputs (default: examples/) in a fresh vault,
twice side by side: with the default concurrency, and with every stage
limited to one job at a time (the baseline). Prints both and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERIAL = ["--pool-size", "1", "--llm-concurrency", "1", "--export-workers", "1"]


def run_once(inputs: list[str], extra: list[str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as vault:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "tubenotes", "run", *inputs, "--vault", vault, "--quiet",
                                    *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # wait4 gives this child's own peak memory, not the largest of all children so far.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"tubenotes run failed on {inputs}")
        result = subprocess.run([sys.executable, "-m", "tubenotes", "status", "--vault", vault, "--json"],
                                check=True, capture_output=True, text=True)
        jobs = json.loads(result.stdout)
    pdfs = sum(bool(job[key]) for job in jobs for key in ("notes_pdf", "assessment_pdf"))
    export = sum(job["timings"].get("export", 0.0) for job in jobs)
    return {"jobs": len(jobs), "wall_s": wall, "peak_rss_mib": usage.ru_maxrss / 1024,
            "s_per_pdf": export / pdfs if pdfs else float("nan")}


def copies_of(folder: Path, copies: int, into: Path) -> list[str]:
    """``copies`` variants of every transcript under ``folder`` (each a distinct job), for a bigger batch."""
    for number in range(copies):
        for source in folder.rglob("*"):
            if source.is_file():
                target = into / f"copy{number}" / source.relative_to(folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                data = source.read_bytes()
                if not source.name.endswith(".info.json"):
                    data = data.rstrip() + b"\n" * (number + 1)  # a distinct content hash: a distinct job
                target.write_bytes(data)
    return [str(into)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", default=[str(ROOT / "examples")])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--copies", type=int, default=1, help="run on this many copies of the inputs")
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory()
    if args.copies > 1:
        args.inputs = copies_of(Path(args.inputs[0]), args.copies, Path(scratch.name))
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
