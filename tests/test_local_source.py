"""Local transcript files: parsers, sidecar metadata, ids, folder walks, errors, bundled examples."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tubenotes.errors import EmptyTranscriptError, InputError, PermanentError
from tubenotes.job import Chapter
from tubenotes.sources.local import (
    LocalTranscriptFile,
    file_video_id,
    find_transcript_files,
    language_from_name,
    title_from_name,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

YOUTUBE_AUTO_VTT = """WEBVTT
Kind: captions
Language: en

00:00:00.000 --> 00:00:02.510 align:start position:0%
 
so<00:00:00.320><c> today</c><00:00:00.640><c> we're</c>

00:00:02.510 --> 00:00:02.520 align:start position:0%
so today we're
 

00:00:02.520 --> 00:00:05.120 align:start position:0%
so today we're
going<00:00:02.800><c> to</c><00:00:03.000><c> talk</c>

00:00:05.120 --> 00:00:05.130 align:start position:0%
going to talk
 

00:00:05.130 --> 00:00:07.000 align:start position:0%
going to talk
about<00:00:05.500><c> entropy</c>
"""

MANUAL_VTT = """WEBVTT

NOTE a comment 00:00:09.000 --> 00:00:10.000 that is no cue

STYLE
::cue { color: yellow }

intro
00:01.000 --> 00:04.500
<v Lecturer>Heat flows from <i>hot</i> to cold &amp; never back.

01:02:03.250 --> 01:02:09.000 line:90%
<b>Entropy</b> rises.
"""

SRT = """1
00:00:01,000 --> 00:00:04,000
<i>Die Weimarer Republik</i> begann
im November 1918.

2
00:00:04,500 --> 00:00:08,250
{\\an8}Sie endete 1933.
"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def transcript_of(path: Path) -> dict:
    return LocalTranscriptFile(path).get_transcript("ignored")


# --- formats ------------------------------------------------------------


def test_youtube_auto_vtt_drops_rolling_repeats_and_word_timings(tmp_path):
    result = transcript_of(write(tmp_path, "talk.en.vtt", YOUTUBE_AUTO_VTT))
    assert result["transcript"] == "so today we're going to talk about entropy"
    assert result["segments"] == [
        {"start": 0.0, "duration": 2.51, "text": "so today we're"},
        {"start": 2.52, "duration": 2.6, "text": "going to talk"},
        {"start": 5.13, "duration": 1.87, "text": "about entropy"},
    ]
    assert result["track"] == "file:vtt"
    assert result["language"] == "en"


def test_manual_vtt_skips_notes_and_styles_strips_tags_and_reads_short_timestamps(tmp_path):
    result = transcript_of(write(tmp_path, "talk.vtt", MANUAL_VTT))
    assert result["segments"] == [
        {"start": 1.0, "duration": 3.5, "text": "Heat flows from hot to cold & never back."},
        {"start": 3723.25, "duration": 5.75, "text": "Entropy rises."},
    ]


def test_vtt_language_header_is_used_when_the_name_has_none(tmp_path):
    assert transcript_of(write(tmp_path, "talk.vtt", YOUTUBE_AUTO_VTT))["language"] == "en"
    assert transcript_of(write(tmp_path, "talk.vtt", MANUAL_VTT))["language"] is None


def test_srt_cues_with_tags_and_multiple_lines(tmp_path):
    result = transcript_of(write(tmp_path, "vorlesung.de.srt", SRT))
    assert result["segments"] == [
        {"start": 1.0, "duration": 3.0, "text": "Die Weimarer Republik begann im November 1918."},
        {"start": 4.5, "duration": 3.75, "text": "Sie endete 1933."},
    ]
    assert result["transcript"] == "Die Weimarer Republik begann im November 1918. Sie endete 1933."
    assert result["track"] == "file:srt"
    assert result["language"] == "de"


def test_srt_with_windows_line_endings_and_whitespace_separator_lines(tmp_path):
    content = SRT.replace("\n\n", "\n   \n").replace("\n", "\r\n")
    result = transcript_of(write(tmp_path, "a.srt", content))
    assert [segment["text"] for segment in result["segments"]] == [
        "Die Weimarer Republik begann im November 1918.",
        "Sie endete 1933.",
    ]


