"""Notes per second on 2 cores: the Typst route side by side with headless Chromium and WeasyPrint.

    pip install -r bench/requirements.txt && apt-get install -y chromium   (bench-only engines)
    python bench/bench_pdf.py [--notes 200] [--workers 2] [--engines typst,chromium,weasyprint]

Each note is a realistic 4-page lecture note with 70 formulas, callouts, a
table and code. Every engine starts from the same Markdown and pays for its
own conversion: Typst gets pandoc's Typst writer and the Obsidian filter (the
exporter as shipped); Chromium and WeasyPrint get pandoc's HTML writer with
MathML math and a print stylesheet (no callout boxes: they print as quotes).
Chromium renders MathML itself, so it needs no KaTeX and no network; it runs
as one browser driven over --remote-debugging-pipe with one tab per worker,
so browser start-up is not counted. WeasyPrint has no MathML layout: its
formulas print as their linear text, which flatters its time. Typst and
Chromium work in threads (the work happens outside the GIL), WeasyPrint in
processes (pure Python). An engine that is not installed is skipped.
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pypandoc

from tubenotes.export.pdf import TypstPdfExporter

PRINT_CSS = """
@page { size: A4; margin: 2cm; @bottom-center { content: counter(page) " / " counter(pages); } }
body { font-family: "Libertinus Serif", "Noto Serif", serif; font-size: 10.5pt; line-height: 1.3;
       text-align: justify; max-width: none; margin: 0; padding: 0; }
