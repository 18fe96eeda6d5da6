"""The command line as a user meets it: a batch with bad inputs, re-runs, status, exit codes, Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.cli import run_cli, start_cli
from tests.conftest import LECTURE
from tests.test_crash_safety import make_transcripts
from tubenotes.cli import cli

HOSTILE_TITLE = ("Lecture 7/12: Entropy: the arrow of time? <Part 2> 🔥🎓 " * 6)[:300]


def tubenotes(*args: str, check_code: int | None = None) -> subprocess.CompletedProcess:
    result = run_cli(*args)
    if check_code is not None:
        assert result.returncode == check_code, result.stdout + result.stderr
    return result


def vtt(lines: list[str]) -> str:
    cues = [f"00:00:{i * 5:02d}.000 --> 00:00:{i * 5 + 4:02d}.000\n{line}\n" for i, line in enumerate(lines)]
    return "WEBVTT\n\n" + "\n".join(cues)


def status(vault: Path) -> dict[str, dict]:
    result = tubenotes("status", "--vault", str(vault), "--json", check_code=0)
    return {job["url"]: job for job in json.loads(result.stdout)}


@pytest.fixture
def batch(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    folder = tmp_path / "in"
    folder.mkdir()
    files = {
        "good": folder / "good.en.vtt",
        "hostile": folder / "hostile.en.vtt",
        "twin_a": folder / "twin_a.en.vtt",
        "twin_b": folder / "twin_b.en.vtt",
        "empty": folder / "empty.en.vtt",
        "garbage": folder / "garbage.srt",
    }
    files["good"].write_text(vtt(LECTURE))
    files["hostile"].write_text(vtt(LECTURE[3:] + LECTURE[:3]))
    (folder / "hostile.info.json").write_text(json.dumps({"title": HOSTILE_TITLE}))
    files["twin_a"].write_text(vtt(LECTURE[1:]))
    files["twin_b"].write_text(vtt(LECTURE[2:]))
    for twin in ("twin_a", "twin_b"):
        (folder / f"{twin}.info.json").write_text(json.dumps({"title": "Same Title"}))
    files["empty"].write_text("WEBVTT\n\n")
    files["garbage"].write_bytes(bytes(range(256)) * 8)
    return folder, files


@pytest.mark.slow
def test_a_batch_with_bad_inputs_fails_only_those_jobs(tmp_path: Path, batch) -> None:
    folder, files = batch
    vault = tmp_path / "vault"
    result = tubenotes("run", *map(str, files.values()), "not a video: ://garbage", "--subject", "Physics",
                       "--vault", str(vault), "--quiet")
    assert result.returncode == 1, result.stdout + result.stderr
    jobs = status(vault)
    by_name = {Path(url.removeprefix("file://")).name: job for url, job in jobs.items()}
    for name in ("good.en.vtt", "hostile.en.vtt", "twin_a.en.vtt", "twin_b.en.vtt"):
        assert by_name[name]["stage"] == "completed", by_name[name]
    assert by_name["empty.en.vtt"]["stage"] == "failed" and by_name["empty.en.vtt"]["error"]
    assert by_name["garbage.srt"]["stage"] == "failed" and "garbage.srt" in by_name["garbage.srt"]["error"]
    assert "not a video: ://garbage" not in jobs  # an input that names nothing is not stored: run resolves it anew

    hostile = Path(by_name["hostile.en.vtt"]["notes_file"])
    assert hostile.exists() and hostile.parent == vault / "Physics"
    assert "/" not in hostile.name and ":" not in hostile.name and "🔥" in hostile.name
    assert Path(by_name["hostile.en.vtt"]["notes_pdf"]).exists()
    twins = {by_name["twin_a.en.vtt"]["notes_file"], by_name["twin_b.en.vtt"]["notes_file"]}
    assert len(twins) == 2 and all(Path(p).exists() for p in twins)
    for word in ("empty.en.vtt", "garbage.srt", "not a video"):
        assert word in result.stdout  # the final table names every failure


@pytest.mark.slow
def test_running_again_repeats_no_work(tmp_path: Path) -> None:
    lectures, vault = tmp_path / "lectures", tmp_path / "vault"
    make_transcripts(lectures)
    tubenotes("run", str(lectures), "--vault", str(vault), "--quiet", check_code=0)
    files = sorted(vault.rglob("*.md")) + sorted(vault.rglob("*.pdf"))
    stamps = [os.stat(f).st_mtime_ns for f in files]
    again = tubenotes("run", str(lectures), "--vault", str(vault), "--quiet", check_code=0)
    assert [os.stat(f).st_mtime_ns for f in files] == stamps
    assert sorted(vault.rglob("*.md")) + sorted(vault.rglob("*.pdf")) == files
    assert "Nothing to do: 8 of 8 input(s) completed already, 0 failed" in " ".join(again.stdout.split())
    listing = tubenotes("status", "--vault", str(vault), check_code=0).stdout
    assert "0 paid twice" in listing


@pytest.mark.slow
def test_an_input_that_cannot_be_used_fails_now_not_already(tmp_path: Path) -> None:
    first = tubenotes("run", str(tmp_path / "nothing"), "--vault", str(tmp_path / "v"), check_code=1)
    said = " ".join(first.stdout.split())
    assert "0 completed, 1 failed" in said and "Nothing to do" not in said


@pytest.mark.slow
def test_folders_name_the_subject(tmp_path: Path) -> None:
    (tmp_path / "in" / "Chemistry").mkdir(parents=True)
    (tmp_path / "in" / "Chemistry" / "bonds.en.vtt").write_text(vtt(LECTURE))
    (tmp_path / "in" / "loose.en.vtt").write_text(vtt(LECTURE[1:]))
    tubenotes("run", str(tmp_path / "in"), "--vault", str(tmp_path / "v"), "--no-pdf", "-q", check_code=0)
    assert (tmp_path / "v" / "Chemistry" / "Bonds.md").exists()
    assert (tmp_path / "v" / "in" / "Loose.md").exists()


@pytest.mark.slow
def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert tubenotes("run").returncode == 2
    missing = tubenotes("resume", "--vault", str(tmp_path / "nothing"))
    assert missing.returncode == 2 and "tubenotes run" in missing.stderr
    assert tubenotes("run", "x", "--network", "carrier-pigeon", "--vault", str(tmp_path)).returncode == 2
    (tmp_path / "a-file").write_text("")
    through_a_file = tubenotes("run", "x", "--vault", str(tmp_path / "a-file" / "v"))
    assert through_a_file.returncode == 2 and "Traceback" not in through_a_file.stderr
    assert f"cannot make the vault {tmp_path / 'a-file' / 'v'}: Not a directory" in " ".join(through_a_file.stderr.split())


def test_every_command_and_option_has_help_text() -> None:
    runner = CliRunner()
    for name, sub in cli.commands.items():
        assert sub.help, f"`tubenotes {name}` has no help text"
        for param in sub.params:
            if isinstance(param, click.Option):
                assert param.help, f"`tubenotes {name} {param.opts[0]}` has no help text"
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


def run_until_the_first_note(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """A `tubenotes run` of eight lectures, caught once it has written its first note."""
    lectures, vault = tmp_path / "lectures", tmp_path / "vault"
    make_transcripts(lectures)
    process = start_cli("run", str(lectures), "--vault", str(vault))
    deadline = time.monotonic() + 60
    while not list(vault.glob("lectures/*.md")) and time.monotonic() < deadline:
        time.sleep(0.05)
    return process, vault


@pytest.mark.slow
def test_ctrl_c_saves_every_job_exits_130_and_resume_finishes(tmp_path: Path) -> None:
    process, vault = run_until_the_first_note(tmp_path)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 130, output
    hint = re.search(r"Run `(tubenotes resume [^`]*)` to go on", " ".join(output.split()))
    assert hint is not None and hint.group(1) == f"tubenotes resume --vault {vault}", output
    jobs = status(vault)
    assert len(jobs) == 8 and any(job["stage"] != "completed" for job in jobs.values()), output
    tubenotes(*shlex.split(hint.group(1))[1:], "-q", check_code=0)  # the command as printed
    assert {job["stage"] for job in status(vault).values()} == {"completed"}


@pytest.mark.slow
def test_a_second_ctrl_c_quits_at_once_and_the_store_survives(tmp_path: Path) -> None:
    process, vault = run_until_the_first_note(tmp_path)
    process.send_signal(signal.SIGINT)
    time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    # 130 from our own exit, or death by SIGINT if the second one lands while Python
    # is already shutting down; a shell reports both as 130.
    assert process.returncode in (130, -signal.SIGINT), output
    assert "Stopping" in output
    tubenotes("resume", "--vault", str(vault), "-q", check_code=0)
    assert {job["stage"] for job in status(vault).values()} == {"completed"}
    listing = tubenotes("status", "--vault", str(vault), check_code=0).stdout
    assert "0 paid twice" in listing


def children_named(pid: int, name: str) -> dict[int, int]:
    """The child processes of ``pid`` whose command is ``name``: PID -> process group (Linux /proc)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended meanwhile
        command, fields = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        if command == name and int(fields[1]) == pid:
            found[int(stat.parent.name)] = int(fields[2])
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds pandoc through Linux's /proc")
def test_ctrl_c_in_a_terminal_leaves_the_exports_in_flight_unfailed(tmp_path: Path) -> None:
    lectures, vault = tmp_path / "lectures", tmp_path / "vault"
    make_transcripts(lectures)
    # As in a terminal: tubenotes leads its own process group, and Ctrl-C signals the whole group.
    process = start_cli("run", str(lectures), "--vault", str(vault), start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not (exporting := children_named(process.pid, "pandoc")) and time.monotonic() < deadline:
            time.sleep(0.005)
        assert exporting, "no export started"
        os.killpg(process.pid, signal.SIGINT)
        assert process.pid not in exporting.values(), "pandoc is in the group that the terminal signals"
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, output
    jobs = status(vault)
    assert [job["error"] for job in jobs.values() if job["stage"] == "failed"] == [], output
    tubenotes("resume", "--vault", str(vault), "-q", check_code=0)
    assert {job["stage"] for job in status(vault).values()} == {"completed"}


@pytest.mark.slow
def test_resume_reuses_the_flags_given_but_no_secret_and_no_default(tmp_path: Path) -> None:
    from tubenotes.store import SqliteStore

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.en.vtt").write_text(vtt(LECTURE))
    vault = tmp_path / "v"
    tubenotes("run", str(tmp_path / "in"), "--vault", str(vault), "--no-pdf", "--lang", "de,en", "-q",
              "--tor-option", "HTTPSProxyAuthenticator=user:hunter2", "--proxy", "http://u:s3cret@127.0.0.1:1",
              check_code=0)
    with SqliteStore(vault) as store:
        remembered = store.load_settings()
    assert remembered == {"pdf": False, "languages": ["de", "en"], "model": "offline"}  # model: TUBENOTES_MODEL


@pytest.mark.slow
def test_configuration_errors_stop_the_run_with_exit_2_and_fail_no_job(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.en.vtt").write_text(vtt(LECTURE))
    vault = tmp_path / "v"
    no_key = tubenotes("run", str(tmp_path / "in"), "--vault", str(vault), "--model", "openai:gpt-4o-mini")
    assert no_key.returncode == 2 and "OPENAI_API_KEY" in no_key.stderr
    no_proxy = tubenotes("run", "dQw4w9WgXcQ", "--vault", str(vault), "--network", "proxies")
    assert no_proxy.returncode == 2 and "--proxy" in no_proxy.stderr
    assert {job["stage"] for job in status(vault).values()} == {"created"}


@pytest.mark.slow
def test_the_final_table_of_a_large_batch_lists_only_the_jobs_not_completed(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(31):
        (folder / f"lecture{n:02d}.en.vtt").write_text(vtt([f"{line} ({n})" for line in LECTURE]))
    (folder / "empty.en.vtt").write_text("WEBVTT\n\n")
    result = tubenotes("run", str(folder), "--vault", str(tmp_path / "v"), "--no-pdf", "-q", check_code=1)
    assert "the 1 job(s) not completed" in result.stdout and "empty" in result.stdout
    assert "lecture00" not in result.stdout.casefold()
    assert "31 completed, 1 failed" in result.stdout


@pytest.mark.slow
def test_a_rerun_with_nothing_to_do_says_so_instead_of_the_whole_table(tmp_path: Path) -> None:
    examples, vault = Path(__file__).resolve().parent.parent / "examples", tmp_path / "vault"
    inputs = [str(examples / "Biology"), str(examples / "Geschichte"), str(tmp_path / "missing.srt")]
    first = tubenotes("run", *inputs, "--vault", str(vault), "--no-pdf", "-q")
    assert "2 completed, 1 failed" in first.stdout, first.stdout + first.stderr
    again = tubenotes("run", *inputs, "--vault", str(vault), "--no-pdf", "-q")
    output = " ".join(again.stdout.split())
    assert again.returncode == 1, output
    assert f"Nothing to do: 2 of 3 input(s) completed already, 1 failed; `tubenotes retry --vault {vault}`" in output
    assert "missing.srt" in output and "Cellular Respiration" not in output  # only the jobs not completed


@pytest.mark.slow
def test_ctrl_c_in_the_vault_pass_prints_the_command_that_finishes_it(tmp_path: Path) -> None:
    lectures, vault = tmp_path / "lectures", tmp_path / "my vault"
    make_transcripts(lectures)
    process = start_cli("run", str(lectures), "--vault", str(vault), "--no-pdf")
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("Updating links, concept notes"):  # the vault pass has begun: the jobs are done
            process.send_signal(signal.SIGINT)
            break
    output = "".join(seen) + process.communicate(timeout=120)[0]
    assert process.returncode == 130, output
    assert (vault / ".tubenotes" / "vault-pass.pending").exists(), output
    hint = re.search(r"Run `(tubenotes resume [^`]*)` to", " ".join(output.split()))
    assert hint is not None and hint.group(1) == shlex.join(["tubenotes", "resume", "--vault", str(vault)]), output
    tubenotes(*shlex.split(hint.group(1))[1:], "-q", check_code=0)  # the command as printed
    assert not (vault / ".tubenotes" / "vault-pass.pending").exists()


@pytest.mark.slow
def test_resume_after_an_unfinished_vault_pass_says_it_finished_the_vault(tmp_path: Path) -> None:
    examples, vault = Path(__file__).resolve().parent.parent / "examples", tmp_path / "vault"
    tubenotes("run", str(examples / "Biology"), "--vault", str(vault), "--no-pdf", "-q", check_code=0)
    index = vault / "Biology" / "Biology index.md"
    index.unlink()
    # What a run killed in its vault pass leaves: the pass's marker, and the index not written yet.
    (vault / ".tubenotes" / "vault-pass.pending").touch()
    resumed = tubenotes("resume", "--vault", str(vault), check_code=0)
    output = " ".join((resumed.stdout + resumed.stderr).split())
    assert "Nothing to do" not in output, output
    assert "Finished the vault pass an earlier run left unfinished" in output, output
    assert index.exists() and not (vault / ".tubenotes" / "vault-pass.pending").exists()


def test_a_reader_that_leaves_the_output_stops_the_output_not_the_batch(tmp_path: Path) -> None:
    """`tubenotes run ... | head -3`: rich's answer to the broken pipe, a SystemExit in a stage's thread, left
    the run waiting for that job for ever."""
    make_transcripts(tmp_path / "lectures")
    process = start_cli("run", tmp_path / "lectures", "--vault", tmp_path / "notes", "--no-pdf", cwd=tmp_path,
                        stderr=subprocess.DEVNULL)
    try:
        assert process.stdout.readline()  # the reader takes a line, then leaves
        process.stdout.close()
        code = process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code == 0
    assessments = [path for path in (tmp_path / "notes").glob("*/Assessment_*.md") if "final exam" not in path.name]
    assert len(assessments) == len(list((tmp_path / "lectures").iterdir()))  # every lecture written
