"""The PostgreSQL store across processes: an answer is paid for once, and a killed worker frees its claim."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import run_cli
from tubenotes.errors import ConfigurationError
from tubenotes.testing.services import postgres_database

# A worker process: asks the cache for one answer whose computation takes a while and leaves a trace.
WORKER = """
import sys, time
from pathlib import Path
from tubenotes.job import Generation
from tubenotes.store.postgres import PostgresJobStore

url, trace, seconds = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])

def compute():
    with trace.open("a") as f:
        f.write("started\\n")
    time.sleep(seconds)
    return Generation("the answer", "slow")

store = PostgresJobStore(url)
print(store.cache.get_or_compute({"prompt": "one question"}, compute).text, flush=True)
store.close()
"""


@pytest.fixture
def url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


def start_worker(url: str, trace: Path, seconds: float) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WORKER, url, str(trace), str(seconds)],
                            stdout=subprocess.PIPE, text=True)


def wait_for_line(trace: Path, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not (trace.exists() and len(trace.read_text().splitlines()) >= count):
        assert time.monotonic() < deadline, "no worker started computing"
        time.sleep(0.05)


@pytest.mark.slow
def test_workers_racing_for_one_answer_pay_once(url: str, tmp_path: Path) -> None:
    from tubenotes.store.postgres import PostgresJobStore

    trace = tmp_path / "trace"
    workers = [start_worker(url, trace, 1.0) for _ in range(3)]
    outputs = [worker.communicate(timeout=60)[0].strip() for worker in workers]
    assert outputs == ["the answer"] * 3
    assert trace.read_text().splitlines() == ["started"]
    with PostgresJobStore(url) as store:
        assert store.cache.stats() == {"entries": 1, "computed": 1, "hits": 2}


@pytest.mark.slow
def test_a_killed_worker_leaves_the_answer_to_the_next(url: str, tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    first = start_worker(url, trace, 600)
    try:
        wait_for_line(trace, 1)
        second = start_worker(url, trace, 0.1)
        time.sleep(0.5)
        assert second.poll() is None, "the second worker did not wait for the first one's answer"
        os.kill(first.pid, signal.SIGKILL)
        assert second.communicate(timeout=30)[0].strip() == "the answer"
        assert trace.read_text().splitlines() == ["started", "started"]
    finally:
        first.kill()
        first.wait()


def test_an_unreachable_server_is_a_configuration_error_without_the_password() -> None:
    from tubenotes.store.postgres import PostgresJobStore

    with pytest.raises(ConfigurationError) as caught:
        PostgresJobStore("postgresql://user:s3cret@127.0.0.1:1/none?connect_timeout=2")
    assert "s3cret" not in str(caught.value)
    assert "127.0.0.1:1" in str(caught.value)


@pytest.fixture
def restricted_role(url: str) -> Iterator[str]:
    """A role that may connect to the test's database but create nothing in its schema public."""
    import psycopg
    from psycopg import sql

    role = f"tubenotes_limited_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        admin.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    try:
        yield role
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.mark.slow
def test_a_role_without_create_on_public_is_told_the_grant_to_make(url: str, restricted_role: str,
                                                                   tmp_path: Path) -> None:
    limited = url.replace("postgres@", f"{restricted_role}@", 1)
    transcript = tmp_path / "lecture.txt"
    transcript.write_text("Energy is conserved in a closed system. " * 20)
    for command in (("status",), ("run", str(transcript), "--no-pdf", "-q"), ("resume",)):
        result = run_cli(*command, "--store", limited, "--vault", str(tmp_path / "vault"))
        assert result.returncode == 2, result.stdout + result.stderr
        assert f"GRANT CREATE ON SCHEMA public TO {restricted_role};" in " ".join(result.stderr.split())
        assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_role_without_rights_on_the_tables_is_told_the_grant_to_make(url: str, restricted_role: str,
                                                                       tmp_path: Path) -> None:
    from tubenotes.store.postgres import PostgresJobStore

    PostgresJobStore(url).close()  # the tables, made by their owner
    limited = url.replace("postgres@", f"{restricted_role}@", 1)
    result = run_cli("status", "--store", limited, "--vault", str(tmp_path / "vault"))
    assert result.returncode == 2, result.stdout + result.stderr
    message = " ".join(result.stderr.split())
    assert f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {restricted_role};" in message
    assert "Traceback" not in result.stderr

    import psycopg  # the grants the message names are enough

    with psycopg.connect(url, autocommit=True) as admin:
        for statement in message.split(": ")[-1].split(";")[:-1]:
            admin.execute(statement.strip())
    result = run_cli("status", "--store", limited, "--vault", str(tmp_path / "vault"))
    assert result.returncode == 0, result.stdout + result.stderr
