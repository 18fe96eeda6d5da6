"""The vault pass alone on a big vault: seconds and peak memory of a whole pass, and of a run that adds a lecture.

    python bench/bench_vault_pass.py --vault V --inputs FOLDER [--code DIR] [--repeat 1]
    python bench/bench_vault_pass.py --jobs 3000 [--code DIR]

With ``--jobs N`` it first builds a vault of N short lectures as bench_scale.py
writes them (every lecture shares the same concepts: the pass's worst case)
with `tubenotes run FOLDER --model offline --no-pdf -q`; with ``--vault`` and
``--inputs`` it uses a vault built so before. Then, in a child process each
(peak_rss.py records its own peak memory):

- the whole pass: the vault marked as left by a stopped run, its memo of the
  last pass (`.tubenotes/vault-pass.db`) taken away, and `tubenotes resume`,
  which finishes the pass over every subject and does nothing else;
- nothing changed: the same again, the memo kept;
- one lecture added: a new transcript in the inputs folder and `tubenotes run`
  on it (its stages, then the pass over its subject), the file taken out again.

``--code DIR`` runs the tubenotes package in DIR instead (another checkout), for
a before/after on the same vault. The pass writes only what changed, so runs of
two versions that write the same vault leave it as it was.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import bench_scale  # noqa: E402 (beside this script)

PENDING = Path(".tubenotes") / "vault-pass.pending"
# The memo's file, and its name before it was a database (a --code checkout may be of either).
MEMOS = (Path(".tubenotes") / "vault-pass.db", Path(".tubenotes") / "vault-pass.json")


def whole_pass(vault: Path, code: Path | None, timeout: float, memo: bool = False) -> bench_scale.Outcome:
    if not memo:
        for name in MEMOS:
            (vault / name).unlink(missing_ok=True)
    (vault / PENDING).touch()
    return bench_scale.run_tubenotes(["resume", "--vault", str(vault), "-q"], vault.parent, code, timeout, False)


def one_added(vault: Path, inputs: Path, code: Path | None, timeout: float) -> bench_scale.Outcome:
    """A lecture of its own (a number no other has) added to ``inputs`` for one run, then taken out:
    its job stays in the vault, and the next one adds another."""
    number = time.time_ns()
    segments = [replace(segment, text=f"{segment.text} [{number}]") for segment in bench_scale.short_segments()]
    with tempfile.TemporaryDirectory() as scratch:
        bench_scale.write_lectures(Path(scratch), 1, segments)
        added = inputs / f"lecture added {number}.en.srt"
        shutil.move(next(Path(scratch).iterdir()), added)
    try:
        args = ["run", str(inputs), "--vault", str(vault), "--model", "offline", "--no-pdf", "-q"]
        return bench_scale.run_tubenotes(args, vault.parent, code, timeout, False)
    finally:
        added.unlink()


def show(label: str, outcome: bench_scale.Outcome) -> None:
    state = "" if outcome.finished and outcome.exit_code == 0 else f"  (exit {outcome.exit_code})"
    print(f"{label:<22} {outcome.seconds:>8.1f} {outcome.cpu_seconds:>8.1f} {outcome.peak_mib:>9.0f}{state}",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, help="build a vault of this many lectures first")
    parser.add_argument("--vault", type=Path, help="a vault built before")
    parser.add_argument("--inputs", type=Path, help="the folder the vault was built from")
    parser.add_argument("--code", type=Path, help="a folder holding the tubenotes package to run instead")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--whole-only", action="store_true", help="the passes only, no lecture added")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        if args.jobs:
            inputs, vault = Path(scratch) / "lectures", Path(scratch) / "vault"
            bench_scale.write_lectures(inputs, args.jobs, bench_scale.short_segments())
            built = bench_scale.run_tubenotes(["run", str(inputs), "--vault", str(vault), "--model", "offline",
                                               "--no-pdf", "-q"], Path(scratch), args.code, args.timeout, False)
            print(f"built {args.jobs} lectures: {built.seconds:.1f} s ({built.cpu_seconds:.1f} cpu s), "
                  f"peak {built.peak_mib:.0f} MiB")
        else:
            if args.vault is None or args.inputs is None:
                parser.error("give --jobs, or --vault and --inputs")
            inputs, vault = args.inputs.absolute(), args.vault.absolute()
        print(f"{'':<22} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9}")
        for _ in range(args.repeat):
            show("whole pass", whole_pass(vault, args.code, args.timeout))
            show("nothing changed", whole_pass(vault, args.code, args.timeout, memo=True))
            if not args.whole_only:
                show("one lecture added", one_added(vault, inputs, args.code, args.timeout))


if __name__ == "__main__":
    main()
