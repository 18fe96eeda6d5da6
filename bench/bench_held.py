"""What the runner holds per job of a batch of short transcripts, by tracemalloc: before it hands out
the first job, at its most while it runs, and what its result keeps at the end.

    python bench/bench_held.py [--jobs 2000] [--code DIR]

The lectures are bench_scale.py's (twelve cues each, every one distinct). In
one child process, after a lecture of its own has built the offline generator:
`prepare_jobs` on the folder (offline notes, no PDF), then
the local runner over the batch, without the vault pass (measured on its own
by bench_vault_pass.py). Printed, in bytes per job: what the prepared batch
holds (the jobs waiting to be handed out), the runner's peak above that, and
what its result keeps once every job is finished. ``--code DIR`` runs the
tubenotes package in DIR instead (another checkout), for a before/after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import bench_scale  # noqa: E402 (beside this script)

CHILD = """
import gc, json, sys, tracemalloc
from pathlib import Path
from tubenotes.api import prepare_jobs
from tubenotes.config import Settings
from tubenotes.executors.base import SilentReporter
from tubenotes.executors.local import LocalExecutor
from tubenotes.stages import build_stages, open_vault

folder, warm, vault = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
settings = Settings(vault=vault, model="offline", pdf=False)
with open_vault(vault) as store, build_stages(settings, store, lambda message: None) as stages:
    LocalExecutor(store).run(prepare_jobs(stages, [str(warm)]), stages, SilentReporter())  # the generator built
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    jobs = prepare_jobs(stages, [str(folder)])
    gc.collect()
    prepared = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.reset_peak()
    result = LocalExecutor(store).run(jobs, stages, SilentReporter())
    peak = tracemalloc.get_traced_memory()[1] - base
    del jobs
    gc.collect()
    kept = tracemalloc.get_traced_memory()[0] - base
    print(json.dumps({"prepared": prepared, "peak": peak, "kept": kept, "jobs": len(result.jobs)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--code", type=Path, help="a folder holding the tubenotes package to run instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        segments = bench_scale.short_segments()
        bench_scale.write_lectures(work / "lectures", args.jobs, segments)
        bench_scale.write_lectures(work / "warm", 1, [replace(segment, text=segment.text + " [warm]")
                                                      for segment in segments])
        env = dict(os.environ)
        if args.code is not None:
            env["PYTHONPATH"] = str(args.code)
        # Not from the repository root: `-c` would put the current folder first on the path, before ``code``.
        child = subprocess.run([sys.executable, "-c", CHILD, str(work / "lectures"), str(work / "warm"),
                                str(work / "vault")],
                               cwd=work, env=env, capture_output=True, text=True, check=True)
    held = json.loads(child.stdout.splitlines()[-1])
    n = args.jobs
    print(f"{n} jobs, bytes per job: prepared {held['prepared'] / n:,.0f}, runner's peak {held['peak'] / n:,.0f}, "
          f"kept by the result {held['kept'] / n:,.0f} ({held['jobs']} jobs in it)")


if __name__ == "__main__":
    main()
