"""Properties of every reader and writer of outside data, for any input hypothesis can think of.

Each property runs a bounded number of examples, so that CI stays fast.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import pypandoc
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests.test_llm_answer_safety import links_and_html
from tubenotes.errors import InputError, TubenotesError
from tubenotes.export.pandoc import READER_FORMAT
from tubenotes.generate.safe_markdown import safe_markdown
from tubenotes.inputs import jobs_from_inputs
from tubenotes.job import Chapter, ProcessingStage
from tubenotes.plaintext import INVISIBLE, clean_line
from tubenotes.sources.base import VideoMetadata
from tubenotes.sources.formats import SUPPORTED_SUFFIXES, MalformedTranscript, decode_transcript_bytes, parse_transcript
from tubenotes.sources.local import LocalTranscriptFile
from tubenotes.sources.youtube_urls import parse_youtube_input
from tubenotes.vault.filenames import MAX_STEM_BYTES, sanitize_filename
from tubenotes.vault.frontmatter import render_front_matter

FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WINDOWS_FORBIDDEN = set('<>:"/\\|?*')
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)}

# Text that tries hard to be markup: the pieces of HTML, links, fences, math, front matter and escapes.
MARKUP_PIECES = ["<", ">", "[", "]", "(", ")", "!", "`", "```", "~~~", "$", "$$", "\\", "---", "...", ":", "\n",
                 "\n\n", " ", "    ", "- ", "> ", "# ", "*", "_", '"', "'", "=", "&", "#", "a", "b", "word",
                 "http://", "https://x.example/p", "javascript:", "file:///etc/passwd", "mailto:a@b.c", "<script>",
                 "</script>", "<img src=https://t.example/p.gif>", "<!--", "-->", "](", "]: ", "![", "[[", "]]",
                 "title: Pwned", "\x00", "\u202e", "&#106;", "<a@b.c>"]
markup_text = st.one_of(st.lists(st.sampled_from(MARKUP_PIECES), max_size=40).map("".join), st.text(max_size=200))


# --- the URL parser ---------------------------------------------------------------------------

@FEW
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=300))
def test_the_url_parser_refuses_or_names_a_video_for_any_text(text: str) -> None:
    try:
        ref = parse_youtube_input(text)
    except InputError as exc:
        assert str(exc)
    else:
        assert parse_youtube_input(ref.url) == ref


@FEW
@given(st.from_regex(r"[a-z]{1,10}(\.[a-z]{2,5}){1,2}", fullmatch=True))
def test_a_url_on_another_host_is_never_taken_for_youtube(host: str) -> None:
    if host.removeprefix("www.") in ("youtube.com", "youtu.be", "youtube-nocookie.com") or host.endswith(
            (".youtube.com", ".youtube-nocookie.com")):
        return
    for url in (f"https://{host}/watch?v=dQw4w9WgXcQ", f"https://youtube.com.{host}/watch?v=dQw4w9WgXcQ"):
        with pytest.raises(InputError):
            parse_youtube_input(url)


# --- the title sanitiser ----------------------------------------------------------------------

@FEW
@given(st.text(max_size=400))
def test_any_title_is_a_file_name_valid_everywhere_and_inside_its_folder(title: str) -> None:
    name = sanitize_filename(title)
    assert name and name not in (".", "..")
    assert not (WINDOWS_FORBIDDEN & set(name)) and not INVISIBLE.search(name)  # Windows, macOS (":"), controls
    assert name.split(".")[0].upper() not in WINDOWS_RESERVED and not name.endswith((" ", "."))
    assert len(name.encode("utf-8")) <= MAX_STEM_BYTES + 1  # a reserved name gets one "_"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, f"Assessment_{name}.md")  # the longest name the vault gives a note
        path.write_text("x", encoding="utf-8")
        assert path.resolve().parent == Path(folder).resolve()
        assert [entry.name for entry in Path(folder).iterdir()] == [path.name]


# --- the transcript readers -------------------------------------------------------------------

def _read(data: bytes, suffix: str) -> None:
    """Decoding and parsing give a transcript or MalformedTranscript, nothing else."""
    try:
        parse_transcript(decode_transcript_bytes(data), suffix)
    except MalformedTranscript:
        pass


@FEW
@given(st.binary(max_size=2000), st.sampled_from(SUPPORTED_SUFFIXES))
def test_random_bytes_are_a_transcript_or_a_reason(data: bytes, suffix: str) -> None:
    _read(data, suffix)


VALID = {
    ".vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nHeat — Wärme — 熱\n\n00:00:04.000 --> 00:00:08.000\n<i>flows</i>\n",
    ".srt": "1\n00:00:01,000 --> 00:00:04,000\nHeat — Wärme — 熱\n\n2\n00:00:04,000 --> 00:00:08,000\nflows\n",
    ".txt": "Heat — Wärme — 熱 flows.\n\nFrom hot to cold.\n",
    ".json": json.dumps([{"text": "Heat — Wärme — 熱", "start": 1.0, "duration": 3.0}], ensure_ascii=False),
    ".json3": json.dumps({"events": [{"tStartMs": 1000, "dDurationMs": 3000, "segs": [{"utf8": "Heat 熱"}]}]},
                         ensure_ascii=False),
}


@FEW
@given(st.sampled_from(sorted(VALID)), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252",
                                                         "latin-1", "shift_jis", "koi8-r"]), st.data())
def test_wrong_encodings_and_truncated_files_are_a_transcript_or_a_reason(suffix: str, encoding: str, data) -> None:
    raw = VALID[suffix].encode(encoding, errors="replace")
    cut = data.draw(st.integers(0, len(raw)))
    _read(raw, suffix)
    _read(raw[:cut], suffix)


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(sorted(VALID)), st.integers(100_000, 2_000_000))
def test_a_huge_line_is_read(suffix: str, length: int) -> None:
    huge = VALID[suffix].replace("flows", "flows" + "x" * length, 1).replace("熱 flows", "熱 flows" + "x" * length, 1)
    _read(huge.encode("utf-8"), suffix)


@FEW
@given(st.binary(max_size=3000), st.sampled_from(SUPPORTED_SUFFIXES), st.booleans())
def test_a_transcript_file_fails_its_job_with_a_reason_or_reads(data: bytes, suffix: str, sidecar: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "lecture" + suffix)
        path.write_bytes(data)
        if sidecar:
            Path(folder, "lecture.info.json").write_bytes(data[::-1])
        source = LocalTranscriptFile(path)
        try:
            transcript = source.get_transcript("id")
            metadata = source.get_video_metadata("id")
        except TubenotesError as exc:
            assert str(Path(folder, "lecture")) in str(exc)  # names the file or its sidecar
        else:
            assert isinstance(transcript["transcript"], str)
            assert metadata.title and not INVISIBLE.search(metadata.title)


# --- the input-list reader --------------------------------------------------------------------

list_lines = st.lists(st.one_of(
    st.sampled_from(["https://youtu.be/dQw4w9WgXcQ", "dQw4w9WgXcQ", "lecture.en.srt", "missing.srt",
                     "sub/missing.vtt", "# a comment", "", "heat " * 60, "\x00", "../lecture.en.srt"]),
    st.text(max_size=60)), max_size=12)


@FEW
@given(list_lines)
def test_any_list_of_inputs_gives_jobs_and_never_raises(lines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "lecture.en.srt").write_text("1\n00:00:01,000 --> 00:00:04,000\nHeat flows.\n")
        listing = Path(folder, "inputs.txt")
        listing.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
        jobs = jobs_from_inputs([str(listing)])
        assert jobs and [job.position for job in jobs] == list(range(len(jobs)))
        assert len({job.key for job in jobs}) == len(jobs)
        for job in jobs:
            assert job.stage is not ProcessingStage.FAILED or job.error_message


@FEW
@given(st.lists(st.sampled_from(["https://youtu.be/dQw4w9WgXcQ", "https://youtu.be/aaaaaaaaaaa", "lecture.en.srt",
                                 "missing.srt", "gone/missing.vtt"]), min_size=1, max_size=6, unique=True))
def test_a_list_of_inputs_stays_a_list_with_missing_entries(entries: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "lecture.en.srt").write_text("1\n00:00:01,000 --> 00:00:04,000\nHeat flows.\n")
        listing = Path(folder, "inputs.txt")
        listing.write_text("\n".join(entries) + "\n")
        jobs = jobs_from_inputs([str(listing)])
        assert len(jobs) == len(entries)
        failed = [job for job in jobs if job.stage is ProcessingStage.FAILED]
        assert len(failed) == sum("missing" in entry for entry in entries)
        assert all("no such file" in job.error_message for job in failed)


# --- the front matter writer ------------------------------------------------------------------

@FEW
@given(st.text(max_size=120), st.text(max_size=60), st.text(max_size=60))
def test_front_matter_round_trips_through_yaml_for_any_title_channel_and_chapter(title, channel, chapter) -> None:
    metadata = VideoMetadata(title=title, channel=channel, chapters=[Chapter(0.0, chapter)])
    properties = {"title": metadata.title, "channel": metadata.channel, "chapters": [metadata.chapters[0].title]}
    block = render_front_matter(properties)
    assert block.startswith("---\n") and block.endswith("\n---\n") and block.count("\n---\n") == 1
    loaded = yaml.safe_load(block[4:-4])
    expected = {"title": clean_line(title), "channel": clean_line(channel), "chapters": [clean_line(chapter)]}
    if not title:
        expected["title"] = title
    if not channel:
        expected["channel"] = channel
    assert loaded == expected


# --- the LLM answer post-processing -----------------------------------------------------------

def _pandoc_ast(markdown: str) -> dict:
    """The document as pandoc reads it with raw HTML and YAML blocks on: what they would let through."""
    reader = READER_FORMAT.replace("-raw_html", "").replace("-yaml_metadata_block", "")
    result = subprocess.run([pypandoc.get_pandoc_path(), f"--from={reader}", "--to=json"], input=markdown,
                            capture_output=True, text=True, encoding="utf-8", timeout=60, check=True)
    return json.loads(result.stdout)


def _walk(node: object):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


@pytest.mark.slow
@FEW
@given(markup_text)
def test_any_answer_becomes_markdown_without_html_front_matter_or_dangerous_links(answer: str) -> None:
    safe = safe_markdown(answer)
    assert safe_markdown(safe) == safe
    assert "\x00" not in safe and "\u202e" not in safe
    if "$" not in safe:  # CommonMark knows no formulas; inside one, "<" is math, not HTML
        links, images, html = links_and_html(safe)
        assert html == [] and images == []
        assert all(link.lower().startswith(("http://", "https://")) for link in links), links
    document = _pandoc_ast(safe)
    assert document["meta"] == {}
    for node in _walk(document["blocks"]):
        kind = node.get("t")
        assert kind not in ("RawInline", "RawBlock", "Image"), node
        if kind == "Link":
            (_, classes, _), _, (target, title) = node["c"]
            wikilink = "wikilink" in classes or title == "wikilink"
            assert target.lower().startswith(("http://", "https://", "#")) or wikilink, target


def test_markdown_it_reads_what_obsidian_reads() -> None:
    """The CommonMark oracle above sees raw HTML and links when they are there."""
    links, images, html = links_and_html("<b>x</b> [a](file:///x) ![i](https://t/p.png)")
    assert html and links == ["file:///x"] and images == ["https://t/p.png"]
    assert MarkdownIt("commonmark").render("\\<b>") == "<p>&lt;b&gt;</p>\n"
