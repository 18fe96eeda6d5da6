"""Obsidian Markdown to Typst markup with the pandoc that the pypandoc-binary wheel ships."""

from __future__ import annotations

import collections
import functools
import json
import os
import signal
import subprocess
import threading
import weakref
from collections.abc import Collection
from importlib import resources
from pathlib import Path
from typing import IO, Literal

import pypandoc

from tubenotes.errors import ExportError, StageInterrupted
from tubenotes.export.guard import UnsafeTypst, check_source, refused_images
from tubenotes.plaintext import clean_line
from tubenotes.vault.frontmatter import split_front_matter

# Obsidian's dialect of pandoc Markdown. Raw HTML, raw TeX and ```{=typst}
# blocks are turned off so the reader keeps them as text: notes are untrusted.
# Citations are off: "@name" in a note is text, not a reference Typst cannot resolve.
# YAML blocks and "% title" blocks are off: pandoc would take a YAML block from anywhere
# in the note, so that a "---" block in an LLM's answer set the PDF's title and source
# link. The note's own properties go in as metadata instead (HEADER_PROPERTIES).
# Sub- and superscripts are off: Obsidian has none, and pandoc reads their content a second
# time, so that "~&#91;a&#93;(file:///x)~" became a link.
READER_FORMAT = (
    "markdown+wikilinks_title_after_pipe+mark-raw_html-raw_attribute-raw_tex-citations-yaml_metadata_block"
    "-subscript-superscript-pandoc_title_block"
)
# The properties the template (title, source, subject, date) and the Lua filter (type, language) read.
HEADER_PROPERTIES = ("title", "source", "subject", "created", "type", "language")
# A note is a few pages; minutes would mean pandoc is stuck.
PANDOC_TIMEOUT_S = 120
# Enough of stderr to show pandoc's last error.
STDERR_TAIL_CHARS = 500
STDERR_TAIL_LINES = 20

PlainMath = Collection[int] | Literal["all"]


@functools.cache
def pandoc_path() -> str:
    """The pandoc that the pypandoc-binary wheel ships.

    Not pypandoc's own lookup: that probes candidates by running them, in the terminal's
    process group, so a Ctrl-C at that moment would fail an export.
    """
    shipped = Path(pypandoc.__file__).parent / "files" / "pandoc"
    if not shipped.is_file():
        raise ExportError(f"pandoc is missing from the pypandoc-binary wheel ({shipped}); reinstall pypandoc-binary")
    return str(shipped)


@functools.cache
def package_file(name: str) -> Path:
    # The package is installed as files (not a zip), so the resource has a real path.
    return Path(str(resources.files("tubenotes.export").joinpath(name)))


def markdown_to_typst(markdown: str, note_dir: Path, plain_math: PlainMath = ()) -> tuple[str, list[str]]:
    """Typst markup for a note (without the house style) and warnings about what was changed.

    ``plain_math`` lists formula numbers (as marked ``/*tn-math-N*/``) to print as TeX source.
    The filter checks that images exist in ``note_dir``.
    Raises UnsafeTypst when the markup would still load a package or a file from outside ``note_dir``.
    """
    setting = plain_math if isinstance(plain_math, str) else sorted(plain_math)
    properties, text = split_front_matter(markdown)
    header = _header_metadata(properties)
    body, warnings = _run_pandoc(text, note_dir, setting, {}, header)
    refused = refused_images(body, note_dir)
    if refused:
        # Rare (symlinks, SVGs linking files): convert again with those images refused.
        body, warnings = _run_pandoc(text, note_dir, setting, refused, header)
        if still_refused := refused_images(body, note_dir):
            raise UnsafeTypst(f"the Typst source reads images from outside the note's folder: {sorted(still_refused)}")
    check_source(body)
    return body, warnings


def _header_metadata(properties: dict[str, object]) -> dict[str, str]:
    """The note's header as metadata: pandoc takes these values as text, never as markup."""
    values = {key: clean_line(str(properties[key])) for key in HEADER_PROPERTIES if properties.get(key)}
    return {key: value for key, value in values.items() if value}


def _run_pandoc(
    markdown: str, note_dir: Path, plain_math: list[int] | Literal["all"], refused: dict[str, str],
    header: dict[str, str],
) -> tuple[str, list[str]]:
    reply = _this_threads_worker().convert({"markdown": markdown, "folder": str(note_dir), "plain_math": plain_math,
                                            "refused_images": refused, "header": header})
    bad_tex = dict.fromkeys(reply["bad_tex"])  # the writer may report a formula more than once
    return reply["typst"], [
        *reply["warnings"],
        *(f"formula {formula!r} is not TeX that pandoc knows; printed as its source" for formula in bad_tex),
    ]


