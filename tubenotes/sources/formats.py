"""Parsers for transcript files: WebVTT, SubRip, plain text and JSON.

Each parser turns decoded text into a `ParsedTranscript`. They know nothing
of files: a problem is a `MalformedTranscript`, which the caller turns into
a job error that names the file.
"""

from __future__ import annotations

import codecs
import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from tubenotes.job import TranscriptSegment

SUPPORTED_SUFFIXES = (".vtt", ".srt", ".txt", ".json", ".json3")

_TIMESTAMP = r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_TIMING_LINE = re.compile(rf"^\s*{_TIMESTAMP}\s*-->\s*{_TIMESTAMP}")
# Inline markup: HTML-like tags (<i>, <c.colorE5E5E5>, <00:00:01.000> word
# timings, <v Speaker>) and SSA override blocks ({\an8}) some SRT files carry.
_MARKUP = re.compile(r"<[^>\n]*>|\{\\[^}\n]*\}")
_SPACES = re.compile(r"\s+")
# WebVTT blocks that are not cues, though a comment may quote a timing line.
_VTT_NON_CUE_BLOCKS = ("NOTE", "STYLE", "REGION")
_VTT_LANGUAGE_HEADER = re.compile(r"^Language:\s*(\S+)\s*$", re.MULTILINE)


class MalformedTranscript(ValueError):
    """The content does not follow the format its file claims."""


@dataclass
class ParsedTranscript:
    format: str  # "vtt", "srt", "txt", "json" (youtube-transcript-api) or "json3" (yt-dlp)
    text: str
    segments: list[TranscriptSegment] = field(default_factory=list)
    language: str | None = None  # from the file's own header, where the format has one


def decode_transcript_bytes(data: bytes) -> str:
    """Decode a transcript file: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise MalformedTranscript(f"it starts like UTF-16 text but is not ({exc.reason})") from exc
    if b"\x00" in data:
        raise MalformedTranscript("it holds binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older subtitle tools on Windows wrote the ANSI code page; Latin-1 takes
        # the bytes Windows-1252 leaves undefined, so decoding always succeeds.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def parse_transcript(text: str, suffix: str) -> ParsedTranscript:
    """Parse decoded `text` by the file suffix; JSON by what the content looks like."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parsers = {
        ".vtt": parse_vtt,
        ".srt": parse_srt,
        ".txt": parse_plain_text,
        ".json": parse_json,
        ".json3": parse_json,
    }
    parser = parsers.get(suffix.lower())
    if parser is None:
        raise MalformedTranscript(
            f"'{suffix}' is not a transcript format; use one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    return parser(text)


def parse_vtt(text: str) -> ParsedTranscript:
    """WebVTT, including YouTube's auto-captions with rolling, repeated lines."""
    segments: list[TranscriptSegment] = []
    previous_lines: set[str] = set()
    # Only an empty line ends a WebVTT block: YouTube puts lines of one space inside cues.
    for block in _blocks(text, separator=r"\n\n+"):
        if block[0].startswith(_VTT_NON_CUE_BLOCKS):
            continue
        cue = _cue_from_block(block)
        if cue is None:
            continue
        start, end, payload = cue
        lines = [line for line in (_clean(raw) for raw in payload) if line]
        # YouTube's auto-captions show a two-line window that rolls: each cue
        # repeats the line before it, and a 10 ms cue repeats the finished
        # line alone. Only lines the previous cue did not show are new speech.
        new_lines = [line for line in lines if line not in previous_lines]
        previous_lines = set(lines)
        if new_lines:
            segments.append(_segment(start, end, " ".join(new_lines)))
    if not segments and text.strip() and not text.lstrip().startswith("WEBVTT"):
        raise MalformedTranscript("no 'WEBVTT' header and no cues: it is not a WebVTT file")
    header = _VTT_LANGUAGE_HEADER.search(text.split("\n\n", 1)[0])
    return ParsedTranscript(
        format="vtt",
        text=_join(segments),
        segments=segments,
        language=header.group(1) if header else None,
    )


def parse_srt(text: str) -> ParsedTranscript:
    """SubRip: numbered cues, comma decimal marks, HTML-ish tags."""
    segments: list[TranscriptSegment] = []
    for block in _blocks(text, separator=r"\n[ \t]*\n"):
        cue = _cue_from_block(block)
        if cue is None:
            continue
        start, end, payload = cue
        cue_text = " ".join(line for line in (_clean(raw) for raw in payload) if line)
        if cue_text:
            segments.append(_segment(start, end, cue_text))
    if not segments and text.strip():
        raise MalformedTranscript("no 'start --> end' timing lines: it is not a SubRip file")
    return ParsedTranscript(format="srt", text=_join(segments), segments=segments)


def parse_plain_text(text: str) -> ParsedTranscript:
    """Plain text has no timings: keep its paragraphs, join the lines within each."""
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text):
        joined = _SPACES.sub(" ", paragraph).strip()
        if joined:
            paragraphs.append(joined)
    return ParsedTranscript(format="txt", text="\n\n".join(paragraphs))