def test_plain_text_keeps_paragraphs_and_has_no_segments(tmp_path):
    content = "First line of the\nfirst paragraph.\n\n\n  Second   paragraph.  \n"
    result = transcript_of(write(tmp_path, "notes.txt", content))
    assert result["transcript"] == "First line of the first paragraph.\n\nSecond paragraph."
    assert result["segments"] == []
    assert result["track"] == "file:txt"


def test_youtube_transcript_api_json(tmp_path):
    snippets = [
        {"text": "[Music]", "start": 0.0, "duration": 2.0},
        {"text": "the <i>mitochondria</i> make atp", "start": 2.0, "duration": 3.5},
        {"text": "   ", "start": 5.5, "duration": 1.0},
    ]
    result = transcript_of(write(tmp_path, "bio.en.json", json.dumps(snippets)))
    assert result["segments"] == [
        {"start": 0.0, "duration": 2.0, "text": "[Music]"},
        {"start": 2.0, "duration": 3.5, "text": "the mitochondria make atp"},
    ]
    assert result["track"] == "file:json"


@pytest.mark.parametrize("name", ["talk.en.json3", "talk.en.json"])
def test_yt_dlp_json3_is_recognised_by_content(tmp_path, name):
    events = {
        "wireMagic": "pb3",
        "events": [
            {"tStartMs": 0, "dDurationMs": 500000, "id": 1, "wpWinPosId": 1},
            {
                "tStartMs": 1200,
                "dDurationMs": 3000,
                "segs": [{"utf8": "so"}, {"utf8": " today", "tOffsetMs": 400}],
            },
            {"tStartMs": 3000, "aAppend": 1, "segs": [{"utf8": "\n"}]},
            {"tStartMs": 4200, "dDurationMs": 2500, "segs": [{"utf8": "we talk"}]},
        ],
    }
    result = transcript_of(write(tmp_path, name, json.dumps(events)))
    assert result["segments"] == [
        {"start": 1.2, "duration": 3.0, "text": "so today"},
        {"start": 4.2, "duration": 2.5, "text": "we talk"},
    ]
    assert result["track"] == "file:json3"


def test_utf8_bom_utf16_and_legacy_code_page(tmp_path):
    bom = transcript_of(write(tmp_path, "a.srt", "\ufeff" + SRT))
    assert bom["segments"][0]["text"].startswith("Die Weimarer")
    utf16 = transcript_of(write(tmp_path, "b.vtt", MANUAL_VTT.encode("utf-16")))
    assert utf16["segments"][1]["text"] == "Entropy rises."
    legacy = transcript_of(write(tmp_path, "c.txt", "Gr\u00fc\u00dfe \u2013 caf\u00e9".encode("cp1252")))
    assert legacy["transcript"] == "Gr\u00fc\u00dfe \u2013 caf\u00e9"


CAPTION_CHARACTERS = st.characters(categories=("L", "N"), include_characters=" .,!?'-")


@settings(max_examples=40, deadline=None)
@given(
    cues=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=20_000_000),
            st.integers(min_value=1, max_value=60_000),
            st.text(CAPTION_CHARACTERS, min_size=1, max_size=40),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_srt_round_trip_of_timings_and_text(tmp_path_factory, cues):
    def stamp(ms: int) -> str:
        return f"{ms // 3_600_000:02}:{ms // 60_000 % 60:02}:{ms // 1000 % 60:02},{ms % 1000:03}"

    blocks = [
        f"{number}\n{stamp(start)} --> {stamp(start + length)}\n{text}"
        for number, (start, length, text) in enumerate(cues, 1)
    ]
    path = write(tmp_path_factory.mktemp("srt"), "x.srt", "\n\n".join(blocks) + "\n")
    segments = transcript_of(path)["segments"]
    expected = [(start / 1000, length / 1000, " ".join(text.split())) for start, length, text in cues]
    assert [(s["start"], s["duration"], s["text"]) for s in segments] == [e for e in expected if e[2]]


# --- sidecar, title, language, id --------------------------------------


