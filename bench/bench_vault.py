"""A no-op re-run and `tubenotes status` on vaults of N jobs: the vault pass must grow near-linearly.

    python bench/bench_vault.py [--jobs 200 2000] [--subjects 4] [--code DIR] [--profile N]

Builds a vault of N jobs with `tubenotes run` (offline generator, no PDFs) on
short synthetic lectures drawn from one vocabulary, so that lectures share
key terms and the vault pass has concepts and related lectures to make. Then
times `run` on the same inputs again (every job completed: only the vault
pass works) and `status`. ``--code DIR`` runs the tubenotes package found in
DIR (a checkout of another commit) instead of the installed one;
``--profile N`` prints cProfile's top N functions of the re-run.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Words that recur across lectures (they become shared key terms and concepts) and filler around them.
TERMS = [f"{stem}{suffix}" for stem in ("entropy", "enthalpy", "momentum", "torque", "inertia", "photon",
                                        "electron", "isotope", "catalyst", "enzyme", "osmosis", "mitosis",
                                        "genome", "protein", "vector", "matrix", "integral", "derivative",
                                        "tensor", "spinor") for suffix in ("", " field", " theorem", " flux")]
FILLER = ("we now look at how the {a} relates to the {b} and why the {a} matters when the {b} changes "
          "in every experiment of this lecture")


def lecture(rng: random.Random, number: int) -> str:
    """A WEBVTT transcript of a dozen sentences about a few of the shared terms."""
    terms = rng.sample(TERMS, 6)
    cues = []
    for i in range(12):
        a, b = terms[i % 6], terms[(i + 1 + number) % 6]
        cues.append(f"00:00:{i * 4:02d}.000 --> 00:00:{i * 4 + 3:02d}.000\n{FILLER.format(a=a, b=b)}.\n")
    return "WEBVTT\n\n" + "\n".join(cues)


def build_inputs(folder: Path, jobs: int, subjects: int) -> None:
    rng = random.Random(jobs)
    for number in range(jobs):
        subject = folder / f"Subject {number % subjects + 1}"
        subject.mkdir(parents=True, exist_ok=True)
        (subject / f"lecture {number:05d}.en.vtt").write_text(lecture(rng, number))


def tubenotes(args: list[str], cwd: Path, code: Path | None, profile: Path | None = None) -> Timing:
    env = dict(os.environ, TUBENOTES_MODEL="offline")
    if code is not None:
        env["PYTHONPATH"] = str(code)
    command = [sys.executable, *(["-m", "cProfile", "-o", str(profile)] if profile else []), "-m", "tubenotes"]
    started, cpu_before = time.perf_counter(), _children_cpu()
    # Not from the repository root: `-m` puts the working directory first on the path, before ``code``.
    result = subprocess.run(command + args, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed, cpu = time.perf_counter() - started, _children_cpu() - cpu_before
    if result.returncode != 0:
        raise SystemExit(f"tubenotes {' '.join(args)} exited {result.returncode}:\n{result.stderr[-2000:]}")
    return Timing(elapsed, cpu)


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float  # user + system seconds of the process: what it costs, on a machine others share too

    def __str__(self) -> str:
        return f"{self.wall:.2f} ({self.cpu:.2f})"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(jobs: int, subjects: int, code: Path | None, profile_top: int) -> dict[str, Timing]:
    with tempfile.TemporaryDirectory() as work:
        inputs, vault = Path(work) / "in", Path(work) / "vault"
        build_inputs(inputs, jobs, subjects)
        run = ["run", str(inputs), "--vault", str(vault), "--no-pdf", "--quiet"]
        first = tubenotes(run, Path(work), code)
        profile = Path(work) / "rerun.prof" if profile_top else None
        rerun = tubenotes(run, Path(work), code, profile)
        status = tubenotes(["status", "--vault", str(vault)], Path(work), code)
        if profile is not None:
            import pstats

            pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(profile_top)
    return {"first": first, "rerun": rerun, "status": status}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--subjects", type=int, default=4, help="subject folders the jobs are spread over")
    parser.add_argument("--code", type=Path, help="a folder holding the tubenotes package to run instead")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the re-run's top N functions")
    args = parser.parse_args()
    print(f"seconds: wall (cpu), {args.subjects} subjects")
    print(f"{'jobs':>6} {'first run':>18} {'no-op re-run':>18} {'status':>16}")
    for jobs in args.jobs:
        row = measure(jobs, args.subjects, args.code, args.profile)
        print(f"{jobs:>6} {row['first']!s:>18} {row['rerun']!s:>18} {row['status']!s:>16}", flush=True)


if __name__ == "__main__":
    main()