def parse_json(text: str) -> ParsedTranscript:
    """youtube-transcript-api's JSONFormatter list, or yt-dlp's json3 subtitles."""
    if not text.strip():
        return ParsedTranscript(format="json", text="")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedTranscript(f"it is not valid JSON ({exc})") from exc
    if isinstance(data, list):
        return _parse_snippet_list(data)
    if isinstance(data, dict) and isinstance(data.get("events"), list):
        return _parse_json3(data["events"])
    raise MalformedTranscript(
        "the JSON is neither a list of {text, start, duration} (youtube-transcript-api) "
        "nor an object with 'events' (yt-dlp json3)"
    )


def _parse_snippet_list(items: list[Any]) -> ParsedTranscript:
    segments = []
    for index, item in enumerate(items):
        try:
            start = float(item["start"])
            duration = float(item.get("duration", 0.0))
            raw_text = item["text"]
        except (TypeError, KeyError, ValueError) as exc:
            raise MalformedTranscript(
                f"item {index} of the JSON list is not a {{text, start, duration}} object"
            ) from exc
        cue_text = _clean(str(raw_text))
        if cue_text:
            segments.append(TranscriptSegment(start=start, duration=duration, text=cue_text))
    return ParsedTranscript(format="json", text=_join(segments), segments=segments)


def _parse_json3(events: list[Any]) -> ParsedTranscript:
    segments = []
    for index, event in enumerate(events):
        if not isinstance(event, dict) or "segs" not in event:
            continue  # window and style definitions carry no text
        try:
            start = float(event["tStartMs"]) / 1000
            duration = float(event.get("dDurationMs", 0)) / 1000
            raw_text = "".join(str(seg.get("utf8", "")) for seg in event["segs"])
        except (TypeError, KeyError, ValueError, AttributeError) as exc:
            raise MalformedTranscript(f"event {index} of the json3 'events' is malformed") from exc
        cue_text = _clean(raw_text)
        if cue_text:
            segments.append(TranscriptSegment(start=start, duration=duration, text=cue_text))
    return ParsedTranscript(format="json3", text=_join(segments), segments=segments)


def _blocks(text: str, separator: str) -> list[list[str]]:
    """The blocks between `separator` matches, each a list of its lines."""
    return [block.split("\n") for block in re.split(separator, text.strip("\n")) if block.strip()]


def _cue_from_block(block: list[str]) -> tuple[float, float, list[str]] | None:
    """(start, end, payload lines) of a cue block, or None when it has no timing line."""
    for index, line in enumerate(block):  # lines before the timing are a cue id or a header
        match = _TIMING_LINE.match(line)
        if match:
            groups = match.groups()
            return _seconds(groups[:4]), _seconds(groups[4:]), block[index + 1 :]
    return None


def _seconds(parts: tuple[str | None, ...]) -> float:
    hours, minutes, seconds, fraction = parts
    whole = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return round(whole + int(fraction.ljust(3, "0")) / 1000, 3)


def _segment(start: float, end: float, text: str) -> TranscriptSegment:
    return TranscriptSegment(start=start, duration=round(max(end - start, 0.0), 3), text=text)


def _clean(raw: str) -> str:
    """Caption text without markup or entities, on one line."""
    return _SPACES.sub(" ", html.unescape(_MARKUP.sub("", raw))).strip()


def _join(segments: list[TranscriptSegment]) -> str:
    return " ".join(segment.text for segment in segments)