def test_info_json_sidecar_supplies_metadata_and_chapters(tmp_path):
    path = write(tmp_path, "lecture.en.vtt", MANUAL_VTT)
    write(
        tmp_path,
        "lecture.info.json",
        json.dumps(
            {
                "id": "dQw4w9WgXcQ",
                "title": "Thermodynamics 1",
                "channel": "Open Physics",
                "duration": 3912,
                "upload_date": "20240131",
                "description": "First lecture.",
                "chapters": [
                    {"start_time": 600.0, "end_time": 3912.0, "title": "Entropy"},
                    {"start_time": 0.0, "end_time": 600.0, "title": "Heat"},
                ],
            }
        ),
    )
    source = LocalTranscriptFile(path)
    assert source.get_video_title("x") == "Thermodynamics 1"
    assert source.youtube_id == "dQw4w9WgXcQ"
    metadata = source.get_video_metadata("x")
    assert (metadata.channel, metadata.duration_seconds, metadata.upload_date, metadata.description) == (
        "Open Physics",
        3912.0,
        "2024-01-31",
        "First lecture.",
    )
    assert metadata.chapters == [Chapter(0.0, "Heat"), Chapter(600.0, "Entropy")]
    assert source.get_transcript("x")["chapters"] == [
        {"start": 0.0, "title": "Heat"},
        {"start": 600.0, "title": "Entropy"},
    ]


def test_without_sidecar_title_comes_from_the_name_and_duration_from_the_cues(tmp_path):
    source = LocalTranscriptFile(write(tmp_path, "intro_to-thermo.en.vtt", MANUAL_VTT))
    assert source.get_video_title("x") == "Intro To Thermo"
    assert source.youtube_id is None
    metadata = source.get_video_metadata("x")
    assert metadata.duration_seconds == pytest.approx(3729.0)
    assert (metadata.channel, metadata.upload_date, metadata.chapters) == (None, None, [])


def test_sidecar_values_of_the_wrong_type_fall_back_to_the_file(tmp_path):
    path = write(tmp_path, "intro_to-thermo.en.vtt", MANUAL_VTT)
    sidecar = {"title": ["x"], "duration": "an hour", "upload_date": 20240131, "chapters": [{"start_time": "0"}]}
    write(tmp_path, "intro_to-thermo.info.json", json.dumps(sidecar))
    source = LocalTranscriptFile(path)
    metadata = source.get_video_metadata("x")
    assert (metadata.title, metadata.upload_date, metadata.chapters) == ("Intro To Thermo", None, [])
    assert metadata.duration_seconds == pytest.approx(3729.0)
    assert source.get_transcript("x")["chapters"] == []


def test_sidecar_id_that_is_not_a_youtube_id_is_ignored(tmp_path):
    path = write(tmp_path, "talk.srt", SRT)
    write(tmp_path, "talk.info.json", json.dumps({"id": "https://example.org/talk", "title": "Talk"}))
    assert LocalTranscriptFile(path).youtube_id is None


def test_broken_sidecar_fails_naming_the_sidecar(tmp_path):
    path = write(tmp_path, "talk.srt", SRT)
    write(tmp_path, "talk.info.json", "{not json")
    with pytest.raises(PermanentError, match=r"talk\.info\.json.*fix or delete"):
        LocalTranscriptFile(path).get_video_title("x")


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("intro_to-thermo.en.vtt", "Intro To Thermo"),
        ("DNA_replication.srt", "DNA Replication"),
        ("Talk about heat.txt", "Talk About Heat"),
    ],
)
def test_title_from_name(name, title):
    assert title_from_name(Path(name)) == title


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("lecture.de.srt", "de"),
        ("lecture.en-US.vtt", "en-US"),
        ("Talk [dQw4w9WgXcQ].pt-BR.json3", "pt-BR"),
        ("lecture.srt", None),
        ("lecture.old.srt", None),
        ("de.srt", None),
    ],
)
def test_language_from_name(name, language):
    assert language_from_name(Path(name)) == language


def test_content_id_is_stable_across_paths_and_differs_for_other_bytes(tmp_path):
    first = write(tmp_path, "a.srt", SRT)
    same = write(tmp_path, "sub/renamed.srt", SRT)
    other = write(tmp_path, "b.srt", SRT + " ")
    assert re.fullmatch(r"file-[0-9a-f]{12}", file_video_id(first))
    assert file_video_id(first) == file_video_id(same)
    assert file_video_id(first) != file_video_id(other)


# --- folder walk ----------------------------------------------------------


def test_folder_walk_is_recursive_sorted_and_filtered(tmp_path):
    for name in [
        "b.srt",
        "A.vtt",
        "sub/c.json",
        "sub/c.info.json",
        "sub/deeper/d.JSON3",
        "notes.txt",
        "slides.pdf",
        ".hidden.vtt",
        ".git/e.vtt",
    ]:
        write(tmp_path, name, "x")
    found = [path.relative_to(tmp_path).as_posix() for path in find_transcript_files(tmp_path)]
    assert found == ["A.vtt", "b.srt", "notes.txt", "sub/c.json", "sub/deeper/d.JSON3"]


