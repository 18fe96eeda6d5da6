"""The README's and docs/'s code blocks run as written.

A block whose info string is `sh` or `python` runs in a temporary folder that
holds a copy of examples/, with this Python's `tubenotes` first on PATH. A block
that cannot run there says why after `no-test` (docs/testing.md lists the reasons).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUNNABLE = {"sh", "python"}
REASONS = {"network", "key", "root", "services", "slow"}


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    info: str
    code: str

    @property
    def language(self) -> str:
        return self.info.split()[0] if self.info else ""

    @property
    def untested_because(self) -> str | None:
        words = self.info.split()
        return words[words.index("no-test") + 1] if "no-test" in words[:-1] else None

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def _blocks() -> list[Block]:
    parser = MarkdownIt("commonmark")
    return [
        Block(page, token.map[0] + 1, token.info.strip(), token.content)
        for page in PAGES
        for token in parser.parse(page.read_text(encoding="utf-8"))
        if token.type == "fence"
    ]


BLOCKS = _blocks()
TO_RUN = [block for block in BLOCKS if block.language in RUNNABLE and block.untested_because is None]


def test_every_block_names_its_language_and_every_untested_one_its_reason() -> None:
    assert TO_RUN, "no block of the documentation is run"
    for block in BLOCKS:
        assert block.language, f"{block}: a code block without a language (`text` for output)"
        if "no-test" in block.info.split():
            assert block.untested_because in REASONS, f"{block}: `no-test` needs one of {sorted(REASONS)}"


@pytest.mark.slow
@pytest.mark.parametrize("block", TO_RUN, ids=str)
def test_block_runs_as_written(block: Block, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    if block.language == "python":
        script = tmp_path / "snippet.py"
        script.write_text(block.code, encoding="utf-8")
        command = [sys.executable, str(script)]
    else:
        command = ["bash", "-euo", "pipefail", "-c", block.code]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"{block} failed:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_what_you_get_is_what_the_example_makes(tmp_path: Path) -> None:
    tree = next(block for block in BLOCKS if block.page.name == "README.md" and block.code.startswith("notes/"))
    shown = [match.group(1).rstrip("/") for match in re.finditer(r"[├└]── (.+?)(?:  |$)", tree.code, re.MULTILINE)]
    done = subprocess.run([sys.executable, "-m", "tubenotes", "run", ROOT / "examples", "--vault", tmp_path / "notes"],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    made = {path.name for path in (tmp_path / "notes").rglob("*")}
    for name in shown:
        assert any(_shows(name, made_name) for made_name in made), f"the README shows {name}, the example makes {made}"
    # And the subject it draws in full shows every file the example makes there (a .svg beside its .canvas).
    for path in (tmp_path / "notes" / "Physics").iterdir():
        drawn = path.with_suffix(".canvas").name if path.suffix == ".svg" else path.name
        assert any(_shows(name, drawn) for name in shown), f"the example makes Physics/{path.name}, not in the README"


def _shows(name: str, file_name: str) -> bool:
    """Whether ``name`` in the README's tree (which may shorten with "…") is ``file_name``."""
    start, _, end = name.partition("…")
    return file_name == name or ("…" in name and file_name.startswith(start) and file_name.endswith(end))


def _commands(text: str) -> list[str]:
    """The commands of a shell text, one per `&&` step or line, comments and options of no effect left out."""
    steps = []
    for line in re.sub(r"\\\n", " ", text).splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "set ", "cd ", "export ", "(service tor")):
            steps += [" ".join(shlex.split(step)) for step in line.split("&&")]
    return [step.replace(" -qq", "").replace(" -q", "").replace(" >/dev/null", "") for step in steps]


def test_the_readme_test_command_is_what_ci_runs() -> None:
    readme = next(block for block in BLOCKS if block.page.name == "README.md" and "pytest" in block.code)
    ci = _commands((ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    assert _commands(readme.code) == ci


def test_every_link_between_pages_finds_its_file() -> None:
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links to {target}, which is missing"