class PandocWorker:
    """One long-lived ``pandoc lua`` process running pandoc-worker.lua; converts one note at a time.

    A pandoc per note spent as long starting (its runtime maps a 64 MB heap) as converting.
    The process starts on first use and again after it died; it ends when the worker is
    collected or its pipe closes (tubenotes exited).
    """

    def __init__(self, pandoc: str | None = None) -> None:
        self._pandoc = pandoc  # the executable; by default the one pypandoc-binary ships
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        self._stderr_reader: threading.Thread | None = None
        self._pid = os.getpid()

    def convert(self, request: dict[str, object]) -> dict:
        """The worker's reply to ``request``; raises ExportError when pandoc fails or dies."""
        process = self._running()
        data = json.dumps(request, ensure_ascii=False).encode("utf-8")
        # A stuck pandoc is killed, which ends the read below.
        watchdog = threading.Timer(PANDOC_TIMEOUT_S, process.kill)
        watchdog.start()
        try:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(b"%d\n" % len(data) + data)
            process.stdin.flush()
            reply = json.loads(process.stdout.read(int(process.stdout.readline())))
        except (OSError, ValueError) as exc:
            raise self._died(timed_out=not watchdog.is_alive()) from exc
        finally:
            watchdog.cancel()
        if "error" in reply:
            # A Lua error: its message, without the stack traceback that follows it.
            reason = reply["error"].split("\nstack traceback:")[0].strip() or "pandoc gave no reason"
            raise ExportError(f"pandoc failed on the note: {reason[:STDERR_TAIL_CHARS]}")
        return reply

    def close(self) -> None:
        if self._process is not None:
            _stop(self._process)
            self._process = None

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is None and self._pid == os.getpid():
            return self._process
        # Started anew when it ended between two notes (nothing was lost), and in a forked
        # child (a Celery worker), which must not share its parent's pipes.
        self._pid = os.getpid()
        self._stderr.clear()
        command = [
            self._pandoc or pandoc_path(), "lua", str(package_file("pandoc-worker.lua")),
            READER_FORMAT, str(package_file("note-template.typ")), str(package_file("obsidian.lua")),
        ]
        try:
            # Its own session: the terminal's Ctrl-C stops tubenotes, which lets the conversion finish.
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       start_new_session=True)
        except OSError as exc:
            raise ExportError(f"pandoc could not start: {exc}; reinstall pypandoc-binary") from exc
        # A function of its own, not a method: the thread must not keep the worker alive.
        self._stderr_reader = threading.Thread(target=_keep_tail, args=(process.stderr, self._stderr), daemon=True,
                                               name="tubenotes-pandoc-stderr")
        self._stderr_reader.start()
        self._process = process
        weakref.finalize(self, _stop, process)
        return process

    def _died(self, timed_out: bool) -> ExportError | StageInterrupted:
        process, self._process = self._process, None
        assert process is not None
        _stop(process)
        if self._stderr_reader is not None:
            self._stderr_reader.join(timeout=5)
        if process.returncode == -signal.SIGINT:
            return StageInterrupted("pandoc was stopped by Ctrl-C; `tubenotes resume` exports the note again")
        how = f"it took over {PANDOC_TIMEOUT_S} s and was stopped" if timed_out else ended(process.returncode)
        return ExportError(f"pandoc failed on the note: {how}; {stderr_tail(chr(10).join(self._stderr))}")


def _keep_tail(stream: IO[bytes], lines: collections.deque[str]) -> None:
    # Drained all along, or pandoc would block once the pipe is full of its warnings.
    for line in stream:
        lines.append(line.decode("utf-8", errors="replace").rstrip())


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End a worker by closing its input; kill it if it does not end."""
    try:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        process.kill()
        process.wait()


_workers = threading.local()


def _this_threads_worker() -> PandocWorker:
    # One per thread: a worker converts one note at a time, and export threads run side by side.
    worker = getattr(_workers, "worker", None)
    if worker is None:
        worker = _workers.worker = PandocWorker()
    return worker


def ended(returncode: int) -> str:
    """How a child process ended, from its return code, in words."""
    if returncode < 0:
        try:
            return f"it was stopped by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"it was stopped by signal {-returncode}"
    return f"it exited with code {returncode}"


def stderr_tail(stderr: str) -> str:
    """The end of what a child process wrote to stderr, or a note that it wrote nothing."""
    text = stderr.strip()
    if not text:
        return "it wrote nothing on stderr"
    return f"it said: {text[-STDERR_TAIL_CHARS:]}"

