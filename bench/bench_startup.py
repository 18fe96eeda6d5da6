"""How long `tubenotes run` takes before its first stage starts work, and before its first LLM request.

    python bench/bench_startup.py [--repeat 5] [--code DIR]

Runs `tubenotes run` on one bundled lecture (examples/Biology) in a fresh vault,
its output to a pipe: with the offline generator (``--no-pdf``, and with
PDFs, the default) and with the fake OpenAI-compatible server
(``--no-pdf``). The first stage starts work when the run prints its first
line ("tubenotes: 1 job(s); stages: ..."): the executor prints it
as it hands out the first job. Printed: seconds from the process's start to
that line (wall, and the child's CPU seconds by then, which a busy machine
inflates less), and for the LLM run to the server's first request. Best of
``--repeat``. ``--code DIR`` runs the tubenotes package in DIR instead (a
checkout of an older commit), for a before/after.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LECTURE = ROOT / "examples" / "Biology"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def first_stage(extra: list[str], env: dict[str, str], code: Path | None) -> tuple[float, float, float]:
    """Seconds to the first line (wall and CPU) and in all, for one run."""
    with tempfile.TemporaryDirectory() as vault:
        if code is not None:
            env = dict(env, PYTHONPATH=str(code))
        started = time.perf_counter()
        # From the vault's folder, not the repository root: `-m` puts the working directory on the path.
        process = subprocess.Popen([sys.executable, "-m", "tubenotes", "run", str(LECTURE), "--vault", vault,
                                    *extra], cwd=vault, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("tubenotes: "):
                wall = time.perf_counter() - started
                cpu = _cpu_seconds(process.pid)
                break
        else:
            raise SystemExit("tubenotes run printed no first line")
        process.stdout.read()
        if process.wait() != 0:
            raise SystemExit("tubenotes run failed")
        return wall, cpu, time.perf_counter() - started


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--code", type=Path, help="a folder holding the tubenotes package to run instead")
    args = parser.parse_args()
    from tubenotes.testing.fake_llm import Behavior, FakeLlmServer

    env = {key: value for key, value in os.environ.items() if key != "TUBENOTES_MODEL"}
    rows: dict[str, list[tuple[float, ...]]] = {"offline": [], "PDF": [], "LLM": []}
    with FakeLlmServer() as fake:
        asked: list[float] = []
        fake.when(lambda body: asked.append(time.perf_counter()) and False, Behavior())
        llm = ["--no-pdf", "--base-url", fake.base_url, "--model", "fake-model"]
        for _ in range(args.repeat):
            rows["offline"].append(first_stage(["--model", "offline", "--no-pdf"], env, args.code) + (float("nan"),))
            rows["PDF"].append(first_stage(["--model", "offline"], env, args.code) + (float("nan"),))
            asked.clear()
            started = time.perf_counter()
            wall, cpu, total = first_stage(llm, dict(env, TUBENOTES_LLM_API_KEY="bench-key"), args.code)
            rows["LLM"].append((wall, cpu, total, asked[0] - started))
    print(f"best of {args.repeat}: seconds from start    first stage (cpu)   first LLM request   whole run")
    for name, runs in rows.items():
        wall, cpu, total, request = (min(run[i] for run in runs) for i in range(4))
        print(f"{name:8} {'':24} {wall:6.3f} ({cpu:5.3f})   {request:17.3f}   {total:9.2f}")


if __name__ == "__main__":
    main()