def test_a_file_named_directly_is_returned_even_of_another_type(tmp_path):
    path = write(tmp_path, "slides.pdf", "x")
    assert find_transcript_files(path) == [path]


def test_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="nope"):
        find_transcript_files(tmp_path / "nope")


# --- errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content",
    [
        ("empty.srt", ""),
        ("blank.txt", " \n\t\n"),
        ("header-only.vtt", "WEBVTT\n\n"),
        ("empty-list.json", "[]"),
        ("silent.json", json.dumps([{"text": " ", "start": 0, "duration": 1}])),
    ],
)
def test_empty_transcripts(tmp_path, name, content):
    with pytest.raises(EmptyTranscriptError, match=re.escape(name)):
        transcript_of(write(tmp_path, name, content))


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("garbage.srt", "just some words\nwith no timings", "SubRip"),
        ("garbage.vtt", "hello there", "WebVTT"),
        ("binary.txt", bytes(range(256)) * 4, "binary"),
        ("odd.txt", b"\xff\xfeh\x00i", "UTF-16"),
        ("broken.json", "[{", "not valid JSON"),
        ("shape.json", json.dumps({"foo": 1}), "neither"),
        ("items.json", json.dumps([{"start": 1}]), "item 0"),
        ("slides.pdf", "%PDF-1.4", "not a transcript format"),
    ],
)
def test_malformed_or_unknown_files_fail_naming_the_file(tmp_path, name, content, reason):
    path = write(tmp_path, name, content)
    with pytest.raises(PermanentError) as raised:
        transcript_of(path)
    assert not isinstance(raised.value, EmptyTranscriptError)
    assert str(path) in str(raised.value)
    assert reason in str(raised.value)


def test_unreadable_files_fail_naming_the_file_and_still_have_an_id(tmp_path):
    folder_named_like_a_file = tmp_path / "folder.vtt"
    folder_named_like_a_file.mkdir()
    dangling = tmp_path / "gone.srt"
    dangling.symlink_to(tmp_path / "missing.srt")
    for path in (folder_named_like_a_file, dangling):
        with pytest.raises(PermanentError, match=re.escape(str(path)) + ".*cannot read"):
            transcript_of(path)
        assert file_video_id(path) == file_video_id(path)
    assert file_video_id(folder_named_like_a_file) != file_video_id(dangling)


# --- bundled examples ---------------------------------------------------------


def example(subject: str) -> Path:
    (path,) = find_transcript_files(EXAMPLES / subject)
    return path


def test_the_examples_folder_holds_three_subjects():
    found = find_transcript_files(EXAMPLES)
    assert sorted(path.parent.name for path in found) == ["Biology", "Geschichte", "Physics"]
    assert sum(path.stat().st_size for path in EXAMPLES.rglob("*") if path.is_file()) < 1_000_000


def test_physics_example_is_over_an_hour_with_sidecar_chapters():
    source = LocalTranscriptFile(example("Physics"))
    result = source.get_transcript("x")
    assert result["segments"][-1]["start"] + result["segments"][-1]["duration"] > 3600
    assert 8000 <= len(result["transcript"].split()) <= 9500
    assert result["language"] == "en"
    metadata = source.get_video_metadata("x")
    assert metadata.title and metadata.channel and metadata.duration_seconds > 3600
    assert 5 <= len(metadata.chapters) <= 8
    assert metadata.chapters[-1].start < metadata.duration_seconds


def test_german_example_is_a_srt_in_german():
    result = transcript_of(example("Geschichte"))
    assert result["track"] == "file:srt"
    assert result["language"] == "de"
    assert {"die", "der", "und"} <= set(result["transcript"].lower().split())
    assert 15 * 60 <= result["segments"][-1]["start"] <= 20 * 60


def test_biology_example_is_auto_caption_style_without_punctuation():
    result = transcript_of(example("Biology"))
    assert result["track"] == "file:json"
    assert not re.search(r"[.,;:!?A-Z]", result["transcript"])
    assert all(2 <= segment["duration"] <= 4 for segment in result["segments"])
    assert 15 * 60 <= result["segments"][-1]["start"] <= 20 * 60