blockquote { border-left: 3px solid #086ddd; background: #eef5fd; margin: 0.6em 0; padding: 4pt 8pt; }
table { border-collapse: collapse; margin: 0 auto; } th, td { border: 0.5pt solid #aaa; padding: 3pt 5pt; }
pre { background: #f6f6f6; padding: 7pt; } math[display="block"] { margin: 0.6em 0; }
"""
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # Belt and braces: no host name resolves, so no request could leave even by mistake.
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
A4_INCHES = (8.27, 11.69)

FORMULAS = (
    r"\frac{-b \pm \sqrt{b^2-4ac}}{2a}",
    r"\sum_{k=1}^{n} k^2 = \frac{n(n+1)(2n+1)}{6}",
    r"\int_0^\infty e^{-x^2}\,dx = \frac{\sqrt{\pi}}{2}",
    r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}^{-1} = \frac{1}{ad-bc}\begin{pmatrix} d & -b \\ -c & a \end{pmatrix}",
    r"\lim_{h \to 0} \frac{f(x+h)-f(x)}{h}",
)


def lecture_note(index: int) -> str:
    """About four A4 pages: 7 sections, each with 10 formulas."""
    parts = [
        "---",
        f'title: "Lecture {index}: Linear maps and eigenvalues"',
        f"source: https://www.youtube.com/watch?v=vid{index:05d}",
        "subject: Linear Algebra",
        "created: 2025-03-14",
        "---",
        "",
        f"# Lecture {index}: Linear maps and eigenvalues",
    ]
    for section in range(7):
        parts += [
            f"## Section {section + 1} [{section * 7:02d}:15](https://www.youtube.com/watch?v=vid{index:05d}&t={section * 420 + 15}s)",
            "",
            "The lecturer explains how a [[Linear Map|linear map]] acts on a basis, and why the "
            "==characteristic polynomial== decides which directions are kept. "
            f"Inline: ${FORMULAS[section % 5]}$ and $A v = \\lambda v$ and $\\det(A - \\lambda I) = 0$.",
            "",
            *(f"$${FORMULAS[(section + k) % 5]}$$\n" for k in range(5)),
            f"Also $x_{section}^2$ and $\\alpha + \\beta$.",
            "",
            "> [!note] Key idea",
            "> An eigenvector keeps its direction; its eigenvalue scales it.",
            "",
            "- first point with a sub-point",
            "  - the sub-point",
            "- second point",
            "",
            "| Matrix | Eigenvalues |",
            "|---|---|",
            "| identity | 1, 1 |",
            "| rotation | complex pair |",
            "",
        ]
    parts += ["```python", "numpy.linalg.eig(A)", "```"]
    return "\n".join(parts) + "\n"


def markdown_to_html(note: Path) -> Path:
    """The note as a standalone HTML page with MathML formulas, next to it."""
    html = note.with_suffix(".html")
    pypandoc.convert_file(
        str(note), "html5", format="markdown+mark+wikilinks_title_after_pipe", outputfile=str(html),
        extra_args=["--standalone", "--mathml", "--metadata=pagetitle:note", f"--css={note.parent / 'print.css'}"],
    )
    return html


def typst_engine(workers: int) -> Iterator[tuple[Executor, Callable[[Path], object]]]:
    exporter = TypstPdfExporter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield pool, lambda note: exporter.markdown_to_pdf(note, note.with_suffix(".typst.pdf"))


def weasyprint_pdf(note: Path) -> None:
    import weasyprint  # bench-only: imported in the worker processes
    from weasyprint.urls import URLFetcher

    html = markdown_to_html(note)
    # No protocol allowed: WeasyPrint fetches nothing, not even the local stylesheet.
    document = weasyprint.HTML(filename=str(html), url_fetcher=URLFetcher(allowed_protocols=()))
    document.write_pdf(note.with_suffix(".weasyprint.pdf"), stylesheets=[weasyprint.CSS(string=PRINT_CSS)])


def weasyprint_engine(workers: int) -> Iterator[tuple[Executor, Callable[[Path], object]]]:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield pool, weasyprint_pdf


class DevToolsPipe:
    """Chrome DevTools Protocol over --remote-debugging-pipe: JSON messages ending in NUL on fds 3 and 4."""

    def __init__(self, profile: Path) -> None:
        to_browser, self._commands = os.pipe()
        self._replies, from_browser = os.pipe()

        def use_fds_3_and_4() -> None:
            # Move both ends out of the way first: either may already be fd 3 or 4.
            reads, writes = fcntl.fcntl(to_browser, fcntl.F_DUPFD, 10), fcntl.fcntl(from_browser, fcntl.F_DUPFD, 10)
            os.dup2(reads, 3)
            os.dup2(writes, 4)

        self.process = subprocess.Popen(
            [shutil.which("chromium") or "chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             "--remote-debugging-pipe", "about:blank"],
            # The child closes every other fd after preexec_fn, keeping these numbers.
            preexec_fn=use_fds_3_and_4, pass_fds=(3, 4),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._lock = threading.Lock()
        self._next_id = 0
        self._waiting: dict[int, queue.Queue[dict]] = {}
        self._loaded: dict[str, queue.Queue[None]] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def call(self, method: str, session: str | None = None, **params: object) -> dict:
        with self._lock:
            self._next_id += 1
            message_id = self._next_id
            reply: queue.Queue[dict] = queue.Queue()
            self._waiting[message_id] = reply
            message = {"id": message_id, "method": method, "params": params}
            if session:
                message["sessionId"] = session
            os.write(self._commands, json.dumps(message).encode() + b"\0")
        answer = reply.get(timeout=120)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def open_tab(self) -> str:
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self._loaded[session] = queue.Queue()
        self.call("Page.enable", session)
        return session

    def print_page(self, session: str, url: str) -> bytes:
        self.call("Page.navigate", session, url=url)
        self._loaded[session].get(timeout=120)
        width, height = A4_INCHES
        pdf = self.call("Page.printToPDF", session, paperWidth=width, paperHeight=height, printBackground=True,
                        preferCSSPageSize=True)
        return base64.b64decode(pdf["data"])

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        os.close(self._commands)

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._replies, 1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                if "id" in message:
                    self._waiting.pop(message["id"]).put(message)
                elif message.get("method") == "Page.loadEventFired":
                    self._loaded[message["sessionId"]].put(None)


def chromium_engine(workers: int) -> Iterator[tuple[Executor, Callable[[Path], object]]]:
    with tempfile.TemporaryDirectory() as profile:
        browser = DevToolsPipe(Path(profile))
        tabs: queue.Queue[str] = queue.Queue()
        for _ in range(workers):
            tabs.put(browser.open_tab())

        def render(note: Path) -> None:
            tab = tabs.get()
            try:
                note.with_suffix(".chromium.pdf").write_bytes(browser.print_page(tab, markdown_to_html(note).as_uri()))
            finally:
                tabs.put(tab)

        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                yield pool, render
        finally:
            browser.close()


ENGINES = {
    "typst": (contextmanager(typst_engine), lambda: True),
    "chromium": (contextmanager(chromium_engine), lambda: shutil.which("chromium") is not None),
    "weasyprint": (contextmanager(weasyprint_engine), lambda: _importable("weasyprint")),
}


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def notes_per_second(engine: str, notes: list[Path], workers: int) -> tuple[float, float]:
    """Notes per second of wall time, and CPU seconds per note (this process and its children).

    On a shared machine the first depends on the other users; the second much less, and
    ``workers / cpu`` is the rate on as many idle cores.
    """
    start_engine, _ = ENGINES[engine]
    warm_up = notes[:workers * 2]
    cpu_before = _cpu_seconds()
    with start_engine(workers) as (pool, render):
        list(pool.map(render, warm_up))  # start-up: font scans, imports, first pages
        started = time.perf_counter()
        list(pool.map(render, notes))
        rate = len(notes) / (time.perf_counter() - started)
    # Children (pandoc, the browser, WeasyPrint's processes) count once they have ended, after the engine.
    return rate, (_cpu_seconds() - cpu_before) / (len(notes) + len(warm_up))


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated, from: " + ", ".join(ENGINES))
    args = parser.parse_args()
    rates = {}
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "print.css").write_text(PRINT_CSS, encoding="utf-8")
        notes = []
        for index in range(args.notes):
            note = Path(folder) / f"note{index:04d}.md"
            note.write_text(lecture_note(index), encoding="utf-8")
            notes.append(note)
        for engine in args.engines.split(","):
            if not ENGINES[engine][1]():
                print(f"{engine}: not installed, skipped (see bench/requirements.txt)")
                continue
            rates[engine], cpu = notes_per_second(engine, notes, args.workers)
            print(f"{engine}: {args.notes} notes on {args.workers} workers: {rates[engine]:.2f} notes/s, "
                  f"{args.workers / rates[engine]:.2f} s per note per worker, {cpu:.3f} CPU s per note "
                  f"({args.workers / cpu:.1f} notes/s on {args.workers} idle cores)", flush=True)
    for engine, rate in rates.items():
        if engine != "typst" and "typst" in rates:
            print(f"typst / {engine}: {rates['typst'] / rate:.1f}x")


if __name__ == "__main__":
    main()
