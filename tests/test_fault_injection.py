"""Kill `run` and `resume` at random points, the vault pass included: the vault ends as a clean run's."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli import run_cli, start_cli
from tests.test_crash_safety import make_transcripts
from tests.test_vault_survives import _files

# A kill after this many finished steps, or ("pass") when the vault pass begins.
kill_points = st.lists(st.one_of(st.integers(1, 20), st.just("pass")), min_size=1, max_size=3)


def run_until(point: int | str, *args: str) -> None:
    process = start_cli(*args)
    assert process.stdout is not None
    steps = 0
    for line in process.stdout:
        steps += line.startswith("[")
        if (point == "pass" and line.startswith("Updating links")) or steps == point:
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=120)
    process.stdout.close()


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """The lectures, and the vault a run without faults makes of them."""
    root = tmp_path_factory.mktemp("course")
    make_transcripts(root / "lectures")
    clean = root / "clean"
    done = run_cli("run", str(root / "lectures"), "--subject", "Physics", "--vault", str(clean), "-q")
    assert done.returncode == 0, done.stderr
    return root / "lectures", _files(clean)


@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(points=kill_points)
@pytest.mark.timeout(900)
def test_killed_anywhere_then_resumed_the_vault_is_a_clean_runs(
        course: tuple[Path, dict[str, bytes]], tmp_path_factory: pytest.TempPathFactory, points: list) -> None:
    lectures, clean = course
    vault = tmp_path_factory.mktemp("vault")
    run_until(points[0], "run", str(lectures), "--subject", "Physics", "--vault", str(vault))
    for point in points[1:]:
        run_until(point, "resume", "--vault", str(vault))
    resumed = run_cli("resume", "--vault", str(vault), "-q")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    files = _files(vault)
    assert files.keys() == clean.keys(), "files missing or left over"
    assert not [name for name in files if "(new)" in name], "a killed run took its own note for the user's"
    for name, data in clean.items():
        if not name.endswith(".apkg"):
            assert files[name] == data, name
    pdfs = {path.stem for path in vault.rglob("*.pdf")}
    assert pdfs == {Path(name).stem for name in clean if "/pdfs/" not in name and name.endswith(".md")
                    and "/Concepts/" not in name and not name.endswith(" index.md")}
